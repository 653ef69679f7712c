"""The sclerosant stock list (kept by the manager) and who received a lot."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import note_access
from core.forms import add_service_error
from treatments import lots
from treatments.lot_forms import LotFilterForm, LotForm
from treatments.models import SclerosantLot

LOTS_PAGE_SIZE = 50
RECIPIENTS_PAGE_SIZE = 50


def _get_lot(code) -> SclerosantLot:
    return get_object_or_404(SclerosantLot, code=code)


def _list_url() -> str:
    return reverse("treatments:lot-list")


@permission_required(lots.VIEW_PERM, raise_exception=True)
def lot_list(request: HttpRequest) -> HttpResponse:
    form = LotFilterForm(request.GET or None)
    status, agent = lots.LotStatus.ALL, ""
    if form.is_bound and form.is_valid():
        status = form.cleaned_data["status"] or lots.LotStatus.ALL
        agent = form.cleaned_data["agent"] or ""
    paginator = Paginator(lots.stock_list(status=status, agent=agent), LOTS_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page_obj": page_obj,
        "today": timezone.localdate(),
        "may_manage": request.user.has_perm(lots.MANAGE_PERM),
        "page_query": f"{query.urlencode()}&" if query else "",
        "page": "lots",
    }
    return render(request, "treatments/lots/lot_list.html", context)


@permission_required(lots.MANAGE_PERM, raise_exception=True)
def lot_add(request: HttpRequest) -> HttpResponse:
    form = LotForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lot = lots.lot_create(data=form.cleaned_data, user=request.user)
        except ValidationError as error:
            add_service_error(error, form)
        else:
            messages.success(
                request, _("Lot %(lot)s added to the stock list.") % {"lot": lot}
            )
            return redirect(_list_url())
    context = {"form": form, "lot": None, "page": "lots"}
    return render(request, "treatments/lots/lot_form.html", context)


@permission_required(lots.MANAGE_PERM, raise_exception=True)
def lot_edit(request: HttpRequest, code) -> HttpResponse:
    lot = _get_lot(code)
    form = LotForm(request.POST or None, instance=lot)
    if request.method == "POST" and form.is_valid():
        try:
            lots.lot_update(lot=lot, data=form.cleaned_data, user=request.user)
        except ValidationError as error:
            add_service_error(error, form)
        else:
            messages.success(
                request, _("Lot corrected; its history keeps the old values.")
            )
            return redirect(_list_url())
    context = {
        "form": form,
        "lot": lot,
        "history": lots.lot_history(lot),
        "page": "lots",
    }
    return render(request, "treatments/lots/lot_form.html", context)


@require_POST
@permission_required(lots.MANAGE_PERM, raise_exception=True)
def lot_close(request: HttpRequest, code) -> HttpResponse:
    lot = lots.lot_close(lot=_get_lot(code), user=request.user)
    messages.success(
        request,
        _("Lot %(lot)s closed: it is no longer offered for new injections.")
        % {"lot": lot},
    )
    return redirect(_list_url())


@require_POST
@permission_required(lots.MANAGE_PERM, raise_exception=True)
def lot_reopen(request: HttpRequest, code) -> HttpResponse:
    lot = lots.lot_reopen(lot=_get_lot(code), user=request.user)
    messages.success(request, _("Lot %(lot)s reopened.") % {"lot": lot})
    return redirect(_list_url())


@permission_required(lots.VIEW_PERM, raise_exception=True)
def lot_recipients(request: HttpRequest, code) -> HttpResponse:
    """The patients who received the lot: a page of sessions, newest first."""
    lot = _get_lot(code)
    paginator = Paginator(lots.recipient_sessions(lot), RECIPIENTS_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    shown = lots.recipients(page_obj)
    note_access(
        request,
        "lot-recipients",
        label=str(lot),
        count=len({r.session.patient_id for r in shown}),
    )
    context = {
        "lot": lot,
        "page_obj": page_obj,
        "recipients": shown,
        "today": timezone.localdate(),
        "page": "lots",
    }
    return render(request, "treatments/lots/lot_recipients.html", context)


def _cell(value: object) -> str:
    """Return the value as CSV text a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@permission_required(lots.VIEW_PERM, raise_exception=True)
def lot_recipients_csv(request: HttpRequest, code) -> HttpResponse:
    """Every injection of the lot, one row each, with the patient's contacts."""
    lot = _get_lot(code)
    rows = list(lots.recipient_rows(lot))
    filename = f"lot-{lot.lot_number}-recipients.csv"
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in filename)
    note_access(
        request,
        "lot-recipients-csv",
        label=str(lot),
        count=len({row.session.patient_id for row in rows}),
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Chart number"),
            _("Last name"),
            _("First name"),
            _("Date of birth"),
            _("Phone"),
            _("Email"),
            _("Session date"),
            _("Clinician"),
            _("Leg"),
            _("Site"),
            _("Volume (mL)"),
            _("Agent"),
            _("Concentration (%)"),
            _("Lot number"),
            _("Expiry date"),
        ]
    )
    for row in rows:
        session, patient = row.session, row.session.patient
        clinician = session.clinician
        writer.writerow(
            [
                _cell(value)
                for value in (
                    patient.chart_number,
                    patient.last_name,
                    patient.first_name,
                    patient.date_of_birth.isoformat(),
                    patient.phone,
                    patient.email,
                    f"{timezone.localtime(session.performed_at):%Y-%m-%d %H:%M}",
                    clinician.get_full_name() or clinician.get_username(),
                    row.get_leg_display(),
                    row.site or row.segment,
                    row.volume_ml,
                    lot.get_agent_display(),
                    lot.concentration_pct,
                    lot.lot_number,
                    lot.expiry_date.isoformat(),
                )
            ]
        )
    return response


@permission_required(lots.VIEW_PERM, raise_exception=True)
def lot_recipients_print(request: HttpRequest, code) -> HttpResponse:
    """Every session that used the lot, on one printable page."""
    lot = _get_lot(code)
    grouped = lots.group_by_session(lots.recipient_rows(lot))
    note_access(
        request,
        "lot-recipients-print",
        label=str(lot),
        count=len({r.session.patient_id for r in grouped}),
    )
    context = {
        "lot": lot,
        "recipients": grouped,
        "browser": True,
        "printed_at": timezone.localtime(),
        "back_url": reverse("treatments:lot-recipients", args=[lot.code]),
    }
    return render(request, "treatments/lots/lot_recipients_print.html", context)

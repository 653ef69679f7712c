"""Outcome statistics: the overview, the sessions over a limit, a CSV of months."""

from __future__ import annotations

import csv

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from core.access import note_access
from core.roles import clinician_label
from reporting import selectors as statistics
from reporting.forms import StatisticsFilterForm
from reporting.period import Period

OVERRIDES_PAGE_SIZE = 50


def _filter(request: HttpRequest) -> tuple[StatisticsFilterForm, Period]:
    form = StatisticsFilterForm(request.GET, today=timezone.localdate())
    form.is_valid()
    return form, form.period()


def _query(period: Period) -> str:
    """Return the query string that asks for `period` again."""
    params: dict[str, str | int] = {
        "from": period.first.isoformat(),
        "to": period.last.isoformat(),
    }
    if period.clinician is not None:
        params["clinician"] = period.clinician.pk
    return urlencode(params)


def _base_context(form, period: Period) -> dict:
    return {
        "form": form,
        "period": period,
        "query": _query(period),
        "clinician_name": clinician_label(period.clinician) if period.clinician else "",
        "page": "statistics",
    }


@permission_required("treatments.view_statistics", raise_exception=True)
def statistics_overview(request: HttpRequest) -> HttpResponse:
    form, period = _filter(request)
    context = _base_context(form, period)
    context["stats"] = statistics.clinic_statistics(period)
    return render(request, "reporting/statistics.html", context)


@permission_required("treatments.view_statistics", raise_exception=True)
def statistics_overrides(request: HttpRequest) -> HttpResponse:
    form, period = _filter(request)
    paginator = Paginator(statistics.override_sessions(period), OVERRIDES_PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    note_access(
        request,
        "statistics-overrides",
        query=_query(period),
        count=len({session.patient_id for session in page_obj}),
    )
    context = _base_context(form, period)
    context["page_obj"] = page_obj
    return render(request, "reporting/statistics_overrides.html", context)


@permission_required("treatments.view_statistics", raise_exception=True)
def statistics_export(request: HttpRequest) -> HttpResponse:
    _form, period = _filter(request)
    months = statistics.sessions_by_month(period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    filename = f"statistics-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Month"),
            _("Sessions"),
            _("Injections"),
            _("Foam injections"),
            _("Liquid injections"),
            _("Foam share (%)"),
            _("Sessions over a limit"),
        ]
    )
    for row in months:
        share = row.foam_share.pct
        writer.writerow(
            [
                row.month.strftime("%Y-%m"),
                row.sessions,
                row.injections,
                row.foam,
                row.liquid,
                "" if share is None else share,
                row.overrides,
            ]
        )
    return response

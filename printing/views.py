"""Aftercare sheets (PDF and browser print view), a day's sheets, the letterhead."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import note_access
from core.models import Letterhead
from core.pdf import render_pdf
from core.services import letterhead_update
from printing.aftercare import (
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from printing.forms import DayForm, LetterheadForm
from treatments.models import TreatmentSession

SHEET_TEMPLATE = "printing/pdf/aftercare.html"


def _get_printable_session(code) -> TreatmentSession:
    session = get_object_or_404(TreatmentSession.objects.all(), code=code)
    if session.is_voided:
        raise Http404(_("This session was voided; it has no aftercare sheet."))
    return sessions_for_sheets().get(pk=session.pk)


def _pdf_response(pdf: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@permission_required("treatments.print_aftercare", raise_exception=True)
def aftercare_pdf(request: HttpRequest, code) -> HttpResponse:
    session = _get_printable_session(code)
    sheets = sheets_for([session])
    pdf = render_pdf(SHEET_TEMPLATE, sheet_context(sheets))
    day = sheets[0].session_day.isoformat()
    filename = f"aftercare-{session.patient.chart_number}-{day}.pdf"
    note_access(request, "aftercare-pdf", patient=session.patient, label=filename)
    return _pdf_response(pdf, filename)


@permission_required("treatments.print_aftercare", raise_exception=True)
def aftercare_print(request: HttpRequest, code) -> HttpResponse:
    session = _get_printable_session(code)
    note_access(request, "aftercare-print", patient=session.patient)
    context = sheet_context(sheets_for([session]), browser=True)
    context["back_url"] = session.patient.get_absolute_url()
    return render(request, SHEET_TEMPLATE, context)


@permission_required("treatments.print_aftercare", raise_exception=True)
def aftercare_day(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("date"):
        data["date"] = timezone.localdate().isoformat()
    form = DayForm(data)
    sessions = []
    day = None
    if form.is_valid():
        day = form.cleaned_data["date"]
        sessions = list(sessions_on(day))
        # One sheet per session, so count is sheets (a patient may have two).
        note_access(request, "day-sheets", query=day.isoformat(), count=len(sessions))
        if request.GET.get("format") == "pdf":
            if not sessions:
                messages.info(request, _("No sessions on this day: nothing to print."))
                return redirect(
                    f"{reverse('printing:aftercare-day')}?date={day.isoformat()}"
                )
            pdf = render_pdf(SHEET_TEMPLATE, sheet_context(sheets_for(sessions)))
            note_access(
                request, "day-sheets-pdf", query=day.isoformat(), count=len(sessions)
            )
            return _pdf_response(pdf, f"aftercare-{day.isoformat()}.pdf")
    context = {"form": form, "day": day, "sessions": sessions, "page": "print"}
    return render(request, "printing/aftercare_day.html", context)


@permission_required("core.change_letterhead", raise_exception=True)
def letterhead_edit(request: HttpRequest) -> HttpResponse:
    form = LetterheadForm(request.POST or None, instance=Letterhead.current())
    if request.method == "POST" and form.is_valid():
        letterhead_update(data=form.cleaned_data, user=request.user)
        messages.success(request, _("Letterhead saved. New sheets use it."))
        return redirect("printing:letterhead-edit")
    return render(
        request, "printing/letterhead_form.html", {"form": form, "page": "print"}
    )

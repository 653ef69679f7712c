"""Aftercare sheets (PDF and browser print view), a day's sheets, the letterhead."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import note_access
from core.models import Letterhead
from core.pdf import render_pdf
from core.services import letterhead_update
from printing import dayjobs
from printing.aftercare import (
    SHEET_TEMPLATE,
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from printing.forms import DayForm, LetterheadForm
from printing.models import DaySheetsJob, JobStatus
from treatments.models import TreatmentSession


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


def _day_url(day) -> str:
    return f"{reverse('printing:aftercare-day')}?date={day.isoformat()}"


@permission_required("treatments.print_aftercare", raise_exception=True)
def aftercare_day(request: HttpRequest) -> HttpResponse:
    data = request.GET.copy()
    if not data.get("date"):
        data["date"] = timezone.localdate().isoformat()
    form = DayForm(data)
    sessions = []
    day = None
    job = None
    limit = dayjobs.inline_limit()
    if form.is_valid():
        day = form.cleaned_data["date"]
        sessions = list(sessions_on(day))
        # One sheet per session, so count is sheets (a patient may have two).
        note_access(request, "day-sheets", query=day.isoformat(), count=len(sessions))
        if request.GET.get("format") == "pdf":
            if not sessions:
                messages.info(request, _("No sessions on this day: nothing to print."))
                return redirect(_day_url(day))
            if len(sessions) > limit:
                # Too long for a request: the worker prepares it (the button).
                messages.info(
                    request,
                    _(
                        "A day of more than %(limit)d sheets is prepared in the "
                        "background: use the button to start it."
                    )
                    % {"limit": limit},
                )
                return redirect(_day_url(day))
            pdf = render_pdf(SHEET_TEMPLATE, sheet_context(sheets_for(sessions)))
            note_access(
                request, "day-sheets-pdf", query=day.isoformat(), count=len(sessions)
            )
            return _pdf_response(pdf, f"aftercare-{day.isoformat()}.pdf")
        job = dayjobs.latest_job(day)
    context = {
        "form": form,
        "day": day,
        "sessions": sessions,
        "page": "print",
        "in_background": len(sessions) > limit,
        "job": job,
        "job_stale": job is not None and dayjobs.is_stale(job),
    }
    return render(request, "printing/aftercare_day.html", context)


@permission_required("treatments.print_aftercare", raise_exception=True)
@require_POST
def day_sheets_job_start(request: HttpRequest) -> HttpResponse:
    form = DayForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pick a valid day."))
        return redirect("printing:aftercare-day")
    day = form.cleaned_data["date"]
    dayjobs.day_sheets_job_start(day=day, user=request.user)
    return redirect(_day_url(day))


def _get_job(code) -> DaySheetsJob:
    return get_object_or_404(DaySheetsJob.objects.all(), code=code)


@permission_required("treatments.print_aftercare", raise_exception=True)
def day_sheets_job_progress(request: HttpRequest, code) -> HttpResponse:
    """The job's progress, polled by the day page every 2 s while it runs."""
    job = _get_job(code)
    context = {"job": job, "job_stale": dayjobs.is_stale(job)}
    return render(request, "printing/_day_sheets_job.html", context)


@permission_required("treatments.print_aftercare", raise_exception=True)
def day_sheets_job_download(request: HttpRequest, code) -> FileResponse:
    job = _get_job(code)
    if job.status != JobStatus.DONE or not job.file:
        raise Http404(_("This PDF is not ready, or was removed after a day."))
    note_access(
        request,
        "day-sheets-pdf",
        query=job.day.isoformat(),
        count=job.sheets_total,
    )
    return FileResponse(
        job.file.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"aftercare-{job.day.isoformat()}.pdf",
    )


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

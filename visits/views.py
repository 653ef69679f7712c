"""Follow-up visits: agenda pages, worklist, booking, status actions, outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from clinics.scoping import user_site_ids
from core import roles
from core.access import note_access
from core.paging import AFTER, BEFORE, cursor_of, keyset_page
from core.pdf import render_pdf
from core.urls_safe import redirect_next
from patients.selectors import get_patient
from treatments.models import TreatmentSession
from visits import ics, selectors, services, slip
from visits import models as visit_models
from visits.forms import (
    Staff,
    VisitBookForm,
    VisitOutcomeForm,
    VisitRescheduleForm,
    VisitStatusForm,
    booking_initial,
    booking_page_context,
    prefill_from_query,
    status_forms,
)
from visits.models import FollowUpVisit

# As the patient list: a tablet's screen of rows, each with its phone, dates
# and Book link rendered (most of the page's time once the rows are read).
WORKLIST_PAGE_SIZE = 25


def _get_visit(code, user: Any) -> FollowUpVisit:
    """The visit, or 404 when it is at a site `user` does not work at."""
    visits = FollowUpVisit.objects.select_related("patient", "clinician", "session")
    site_ids = user_site_ids(user)
    if site_ids is not None:
        visits = visits.filter(site_id__in=site_ids)
    return get_object_or_404(visits, code=code)


def _next_url(request: HttpRequest, visit: FollowUpVisit) -> HttpResponse:
    """Redirect to the posted `next` if it is a path of this site, else to the
    visit (core.urls_safe: never a view name)."""
    return redirect_next(request, visit.get_absolute_url())


def _submit(
    request: HttpRequest,
    form: Any,
    write: Callable[[dict[str, Any]], FollowUpVisit],
    done: str,
) -> HttpResponse | None:
    """On a valid POST, run the service: redirect to the visit it returns, or
    put its refusal on the form (and return None to show the form again)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        visit = write(form.cleaned_data)
    except ValidationError as error:
        form.add_service_error(error)
        return None
    messages.success(request, done)
    return redirect(visit)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _when(visit: FollowUpVisit) -> str:
    """Return the visit's clinic date and time, for the access log."""
    return f"{timezone.localtime(visit.starts_at):%Y-%m-%d %H:%M}"


# --- agenda pages (the day and week grids are in visits.views_agenda) -------


@permission_required("visits.view_followupvisit", raise_exception=True)
def worklist(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    sessions = selectors.worklist_sessions()
    # Only the sessions of the sites the user works at.
    if (site_ids := user_site_ids(request.user)) is not None:
        sessions = sessions.filter(site_id__in=site_ids)
    if "page" in request.GET:
        # Pages were once numbered: an old link or bookmark opens the first.
        return redirect(request.path)
    direction, cursor = cursor_of(request.GET)
    # Read by keyset, most overdue first: no count of the whole list and no
    # OFFSET, however many sessions await a follow-up.
    page = keyset_page(
        sessions,
        order=("performed_at", "id"),
        size=WORKLIST_PAGE_SIZE,
        direction=direction,
        cursor=TreatmentSession.objects.filter(code=cursor) if cursor else None,
    )
    if cursor and not page.rows:
        # Before the first row, or a session no longer on the list.
        return redirect(request.path)
    rows = selectors.worklist_rows(page, today)
    where = f"after {cursor}" if cursor and direction == AFTER else "first page"
    if cursor and direction == BEFORE:
        where = f"before {cursor}"
    note_access(request, "worklist", query=where, count=len(rows))
    context = {
        "rows": rows,
        "page_obj": page,
        "first_url": request.path,
        "previous_url": f"{request.path}?{BEFORE}={page.rows[0].code}"
        if page.rows
        else "",
        "next_url": f"{request.path}?{AFTER}={page.rows[-1].code}" if page.rows else "",
        "lookback_days": selectors.WORKLIST_LOOKBACK_DAYS,
        "page": "worklist",
    }
    return render(request, "visits/worklist.html", context)


# --- one visit -----------------------------------------------------------------


@permission_required("visits.add_followupvisit", raise_exception=True)
def visit_create(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    note_access(request, "visit-form", patient=patient)
    durations = None
    staff = None
    if request.method == "POST":
        initial: dict = {}
        suggestion = None
    else:
        durations = visit_models.VisitType.durations()
        # The clinicians and their hours, read once for the slot proposed,
        # the menu and the banner.
        staff = Staff.read()
        initial, suggestion = booking_initial(
            patient, request.GET, request.user, durations=durations, staff=staff
        )
    form = VisitBookForm(
        request.POST or None,
        patient=patient,
        initial=initial,
        user=request.user,
        clinicians=staff.clinicians if staff is not None else None,
    )
    booked = _submit(
        request,
        form,
        lambda data: services.visit_book(
            patient=patient,
            clinician=data["clinician"],
            starts_at=data["starts_at"],
            duration_min=data["duration_min"],
            purpose=data["purpose"],
            session=data["session"],
            user=request.user,
            site=data["site"],
            override_reason=data["override_reason"],
        ),
        _("Visit booked."),
    )
    if booked:
        return booked
    context = {
        "form": form,
        "patient": patient,
        "suggestion": suggestion,
        "title": _("Book a follow-up visit"),
        "page": "agenda",
        **booking_page_context(form, durations=durations, staff=staff),
    }
    return render(request, "visits/visit_form.html", context)


@permission_required("visits.view_followupvisit", raise_exception=True)
def visit_detail(request: HttpRequest, code) -> HttpResponse:
    visit = _get_visit(code, request.user)
    note_access(request, "visit", patient=visit.patient, label=_when(visit))
    visit.actions = visit.allowed_actions()
    context = {
        "visit": visit,
        "patient": visit.patient,
        "clinician_label": roles.clinician_label(visit.clinician),
        "clinical": roles.sees_clinical_detail(request.user),
        "page": "agenda",
        **status_forms(),
    }
    return render(request, "visits/visit_detail.html", context)


@permission_required("visits.change_followupvisit", raise_exception=True)
def visit_reschedule(request: HttpRequest, code) -> HttpResponse:
    visit = _get_visit(code, request.user)
    note_access(request, "visit-form", patient=visit.patient, label=_when(visit))
    local = timezone.localtime(visit.starts_at)
    initial = {
        "date": local.date(),
        "time": local.time(),
        "duration_min": visit.duration_min,
        "clinician": visit.clinician,
        "site": visit.site,
        "version": visit.version,
    }
    # A link from the agenda (a free slot) proposes where to move it.
    initial.update(prefill_from_query(request.GET))
    form = VisitRescheduleForm(request.POST or None, initial=initial, user=request.user)
    moved = _submit(
        request,
        form,
        lambda data: services.visit_reschedule(
            visit=visit,
            starts_at=data["starts_at"],
            duration_min=data["duration_min"],
            clinician=data["clinician"],
            expected_version=data["version"],
            user=request.user,
            site=data["site"],
            reason=data["reason"],
            override_reason=data["override_reason"],
        ),
        _("Visit moved."),
    )
    if moved:
        return moved
    context = {
        "form": form,
        "patient": visit.patient,
        "visit": visit,
        "title": _("Move the visit"),
        "page": "agenda",
        **booking_page_context(form),
    }
    return render(request, "visits/visit_form.html", context)


def _status_action(request, code, *, reasons, action, done) -> HttpResponse:
    visit = _get_visit(code, request.user)
    try:
        if reasons:
            form = VisitStatusForm(request.POST, reasons=reasons)
            if not form.is_valid():
                messages.error(request, _("Choose a reason."))
                return _next_url(request, visit)
            action(
                visit=visit,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        else:
            action(visit=visit, user=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, done % {"patient": visit.patient.full_name, "time": _hhmm(visit)}
        )
    return _next_url(request, visit)


def _hhmm(visit: FollowUpVisit) -> str:
    return f"{timezone.localtime(visit.starts_at):%H:%M}"


@require_POST
@permission_required("visits.change_followupvisit", raise_exception=True)
def visit_cancel(request: HttpRequest, code) -> HttpResponse:
    return _status_action(
        request,
        code,
        reasons=visit_models.CANCEL_REASONS,
        action=services.visit_cancel,
        done=_("Visit of %(patient)s at %(time)s cancelled."),
    )


@require_POST
@permission_required("visits.change_followupvisit", raise_exception=True)
def visit_arrive(request: HttpRequest, code) -> HttpResponse:
    return _status_action(
        request,
        code,
        reasons=(),
        action=services.visit_mark_arrived,
        done=_("%(patient)s (%(time)s) has arrived."),
    )


@require_POST
@permission_required("visits.change_followupvisit", raise_exception=True)
def visit_no_show(request: HttpRequest, code) -> HttpResponse:
    return _status_action(
        request,
        code,
        reasons=visit_models.NO_SHOW_REASONS,
        action=services.visit_mark_no_show,
        done=_("%(patient)s (%(time)s) marked as no-show."),
    )


@permission_required("visits.record_outcome", raise_exception=True)
def visit_outcome(request: HttpRequest, code) -> HttpResponse:
    visit = _get_visit(code, request.user)
    note_access(request, "visit-form", patient=visit.patient, label=_when(visit))
    form = VisitOutcomeForm(request.POST or None, instance=visit)
    recorded = _submit(
        request,
        form,
        lambda data: services.visit_complete(
            visit=visit,
            clearance_pct=data["clearance_pct"],
            adverse_events=data["adverse_events"],
            adverse_event_notes=data["adverse_event_notes"],
            satisfaction=data["satisfaction"],
            plan=data["plan"],
            outcome_notes=data["outcome_notes"],
            expected_version=data["version"],
            user=request.user,
        ),
        _("Outcome recorded."),
    )
    if recorded:
        return recorded
    context = {
        "form": form,
        "visit": visit,
        "patient": visit.patient,
        "clinician_label": roles.clinician_label(visit.clinician),
        "page": "agenda",
    }
    return render(request, "visits/visit_outcome_form.html", context)


@permission_required("visits.view_followupvisit", raise_exception=True)
def visit_ics(request: HttpRequest, code) -> HttpResponse:
    visit = _get_visit(code, request.user)
    body = ics.visit_calendar_bytes(visit)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    local = timezone.localtime(visit.starts_at)
    filename = f"visit-{local:%Y%m%d-%H%M}.ics"
    note_access(request, "ics", patient=visit.patient, label=filename)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@permission_required("visits.view_followupvisit", raise_exception=True)
def visit_slip(request: HttpRequest, code) -> HttpResponse:
    """The appointment slip (PDF, A6) in the patient's language."""
    visit = _get_visit(code, request.user)
    if not visit.can_print_slip:
        messages.warning(request, slip.refusal_message(visit))
        return redirect(visit)
    with translation.override(visit.patient.language):
        context = slip.slip_context(visit)
        pdf = render_pdf("visits/pdf/visit_slip.html", context)
    local = timezone.localtime(visit.starts_at)
    filename = f"appointment-{visit.patient.chart_number}-{local:%Y%m%d-%H%M}.pdf"
    note_access(request, "visit-slip", patient=visit.patient, label=filename)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response

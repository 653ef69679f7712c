"""The patient record: the timeline under its alert header, the audit trail,
and merging two charts of the same person."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.selectors import consents_of
from core.access import note_access
from core.forms import add_service_error
from core.roles import sees_clinical_detail
from outcomes.selectors import VIEW_PERM as QUESTIONNAIRES_PERM
from outcomes.selectors import questionnaires_panel
from outcomes.trends import patient_trend_charts
from patients.forms import ArchiveForm
from patients.models import Patient
from patients.selectors import contact_consent_of, get_patient
from records import services
from records.audit import AuditPage, Cursor, audit_trail
from records.export import export_filename, patient_export
from records.forms import AuditFilterForm, MergeForm
from records.moves import SHOWN, visits_to_move
from records.selectors import chart_contents
from records.timeline import ALL, EARLIER, RECENT, build_timeline


@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, code) -> HttpResponse:
    """Show the patient's alerts and timeline (fixed number of queries).

    The timeline shows the recent past and the plan; ?all=1 shows every
    entry, and htmx fetches only the earlier ones with ?earlier=1.
    """
    patient = get_patient(code)
    if request.GET.get("earlier") and request.headers.get("HX-Request"):
        note_access(request, "patient-earlier", patient=patient)
        timeline = build_timeline(patient, user=request.user, show=EARLIER)
        return render(
            request,
            "records/timeline_earlier.html",
            {"patient": patient, "timeline": timeline},
        )
    note_access(request, "patient", patient=patient)
    show = ALL if request.GET.get("all") or request.GET.get("earlier") else RECENT
    timeline = build_timeline(patient, user=request.user, show=show)
    questionnaires = (
        questionnaires_panel(patient)
        if request.user.has_perm(QUESTIONNAIRES_PERM)
        else None
    )
    context = {
        "patient": patient,
        "timeline": timeline,
        "archive_form": ArchiveForm(),
        "consents": consents_of(patient),
        "contact_consent": contact_consent_of(patient),
        "questionnaires": questionnaires,
        # CEAP, VCSS and symptom score per leg: clinical scores, not for
        # front desk (3 queries whatever the history; 2 with the panel's
        # responses).
        "trend_charts": (
            patient_trend_charts(
                patient,
                responses=(
                    [row.response for row in questionnaires.rows]
                    if questionnaires is not None
                    else None
                ),
            )
            if sees_clinical_detail(request.user)
            else None
        ),
        "page": "patients",
    }
    return render(request, "records/patient_detail.html", context)


# Changes per page: the clinic-wide page, and one patient's.
AUDIT_PAGE_SIZE = 50
PATIENT_HISTORY_PAGE_SIZE = 100
_FILTER_KEYS = ("user", "from", "to")


def _audit_context(
    request: HttpRequest, *, patient: Patient | None, size: int
) -> dict[str, Any]:
    """Return the filter form, the page of changes and the links to the
    first and the next page (which keep the filter)."""
    form = AuditFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    after = Cursor.parse(request.GET.get("after"))
    page: AuditPage = audit_trail(
        patient=patient, after=after, size=size, **form.filters()
    )
    query = QueryDict(mutable=True)
    for key in _FILTER_KEYS:
        if request.GET.get(key):
            query[key] = request.GET[key]
    first_query = query.urlencode()
    next_query = None
    if page.next_cursor is not None:
        query["after"] = str(page.next_cursor)
        next_query = query.urlencode()
    return {
        "form": form,
        "entries": page.entries,
        "is_first_page": after is None,
        "first_query": first_query,
        "next_query": next_query,
    }


@permission_required("patients.view_audit_trail", raise_exception=True)
def patient_history(request: HttpRequest, code) -> HttpResponse:
    """Show who changed what in the patient's records, newest first."""
    patient = get_patient(code)
    note_access(request, "history", patient=patient)
    context = _audit_context(request, patient=patient, size=PATIENT_HISTORY_PAGE_SIZE)
    context.update({"patient": patient, "page": "patients"})
    return render(request, "records/patient_history.html", context)


@permission_required("patients.view_audit_trail", raise_exception=True)
def audit(request: HttpRequest) -> HttpResponse:
    """Show every change to patients and clinical records in the clinic."""
    context = _audit_context(request, patient=None, size=AUDIT_PAGE_SIZE)
    shown = {e.patient.pk for e in context["entries"] if e.patient is not None}
    note_access(request, "changes", count=len(shown))
    context["page"] = "audit"
    return render(request, "records/audit.html", context)


@permission_required("patients.merge_patient", raise_exception=True)
def patient_merge(request: HttpRequest, code) -> HttpResponse:
    """Merge this chart into another one, after a confirmation page.

    The first post checks the chart number and the reason and shows both
    charts side by side; the second (with confirm) merges.
    """
    patient = get_patient(code)
    note_access(request, "merge", patient=patient)
    form = MergeForm(request.POST or None, patient=patient)
    other = None
    if request.method == "POST" and not patient.is_archived and form.is_valid():
        other = form.other_patient
        assert other is not None
        if form.cleaned_data["confirm"]:
            try:
                services.patient_merge(
                    keep=other,
                    merge=patient,
                    user=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_error(error, form)
                other = None
            else:
                messages.success(
                    request,
                    _(
                        "Chart %(merged)s merged into %(kept)s and archived. "
                        "Nothing was deleted."
                    )
                    % {"merged": patient.chart_number, "kept": other.chart_number},
                )
                return redirect(other)
    context = {
        "patient": patient,
        "form": form,
        "other": other,
        "contents": chart_contents(patient),
        "other_contents": chart_contents(other) if other else None,
        "page": "patients",
    }
    return render(request, "records/patient_merge.html", context)


@permission_required("patients.export_patient", raise_exception=True)
def patient_data_export(request: HttpRequest, code) -> HttpResponse:
    """GET: say what the file holds; POST: send it, as a JSON attachment.

    The export is noted in the access log (kind "patient-export"), which the
    next export of the same patient then holds.
    """
    patient = get_patient(code)
    if request.method != "POST":
        context = {"patient": patient, "page": "patients"}
        return render(request, "records/patient_export.html", context)
    now = timezone.now()
    filename = export_filename(patient, now)
    data = patient_export(patient, user=request.user, now=now)
    note_access(request, "patient-export", patient=patient, label=filename)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@permission_required("visits.view_followupvisit", raise_exception=True)
def visits_to_move_list(request: HttpRequest) -> HttpResponse:
    """Booked visits the hours, closures or absences no longer allow
    (?site=, ?clinician=, ?absences=1): the sites and absences pages load it
    after a change, the front desk moves them from here."""
    site_id = _int(request.GET.get("site"))
    clinician_id = _int(request.GET.get("clinician"))
    absences = request.GET.get("absences") == "1"
    found = []
    if site_id is not None or clinician_id is not None or absences:
        found = visits_to_move(
            user=request.user,
            site_id=site_id,
            clinician_id=clinician_id,
            absent_clinicians=absences,
        )
    query = request.GET.urlencode()[:200]
    note_access(request, "visits-to-move", query=query, count=len(found))
    template = (
        "records/visits_to_move.html"
        if request.headers.get("HX-Request")
        else "records/visits_to_move_page.html"
    )
    context = {"found": found[:SHOWN], "total": len(found), "page": "agenda"}
    return render(request, template, context)

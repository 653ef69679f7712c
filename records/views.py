"""The patient record: the timeline under its alert header, and the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from patients.forms import ArchiveForm
from patients.selectors import get_patient
from records.audit import patient_audit_trail
from records.timeline import ALL, EARLIER, RECENT, build_timeline


@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, code) -> HttpResponse:
    """Show the patient's alerts and timeline (fixed number of queries).

    The timeline shows the recent past and the plan; ?all=1 shows every
    entry, and htmx fetches only the earlier ones with ?earlier=1.
    """
    patient = get_patient(code)
    if request.GET.get("earlier") and request.headers.get("HX-Request"):
        timeline = build_timeline(patient, user=request.user, show=EARLIER)
        return render(
            request,
            "records/timeline_earlier.html",
            {"patient": patient, "timeline": timeline},
        )
    show = ALL if request.GET.get("all") or request.GET.get("earlier") else RECENT
    timeline = build_timeline(patient, user=request.user, show=show)
    context = {
        "patient": patient,
        "timeline": timeline,
        "archive_form": ArchiveForm(),
        "page": "patients",
    }
    return render(request, "records/patient_detail.html", context)


@permission_required("patients.view_audit_trail", raise_exception=True)
def patient_history(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    context = {
        "patient": patient,
        "entries": patient_audit_trail(patient),
        "page": "patients",
    }
    return render(request, "records/patient_history.html", context)

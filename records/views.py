"""The patient record: the timeline under its alert header, the audit trail,
and merging two charts of the same person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.access import note_access
from core.forms import add_service_error
from patients.forms import ArchiveForm
from patients.selectors import get_patient
from records import services
from records.audit import patient_audit_trail
from records.forms import MergeForm
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
    note_access(request, "history", patient=patient)
    context = {
        "patient": patient,
        "entries": patient_audit_trail(patient),
        "page": "patients",
    }
    return render(request, "records/patient_history.html", context)


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

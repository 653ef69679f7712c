"""Doppler assessments: create and edit the segment grid, read, void."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import note_access
from core.forms import NoteForm, SignForm, VoidForm, add_service_error
from core.roles import sees_clinical_detail
from doppler import legmap, services
from doppler.forms import (
    SEGMENT_GROUPS,
    DopplerAssessmentForm,
    SegmentGridForm,
)
from doppler.models import DopplerAddendum, DopplerAssessment
from doppler.segments import reflux_cutoff_s
from doppler.selectors import assessment_as_signed
from patients.models import Leg, Patient
from patients.selectors import get_patient


def _get_assessment(code) -> DopplerAssessment:
    queryset = DopplerAssessment.objects.select_related(
        "patient", "examiner", "voided_by", "signed_by"
    ).prefetch_related(
        "findings",
        Prefetch(
            "addenda",
            queryset=DopplerAddendum.objects.select_related("author").order_by(
                "created_at", "id"
            ),
        ),
    )
    return get_object_or_404(queryset, code=code)


def _both_valid(form: DopplerAssessmentForm, grid: SegmentGridForm) -> bool:
    """Validate both forms (no short-circuit) so every error shows at once."""
    form_ok = form.is_valid()
    grid_ok = grid.is_valid()
    return form_ok and grid_ok


def _render_form(
    request: HttpRequest, patient: Patient, form, grid, assessment=None
) -> HttpResponse:
    context = {
        "patient": patient,
        "assessment": assessment,
        "form": form,
        "grid": grid,
        "grid_groups": grid.groups(),
        "amending": "amend_reason" in form.fields,
        "page": "patients",
    }
    return render(request, "doppler/doppler_form.html", context)


@permission_required("doppler.add_dopplerassessment", raise_exception=True)
def doppler_create(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    note_access(request, "doppler-form", patient=patient)
    form = DopplerAssessmentForm(request.POST or None, user=request.user)
    grid = SegmentGridForm(request.POST or None)
    if request.method == "POST" and _both_valid(form, grid):
        try:
            assessment = services.doppler_create(
                patient=patient, findings=grid.findings(), **form.service_fields()
            )
        except ValidationError as exc:
            add_service_error(exc, grid, form)
        else:
            messages.success(request, _("Doppler assessment saved."))
            return redirect(assessment)
    return _render_form(request, patient, form, grid)


@permission_required("doppler.change_dopplerassessment", raise_exception=True)
def doppler_edit(request: HttpRequest, code) -> HttpResponse:
    assessment = _get_assessment(code)
    if assessment.is_voided:
        messages.error(
            request, _("This assessment is voided and can no longer be changed.")
        )
        return redirect(assessment)
    if not services.may_change_assessment(request.user, assessment):
        messages.error(request, services.not_yours_message(assessment))
        return redirect(assessment)
    label = f"{assessment.assessed_on:%Y-%m-%d}"
    note_access(request, "doppler-form", patient=assessment.patient, label=label)
    amending = services.needs_amend_reason(request.user, assessment)
    initial = SegmentGridForm.initial_from(list(assessment.findings.all()))
    form = DopplerAssessmentForm(
        request.POST or None, instance=assessment, amending=amending
    )
    grid = SegmentGridForm(request.POST or None, initial=initial)
    if request.method == "POST" and _both_valid(form, grid):
        try:
            assessment = services.doppler_update(
                assessment=assessment,
                findings=grid.findings(),
                expected_version=form.expected_version,
                user=request.user,
                amend_reason=form.cleaned_data.get("amend_reason", ""),
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_error(exc, grid, form)
        else:
            messages.success(
                request,
                _("Amendment saved; the addendum shows what changed.")
                if amending
                else _("Changes saved."),
            )
            return redirect(assessment)
    return _render_form(request, assessment.patient, form, grid, assessment)


def _segment_rows(assessment: DopplerAssessment) -> list[dict[str, Any]]:
    """Return the recorded segments, grouped, with the right and left finding."""
    by_key = {(f.leg, f.segment): f for f in assessment.findings.all()}
    groups = []
    for label, segments in SEGMENT_GROUPS:
        rows = []
        for segment in segments:
            sides = [by_key.get((leg, segment.value)) for leg in (Leg.RIGHT, Leg.LEFT)]
            if any(sides):
                rows.append(
                    {
                        "segment": segment.value,
                        "label": segment.label,
                        "cutoff_s": reflux_cutoff_s(segment),
                        "sides": sides,
                    }
                )
        if rows:
            groups.append({"label": label, "rows": rows})
    return groups


@permission_required("doppler.view_dopplerassessment", raise_exception=True)
def doppler_detail(request: HttpRequest, code) -> HttpResponse:
    assessment = _get_assessment(code)
    label = f"{assessment.assessed_on:%Y-%m-%d}"
    note_access(request, "doppler", patient=assessment.patient, label=label)
    user = request.user
    context = {
        "assessment": assessment,
        "patient": assessment.patient,
        "segment_groups": _segment_rows(assessment),
        "void_form": VoidForm(),
        "addenda": list(assessment.addenda.all()),
        "owner_ids": {assessment.examiner_id},
        "may_change": services.may_change_assessment(user, assessment),
        "may_sign": user.has_perm(services.SIGN_PERM)
        and user.pk == assessment.examiner_id
        and not assessment.is_signed
        and not assessment.is_voided,
        "sign_form": SignForm(initial={"version": assessment.version}),
        "page": "patients",
    }
    if sees_clinical_detail(user):
        # Front desk never gets the map: its colours are findings.
        context["leg_map"] = legmap.assessment_map(assessment)
        context["leg_map_legend"] = legmap.legend()
    if request.GET.get("as_signed"):
        context["show_as_signed"] = True
        context["as_signed"] = assessment_as_signed(assessment)
    return render(request, "doppler/doppler_detail.html", context)


@require_POST
@permission_required(services.SIGN_PERM, raise_exception=True)
def doppler_sign(request: HttpRequest, code) -> HttpResponse:
    assessment = get_object_or_404(DopplerAssessment, code=code)
    if request.user.pk != assessment.examiner_id:
        raise PermissionDenied(_("Only the examiner signs a Doppler assessment."))
    form = SignForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        services.doppler_sign(
            assessment=assessment, user=request.user, expected_version=version
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(assessment)
    messages.success(
        request,
        _("Assessment signed. Later changes are addenda beside the original."),
    )
    return redirect(assessment)


@permission_required(services.ADDENDUM_PERM, raise_exception=True)
def doppler_addendum(request: HttpRequest, code) -> HttpResponse:
    """Add a note to an assessment; any clinician, signed or not."""
    assessment = get_object_or_404(
        DopplerAssessment.objects.select_related("patient"), code=code
    )
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.doppler_addendum_add(
                assessment=assessment, user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as exc:
            add_service_error(exc, form)
        else:
            messages.success(request, _("Note added to the assessment."))
            return redirect(assessment)
    label = f"{assessment.assessed_on:%Y-%m-%d}"
    note_access(request, "doppler-form", patient=assessment.patient, label=label)
    context = {
        "form": form,
        "record": assessment,
        "patient": assessment.patient,
        "title": _("Add a note to the Doppler of %(date)s") % {"date": label},
        "page": "patients",
    }
    return render(request, "core/addendum_form.html", context)


@require_POST
@permission_required("doppler.change_dopplerassessment", raise_exception=True)
def doppler_void(request: HttpRequest, code) -> HttpResponse:
    assessment = _get_assessment(code)
    form = VoidForm(request.POST)
    if not form.is_valid():
        # ErrorList[i] is the message text; the stubs lack its __getitem__.
        messages.error(request, form.errors["reason"][0])  # type: ignore[arg-type]
        return redirect(assessment)
    if not services.may_change_assessment(request.user, assessment):
        messages.error(request, services.not_yours_message(assessment))
        return redirect(assessment)
    try:
        services.doppler_void(
            assessment=assessment, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(assessment)
    messages.success(request, _("Assessment voided. It stays on record."))
    return redirect(assessment)

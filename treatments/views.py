"""Treatment sessions: record, read, edit and void; htmx rows and live totals."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clinics.selectors import several_sites
from core import roles
from core.access import note_access
from core.forms import SignForm, VoidForm, add_service_error
from core.models import AddendumKind
from patients.models import Patient
from patients.selectors import get_patient
from treatments import legmap, presets, services
from treatments.forms import (
    TREATABLE_SEGMENTS,
    InjectionForm,
    SessionAddendumForm,
    SessionForm,
    injection_formset,
)
from treatments.models import Injection, SessionAddendum, TreatmentSession
from treatments.review import session_review
from treatments.selectors import session_as_signed

PREFIX = "injections"
OVERRIDE_PERM = services.OVERRIDE_PERM


def _get_session(code) -> TreatmentSession:
    return get_object_or_404(
        TreatmentSession.objects.select_related(
            "patient",
            "clinician",
            "site",
            "doppler",
            "limit_override_by",
            "voided_by",
            "created_by",
            "signed_by",
            "consent_record__text",
        ).prefetch_related(
            Prefetch(
                "injections",
                queryset=Injection.objects.select_related("lot").order_by("id"),
            ),
            Prefetch(
                "addenda",
                queryset=SessionAddendum.objects.select_related("author").order_by(
                    "created_at", "id"
                ),
            ),
        ),
        code=code,
    )


def _when(session: TreatmentSession) -> str:
    """Return the session's clinic date and time, for the access log."""
    return f"{localtime(session.performed_at):%Y-%m-%d %H:%M}"


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def _active_injections(session: TreatmentSession):
    return (
        Injection.objects.filter(session=session, voided_at__isnull=True)
        .select_related("lot")
        .order_by("id")
    )


def _put_errors(error: services.SessionRefused, form: SessionForm, formset) -> None:
    """Put a service refusal back on the form fields and injection rows."""
    session_errors = {
        name: messages_
        for name, messages_ in error.message_dict.items()
        if name not in ("injections", "patient", "clinician")
    }
    if session_errors:
        add_service_error(ValidationError(session_errors), form)
    kept = formset.kept_forms()
    for index, fields in error.row_errors.items():
        row = kept[index] if index < len(kept) else None
        for name, messages_ in fields.items():
            for message in messages_:
                if row is None:
                    form.add_error(None, message)
                else:
                    row.add_error(None if name == NON_FIELD_ERRORS else name, message)
    if "injections" in error.message_dict and not error.row_errors:
        for message in error.message_dict["injections"]:
            form.add_error(None, message)


def _review_for(form: SessionForm, formset, patient: Patient, session=None):
    """Return the service's review of whatever the form holds that is valid.

    Each row form gets `row_index`, `derived_values` (liquid mL, mg) when it
    counts, and `notes` (guidance for that row) for the templates.
    """
    counted = []
    for row in formset.forms:
        row.row_index = int(row.prefix.rsplit("-", 1)[1])
        row.derived_values, row.notes = None, []
        if row.is_bound:
            counts = (
                row.is_valid()
                and not row.is_void
                and bool(row.instance.pk or row.has_changed())
            )
        else:
            counts = bool(row.instance.pk)
        if counts:
            counted.append(row)
    data = (getattr(form, "cleaned_data", None) or {}) if form.is_bound else {}
    if not form.is_bound:
        instance = form.instance
        data = {
            "performed_at": instance.performed_at if instance.pk else None,
            "weight_kg": instance.weight_kg if instance.pk else patient.weight_kg,
            "doppler": instance.doppler if instance.pk else None,
            "compression": instance.compression if instance.pk else None,
            "bandage_days": instance.bandage_days,
            "stocking_class": instance.stocking_class,
        }
    review = session_review(
        patient=patient,
        performed_at=data.get("performed_at"),
        weight_kg=data.get("weight_kg"),
        doppler=data.get("doppler"),
        injections=[row.instance for row in counted],
        session=session,
        compression=data.get("compression"),
        bandage_days=data.get("bandage_days"),
        stocking_class=data.get("stocking_class"),
    )
    for position, row in enumerate(counted):
        row.derived_values = (row.instance.liquid_ml, row.instance.dose_mg)
        row.notes = review.row_notes.get(position, [])
    return review


def _form_context(request, form, formset, patient, session=None) -> dict:
    review = _review_for(form, formset, patient, session)
    return {
        "form": form,
        "formset": formset,
        "patient": patient,
        "session": session,
        "review": review,
        "can_override": request.user.has_perm(OVERRIDE_PERM),
        "confirm_checked": form.is_bound and bool(form.data.get("confirm_override")),
        "presets": presets.presets_for_page(),
        "page": "patients",
        **_form_map_context(form, formset, patient),
    }


def _form_map_context(form, formset, patient: Patient) -> dict:
    """The leg map card: the rows' markers over the reflux of the chosen
    Doppler (or the latest one); every Doppler's reflux for the page's script."""
    underlays = legmap.underlays_for_patient(patient.pk)
    latest = legmap.latest_doppler_id(patient.pk)
    chosen = str(form["doppler"].value() or "") or str(latest or "")
    return {
        "leg_map": legmap.form_map(
            markers=legmap.row_markers(formset.forms),
            underlay=underlays.get(chosen, []),
        ),
        "leg_map_underlays": underlays,
        "leg_map_latest": latest or "",
        "leg_map_legend": legmap.legend(),
        "leg_map_underlay_legend": legmap.underlay_legend(),
        "marker_unset": legmap.MARKER_UNSET,
    }


def _save(request, form, formset, *, patient, session=None):
    """Call the service; return the saved session or None after putting errors back."""
    override = form.cleaned_data.get("limit_override_reason", "")
    confirmed = bool(form.cleaned_data.get("confirm_override"))
    try:
        if session is None:
            return services.session_create(
                patient=patient,
                clinician=request.user,
                data=form.cleaned_data,
                injections=formset.rows(),
                override_reason=override,
                override_confirmed=confirmed,
                user=request.user,
            )
        return services.session_update(
            session=session,
            expected_version=form.cleaned_data.get("version") or 0,
            data=form.cleaned_data,
            injections=formset.rows(),
            override_reason=override,
            override_confirmed=confirmed,
            amend_reason=form.cleaned_data.get("amend_reason", ""),
            user=request.user,
        )
    except services.SessionRefused as error:
        _put_errors(error, form, formset)
        return None


@permission_required("treatments.add_treatmentsession", raise_exception=True)
def session_create(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    note_access(request, "session-form", patient=patient)
    can_override = request.user.has_perm(OVERRIDE_PERM)
    # ?repeat=last: the rows and compression of the last session, to change.
    plan = None
    if request.method == "GET" and request.GET.get("repeat") == "last":
        plan = presets.last_plan(patient)
        if plan is None:
            messages.info(request, _("There is no earlier session to repeat."))
        else:
            note_access(
                request, "session-plan", patient=patient, label=_when(plan.source)
            )
    FormSet = injection_formset(extra=len(plan.rows) if plan else 1)
    form = SessionForm(
        request.POST or None,
        patient=patient,
        can_override=can_override,
        initial=plan.session if plan else None,
        user=request.user,
    )
    formset = FormSet(
        request.POST or None, prefix=PREFIX, initial=plan.rows if plan else None
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        session = _save(request, form, formset, patient=patient)
        if session is not None:
            messages.success(request, _("Session recorded."))
            return redirect(session)
    context = _form_context(request, form, formset, patient)
    context["repeated_from"] = plan.source if plan else None
    context["plan_available"] = not form.is_bound and presets.plan_available(patient)
    return render(request, "treatments/session_form.html", context)


@permission_required("treatments.change_treatmentsession", raise_exception=True)
def session_edit(request: HttpRequest, code) -> HttpResponse:
    session = get_object_or_404(
        TreatmentSession.objects.select_related("patient", "clinician"), code=code
    )
    if session.is_voided:
        messages.error(request, _("A voided session cannot be edited."))
        return redirect(session)
    if not services.may_change_session(request.user, session):
        messages.error(request, services.not_yours_message(session))
        return redirect(session)
    patient = session.patient
    note_access(request, "session-form", patient=patient, label=_when(session))
    can_override = request.user.has_perm(OVERRIDE_PERM)
    amending = services.needs_amend_reason(request.user, session)
    FormSet = injection_formset(extra=0)
    form = SessionForm(
        request.POST or None,
        instance=session,
        patient=patient,
        can_override=can_override,
        amending=amending,
        user=request.user,
    )
    formset = FormSet(
        request.POST or None,
        instance=session,
        queryset=_active_injections(session),
        prefix=PREFIX,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        saved = _save(request, form, formset, patient=patient, session=session)
        if saved is not None:
            messages.success(
                request,
                _("Amendment saved; the addendum shows what changed.")
                if amending
                else _("Changes saved."),
            )
            return redirect(saved)
    context = _form_context(request, form, formset, patient, session)
    context["amending"] = amending
    return render(request, "treatments/session_form.html", context)


@permission_required("treatments.view_treatmentsession", raise_exception=True)
def session_detail(request: HttpRequest, code) -> HttpResponse:
    session = _get_session(code)
    note_access(request, "session", patient=session.patient, label=_when(session))
    changed_by, changed_at = session.last_change()
    user = request.user
    context = {
        "session": session,
        "patient": session.patient,
        "show_site": several_sites(),
        "clinical": roles.sees_clinical_detail(user),
        "changed_by": changed_by,
        "changed_at": changed_at,
        # Named on the page: a change by someone who neither treated nor
        # recorded the session (a lead clinician's, with a reason).
        "changed_by_other": changed_by is not None
        and not services.is_own_session(changed_by, session),
        "addenda": list(session.addenda.all()),
        "owner_ids": {session.clinician_id, session.created_by_id},
        "may_change": services.may_change_session(user, session),
        "may_sign": user.has_perm(services.SIGN_PERM)
        and user.pk == session.clinician_id
        and not session.is_signed
        and not session.is_voided,
        "amending": services.needs_amend_reason(user, session),
        "sign_form": SignForm(initial={"version": session.version}),
        "page": "patients",
    }
    if context["clinical"] and request.GET.get("as_signed"):
        context["show_as_signed"] = True
        context["as_signed"] = session_as_signed(session)
    if context["clinical"]:
        injections = list(session.injections.all())
        active = [i for i in injections if i.voided_at is None]
        context["injections"] = active
        context["voided_injections"] = [i for i in injections if i.voided_at]
        context["leg_map"] = legmap.session_map(active)
        key = legmap.map_key(active)
        context["leg_map_key"] = key if any(row["on_map"] for row in key) else []
        context["review"] = session_review(
            patient=session.patient,
            performed_at=session.performed_at,
            weight_kg=session.weight_kg,
            doppler=session.doppler,
            injections=active,
            session=session,
        )
        context["void_form"] = VoidForm()
    return render(request, "treatments/session_detail.html", context)


@require_POST
@permission_required("treatments.void_treatmentsession", raise_exception=True)
def session_void(request: HttpRequest, code) -> HttpResponse:
    session = get_object_or_404(TreatmentSession, code=code)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for voiding the session."))
        return redirect(session)
    if not services.may_change_session(request.user, session):
        messages.error(request, services.not_yours_message(session))
        return redirect(session)
    try:
        services.session_void(
            session=session, user=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(session)
    messages.success(request, _("Session voided. It stays in the record."))
    return redirect(session)


@require_POST
@permission_required(services.SIGN_PERM, raise_exception=True)
def session_sign(request: HttpRequest, code) -> HttpResponse:
    session = get_object_or_404(TreatmentSession, code=code)
    if request.user.pk != session.clinician_id:
        raise PermissionDenied(_("Only the treating clinician signs a session."))
    form = SignForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        services.session_sign(
            session=session, user=request.user, expected_version=version
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(session)
    messages.success(
        request, _("Session signed. Later changes are addenda beside the original.")
    )
    return redirect(session)


@permission_required(services.ADDENDUM_PERM, raise_exception=True)
def session_addendum(request: HttpRequest, code) -> HttpResponse:
    """Add a note or a reaction to a session; any clinician, signed or not."""
    session = get_object_or_404(
        TreatmentSession.objects.select_related("patient", "clinician"), code=code
    )
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in AddendumKind.values else {}
    form = SessionAddendumForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.session_addendum_add(
                session=session,
                user=request.user,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                noticed_at=form.cleaned_data.get("noticed_at"),
            )
        except ValidationError as error:
            add_service_error(error, form)
        else:
            messages.success(request, _("Addendum added to the session."))
            return redirect(session)
    note_access(request, "session-form", patient=session.patient, label=_when(session))
    context = {
        "form": form,
        "record": session,
        "patient": session.patient,
        "title": _("Add to the session of %(when)s") % {"when": _when(session)},
        "page": "patients",
    }
    return render(request, "core/addendum_form.html", context)


@require_GET
@permission_required("treatments.add_treatmentsession", raise_exception=True)
def injection_row(request: HttpRequest) -> HttpResponse:
    try:
        index = int(request.GET.get("index", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Give the row index."))
    if not 0 <= index < 1000:
        return HttpResponseBadRequest(_("Row index out of range."))
    # A row added from the leg map starts at the tapped point, with the leg
    # and segment under it (treatments.legmap); a bad point is ignored.
    prefill = legmap.point_prefill(
        request.GET.get("x"), request.GET.get("y"), TREATABLE_SEGMENTS
    )
    row = InjectionForm(
        prefix=f"{PREFIX}-{index}", initial=prefill.initial() if prefill else None
    )
    row.row_index = index
    return render(
        request, "treatments/injection_row.html", {"row": row, "index": index}
    )


@require_POST
@permission_required("treatments.add_treatmentsession", raise_exception=True)
def session_preview(request: HttpRequest) -> HttpResponse:
    patient = get_object_or_404(
        Patient, code=_uuid_or_404(request.POST.get("patient_code"))
    )
    session = None
    if request.POST.get("session_code"):
        session = get_object_or_404(
            TreatmentSession,
            code=_uuid_or_404(request.POST["session_code"]),
            patient=patient,
        )
    note_access(request, "session-preview", patient=patient)
    FormSet = injection_formset(extra=0)
    form = SessionForm(request.POST, instance=session, patient=patient)
    queryset = _active_injections(session) if session else Injection.objects.none()
    formset = FormSet(request.POST, instance=session, queryset=queryset, prefix=PREFIX)
    form.is_valid()
    if not formset.management_form.is_valid():
        return HttpResponseBadRequest(
            _("The injection rows are incomplete; reload the page.")
        )
    review = _review_for(form, formset, patient, session)
    invalid_rows = sum(
        1
        for row in formset.forms
        if row.has_changed() and not row.is_void and not row.is_valid()
    )
    context = {
        "review": review,
        "formset": formset,
        "invalid_rows": invalid_rows,
        "can_override": request.user.has_perm(OVERRIDE_PERM),
        "confirm_checked": bool(request.POST.get("confirm_override")),
        "live": True,
    }
    return render(request, "treatments/session_totals_card.html", context)

"""Patient registry: list and search, register, edit, archive, restore."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import note_access
from core.forms import add_service_error
from core.paging import AFTER, BEFORE, cursor_of
from patients import services
from patients.forms import ArchiveForm, PatientForm, PatientSearchForm
from patients.models import Patient
from patients.selectors import (
    COUNT_CAP,
    get_patient,
    patient_list_page,
    possible_duplicates,
)

PAGE_SIZE = 25


@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.all()
    query = ""
    show_archived = False
    if form.is_valid():
        query = form.cleaned_data["q"]
        show_archived = form.cleaned_data["archived"]
    filters = {
        **({"q": query} if query else {}),
        **({"archived": "on"} if show_archived else {}),
    }

    def url(**cursor: object) -> str:
        params = urlencode({**filters, **cursor})
        return f"{request.path}?{params}" if params else request.path

    if "page" in request.GET:
        # Pages were once numbered: an old link or bookmark opens the first.
        return redirect(url())
    if not show_archived:
        patients = patients.active()
    direction, cursor = cursor_of(request.GET)
    page, count = patient_list_page(
        patients, query, size=PAGE_SIZE, direction=direction, cursor=cursor
    )
    if cursor and not page.rows:
        # Before the first patient, or a code that names no patient.
        return redirect(url())
    note_access(request, "patient-list", query=query, count=len(page))
    context = {
        "form": form,
        "page_obj": page,
        "query": query,
        "count": min(count, COUNT_CAP),
        "more_than_count": count > COUNT_CAP,
        "first_url": url(),
        "previous_url": url(**{BEFORE: page.rows[0].code}) if page.rows else "",
        "next_url": url(**{AFTER: page.rows[-1].code}) if page.rows else "",
        "page": "patients",
    }
    return render(request, "patients/patient_list.html", context)


@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    can_edit_medical = request.user.has_perm("patients.change_medical_history")
    form = PatientForm(request.POST or None, can_edit_medical=can_edit_medical)
    duplicates: list[Patient] = []
    if request.method == "POST" and form.is_valid():
        # Same name (without case or accents) and birth date as a chart on
        # file: show it and register only once the user confirms.
        if not request.POST.get("confirm_new_patient"):
            duplicates = possible_duplicates(
                form.cleaned_data["first_name"],
                form.cleaned_data["last_name"],
                form.cleaned_data["date_of_birth"],
            )
        if duplicates:
            note_access(request, "patient-duplicates", count=len(duplicates))
        else:
            patient = services.patient_create(
                patient=form.save(commit=False), user=request.user
            )
            messages.success(
                request,
                _("Patient %(chart)s registered.") % {"chart": patient.chart_number},
            )
            return redirect(patient)
    context = {"form": form, "duplicates": duplicates, "page": "patients"}
    return render(request, "patients/patient_form.html", context)


@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    note_access(request, "patient-edit", patient=patient)
    can_edit_medical = request.user.has_perm("patients.change_medical_history")
    form = PatientForm(
        request.POST or None, instance=patient, can_edit_medical=can_edit_medical
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(
                patient=patient,
                data=form.model_values(),
                expected_version=form.expected_version,
                user=request.user,
            )
        except ValidationError as error:
            add_service_error(error, form)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(patient)
    context = {"form": form, "patient": patient, "page": "patients"}
    return render(request, "patients/patient_form.html", context)


@require_POST
@permission_required("patients.archive_patient", raise_exception=True)
def patient_archive(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for archiving."))
        return redirect(patient)
    services.patient_archive(
        patient=patient, reason=form.cleaned_data["reason"], user=request.user
    )
    messages.success(request, _("Patient archived. The record is kept."))
    return redirect(patient)


@require_POST
@permission_required("patients.archive_patient", raise_exception=True)
def patient_restore(request: HttpRequest, code) -> HttpResponse:
    patient = get_patient(code)
    services.patient_restore(patient=patient, user=request.user)
    messages.success(request, _("Patient restored from the archive."))
    return redirect(patient)

"""Patient registry: list, search, create, edit, archive, detail, history."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import services
from patients.audit import patient_audit_trail
from patients.forms import ArchiveForm, PatientForm, PatientSearchForm
from patients.models import Patient
from patients.services import CHART_PREFIX
from patients.timeline import ALL, EARLIER, RECENT, build_timeline

PAGE_SIZE = 25
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")
_PHONE_LIKE = re.compile(r"[\d\s\-./()+]+")
_FULL_CHART_NUMBER = re.compile(re.escape(CHART_PREFIX) + r"\d{6}", re.IGNORECASE)


def _get_patient(code) -> Patient:
    return get_object_or_404(Patient, code=code)


def _parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _phone_digits():
    expression = F("phone")
    for separator in " -./()+":
        expression = Replace(expression, Value(separator), Value(""))
    return expression


def search_patients(queryset: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    """Return patients matching a name, chart number, date of birth or phone."""
    query = query.strip()
    if not query:
        return queryset
    born = _parse_date(query)
    if born:
        return queryset.filter(date_of_birth=born)
    if _FULL_CHART_NUMBER.fullmatch(query):
        # A whole chart number (typed or scanned) names one patient; the
        # exact match uses the unique index, icontains would scan the table.
        return queryset.filter(chart_number=query.upper())
    digits = re.sub(r"\D", "", query)
    condition = Q(chart_number__iexact=query) | Q(chart_number__icontains=query)
    if len(digits) >= 4 and _PHONE_LIKE.fullmatch(query):
        # Phones are stored as typed ("+39 333 000 0777"); compare digits only
        # so "3330000777" and "333-000-0777" find it too.
        queryset = queryset.annotate(phone_digits=_phone_digits())
        condition |= Q(phone_digits__contains=digits)
    name_condition = Q()
    for token in query.split():
        name_condition &= Q(first_name__icontains=token) | Q(last_name__icontains=token)
    return queryset.filter(condition | name_condition)


@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request: HttpRequest) -> HttpResponse:
    form = PatientSearchForm(request.GET or None)
    patients = Patient.objects.all()
    query = ""
    show_archived = False
    if form.is_valid():
        query = form.cleaned_data["q"]
        show_archived = form.cleaned_data["archived"]
    if not show_archived:
        patients = patients.active()
    patients = search_patients(patients, query)
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    filters = {"q": query, **({"archived": "on"} if show_archived else {})}
    context = {
        "form": form,
        "page_obj": page,
        "query": query,
        "page_query": urlencode(filters) + "&",
        "page": "patients",
    }
    return render(request, "patients/patient_list.html", context)


@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request: HttpRequest) -> HttpResponse:
    can_edit_medical = request.user.has_perm("patients.change_medical_history")
    form = PatientForm(request.POST or None, can_edit_medical=can_edit_medical)
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(patient=form.save(commit=False))
        messages.success(request, _("Patient %(chart)s registered.") % {"chart": patient.chart_number})
        return redirect(patient)
    return render(
        request, "patients/patient_form.html", {"form": form, "page": "patients"}
    )


@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request: HttpRequest, code) -> HttpResponse:
    patient = _get_patient(code)
    can_edit_medical = request.user.has_perm("patients.change_medical_history")
    form = PatientForm(
        request.POST or None, instance=patient, can_edit_medical=can_edit_medical
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return redirect(patient)
    context = {"form": form, "patient": patient, "page": "patients"}
    return render(request, "patients/patient_form.html", context)


@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, code) -> HttpResponse:
    """Show the patient's alerts and timeline (fixed number of queries).

    The timeline shows the recent past and the plan; ?all=1 shows every
    entry, and htmx fetches only the earlier ones with ?earlier=1.
    """
    patient = _get_patient(code)
    if request.GET.get("earlier") and request.headers.get("HX-Request"):
        timeline = build_timeline(patient, user=request.user, show=EARLIER)
        return render(
            request, "patients/timeline_earlier.html", {"patient": patient, "timeline": timeline}
        )
    show = ALL if request.GET.get("all") or request.GET.get("earlier") else RECENT
    timeline = build_timeline(patient, user=request.user, show=show)
    context = {
        "patient": patient,
        "timeline": timeline,
        "archive_form": ArchiveForm(),
        "page": "patients",
    }
    return render(request, "patients/patient_detail.html", context)


@require_POST
@permission_required("patients.archive_patient", raise_exception=True)
def patient_archive(request: HttpRequest, code) -> HttpResponse:
    patient = _get_patient(code)
    form = ArchiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for archiving."))
        return redirect(patient)
    services.patient_archive(patient=patient, reason=form.cleaned_data["reason"])
    messages.success(request, _("Patient archived. The record is kept."))
    return redirect(patient)


@require_POST
@permission_required("patients.archive_patient", raise_exception=True)
def patient_restore(request: HttpRequest, code) -> HttpResponse:
    patient = _get_patient(code)
    services.patient_restore(patient=patient)
    messages.success(request, _("Patient restored from the archive."))
    return redirect(patient)


@permission_required("patients.view_audit_trail", raise_exception=True)
def patient_history(request: HttpRequest, code) -> HttpResponse:
    patient = _get_patient(code)
    context = {
        "patient": patient,
        "entries": patient_audit_trail(patient),
        "page": "patients",
    }
    return render(request, "patients/patient_history.html", context)

"""The referring doctors' directory: list, add, edit, deactivate, reactivate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patients import referring
from patients.referring import DirectoryFilterForm, ReferringDoctorForm

VIEW_PERM = "patients.view_referringdoctor"
ADD_PERM = "patients.add_referringdoctor"
CHANGE_PERM = "patients.change_referringdoctor"


@permission_required(VIEW_PERM, raise_exception=True)
def referring_list(request: HttpRequest) -> HttpResponse:
    form = DirectoryFilterForm(request.GET)
    query, inactive = "", False
    if form.is_valid():
        query = form.cleaned_data["q"].strip()
        inactive = form.cleaned_data["inactive"]
    context = {
        "form": form,
        "query": query,
        "doctors": list(referring.directory(query=query, inactive=inactive)),
        "page": "patients",
    }
    return render(request, "patients/referring_list.html", context)


@permission_required(ADD_PERM, raise_exception=True)
def referring_create(request: HttpRequest) -> HttpResponse:
    form = ReferringDoctorForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        doctor = referring.doctor_create(data=form.cleaned_data, user=request.user)
        messages.success(
            request, _("%(name)s added to the directory.") % {"name": doctor.name}
        )
        return redirect("patients:referring-list")
    return render(
        request, "patients/referring_form.html", {"form": form, "page": "patients"}
    )


@permission_required(CHANGE_PERM, raise_exception=True)
def referring_edit(request: HttpRequest, code) -> HttpResponse:
    doctor = referring.get_doctor(code)
    form = ReferringDoctorForm(request.POST or None, instance=doctor)
    if request.method == "POST" and form.is_valid():
        referring.doctor_update(
            doctor=doctor, data=form.cleaned_data, user=request.user
        )
        messages.success(request, _("Changes saved."))
        return redirect("patients:referring-list")
    context = {"form": form, "doctor": doctor, "page": "patients"}
    return render(request, "patients/referring_form.html", context)


@require_POST
@permission_required(CHANGE_PERM, raise_exception=True)
def referring_deactivate(request: HttpRequest, code) -> HttpResponse:
    doctor = referring.get_doctor(code)
    referring.doctor_set_active(doctor=doctor, active=False, user=request.user)
    messages.success(
        request,
        _("%(name)s is inactive: no longer offered on patients, kept on records.")
        % {"name": doctor.name},
    )
    return redirect("patients:referring-list")


@require_POST
@permission_required(CHANGE_PERM, raise_exception=True)
def referring_reactivate(request: HttpRequest, code) -> HttpResponse:
    doctor = referring.get_doctor(code)
    referring.doctor_set_active(doctor=doctor, active=True, user=request.user)
    messages.success(request, _("%(name)s is active again.") % {"name": doctor.name})
    return redirect("patients:referring-list")

"""The directory of referring doctors: the form, the writes and the reads.

A doctor is never deleted (letters and patients name them): one who no
longer refers is made inactive, drops out of the patient form's menu and
stays on the patients who have them. Front desk registers patients and so
keeps the directory, as do clinicians and the manager (core.roles).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from core.forms import limit_free_text
from patients.models import ReferringDoctor
from patients.phones import display_phone, to_e164

FIELDS = ["name", "practice", "address", "email", "phone", "active"]


class ReferringDoctorForm(forms.ModelForm):
    class Meta:
        model = ReferringDoctor
        fields = FIELDS
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "address": _("As it goes on a letter: street, postcode and town."),
            "active": _("An inactive doctor is no longer offered on patients."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_free_text(self)
        phone = self.fields["phone"]
        phone.widget.input_type = "tel"
        phone.widget.attrs.update(autocomplete="tel", inputmode="tel")
        if self.instance.pk:
            self.initial["phone"] = display_phone(self.instance.phone)

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter the doctor's name."), code="required")
        return name

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        e164 = to_e164(typed)
        if e164 is None:
            raise forms.ValidationError(
                _("Enter a valid phone number, e.g. 02 1234 5678."), code="invalid"
            )
        return e164


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    inactive = forms.BooleanField(required=False, label=_("Show inactive doctors"))


def get_doctor(code: object) -> ReferringDoctor:
    return get_object_or_404(ReferringDoctor, code=code)


def directory(*, query: str = "", inactive: bool = False) -> QuerySet[ReferringDoctor]:
    """The doctors by name, each with its number of patients (one query)."""
    doctors = ReferringDoctor.objects.annotate(patient_count=Count("patients"))
    if not inactive:
        doctors = doctors.filter(active=True)
    if query:
        doctors = doctors.filter(
            Q(name__icontains=query)
            | Q(practice__icontains=query)
            | Q(email__icontains=query)
        )
    return doctors.order_by("name", "id")


def doctor_choices(current_id: int | None) -> QuerySet[ReferringDoctor]:
    """The active doctors, and the patient's own one (`current_id`) even if
    inactive."""
    condition = Q(active=True)
    if current_id is not None:
        condition |= Q(pk=current_id)
    return ReferringDoctor.objects.filter(condition).order_by("name", "id")


@transaction.atomic
def doctor_create(*, data: dict[str, Any], user: Any) -> ReferringDoctor:
    doctor = ReferringDoctor(**data)
    doctor.full_clean()
    doctor._history_user = user  # type: ignore[attr-defined]
    doctor.save()
    return doctor


@transaction.atomic
def doctor_update(
    *, doctor: ReferringDoctor, data: dict[str, Any], user: Any
) -> ReferringDoctor:
    current = ReferringDoctor.objects.select_for_update().get(pk=doctor.pk)
    for name, value in data.items():
        setattr(current, name, value)
    current.full_clean()
    current._history_user = user  # type: ignore[attr-defined]
    current.save()
    return current


@transaction.atomic
def doctor_set_active(
    *, doctor: ReferringDoctor, active: bool, user: Any
) -> ReferringDoctor:
    current = ReferringDoctor.objects.select_for_update().get(pk=doctor.pk)
    if current.active != active:
        current.active = active
        current._history_user = user  # type: ignore[attr-defined]
        current._change_reason = "reactivated" if active else "deactivated"  # type: ignore[attr-defined]
        current.save()
    return current

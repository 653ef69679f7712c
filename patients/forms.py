from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, DecimalInputField, VersionedModelForm
from patients.models import Patient

DEMOGRAPHIC_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address",
    "language",
    "weight_kg",
]
MEDICAL_FIELDS = [
    "sclerosant_allergy",
    "allergy_notes",
    "acute_thrombosis",
    "previous_dvt_pe",
    "thrombophilia",
    "anticoagulants",
    "pregnant_or_breastfeeding",
    "migraine_with_aura",
    "known_pfo",
    "immobility",
    "history_notes",
]


class PatientForm(VersionedModelForm):
    """Demographics for everyone; the medical history only for clinicians."""

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS + MEDICAL_FIELDS
        field_classes = {"weight_kg": DecimalInputField}
        widgets = {
            "date_of_birth": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            "history_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, can_edit_medical: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit_medical:
            for name in MEDICAL_FIELDS:
                del self.fields[name]
        self.fields["phone"].widget.attrs["placeholder"] = "+39 ..."

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        allowed = set("+0123456789 ()-./")
        if phone and (not set(phone) <= allowed or sum(c.isdigit() for c in phone) < 6):
            raise forms.ValidationError(
                _(
                    "Enter a phone number: digits, spaces and + ( ) - only, "
                    "at least 6 digits."
                )
            )
        return phone

    @property
    def medical_field_names(self) -> list[str]:
        return [name for name in MEDICAL_FIELDS if name in self.fields]

    @property
    def demographic_field_names(self) -> list[str]:
        return DEMOGRAPHIC_FIELDS

    def model_values(self) -> dict[str, Any]:
        """Return the cleaned values of the patient's fields shown on the form."""
        return {
            name: self.cleaned_data[name]
            for name in DEMOGRAPHIC_FIELDS + MEDICAL_FIELDS
            if name in self.fields
        }


class ArchiveForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for archiving"), max_length=255, strip=True
    )


class PatientSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Search"))
    archived = forms.BooleanField(required=False, label=_("Show archived"))

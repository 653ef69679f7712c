from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.forms import BoundField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, DecimalInputField, VersionedModelForm
from patients.models import Answer, Patient, as_answer
from patients.phones import display_phone, is_mobile, to_e164
from patients.referring import doctor_choices
from patients.screening import QUESTION_FIELDS, QUESTIONS, Question

DEMOGRAPHIC_FIELDS = [
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "contact_by_email",
    "contact_by_sms",
    "address",
    "language",
    "weight_kg",
    "referring_doctor",
]
# The clinician-only section: the screening date, each question (yes / no /
# not asked, in patients.screening order) and the free-text details.
MEDICAL_FIELDS = [
    "screening_asked_on",
    *QUESTION_FIELDS,
    "allergy_notes",
    "ankle_brachial_index",
    "history_notes",
]


@dataclass
class ScreeningRow:
    """One question of the form: its radio buttons and its Rabe 2014 level."""

    field: BoundField
    question: Question


class PatientForm(VersionedModelForm):
    """Demographics for everyone; the medical history only for clinicians."""

    class Meta:
        model = Patient
        fields = DEMOGRAPHIC_FIELDS + MEDICAL_FIELDS
        field_classes = {
            "weight_kg": DecimalInputField,
            "ankle_brachial_index": DecimalInputField,
        }
        widgets = {
            "date_of_birth": DateInput(),
            "screening_asked_on": DateInput(),
            "address": forms.Textarea(attrs={"rows": 2}),
            "history_notes": forms.Textarea(attrs={"rows": 3}),
            **dict.fromkeys(QUESTION_FIELDS, forms.RadioSelect),
        }

    def __init__(self, *args, can_edit_medical: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_edit_medical:
            for name in MEDICAL_FIELDS:
                del self.fields[name]
        phone = self.fields["phone"]
        phone.widget.input_type = "tel"
        phone.widget.attrs.update(
            placeholder="347 123 4567", autocomplete="tel", inputmode="tel"
        )
        phone.help_text = _(
            "A number without a country code is read as one of the clinic's "
            "country; a number abroad starts with + and its country code."
        )
        if self.instance.pk:
            # Show the stored E.164 number as the desk types it.
            self.initial["phone"] = display_phone(self.instance.phone)
        # The active doctors, and the patient's own even if since inactive.
        doctor = self.fields["referring_doctor"]
        doctor.queryset = doctor_choices(self.instance.referring_doctor_id)  # type: ignore[attr-defined]
        doctor.empty_label = _("None")  # type: ignore[attr-defined]

    def clean_first_name(self) -> str:
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self) -> str:
        return self.cleaned_data["last_name"].strip()

    def clean_phone(self) -> str:
        typed = self.cleaned_data["phone"].strip()
        if not typed:
            return ""
        e164 = to_e164(typed)
        if e164 is None:
            raise forms.ValidationError(
                _("Enter a valid phone number, e.g. 347 123 4567."), code="invalid"
            )
        return e164

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is not None and "screening_asked_on" in self.fields:
            self._date_the_screening(cleaned)
        if cleaned is not None:
            self._check_contact_consent(cleaned)
        return cleaned

    def _check_contact_consent(self, cleaned: dict[str, Any]) -> None:
        """Consent to a channel needs somewhere to send to: an email address,
        a mobile number. The error sits on the box, which the user unticks
        or completes."""
        if (
            cleaned.get("contact_by_email")
            and not cleaned.get("email")
            and "email" not in self.errors
        ):
            self.add_error(
                "contact_by_email",
                _("Reminders by email need an email address: enter one above."),
            )
        if cleaned.get("contact_by_sms") and "phone" not in self.errors:
            if not is_mobile(cleaned.get("phone")):
                self.add_error(
                    "contact_by_sms",
                    _("Reminders by SMS need a mobile phone number."),
                )

    def _date_the_screening(self, cleaned: dict[str, Any]) -> None:
        """Date the answers: today when one changed, unless a date was typed.

        A date typed with the answers unchanged records questions asked
        again with the same answers; a date with no question answered is
        refused, and with every answer back to not asked the date goes too.
        """
        if any(name in self.errors for name in QUESTION_FIELDS):
            return
        answered = any(
            as_answer(cleaned.get(name)) != Answer.NOT_ASKED for name in QUESTION_FIELDS
        )
        answers_changed = any(name in self.changed_data for name in QUESTION_FIELDS)
        date_typed = "screening_asked_on" in self.changed_data
        if not answered:
            if cleaned.get("screening_asked_on") and date_typed:
                self.add_error(
                    "screening_asked_on",
                    _("No question is answered: answer the ones asked that day."),
                )
            elif answers_changed:
                cleaned["screening_asked_on"] = None
        elif answers_changed and not (date_typed and cleaned.get("screening_asked_on")):
            cleaned["screening_asked_on"] = timezone.localdate()

    @property
    def screening_rows(self) -> list[ScreeningRow]:
        """The questions on the form, each with its radio buttons and level."""
        return [
            ScreeningRow(self[q.field], q) for q in QUESTIONS if q.field in self.fields
        ]

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

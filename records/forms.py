"""The merge form: which chart to keep, and why."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_reason
from patients.models import Patient
from records.selectors import find_chart
from records.services import MAX_REASON_LENGTH


class MergeForm(forms.Form):
    """Merge the patient of the page (archived) into the chart typed here."""

    other = forms.CharField(
        label=_("Chart to keep (chart number)"),
        max_length=20,
        help_text=_("e.g. SC-000123: this chart's records move there."),
    )
    reason = forms.CharField(
        label=_("Reason for the merge"),
        max_length=MAX_REASON_LENGTH,
        strip=True,
        validators=[validate_reason],
        widget=forms.TextInput(),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.other_patient: Patient | None = None

    def clean_other(self) -> str:
        number = self.cleaned_data["other"]
        other = find_chart(number)
        if other is None:
            raise forms.ValidationError(
                _("No chart with the number %(number)s.") % {"number": number}
            )
        if other.pk == self.patient.pk:
            raise forms.ValidationError(
                _("This is the same chart: give the number of the other one.")
            )
        if other.is_archived:
            raise forms.ValidationError(
                _("Chart %(number)s is archived: restore it before merging into it.")
                % {"number": other.chart_number}
            )
        self.other_patient = other
        return other.chart_number

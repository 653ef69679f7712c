"""The merge form (which chart to keep, and why) and the audit trail's filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.forms import date_field
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


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.get_full_name() or obj.get_username()
        if obj.get_full_name():
            name = f"{name} ({obj.get_username()})"
        return name if obj.is_active else gettext("%(name)s, inactive") % {"name": name}


class AuditFilterForm(forms.Form):
    """Who made the changes, and between which clinic days (all: empty)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = UserChoiceField(
            label=_("Changed by"),
            queryset=get_user_model().objects.order_by(
                "last_name", "first_name", "username"
            ),
            required=False,
            empty_label=_("Anyone"),
            error_messages={"invalid_choice": _("Choose a user from the list.")},
        )
        # "from" is a Python keyword, hence fields added here, not declared.
        self.fields["from"] = date_field(_("From"), required=False)
        self.fields["to"] = date_field(_("To"), required=False)
        for name, f in self.fields.items():
            css = "form-select" if name == "user" else "form-control"
            f.widget.attrs["class"] = f"{css} form-control-sm"
            if self.is_bound and self.has_error(name):
                f.widget.attrs["class"] += " is-invalid"
                f.widget.attrs["aria-describedby"] = f"id_{name}_error"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and first > last:
            self.add_error("to", gettext("The end date is before the start date."))
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Return audit_trail's arguments; a field with an error filters nothing.

        Call after is_valid().
        """
        if not self.is_bound:
            return {"user": None, "first": None, "last": None}
        data = self.cleaned_data
        # Half a date range would be a different question: a date error
        # drops both dates.
        dates_ok = not self.has_error("from") and not self.has_error("to")
        return {
            "user": None if self.has_error("user") else data.get("user"),
            "first": data.get("from") if dates_ok else None,
            "last": data.get("to") if dates_ok else None,
        }

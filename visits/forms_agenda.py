"""What the agenda grid reads from the query string: the slot a free cell
offers (to book or to move a visit into) and the "next free slot" search."""

from __future__ import annotations

from datetime import date, time
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import roles
from core.forms import ClinicianChoiceField, DateInput
from core.validators import validate_clinical_date
from visits import models as visit_models
from visits.models import VisitPurpose


def _plausible_day(value: date | None) -> date | None:
    if value is None:
        return None
    try:
        validate_clinical_date(value)
    except ValidationError:
        return None
    return value


class SlotQueryForm(forms.Form):
    """A slot as the agenda's links carry it (?clinician=&site=&date=&time=
    &duration=&purpose=). Each value is optional; one that does not parse is
    left out of the booking link rather than refused."""

    clinician = forms.IntegerField(required=False, min_value=1)
    site = forms.IntegerField(required=False, min_value=1)
    date = forms.DateField(required=False)
    time = forms.TimeField(required=False, input_formats=["%H:%M"])
    duration = forms.IntegerField(
        required=False,
        min_value=visit_models.MIN_DURATION_MIN,
        max_value=visit_models.MAX_DURATION_MIN,
    )
    purpose = forms.ChoiceField(required=False, choices=VisitPurpose.choices)
    q = forms.CharField(required=False, max_length=100, strip=True)

    SLOT_FIELDS = ("clinician", "site", "date", "time", "duration", "purpose")

    def slot(self) -> dict[str, Any]:
        """The slot's values that parsed (others are dropped)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        found = {
            name: data[name]
            for name in self.SLOT_FIELDS
            if name not in self.errors and data.get(name) not in (None, "")
        }
        if "date" in found and _plausible_day(found["date"]) is None:
            del found["date"]
        return found

    def query(self) -> str:
        return slot_query(self.slot())

    def search(self) -> str:
        self.is_valid()
        return "" if "q" in self.errors else self.cleaned_data.get("q", "")


def slot_query(slot: dict[str, Any]) -> str:
    """Return the slot as the booking and reschedule forms' query string."""
    values: dict[str, Any] = {}
    for name, value in slot.items():
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, time):
            value = f"{value:%H:%M}"
        values[name] = value
    return urlencode(values, safe=":")


class NextFreeForm(forms.Form):
    """The first free slot of a clinician for a kind of visit, from a day on."""

    clinician = ClinicianChoiceField(queryset=None, label=_("Clinician"))
    purpose = forms.ChoiceField(label=_("Visit type"), choices=VisitPurpose.choices)
    earliest = forms.DateField(label=_("From"), widget=DateInput())
    site = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, clinicians=None, **kwargs):
        """`clinicians`: roles.clinicians() if the page read them already."""
        super().__init__(*args, **kwargs)
        field = cast(ClinicianChoiceField, self.fields["clinician"])
        field.queryset = roles.clinicians()
        if clinicians is not None:
            field.list_rows(clinicians)
        self.fields["earliest"].initial = timezone.localdate()
        for name in ("clinician", "purpose"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["earliest"].widget.attrs["class"] = "form-control form-control-sm"

    def clean_earliest(self) -> date:
        day = self.cleaned_data["earliest"]
        validate_clinical_date(day)
        return day

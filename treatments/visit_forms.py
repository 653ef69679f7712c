"""Forms of the follow-up screens. They shape input; treatments.agenda decides."""

from __future__ import annotations

from datetime import datetime, timezone as dt_timezone

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from treatments import agenda
from treatments.models import (
    AdverseEvent,
    FollowUpVisit,
    StatusReason,
    TreatmentSession,
    VisitPlan,
    VisitPurpose,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return agenda.clinician_label(obj)


def local_datetime(day, at) -> datetime:
    """Return the aware datetime for a wall-clock date and time in the clinic."""
    return timezone.make_aware(datetime.combine(day, at))


def exists_locally(value: datetime) -> bool:
    """Return False for a wall-clock time skipped by the spring DST change."""
    round_trip = timezone.localtime(value.astimezone(dt_timezone.utc))
    return round_trip.replace(tzinfo=None) == value.replace(tzinfo=None)


class VisitSlotForm(forms.Form):
    """Date and time (clinic time zone), duration and clinician."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput(attrs={"step": 300}))
    duration_min = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=agenda.MIN_DURATION_MIN,
        max_value=agenda.MAX_DURATION_MIN,
        initial=agenda.DEFAULT_DURATION_MIN,
    )
    clinician = ClinicianChoiceField(queryset=None, label=_("Clinician"))

    # Service errors keyed by model field are shown on these form fields.
    SERVICE_FIELDS = {
        "starts_at": "time",
        "duration_min": "duration_min",
        "clinician": "clinician",
        "session": "session",
        "purpose": "purpose",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = agenda.clinicians()

    def clean(self):
        data = super().clean()
        day, at = data.get("date"), data.get("time")
        if day and at:
            starts_at = local_datetime(day, at)
            if not exists_locally(starts_at):
                self.add_error(
                    "time",
                    _("This time does not exist on %(day)s: the clocks go forward.")
                    % {"day": day.isoformat()},
                )
            else:
                data["starts_at"] = starts_at
        return data

    def add_service_error(self, error) -> None:
        """Show a service ValidationError on the matching fields."""
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                field = self.SERVICE_FIELDS.get(key)
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, error)


class VisitBookForm(VisitSlotForm):
    session = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Session followed"),
        empty_label=_("— none —"),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=VisitPurpose.choices)

    field_order = ["session", "purpose", "date", "time", "duration_min", "clinician"]

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = TreatmentSession.objects.active().filter(
            patient=patient
        )
        self.fields["session"].label_from_instance = (
            lambda s: f"{timezone.localtime(s.performed_at):%Y-%m-%d %H:%M}"
        )


class VisitRescheduleForm(VisitSlotForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VisitStatusForm(forms.Form):
    """Reason for a cancellation or a no-show."""

    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    SERVICE_FIELDS = {"status_reason": "reason", "status_note": "note"}

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", "—")] + [
            (r, StatusReason(r).label) for r in reasons
        ]
        self.fields["reason"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["note"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "placeholder": _("Note (optional)"),
            }
        )


class VisitOutcomeForm(forms.ModelForm):
    """The clinician's outcome; field ranges come from the model."""

    adverse_events = forms.MultipleChoiceField(
        label=_("Adverse events seen"),
        choices=AdverseEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    plan = forms.ChoiceField(label=_("Plan"), choices=[("", "—")] + VisitPlan.choices)
    satisfaction = forms.TypedChoiceField(
        label=_("Patient satisfaction"),
        choices=[("", _("not asked"))] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 = very unhappy, 5 = very happy"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = FollowUpVisit
        fields = [
            "clearance_pct",
            "adverse_events",
            "adverse_event_notes",
            "satisfaction",
            "plan",
            "outcome_notes",
        ]
        widgets = {
            "adverse_event_notes": forms.Textarea(attrs={"rows": 2}),
            "outcome_notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"clearance_pct": _("Share of the treated veins cleared, 0–100.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clearance_pct"].widget.attrs.update({"min": 0, "max": 100})
        if self.instance.pk and "version" not in self.initial:
            self.initial["version"] = self.instance.version

    def add_service_error(self, error) -> None:
        if hasattr(error, "error_dict"):
            for key, errors in error.error_dict.items():
                self.add_error(key if key in self.fields else None, errors)
        else:
            self.add_error(None, error)

"""Forms of the follow-up screens, and what the agenda and booking pages read
from the query string. They shape input; visits.services decides."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import clock, roles
from core.clock import exists_locally, local_datetime
from core.forms import (
    ClinicianChoiceField,
    DateInput,
    TimeInput,
    VersionedModelForm,
    VersionField,
    add_service_error,
)
from core.validators import validate_clinical_date
from patients.models import Patient
from treatments.models import TreatmentSession
from visits import models as visit_models
from visits import selectors
from visits.models import (
    AdverseEvent,
    FollowUpVisit,
    StatusReason,
    VisitPlan,
    VisitPurpose,
)


class VisitSlotForm(forms.Form):
    """Date and time (clinic time zone), duration and clinician."""

    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput(attrs={"step": 300}))
    duration_min = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=visit_models.MIN_DURATION_MIN,
        max_value=visit_models.MAX_DURATION_MIN,
        initial=visit_models.DEFAULT_DURATION_MIN,
    )
    clinician = ClinicianChoiceField(queryset=None, label=_("Clinician"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        clinician = cast(ClinicianChoiceField, self.fields["clinician"])
        clinician.queryset = roles.clinicians()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        day, at = data.get("date"), data.get("time")
        if day:
            try:
                validate_clinical_date(day)
            except ValidationError as error:
                self.add_error("date", error)
                day = None
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

    def add_service_error(self, error: ValidationError) -> None:
        """Show a service ValidationError; the visit's start goes on the time."""
        add_service_error(error, self, field_map={"starts_at": "time"})


class VisitBookForm(VisitSlotForm):
    session: forms.ModelChoiceField[TreatmentSession] = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Session followed"),
        empty_label=_("— none —"),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=VisitPurpose.choices)

    field_order = ["session", "purpose", "date", "time", "duration_min", "clinician"]

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        session = cast(
            "forms.ModelChoiceField[TreatmentSession]", self.fields["session"]
        )
        session.queryset = TreatmentSession.objects.active().filter(patient=patient)
        # The label is set on this form's field; mypy refuses assigning to a method.
        session.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{timezone.localtime(obj.performed_at):%Y-%m-%d %H:%M}"
        )


class VisitRescheduleForm(VisitSlotForm):
    version = VersionField(required=True)


class VisitStatusForm(forms.Form):
    """Reason for a cancellation or a no-show."""

    reason = forms.ChoiceField(label=_("Reason"))
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    SERVICE_FIELDS = {"status_reason": "reason", "status_note": "note"}

    def __init__(self, *args, reasons, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["reason"]).choices = [("", "—")] + [
            (r, StatusReason(r).label) for r in reasons
        ]
        self.fields["reason"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["note"].widget.attrs.update(
            {
                "class": "form-control form-control-sm",
                "placeholder": _("Note (optional)"),
            }
        )


class VisitOutcomeForm(VersionedModelForm):
    version = VersionField(required=True)

    """The clinician's outcome; field ranges come from the model."""

    adverse_events = forms.MultipleChoiceField(
        label=_("Adverse events seen"),
        choices=AdverseEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    plan = forms.ChoiceField(label=_("Plan"), choices=[("", "—"), *VisitPlan.choices])
    satisfaction = forms.TypedChoiceField(
        label=_("Patient satisfaction"),
        choices=[("", _("not asked"))] + [(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("1 = very unhappy, 5 = very happy"),
    )

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

    def add_service_error(self, error: ValidationError) -> None:
        add_service_error(error, self)


def status_forms() -> dict:
    """The reason menus of the cancel and no-show buttons, for the context."""
    return {
        "cancel_form": VisitStatusForm(
            reasons=visit_models.CANCEL_REASONS, auto_id=False
        ),
        "no_show_form": VisitStatusForm(
            reasons=visit_models.NO_SHOW_REASONS, auto_id=False
        ),
    }


def parse_agenda_day(text: str | None) -> date:
    """Return the day asked for in ?date=, or today for nonsense or a day out
    of the plausible range (year 1 or 9999 cannot even be put on a grid)."""
    today = timezone.localdate()
    day = clock.parse_day(text, default=today)
    try:
        validate_clinical_date(day)
    except ValidationError:
        return today
    return day


def selected_clinician(wanted: str, clinicians: list):
    """Return the clinician of ?clinician= among `clinicians`, or None."""
    for user in clinicians:
        if str(user.pk) == wanted:
            return user
    return None


def booking_initial(
    patient: Patient, query: QueryDict
) -> tuple[dict, selectors.Suggestion | None]:
    """Return the booking form's initial values and the follow-up suggested:
    ?session= names the session to follow up; ?date=, ?time= and ?clinician=
    (from an agenda slot) win over the suggestion."""
    initial: dict = {"duration_min": visit_models.DEFAULT_DURATION_MIN}
    suggestion = None
    session_code = query.get("session", "")
    if session_code:
        session = selectors.session_to_follow_up(patient, session_code)
        if session:
            suggestion = selectors.suggested_follow_up_date(session)
            initial.update(
                session=session,
                purpose=suggestion.purpose,
                date=suggestion.bookable_day(),
                clinician=session.clinician,
            )
    for key in ("date", "time", "clinician"):
        if query.get(key):
            initial[key] = query[key]
    return initial, suggestion

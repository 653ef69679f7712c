"""Forms of the follow-up screens, and what the agenda and booking pages read
from the query string. They shape input; visits.services decides."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clinics.models import Site, WorkingHours
from clinics.scoping import user_site_ids
from core import clock, roles
from core.clock import exists_locally, local_datetime
from core.forms import (
    ClinicianChoiceField,
    DateInput,
    ListedModelChoiceField,
    TimeInput,
    VersionedModelForm,
    VersionField,
    add_service_error,
)
from core.prepared import PreparedQuery
from core.validators import validate_clinical_date, validate_reason
from patients.models import Patient
from treatments.models import TreatmentSession
from visits import models as visit_models
from visits import selectors, services
from visits.availability import next_free_slot
from visits.models import (
    AdverseEvent,
    FollowUpVisit,
    StatusReason,
    VisitPlan,
    VisitPurpose,
)


class VisitSlotForm(forms.Form):
    """Date and time (clinic time zone), duration, clinician and site.

    The site menu is there only when more than one site is in use (a
    single-site clinic never sees one); the override reason only for a user
    who may book outside availability (visits.override_availability).
    """

    date = forms.DateField(label=_("Date"), widget=DateInput())
    time = forms.TimeField(label=_("Time"), widget=TimeInput(attrs={"step": 300}))
    duration_min = forms.IntegerField(
        label=_("Duration (minutes)"),
        min_value=visit_models.MIN_DURATION_MIN,
        max_value=visit_models.MAX_DURATION_MIN,
        initial=visit_models.DEFAULT_DURATION_MIN,
    )
    clinician = ClinicianChoiceField(queryset=None, label=_("Clinician"))
    site = ListedModelChoiceField(
        queryset=Site.objects.none(), label=_("Site"), required=False
    )
    override_reason = forms.CharField(
        label=_("Reason for booking outside availability"),
        max_length=services.OVERRIDE_REASON_MAX_LENGTH,
        required=False,
        help_text=_(
            "Only if the time is outside opening or working hours, on a "
            "closure or during an absence."
        ),
    )

    def __init__(self, *args, user=None, clinicians=None, **kwargs):
        """`clinicians`: roles.clinicians() if the page read them already."""
        super().__init__(*args, **kwargs)
        clinician = cast(ClinicianChoiceField, self.fields["clinician"])
        clinician.queryset = roles.clinicians()
        if clinicians is not None:
            clinician.list_rows(clinicians)
        # The sites in use that the user works at (all for managers and
        # accounts not yet placed at a site).
        user_sites = user_site_ids(user) if user is not None else None
        # A user of no site is offered site 0, which does not exist.
        ids = None if user_sites is None else sorted(user_sites) or [0]
        site = cast("ListedModelChoiceField", self.fields["site"])
        site.queryset = _offered_sites(ids)
        # The menu shows the rows read here (ListedModelChoiceField).
        sites = _OFFERED_SITES(ids)
        site.list_rows(sites)
        # With one site to offer there is no menu: the visit goes there.
        self.only_site: Site | None = sites[0] if len(sites) == 1 else None
        if len(sites) > 1:
            site.required = True
            site.empty_label = None
        else:
            del self.fields["site"]
        if not services.may_override(user):
            del self.fields["override_reason"]

    def clean_override_reason(self) -> str:
        text = self.cleaned_data.get("override_reason", "").strip()
        if text:
            validate_reason(text)
        return text

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data.setdefault("site", self.only_site)
        data.setdefault("override_reason", "")
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
    # Listed: one plain read (Django's menu reads through a server-side
    # cursor on PostgreSQL, three round trips).
    session: forms.ModelChoiceField[TreatmentSession] = ListedModelChoiceField(
        queryset=None,
        required=False,
        label=_("Session followed"),
        empty_label=_("— none —"),
    )
    purpose = forms.ChoiceField(label=_("Purpose"), choices=VisitPurpose.choices)

    field_order = [
        "session",
        "purpose",
        "clinician",
        "site",
        "date",
        "time",
        "duration_min",
        "override_reason",
    ]

    def __init__(self, *args, patient, **kwargs):
        super().__init__(*args, **kwargs)
        session = cast(
            "forms.ModelChoiceField[TreatmentSession]", self.fields["session"]
        )
        session.queryset = _sessions_of(patient.pk)
        if not self.is_bound:
            # The menu's rows, from the prepared query (core.prepared).
            cast(ListedModelChoiceField, session).list_rows(_SESSIONS_OF(patient.pk))
        # The label is set on this form's field; mypy refuses assigning to a method.
        session.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            f"{timezone.localtime(obj.performed_at):%Y-%m-%d %H:%M}"
        )


def _offered_sites(site_ids: list[int] | None) -> Any:
    offered = Site.objects.active()
    return offered if site_ids is None else offered.filter(pk__in=site_ids)


_OFFERED_SITES = PreparedQuery(_offered_sites)


def _sessions_of(patient_id: int) -> Any:
    return TreatmentSession.objects.active().filter(patient_id=patient_id)


_SESSIONS_OF = PreparedQuery(_sessions_of)


class VisitRescheduleForm(VisitSlotForm):
    version = VersionField(required=True)
    reason = forms.CharField(
        label=_("Reason for moving"),
        max_length=services.RESCHEDULE_REASON_MAX_LENGTH,
        validators=[validate_reason],
        error_messages={"required": _("Say why the visit is moved.")},
    )

    field_order = [
        "clinician",
        "site",
        "date",
        "time",
        "duration_min",
        "reason",
        "override_reason",
    ]


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(str(text or "").strip())
    except ValueError:
        return None


def prefill_from_query(query: QueryDict) -> dict:
    """The slot an agenda link asks for (?clinician=, ?site=, ?date=,
    ?time=, ?duration=, ?purpose=): only the values that make sense, so a
    hostile or stale link leaves the rest to the form's proposals."""
    found: dict = {}
    clinician_id = _int_or_none(query.get("clinician"))
    if clinician_id is not None:
        clinician = roles.clinicians().filter(pk=clinician_id).first()
        if clinician is not None:
            found["clinician"] = clinician
    site_id = _int_or_none(query.get("site"))
    if site_id is not None:
        site = Site.objects.active().filter(pk=site_id).first()
        if site is not None:
            found["site"] = site
    day = clock.parse_day(query.get("date"))
    if day is not None:
        try:
            validate_clinical_date(day)
            found["date"] = day
        except ValidationError:
            pass
    text = (query.get("time") or "").strip()
    try:
        found["time"] = datetime.strptime(text, "%H:%M").time()
    except ValueError:
        pass
    duration = _int_or_none(query.get("duration"))
    if (
        duration is not None
        and visit_models.MIN_DURATION_MIN <= duration <= visit_models.MAX_DURATION_MIN
    ):
        found["duration_min"] = duration
    purpose = query.get("purpose", "")
    if purpose in VisitPurpose.values:
        found["purpose"] = purpose
    return found


# Built and compiled once (core.prepared): the booking form reads it.
_WORKING_HOURS = PreparedQuery(
    lambda clinician_ids: WorkingHours.objects.filter(
        clinician_id__in=clinician_ids
    ).order_by("clinician_id", "weekday", "starts")
)


@dataclass
class Staff:
    """What the booking page reads once, both for the slot it proposes and
    for the form around it: the clinicians (the menu) and their working
    hours (the slot's rules; whose are not set, for the banner)."""

    clinicians: list
    hours: dict[int, list[WorkingHours]]

    @classmethod
    def read(cls) -> Staff:
        clinicians = roles.active_clinicians()
        hours: dict[int, list[WorkingHours]] = {}
        rows = _WORKING_HOURS([c.pk for c in clinicians]) if clinicians else []
        for row in rows:
            hours.setdefault(row.clinician_id, []).append(row)
        return cls(clinicians=clinicians, hours=hours)

    def hours_of(self, clinician) -> list[WorkingHours] | None:
        """The clinician's working hours, or None for one not in the menu
        (read apart)."""
        if all(c.pk != clinician.pk for c in self.clinicians):
            return None
        return self.hours.get(clinician.pk, [])


def _proposed_clinician(user, initial: dict, staff: Staff | None = None):
    """The clinician the form starts on: asked for, the session's, the user
    if a clinician, else the first clinician."""
    if initial.get("clinician") is not None:
        return initial["clinician"]
    if roles.is_clinician(user):
        return user
    if staff is not None:
        return staff.clinicians[0] if staff.clinicians else None
    return roles.clinicians().first()


def propose_slot(
    initial: dict,
    *,
    user,
    earliest_day: date | None = None,
    exclude_visit=None,
    staff: Staff | None = None,
) -> None:
    """Fill the date and time of `initial` with the next free slot of its
    clinician (or the one proposed) for its duration, at its site if
    chosen; left as they are when both are already there. `staff`: what
    the page read already (Staff.read)."""
    if initial.get("date") and initial.get("time"):
        return
    clinician = _proposed_clinician(user, initial, staff)
    if clinician is None:
        return
    initial.setdefault("clinician", clinician)
    earliest = timezone.now()
    day = initial.get("date") or earliest_day
    if day is not None:
        earliest = max(earliest, local_datetime(day, time.min))
    slot = next_free_slot(
        clinician=clinician,
        duration_min=initial.get("duration_min") or visit_models.DEFAULT_DURATION_MIN,
        earliest=earliest,
        site=initial.get("site"),
        exclude_visit=exclude_visit,
        working_hours=staff.hours_of(clinician) if staff is not None else None,
    )
    if slot is None:
        return
    local = timezone.localtime(slot.starts_at)
    initial["date"], initial["time"] = local.date(), local.time()
    if initial.get("site") is None:
        initial["site"] = slot.site or Site.objects.filter(pk=slot.site_id).first()


def booking_initial(
    patient: Patient,
    query: QueryDict,
    user=None,
    *,
    durations: dict[str, int] | None = None,
    staff: Staff | None = None,
) -> tuple[dict, selectors.Suggestion | None]:
    """Return the booking form's initial values and the follow-up suggested:
    ?session= names the session to follow up; the agenda's slot values
    (prefill_from_query) win over the suggestion; the duration is the
    purpose's usual one (`durations`, VisitType.durations(), if the caller
    already read it); without a date and time, the next free slot."""
    initial: dict = {}
    suggestion = None
    session_code = query.get("session", "")
    suggested_day = None
    if session_code:
        session = selectors.session_to_follow_up(patient, session_code)
        if session:
            suggestion = selectors.suggested_follow_up_date(session)
            suggested_day = suggestion.bookable_day()
            initial.update(
                session=session,
                purpose=suggestion.purpose,
                clinician=session.clinician,
            )
    initial.update(prefill_from_query(query))
    if "duration_min" not in initial:
        if durations is None:
            durations = visit_models.VisitType.durations()
        purpose = initial.get("purpose") or VisitPurpose.values[0]
        initial["duration_min"] = durations.get(
            purpose, visit_models.DEFAULT_DURATION_MIN
        )
    if "site" not in initial and user is not None:
        ids = user_site_ids(user)
        if ids is not None and len(ids) == 1:
            # Placed at one site: the slot proposed is there.
            initial["site"] = Site.objects.active().filter(pk__in=ids).first()
    propose_slot(initial, user=user, earliest_day=suggested_day, staff=staff)
    return initial, suggestion


def hours_banner_text(clinician) -> str:
    return _("Working hours are not set for %(clinician)s: any time can be booked.") % {
        "clinician": roles.clinician_label(clinician)
    }


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


def form_clinician(form: VisitSlotForm):
    """The clinician the form shows: posted (if valid), else its initial."""
    field = form.fields["clinician"]
    if form.is_bound:
        try:
            return field.clean(form.data.get(form.add_prefix("clinician")))
        except ValidationError:
            return None
    value = form.initial.get("clinician")
    if value is None or hasattr(value, "pk"):
        return value
    try:
        return field.clean(value)
    except ValidationError:
        return None


def form_ends_at(form: VisitSlotForm) -> str:
    """ "10:45": when the slot on the form ends (clinic time), or ""."""
    if form.is_bound:
        data = form.cleaned_data if hasattr(form, "cleaned_data") else {}
        starts_at, duration = data.get("starts_at"), data.get("duration_min")
    else:
        day, at = form.initial.get("date"), form.initial.get("time")
        duration = form.initial.get("duration_min")
        starts_at = None
        if isinstance(day, date) and isinstance(at, time):
            starts_at = local_datetime(day, at)
    if starts_at is None or not isinstance(duration, int):
        return ""
    ends_at = starts_at.astimezone(UTC) + timedelta(minutes=duration)
    return f"{timezone.localtime(ends_at):%H:%M}"


def booking_page_context(
    form: VisitSlotForm,
    *,
    durations: dict[str, int] | None = None,
    staff: Staff | None = None,
) -> dict:
    """What the booking and moving page shows around the form: the banner
    for a clinician without working hours, the proposed end, and for the
    form's script the usual durations (`durations` if already read) and the
    clinicians without hours."""
    if durations is None:
        durations = visit_models.VisitType.durations()
    clinicians = list(
        cast(ClinicianChoiceField, form.fields["clinician"]).queryset or []
    )
    with_hours = (
        set(staff.hours)
        if staff is not None
        else set(
            WorkingHours.objects.filter(clinician__in=clinicians).values_list(
                "clinician_id", flat=True
            )
        )
    )
    no_hours = {
        str(c.pk): hours_banner_text(c) for c in clinicians if c.pk not in with_hours
    }
    chosen = form_clinician(form)
    return {
        "hours_banner": no_hours.get(str(getattr(chosen, "pk", "")), ""),
        "ends_at": form_ends_at(form),
        "visit_form_data": {
            "durations": durations,
            "noHours": no_hours,
        },
    }

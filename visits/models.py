"""Follow-up visits and their state machine.

scheduled → arrived → completed, or cancelled / no-show with a coded reason.
The transitions and the actions open on a visit live on the model; the
writes that apply them (with locks and the double-booking check) are in
visits.services.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clinics.models import Site, default_site_pk
from core.models import Versioned
from patients.models import Patient
from treatments.models import TreatmentSession

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django_stubs_ext import StrOrPromise

MIN_DURATION_MIN = 5
MAX_DURATION_MIN = 240
DEFAULT_DURATION_MIN = 20


class VisitPurpose(models.TextChoices):
    CHECK = "check", _("Post-treatment check")
    TREATMENT = "treatment", _("Next treatment session")
    DOPPLER = "doppler", _("Doppler re-assessment")


class VisitStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    ARRIVED = "arrived", _("Arrived")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class StatusReason(models.TextChoices):
    PATIENT_REQUEST = "patient", _("Patient asked to cancel")
    CLINIC = "clinic", _("Clinic cancelled")
    ILLNESS = "illness", _("Patient ill")
    RESCHEDULED = "resched", _("Moved to another date")
    FORGOT = "forgot", _("Patient forgot")
    NO_CONTACT = "no_contact", _("Could not be reached")
    OTHER = "other", _("Other")


class AdverseEvent(models.TextChoices):
    BRUISING = "bruising", _("Bruising / haematoma")
    HYPERPIGMENTATION = "pigmentation", _("Hyperpigmentation")
    MATTING = "matting", _("Telangiectatic matting")
    THROMBOPHLEBITIS = "thrombophlebitis", _("Superficial thrombophlebitis")
    TRAPPED_BLOOD = "trapped_blood", _("Trapped blood drained")
    NECROSIS = "necrosis", _("Skin necrosis / ulcer")
    DVT = "dvt", _("Deep vein thrombosis")
    ALLERGY = "allergy", _("Allergic reaction")
    VISUAL = "visual", _("Visual disturbance")
    HEADACHE = "headache", _("Headache / migraine")
    OEDEMA = "oedema", _("Oedema")
    OTHER = "other", _("Other")


class Confirmation(models.TextChoices):
    # What the patient answered through a reminder's link.
    NONE = "", _("No answer")
    CONFIRMED = "confirmed", _("Confirmed by the patient")
    CANCEL_REQUESTED = "cancel", _("Patient asked to cancel")


class VisitPlan(models.TextChoices):
    ANOTHER_SESSION = "another", _("Another session")
    COMPLETE = "complete", _("Course complete")
    LASER = "laser", _("Refer for laser")
    ENDOVENOUS = "endovenous", _("Refer for endovenous treatment")


class FollowUpVisit(Versioned):
    """A return visit, booked by the front desk, completed by a clinician."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="follow_up_visits"
    )
    session = models.ForeignKey(
        TreatmentSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_up_visits",
        verbose_name=_("session followed"),
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        # Left empty by a form of a single-site clinic: save() puts the
        # clinic's only site in.
        blank=True,
        related_name="follow_up_visits",
        verbose_name=_("site"),
    )
    purpose = models.CharField(
        _("purpose"),
        max_length=10,
        choices=VisitPurpose.choices,
        default=VisitPurpose.CHECK,
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_min = models.PositiveSmallIntegerField(
        _("duration (minutes)"),
        default=DEFAULT_DURATION_MIN,
        validators=[
            MinValueValidator(MIN_DURATION_MIN),
            MaxValueValidator(MAX_DURATION_MIN),
        ],
    )
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="follow_up_visits",
        verbose_name=_("clinician"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=VisitStatus.choices,
        default=VisitStatus.SCHEDULED,
    )
    status_reason = models.CharField(
        _("reason"), max_length=10, choices=StatusReason.choices, blank=True
    )
    status_note = models.CharField(_("note"), max_length=255, blank=True)
    arrived_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Booked outside opening or working hours, on a closure or during an
    # absence by someone allowed to (visits.override_availability): why.
    override_reason = models.CharField(
        _("reason for booking outside availability"), max_length=255, blank=True
    )
    # The patient's answer through a reminder's link.
    confirmation = models.CharField(
        _("patient's answer"),
        max_length=10,
        choices=Confirmation.choices,
        blank=True,
        default=Confirmation.NONE,
    )
    confirmation_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Outcome, recorded by a clinician when the visit is completed.
    clearance_pct = models.PositiveSmallIntegerField(
        _("clearance (%)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
    )
    adverse_events = models.JSONField(_("adverse events"), default=list, blank=True)
    adverse_event_notes = models.TextField(_("adverse event details"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("patient satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    plan = models.CharField(
        _("plan"), max_length=10, choices=VisitPlan.choices, blank=True
    )
    outcome_notes = models.TextField(_("outcome notes"), blank=True)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(table_name="treatments_historicalfollowupvisit")

    if TYPE_CHECKING:
        # Set before save(); django-simple-history copies them to the history row.
        _history_user: AbstractBaseUser | None
        _change_reason: str
        # Put on by the views and the agenda for the templates' status buttons.
        actions: frozenset[str]

    class Meta:
        db_table = "treatments_followupvisit"
        verbose_name = _("follow-up visit")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["patient", "starts_at"]),
            models.Index(fields=["site", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="treatments_followupvisit_clearance_range",
                condition=Q(clearance_pct__isnull=True) | Q(clearance_pct__lte=100),
            ),
            models.CheckConstraint(
                name="treatments_followupvisit_satisfaction_range",
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
            ),
        ]
        permissions = [
            ("record_outcome", "Can record the outcome of a follow-up visit"),
            (
                "override_availability",
                "Can book outside opening or working hours, with a reason",
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.starts_at:%Y-%m-%d %H:%M}"
        return f"{self.get_purpose_display()} {when} – {self.patient}"

    def save(self, *args, **kwargs) -> None:
        if self.site_id is None:
            self.site_id = default_site_pk()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("visits:detail", kwargs={"code": self.code})

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.duration_min)

    # --- the state machine ---------------------------------------------

    @property
    def is_active(self) -> bool:
        """Whether the visit occupies the clinician's time."""
        return self.status in ACTIVE_STATUSES

    def check_transition(self, new_status: str) -> None:
        """Refuse a status change the state machine does not allow."""
        if new_status not in ALLOWED_TRANSITIONS[self.status]:
            raise ValidationError(
                {
                    "status": gettext(
                        "This visit is %(status)s; it cannot be %(verb)s."
                    )
                    % {
                        "status": self.get_status_display().lower(),
                        "verb": _STATUS_VERBS[new_status],
                    }
                },
                code="invalid_transition",
            )

    def arrives_too_early(self, now: datetime | None = None) -> bool:
        """A patient arrives on the visit's day, not before."""
        now = now or timezone.now()
        return timezone.localdate(now) < timezone.localdate(self.starts_at)

    def too_early_for_no_show(self, now: datetime | None = None) -> bool:
        """A visit becomes a no-show only once its start time has passed."""
        return (now or timezone.now()) < self.starts_at

    def check_can_arrive(self) -> None:
        self.check_transition(VisitStatus.ARRIVED)
        if self.arrives_too_early():
            raise ValidationError(
                {
                    "status": gettext(
                        "The patient can only arrive on the day of the visit."
                    )
                },
                code="too_early",
            )

    def check_can_be_no_show(self) -> None:
        self.check_transition(VisitStatus.NO_SHOW)
        if self.too_early_for_no_show():
            raise ValidationError(
                {
                    "status": gettext(
                        "A visit can be marked as no-show only after its start time."
                    )
                },
                code="too_early",
            )

    def check_can_become(self, status: str) -> None:
        """Refuse a status change that is not open on the visit now."""
        if status == VisitStatus.ARRIVED:
            self.check_can_arrive()
        elif status == VisitStatus.NO_SHOW:
            self.check_can_be_no_show()
        else:
            self.check_transition(status)

    def check_can_reschedule(self) -> None:
        if self.status != VisitStatus.SCHEDULED:
            raise ValidationError(
                {
                    "status": gettext(
                        "Only a scheduled visit can be moved; this one is %(s)s."
                    )
                    % {"s": self.get_status_display().lower()}
                },
                code="invalid_transition",
            )

    def allowed_actions(self, now: datetime | None = None) -> frozenset[str]:
        """Return the actions open on the visit now, by the same rules as the
        checks above: "arrive", "no_show", "cancel", "reschedule", "outcome"."""
        now = now or timezone.now()
        following = ALLOWED_TRANSITIONS[self.status]
        actions = set()
        if VisitStatus.ARRIVED in following and not self.arrives_too_early(now):
            actions.add("arrive")
        if VisitStatus.NO_SHOW in following and not self.too_early_for_no_show(now):
            actions.add("no_show")
        if VisitStatus.CANCELLED in following:
            actions.add("cancel")
        if self.status == VisitStatus.SCHEDULED:
            actions.add("reschedule")
        if self.status in (VisitStatus.ARRIVED, VisitStatus.COMPLETED):
            actions.add("outcome")
        return frozenset(actions)

    @property
    def can_print_slip(self) -> bool:
        """Only a visit still ahead of the patient gets an appointment slip."""
        return self.status == VisitStatus.SCHEDULED


# Visits that occupy the clinician's time; cancelled and no-show ones do not.
ACTIVE_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.ARRIVED)
# A visit in one of these counts as "follow-up booked" (worklist, statistics).
BOOKED_STATUSES = (VisitStatus.SCHEDULED, VisitStatus.ARRIVED, VisitStatus.COMPLETED)

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    VisitStatus.SCHEDULED: frozenset(
        {VisitStatus.ARRIVED, VisitStatus.CANCELLED, VisitStatus.NO_SHOW}
    ),
    VisitStatus.ARRIVED: frozenset({VisitStatus.COMPLETED, VisitStatus.CANCELLED}),
    VisitStatus.COMPLETED: frozenset(),
    VisitStatus.CANCELLED: frozenset(),
    VisitStatus.NO_SHOW: frozenset(),
}

CANCEL_REASONS = (
    StatusReason.PATIENT_REQUEST,
    StatusReason.CLINIC,
    StatusReason.ILLNESS,
    StatusReason.RESCHEDULED,
    StatusReason.OTHER,
)
NO_SHOW_REASONS = (
    StatusReason.FORGOT,
    StatusReason.NO_CONTACT,
    StatusReason.ILLNESS,
    StatusReason.OTHER,
)

_STATUS_VERBS: dict[str, StrOrPromise] = {
    VisitStatus.ARRIVED: _("marked as arrived"),
    VisitStatus.COMPLETED: _("completed"),
    VisitStatus.CANCELLED: _("cancelled"),
    VisitStatus.NO_SHOW: _("marked as no-show"),
}


class VisitType(models.Model):
    """A kind of visit (its purpose) and how long it usually lasts: the
    booking form proposes the end time from it."""

    purpose = models.CharField(
        _("purpose"), max_length=10, choices=VisitPurpose.choices, unique=True
    )
    default_duration_min = models.PositiveSmallIntegerField(
        _("usual duration (minutes)"),
        default=DEFAULT_DURATION_MIN,
        validators=[
            MinValueValidator(MIN_DURATION_MIN),
            MaxValueValidator(MAX_DURATION_MIN),
        ],
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["purpose"]
        verbose_name = _("visit type")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.default_duration_min} min)"

    @classmethod
    def durations(cls) -> dict[str, int]:
        """Usual minutes per purpose; DEFAULT_DURATION_MIN for one not set."""
        stored = dict(cls.objects.values_list("purpose", "default_duration_min"))
        return {p: stored.get(p, DEFAULT_DURATION_MIN) for p in VisitPurpose.values}


class MessageChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class MessageKind(models.TextChoices):
    REMINDER = "reminder", _("Visit reminder")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    # Taken by a worker, which is sending it now. One that stays claimed
    # (the worker died mid-send) becomes UNKNOWN and is never re-sent alone.
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")
    UNKNOWN = "unknown", _("Unknown: check with the patient")


class VisitMessage(models.Model):
    """One message about a visit to its patient, and what became of it."""

    visit = models.ForeignKey(
        FollowUpVisit, on_delete=models.PROTECT, related_name="messages"
    )
    channel = models.CharField(
        _("channel"), max_length=5, choices=MessageChannel.choices
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=MessageKind.choices,
        default=MessageKind.REMINDER,
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MessageStatus.choices,
        default=MessageStatus.PENDING,
    )
    # When it should go out, and the visit's version it was planned for (a
    # moved or cancelled visit leaves it skipped).
    due_at = models.DateTimeField(_("due"))
    visit_version = models.PositiveIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The address or E.164 number it went to (or would have).
    recipient = models.CharField(_("to"), max_length=254, blank=True)
    # Why it was skipped, or the last error.
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["visit", "due_at", "id"]
        verbose_name = _("visit message")
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["status", "claimed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.get_kind_display()}: {self.status}"


class CalendarFeed(models.Model):
    """A clinician's private calendar feed: times and a patient-free title,
    read by a calendar app with the secret token in its address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calendar_feed",
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")

    def __str__(self) -> str:
        return f"{self.user}"


class VisitDaySummary(models.Model):
    """One clinician's visits booked for one clinic-local day, counted.

    The statistics add these rows up instead of reading every visit. Kept
    by visits.summaries inside the transaction of every service that books,
    moves, or changes the status or outcome of a visit; rebuilt by
    `rebuild_statistics`. Outcome figures count completed visits only.
    """

    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # By status (the field is named after the status's value).
    scheduled = models.PositiveIntegerField(default=0)
    arrived = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    no_show = models.PositiveIntegerField(default=0)
    satisfaction_1 = models.PositiveIntegerField(default=0)
    satisfaction_2 = models.PositiveIntegerField(default=0)
    satisfaction_3 = models.PositiveIntegerField(default=0)
    satisfaction_4 = models.PositiveIntegerField(default=0)
    satisfaction_5 = models.PositiveIntegerField(default=0)
    # By plan (the field is plan_<value>; plan_none: not recorded).
    plan_another = models.PositiveIntegerField(default=0)
    plan_complete = models.PositiveIntegerField(default=0)
    plan_laser = models.PositiveIntegerField(default=0)
    plan_endovenous = models.PositiveIntegerField(default=0)
    plan_none = models.PositiveIntegerField(default=0)
    clearance_recorded = models.PositiveIntegerField(default=0)
    clearance_sum = models.PositiveIntegerField(default=0)
    with_adverse_event = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "clinician"], name="visits_visitdaysummary_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} clinician {self.clinician_id}: {self.completed} completed"


# VisitDaySummary's counts, as VisitMonthSummary adds them up.
VISIT_DAY_COUNTS = (
    "scheduled",
    "arrived",
    "completed",
    "cancelled",
    "no_show",
    "satisfaction_1",
    "satisfaction_2",
    "satisfaction_3",
    "satisfaction_4",
    "satisfaction_5",
    "plan_another",
    "plan_complete",
    "plan_laser",
    "plan_endovenous",
    "plan_none",
    "clearance_recorded",
    "clearance_sum",
    "with_adverse_event",
)


class VisitMonthSummary(models.Model):
    """VisitDaySummary added up over a calendar month (`month` is its first
    day) for one clinician, kept with the days by visits.summaries: the
    statistics of a long period read its whole months here and only the
    days of the months it starts or ends inside (see VisitMonthClearance).
    A month without a visit has no row."""

    month = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scheduled = models.PositiveIntegerField(default=0)
    arrived = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    cancelled = models.PositiveIntegerField(default=0)
    no_show = models.PositiveIntegerField(default=0)
    satisfaction_1 = models.PositiveIntegerField(default=0)
    satisfaction_2 = models.PositiveIntegerField(default=0)
    satisfaction_3 = models.PositiveIntegerField(default=0)
    satisfaction_4 = models.PositiveIntegerField(default=0)
    satisfaction_5 = models.PositiveIntegerField(default=0)
    plan_another = models.PositiveIntegerField(default=0)
    plan_complete = models.PositiveIntegerField(default=0)
    plan_laser = models.PositiveIntegerField(default=0)
    plan_endovenous = models.PositiveIntegerField(default=0)
    plan_none = models.PositiveIntegerField(default=0)
    clearance_recorded = models.PositiveIntegerField(default=0)
    clearance_sum = models.PositiveIntegerField(default=0)
    with_adverse_event = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "clinician"], name="visits_visitmonthsummary_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} clinician {self.clinician_id}: {self.completed}"


class VisitDayClearance(models.Model):
    """How many completed visits of a day summary recorded this clearance:
    the histogram the median is read from."""

    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    clearance_pct = models.PositiveSmallIntegerField()
    visits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "clinician", "clearance_pct"],
                name="visits_visitdayclearance_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.clearance_pct} %: {self.visits}"


class VisitDayAdverseEvent(models.Model):
    """How many completed visits of a day summary recorded this adverse
    event code (once per visit, as stored)."""

    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    code = models.TextField()
    visits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "clinician", "code"],
                name="visits_visitdayadverseevent_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.code}: {self.visits}"


class VisitMonthClearance(models.Model):
    """VisitDayClearance added up over a calendar month (`month` is its first
    day): a long period reads its whole months here and only the days of
    the months it starts or ends inside from the day rows. Kept with the
    day rows (visits.summaries)."""

    month = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    clearance_pct = models.PositiveSmallIntegerField()
    visits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "clinician", "clearance_pct"],
                name="visits_visitmonthclearance_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.clearance_pct} %: {self.visits}"


class VisitMonthAdverseEvent(models.Model):
    """VisitDayAdverseEvent added up over a calendar month (see
    VisitMonthClearance)."""

    month = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    code = models.TextField()
    visits = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "clinician", "code"],
                name="visits_visitmonthadverseevent_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.code}: {self.visits}"


class VisitDayClearanceBy(models.Model):
    """The clearance recorded at one clinician's completed visits of one
    clinic-local day, by a value of what the followed session injected: the
    vessel type, agent, concentration or form (`dimension`). A visit counts
    once under each distinct value of its session's active injections (the
    session it follows; without one, the patient's last active session
    before it). Kept by visits.trend_summaries; read by the clinic trends."""

    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=16)
    visits = models.PositiveIntegerField()
    clearance_sum = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "clinician", "dimension", "value"],
                name="visits_visitdayclearanceby_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.value}: {self.visits}"


class VisitMonthClearanceBy(models.Model):
    """VisitDayClearanceBy added up over a calendar month (`month` is its
    first day), kept with the day rows by visits.trend_summaries: a long
    period reads its whole months here (see VisitMonthClearance)."""

    month = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=16)
    visits = models.PositiveIntegerField()
    clearance_sum = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "clinician", "dimension", "value"],
                name="visits_visitmonthclearanceby_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.value}: {self.visits}"


class CourseSummary(models.Model):
    """A course of treatment, summarised when a completed visit records
    "course complete": its active sessions (after the patient's previous
    course-complete visit, before this one) and the VCSS before and after.

    `day` and `clinician` are the completing visit's. The VCSS of an
    assessment is its higher leg's; before: the latest active assessment on
    or before the first session's day; after: the latest after the last
    session's day and on or before the visit's day. Kept by
    visits.trend_summaries; read by the clinic trends."""

    visit = models.OneToOneField(
        FollowUpVisit, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveIntegerField()
    first_session_at = models.DateTimeField()
    last_session_at = models.DateTimeField()
    vcss_before = models.PositiveSmallIntegerField(null=True)
    vcss_after = models.PositiveSmallIntegerField(null=True)

    class Meta:
        indexes = [models.Index(fields=["day", "clinician"])]

    def __str__(self) -> str:
        return f"{self.day} course of {self.sessions} sessions"


class CourseMonthSummary(models.Model):
    """The course summaries of a calendar month (`month` is its first day)
    and clinician, added up by their number of sessions: a long trends
    period reads its whole months here and only the courses of the months
    it starts or ends inside (reporting.selectors.period_totals).

    Kept by visits.trend_summaries as a patient's courses change: each
    change adds the difference between the patient's old and new course
    rows, so writers for different patients never wait for each other. The
    counts are plain integers, not positive ones, because a difference is
    added to a row that may not exist yet."""

    month = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveIntegerField()
    courses = models.IntegerField()
    # The courses with a VCSS before and after, and those VCSS added up.
    vcss_pairs = models.IntegerField()
    vcss_before_sum = models.IntegerField()
    vcss_after_sum = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "clinician", "sessions"],
                name="visits_coursemonthsummary_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} courses of {self.sessions} sessions: {self.courses}"

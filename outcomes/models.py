"""Patient-reported outcomes: questionnaires defined as data, the signed
invitations that ask a patient to fill one, and the answers.

An `Instrument` is a questionnaire: its items, each with its answer scale,
and how it is scored (the sum of its scored items). The clinic can add an
instrument as data where it holds the licence; the shipped one is the
clinic's own open symptom score. A clinically meaningful change is stored on
the instrument only where the instrument defines one (none for the shipped
score).

A `QuestionnaireInvitation` is one request to fill an instrument at a
timepoint of a course (before the first session, then 1, 3, 6 and 12 months
after the course's last session), sent by email or SMS with a signed,
expiring link. A `QuestionnaireResponse` is a filled questionnaire, from the
link or on the clinic's tablet; it is voided, never deleted.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Voidable
from patients.models import Language, Patient


class Instrument(models.Model):
    """A questionnaire and its scoring, defined as data."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_it = models.CharField(_("name (Italian)"), max_length=120)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    intro_it = models.TextField(_("introduction (Italian)"), blank=True)
    version = models.CharField(_("version"), max_length=20, default="1")
    licence = models.TextField(
        _("licence"),
        blank=True,
        help_text=_("Who holds the rights, and the clinic's licence to use it."),
    )
    lower_is_better = models.BooleanField(_("a lower score is better"), default=True)
    # The instrument's own clinically meaningful change, in score points; left
    # empty where the instrument defines none (no change is then flagged).
    meaningful_change = models.DecimalField(
        _("clinically meaningful change"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # The instrument sent on the course schedule (one at a time).
    scheduled = models.BooleanField(_("sent on the course schedule"), default=False)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheduled"],
                condition=Q(scheduled=True),
                name="outcomes_instrument_one_scheduled",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_it if (get_language() or "en")[:2] == "it" else self.name_en

    def name_in(self, language: str) -> str:
        return self.name_it if language[:2] == "it" else self.name_en

    def intro_in(self, language: str) -> str:
        return self.intro_it if language[:2] == "it" else self.intro_en


class InstrumentItem(models.Model):
    """One question of an instrument, with its answer scale.

    `choices` is a list of {"value": int, "en": label, "it": label}, in the
    order shown. A scored item counts towards the instrument's score.
    """

    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    key = models.SlugField(_("key"), max_length=40)
    text_en = models.CharField(_("question (English)"), max_length=300)
    text_it = models.CharField(_("question (Italian)"), max_length=300)
    choices = models.JSONField(_("answer scale"))
    scored = models.BooleanField(_("counts towards the score"), default=True)
    required = models.BooleanField(_("required"), default=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire item")
        verbose_name_plural = _("questionnaire items")
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "key"], name="outcomes_item_one_key"
            ),
            models.UniqueConstraint(
                fields=["instrument", "position"], name="outcomes_item_one_position"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code}/{self.key}"

    def text_in(self, language: str) -> str:
        return self.text_it if language[:2] == "it" else self.text_en

    def values(self) -> list[int]:
        return [int(c["value"]) for c in self.choices]

    def label_of(self, value: int | None, language: str) -> str:
        lang = "it" if language[:2] == "it" else "en"
        for choice in self.choices:
            if int(choice["value"]) == value:
                return str(choice[lang])
        return ""


class Timepoint(models.TextChoices):
    BASELINE = "baseline", _("Before the first session")
    MONTH_1 = "m1", _("1 month after the course")
    MONTH_3 = "m3", _("3 months after the course")
    MONTH_6 = "m6", _("6 months after the course")
    MONTH_12 = "m12", _("12 months after the course")
    VISIT = "visit", _("At a visit")


# Months after the course's last session, per follow-up timepoint.
TIMEPOINT_MONTHS = {
    Timepoint.MONTH_1: 1,
    Timepoint.MONTH_3: 3,
    Timepoint.MONTH_6: 6,
    Timepoint.MONTH_12: 12,
}


class InvitationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


class InvitationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SENT = "sent", _("Sent")
    ANSWERED = "answered", _("Answered")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", _("Cancelled")
    FAILED = "failed", _("Not sent")


class QuestionnaireInvitation(models.Model):
    """A request to a patient to fill an instrument at a timepoint.

    The link carries the invitation's code, signed; it works until
    `expires_at` and only once (a second answer is refused).
    `course_key` names the course the timepoint belongs to (for a follow-up
    timepoint, the code of the visit that recorded "course complete"; for
    the baseline, the code of the first session's booking or of the
    patient) so that a timepoint is asked once per course.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_invitations"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="invitations"
    )
    timepoint = models.CharField(
        _("timepoint"), max_length=10, choices=Timepoint.choices
    )
    course_key = models.CharField(max_length=64, blank=True)
    # The last session of the course, for follow-up timepoints.
    course_last_session_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(_("due on"))
    channel = models.CharField(
        _("channel"), max_length=5, choices=InvitationChannel.choices, blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InvitationStatus.choices,
        default=InvitationStatus.PLANNED,
    )
    status_note = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire invitation")
        verbose_name_plural = _("questionnaire invitations")
        ordering = ["due_on", "id"]
        indexes = [
            models.Index(fields=["status", "due_on"], name="outcomes_inv_status_due"),
            models.Index(fields=["patient", "due_on"], name="outcomes_inv_patient_due"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "instrument", "timepoint", "course_key"],
                condition=~Q(timepoint="visit"),
                name="outcomes_invitation_once_per_course",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient_id} {self.instrument_id} {self.timepoint} {self.due_on}"


class ResponseSource(models.TextChoices):
    LINK = "link", _("Patient's link")
    TABLET = "tablet", _("Clinic tablet")
    PAPER = "paper", _("Paper, entered by staff")


class QuestionnaireResponse(Voidable):
    """A filled questionnaire. Its score is the sum of its scored items,
    computed when it is saved (empty when a scored item is unanswered)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="questionnaire_responses"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="responses"
    )
    invitation = models.OneToOneField(
        QuestionnaireInvitation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
    )
    timepoint = models.CharField(
        _("timepoint"), max_length=10, choices=Timepoint.choices
    )
    answered_at = models.DateTimeField(_("answered at"))
    source = models.CharField(
        _("source"), max_length=10, choices=ResponseSource.choices
    )
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default="en"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    score = models.DecimalField(
        _("score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire response")
        verbose_name_plural = _("questionnaire responses")
        ordering = ["answered_at", "id"]
        indexes = [
            models.Index(
                fields=["patient", "answered_at"], name="outcomes_resp_patient_at"
            ),
            models.Index(
                fields=["instrument", "answered_at"], name="outcomes_resp_instr_at"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.patient_id} {self.answered_at:%Y-%m-%d}"


class QuestionnaireAnswer(models.Model):
    """One item's answer in a response (value empty: not answered)."""

    response = models.ForeignKey(
        QuestionnaireResponse, on_delete=models.PROTECT, related_name="answers"
    )
    item = models.ForeignKey(
        InstrumentItem, on_delete=models.PROTECT, related_name="answers"
    )
    value = models.SmallIntegerField(
        _("answer"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("questionnaire answer")
        verbose_name_plural = _("questionnaire answers")
        ordering = ["response", "item__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["response", "item"], name="outcomes_answer_one_per_item"
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id} {self.item_id}={self.value}"


class CourseSymptomChange(models.Model):
    """A course's symptom score before and after, per instrument (only the
    courses with both). Kept by outcomes.course_summaries from
    visits.CourseSummary and the responses; read by the clinic trends."""

    visit = models.ForeignKey(
        "visits.FollowUpVisit", on_delete=models.CASCADE, related_name="+"
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="+"
    )
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    # The course-complete visit's day and clinician, as on CourseSummary.
    day = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    score_before = models.DecimalField(max_digits=7, decimal_places=2)
    score_after = models.DecimalField(max_digits=7, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["day", "clinician"])]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "instrument"],
                name="outcomes_coursesymptomchange_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.score_before} → {self.score_after}"

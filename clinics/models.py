"""Where and when the clinic works: sites, opening hours, closures, who works
at which site and when, and clinicians' absences.

A site with no opening hours is open at any time, and a clinician with no
working hours is bookable at any time (the agenda says the hours are not
set), so a clinic keeps working the day these tables arrive empty. The rules
that read these tables are in clinics.availability.
"""

from __future__ import annotations

from datetime import date, time
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import Letterhead

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

ADDRESS_MAX_LENGTH = 500


class Weekday(models.IntegerChoices):
    # date.weekday() numbering.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class SiteQuerySet(models.QuerySet):
    def active(self) -> SiteQuerySet:
        return self.filter(is_active=True)


class Site(models.Model):
    """A place where the clinic sees patients."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    address = models.TextField(
        _("address"),
        max_length=ADDRESS_MAX_LENGTH,
        blank=True,
        validators=[MaxLengthValidator(ADDRESS_MAX_LENGTH)],
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The site's own letterhead on printed sheets; none = the clinic's.
    letterhead = models.ForeignKey(
        Letterhead,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sites",
        verbose_name=_("letterhead"),
    )
    # Agenda grid step and the unit free slots are offered in.
    slot_minutes = models.PositiveSmallIntegerField(
        _("agenda step (minutes)"),
        default=15,
        choices=[(5, "5"), (10, "10"), (15, "15"), (20, "20"), (30, "30")],
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = SiteQuerySet.as_manager()

    if TYPE_CHECKING:
        _history_user: AbstractBaseUser | None
        _change_reason: str

    class Meta:
        ordering = ["name"]
        verbose_name = _("site")

    def __str__(self) -> str:
        return self.name


def default_site_pk() -> int:
    """The site a record gets when none is chosen: the only (first) active
    site, created on first use so that a single-site clinic never sees one."""
    site = Site.objects.active().order_by("id").only("pk").first()
    if site is None:
        site = Site.objects.order_by("id").only("pk").first()
    if site is None:
        site = Site.objects.create(name=Letterhead.current().clinic_name or "Clinic")
    return site.pk


class OpeningHours(models.Model):
    """One opening interval of a site on a weekday (two rows for a lunch break)."""

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            models.CheckConstraint(
                name="clinics_openinghours_order", condition=Q(opens__lt=F("closes"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self) -> None:
        if self.opens and self.closes and self.opens >= self.closes:
            raise ValidationError(
                {"closes": gettext("Closing time must be after opening time.")}
            )


class Closure(models.Model):
    """Days a site is closed (a holiday, works); both dates included."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="closures")
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=120)

    history = HistoricalRecords()

    class Meta:
        ordering = ["site", "first_day"]
        verbose_name = _("closure")
        indexes = [models.Index(fields=["site", "last_day"])]
        constraints = [
            models.CheckConstraint(
                name="clinics_closure_order",
                condition=Q(first_day__lte=F("last_day")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.site}: {self.first_day}–{self.last_day} {self.reason}"

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def clean(self) -> None:
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise ValidationError(
                {"last_day": gettext("The last day cannot be before the first.")}
            )


class SiteMembership(models.Model):
    """A member of staff works at a site (sees its agenda and its visits)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="site_memberships",
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="members")

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("site membership")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "site"], name="clinics_sitemembership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.site}"


class WorkingHours(models.Model):
    """When a clinician sees patients at a site on a weekday."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="working_hours",
        verbose_name=_("clinician"),
    )
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="working_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    history = HistoricalRecords()

    class Meta:
        ordering = ["clinician", "weekday", "starts"]
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        indexes = [models.Index(fields=["clinician", "weekday"])]
        constraints = [
            models.CheckConstraint(
                name="clinics_workinghours_order", condition=Q(starts__lt=F("ends"))
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.clinician} {self.get_weekday_display()} "
            f"{self.starts:%H:%M}–{self.ends:%H:%M} @ {self.site}"
        )

    def clean(self) -> None:
        if self.starts and self.ends and self.starts >= self.ends:
            raise ValidationError({"ends": gettext("The end must be after the start.")})

    def contains(self, start: time, end: time) -> bool:
        return self.starts <= start and end <= self.ends


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    CONGRESS = "congress", _("Congress")
    SICK = "sick", _("Sick leave")
    OTHER = "other", _("Other")


class Absence(models.Model):
    """A clinician is away (all sites) from one moment to another."""

    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="absences",
        verbose_name=_("clinician"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    kind = models.CharField(
        _("kind"), max_length=10, choices=AbsenceKind.choices, default=AbsenceKind.LEAVE
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("absence")
        indexes = [models.Index(fields=["clinician", "ends_at"])]
        constraints = [
            models.CheckConstraint(
                name="clinics_absence_order", condition=Q(starts_at__lt=F("ends_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.clinician}: {self.get_kind_display()} {self.starts_at:%Y-%m-%d}"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.starts_at >= self.ends_at:
            raise ValidationError(
                {"ends_at": gettext("The end must be after the start.")}
            )

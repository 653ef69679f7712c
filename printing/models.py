"""printing reads the clinical apps' tables; its own holds the day's sheets
made by the background worker (a day too long to render in a request)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils.translation import gettext_lazy as _


def private_storage() -> Storage:
    """The storage of private files (a callable: settings may change in tests)."""
    return storages["private"]


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Being prepared")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class DaySheetsJob(models.Model):
    """One request for a day's aftercare sheets as one PDF, made by the worker.

    The PDF holds patient data: it lives in the private storage, is served
    only by printing.views.day_sheets_job_download (role check, access log),
    and is removed a day later (printing.dayjobs.remove_old_files).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    day = models.DateField(_("day"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus, default=JobStatus.QUEUED
    )
    sheets_done = models.PositiveIntegerField(_("sheets done"), default=0)
    sheets_total = models.PositiveIntegerField(_("sheets in all"), default=0)
    file = models.FileField(
        _("PDF"),
        storage=private_storage,
        upload_to="day-sheets/",
        max_length=255,
        blank=True,
    )
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("day's sheets job")
        verbose_name_plural = _("day's sheets jobs")
        indexes = [
            models.Index(fields=["day", "-created_at"], name="printing_job_day_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="printing_daysheetsjob_progress_within_total",
                condition=models.Q(sheets_done__lte=models.F("sheets_total")),
            ),
            # One job under way per day, whichever server or desk asks:
            # day_sheets_job_start relies on it when two ask at once.
            models.UniqueConstraint(
                fields=["day"],
                condition=models.Q(status__in=["queued", "running"]),
                name="printing_one_pending_job_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def percent(self) -> int:
        if not self.sheets_total:
            return 0
        return round(100 * self.sheets_done / self.sheets_total)

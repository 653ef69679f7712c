"""The access log: one row per request that read patient data.

Rows are only ever added (accesslog.middleware); nothing updates or deletes
them, and the admin shows none of them for editing.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accesslog.kinds import kind_label
from patients.models import Patient

USER_AGENT_MAX = 255
PATH_MAX = 500
QUERY_MAX = 255
LABEL_MAX = 200


class AppendOnly(Exception):
    """An access-log row was about to be changed or deleted."""


class AccessEventQuerySet(models.QuerySet):
    def update(self, **kwargs: object) -> int:
        raise AppendOnly("The access log is append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The access log is append-only.")


class AccessEvent(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now)
    # None: read without a login, by a patient through a reminder's link.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
        verbose_name=_("user"),
    )
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=USER_AGENT_MAX, blank=True)
    method = models.CharField(_("method"), max_length=10)
    path = models.CharField(_("path"), max_length=PATH_MAX)
    kind = models.CharField(_("kind"), max_length=40)
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_events",
        verbose_name=_("patient"),
    )
    label = models.CharField(_("what"), max_length=LABEL_MAX, blank=True)
    query = models.CharField(_("query"), max_length=QUERY_MAX, blank=True)
    count = models.PositiveIntegerField(_("patients shown"), null=True, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))

    objects = AccessEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("access event")
        verbose_name_plural = _("access events")
        indexes = [
            models.Index(fields=["patient", "-at"], name="accesslog_patient_at_idx"),
            models.Index(fields=["user", "-at"], name="accesslog_user_at_idx"),
            models.Index(fields=["-at"], name="accesslog_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.kind} {self.path}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A row is written once; a saved row is never written again.
        if not self._state.adding:
            raise AppendOnly("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The access log is append-only.")

    @property
    def kind_label(self) -> str:
        return kind_label(self.kind)

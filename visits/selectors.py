"""Reads for the agenda pages, the worklist and the suggested follow-up dates."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from patients.models import Patient
from treatments.choices import Form
from treatments.models import Injection, TreatmentSession
from visits.models import VisitPurpose

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Follow-up timing, DOMAIN.md §7.2 ("a sensible default: 2 weeks coagulum /
# complication check ... duplex 1-4 weeks after UGFS"; repeat sessions are
# commonly 4-6 weeks apart).
CHECK_AFTER_DAYS = 14
DUPLEX_AFTER_UGFS_DAYS = 14
NEXT_TREATMENT_MIN_DAYS = 28
NEXT_TREATMENT_MAX_DAYS = 42

# The worklist looks back this far for treated patients without a follow-up.
WORKLIST_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class Suggestion:
    day: date
    purpose: str

    def get_purpose_display(self) -> StrOrPromise:
        return VisitPurpose(self.purpose).label

    def bookable_day(self, today: date | None = None) -> date:
        """Return the suggested day, or today if it has already passed."""
        today = today or timezone.localdate()
        return max(self.day, today)

    def is_overdue(self, today: date | None = None) -> bool:
        return self.day < (today or timezone.localdate())


def _skip_sunday(day: date) -> date:
    # The clinic's week runs Monday to Saturday.
    return day + timedelta(days=1) if day.weekday() == 6 else day


def session_has_ugfs(session: TreatmentSession) -> bool:
    """Return whether any active injection was ultrasound-guided foam."""
    annotated = getattr(session, "has_ugfs", None)
    if annotated is not None:
        return bool(annotated)
    return session.injections.filter(
        voided_at__isnull=True, form=Form.FOAM, ultrasound_guided=True
    ).exists()


def ugfs_exists() -> Exists:
    """Return an Exists() to annotate sessions with `has_ugfs` in one query."""
    return Exists(
        Injection.objects.filter(
            session=OuterRef("pk"),
            voided_at__isnull=True,
            form=Form.FOAM,
            ultrasound_guided=True,
        )
    )


def suggested_follow_up_date(session: TreatmentSession) -> Suggestion:
    """Return the first follow-up the session calls for (DOMAIN.md §7.2).

    After ultrasound-guided foam a duplex check is due within 1-4 weeks;
    otherwise a post-treatment check at 2 weeks.
    """
    performed = timezone.localdate(session.performed_at)
    if session_has_ugfs(session):
        return Suggestion(
            _skip_sunday(performed + timedelta(days=DUPLEX_AFTER_UGFS_DAYS)),
            VisitPurpose.DOPPLER,
        )
    return Suggestion(
        _skip_sunday(performed + timedelta(days=CHECK_AFTER_DAYS)), VisitPurpose.CHECK
    )


def suggested_next_treatment(session: TreatmentSession) -> Suggestion:
    """Return the earliest usual date for the next session (4-6 weeks)."""
    performed = timezone.localdate(session.performed_at)
    return Suggestion(
        _skip_sunday(performed + timedelta(days=NEXT_TREATMENT_MIN_DAYS)),
        VisitPurpose.TREATMENT,
    )


def worklist_sessions(now: datetime | None = None) -> QuerySet:
    """Return each patient's latest session of the last 90 days with no
    scheduled, arrived or completed visit on or after it.

    Reads only the sessions awaiting a follow-up (an index of them: the
    visits and session services keep `awaiting_follow_up`, true after the
    patient's latest booked visit, and `next_at`, the patient's next active
    session). A session is the patient's latest of the 90 days when the next
    one is later than now, or none.
    """
    now = now or timezone.now()
    return (
        TreatmentSession.objects.active()
        .filter(
            Q(next_at__isnull=True) | Q(next_at__gt=now),
            awaiting_follow_up=True,
            performed_at__gte=now - timedelta(days=WORKLIST_LOOKBACK_DAYS),
            performed_at__lte=now,
            patient__archived_at__isnull=True,
        )
        .annotate(has_ugfs=ugfs_exists())
        .select_related("patient", "clinician")
        .order_by("performed_at", "id")
    )


def worklist_rows(sessions: Iterable[TreatmentSession], today: date) -> list[dict]:
    """Return the worklist's rows: each session with its suggested follow-up."""
    rows = []
    for session in sessions:
        suggestion = suggested_follow_up_date(session)
        rows.append(
            {
                "session": session,
                "patient": session.patient,
                "suggestion": suggestion,
                "bookable_day": suggestion.bookable_day(today),
                "overdue": suggestion.is_overdue(today),
            }
        )
    return rows


def _valid_uuids(text: str) -> list[str]:
    try:
        return [str(uuid.UUID(text))]
    except ValueError:
        return []


def session_to_follow_up(
    patient: Patient, session_code: str
) -> TreatmentSession | None:
    """Return the patient's active session with this code (?session= of the
    booking page), or None for another patient's, a voided one or nonsense."""
    return (
        TreatmentSession.objects.active()
        .filter(patient=patient, code__in=_valid_uuids(session_code))
        .select_related("clinician")
        .first()
    )

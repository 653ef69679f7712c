"""The audit trail of everything recorded about one patient.

Reads the simple_history tables of every clinical model, one query per model
however long the history, and pairs each version with the previous version of
the same record to show what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from doppler.models import DopplerAssessment, DopplerFinding
from patients.models import Patient
from treatments.models import Injection, TreatmentSession
from visits.models import FollowUpVisit

# Bookkeeping fields that change on every save and say nothing to a reader.
IGNORED_FIELDS = {"updated_at", "version", "created_at"}


@dataclass
class AuditEntry:
    when: datetime
    who: Any
    kind: str
    label: str
    action: str
    reason: str
    changes: list

    @property
    def who_name(self) -> str:
        if self.who is None:
            return "—"
        return self.who.get_full_name() or self.who.username


def _label_patient(r) -> str:
    return r.chart_number


def _label_doppler(r) -> str:
    return _("Doppler of %(date)s") % {"date": r.assessed_on}


def _label_finding(r) -> str:
    return f"{r.get_leg_display()} {r.segment}"


def _sources(patient: Patient) -> list[tuple[str, Any, Callable]]:
    # Every record that was ever on this chart, with its whole history: a
    # record moved here by a merge brings its earlier versions, and the
    # merged chart keeps showing the records it held.
    doppler_ids = DopplerAssessment.history.filter(patient_id=patient.id).values("id")
    session_ids = TreatmentSession.history.filter(patient_id=patient.id).values("id")
    visit_ids = FollowUpVisit.history.filter(patient_id=patient.id).values("id")
    return [
        (_("Patient"), Patient.history.filter(id=patient.id), _label_patient),
        (
            _("Doppler assessment"),
            DopplerAssessment.history.filter(id__in=doppler_ids),
            _label_doppler,
        ),
        (
            _("Doppler finding"),
            DopplerFinding.history.filter(assessment_id__in=doppler_ids),
            _label_finding,
        ),
        (
            _("Treatment session"),
            TreatmentSession.history.filter(id__in=session_ids),
            lambda r: f"{r.performed_at:%Y-%m-%d %H:%M}",
        ),
        (
            _("Injection"),
            Injection.history.filter(session_id__in=session_ids),
            lambda r: f"{r.get_leg_display()} {r.site or r.segment}",
        ),
        (
            _("Follow-up visit"),
            FollowUpVisit.history.filter(id__in=visit_ids),
            lambda r: f"{r.starts_at:%Y-%m-%d %H:%M}",
        ),
    ]


def patient_audit_trail(patient: Patient) -> list[AuditEntry]:
    """Return every recorded change about the patient, newest first."""
    entries: list[AuditEntry] = []
    for kind, queryset, label in _sources(patient):
        previous_by_id: dict[int, Any] = {}
        for record in queryset.select_related("history_user").order_by(
            "history_date", "history_id"
        ):
            previous = previous_by_id.get(record.id)
            changes = []
            if previous is not None:
                delta = record.diff_against(previous)
                changes = [c for c in delta.changes if c.field not in IGNORED_FIELDS]
            previous_by_id[record.id] = record
            entries.append(
                AuditEntry(
                    when=record.history_date,
                    who=record.history_user,
                    kind=str(kind),
                    label=label(record),
                    action=record.get_history_type_display(),
                    reason=record.history_change_reason or "",
                    changes=changes,
                )
            )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries

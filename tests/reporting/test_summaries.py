"""The statistics read from the day summaries equal the row-level computation.

A generated history, written through the services (sessions recorded,
re-dated, trimmed, voided, signed and amended; visits booked, moved,
cancelled, missed, completed with outcomes), over months that cross both
daylight-saving changes and with times near local midnight, is counted both
ways for several periods and clinician filters. The worklist is compared
with its former correlated-subquery computation the same way.
"""

from __future__ import annotations

import random
from dataclasses import asdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Subquery
from django.forms.models import model_to_dict
from django.utils import timezone

from core.roles import CLINICIAN
from reporting import reference
from reporting import selectors as statistics
from reporting.period import Period
from tests.conftest import make_injection, make_patient, make_session, make_user
from treatments import services as sessions
from treatments.choices import Agent, Compression, Form, Gas
from treatments.models import Injection, SessionDaySummary, TreatmentSession
from visits import services as visits
from visits.models import (
    BOOKED_STATUSES,
    AdverseEvent,
    FollowUpVisit,
    VisitDayAdverseEvent,
    VisitDayClearance,
    VisitDaySummary,
    VisitMonthAdverseEvent,
    VisitMonthClearance,
    VisitMonthSummary,
    VisitPlan,
    VisitStatus,
)
from visits.selectors import WORKLIST_LOOKBACK_DAYS, worklist_sessions
from visits.summaries import rebuild_statistics

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 6, 15, 12, 0))
FIRST_DAY = date(2025, 1, 1)
DAYS = 520  # to early June 2026: both DST changes of 2025 and March 2026
# Wall-clock times, some near midnight (another UTC day) and in the hour
# that does not exist or repeats on a DST change.
HOURS = [(0, 15), (0, 45), (2, 30), (9, 0), (11, 20), (16, 40), (23, 30), (23, 55)]


def local(day: date, hh: int, mm: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def row(rng: random.Random) -> dict:
    foam = rng.random() < 0.4
    return {
        "leg": rng.choice("LR"),
        "segment": "",
        "site": rng.choice(["lateral thigh", "posterior calf", "medial knee"]),
        "vessel_type": "reticular",
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal("0.5"),
        "form": Form.FOAM if foam else Form.LIQUID,
        "gas": Gas.AIR if foam else "",
        "gas_parts": Decimal("4") if foam else None,
        "volume_ml": Decimal("1.00"),
        "ultrasound_guided": foam and rng.random() < 0.5,
    }


def data(performed_at: datetime) -> dict:
    return {
        "performed_at": performed_at,
        "weight_kg": Decimal("60.0"),
        "doppler": None,
        "screening_confirmed": True,
        "consent_obtained": True,
        "compression": Compression.STOCKING,
        "stocking_class": "2",
        "stocking_length": "thigh",
        "stocking_days": 14,
    }


def moment(rng: random.Random, days: int = DAYS) -> datetime:
    day = FIRST_DAY + timedelta(days=rng.randrange(days))
    return local(day, *rng.choice(HOURS))


def rows_of(session: TreatmentSession) -> list[dict]:
    kept = []
    for injection in session.injections.filter(voided_at__isnull=True):
        values = model_to_dict(injection, exclude=["session", "lot", "id"])
        kept.append({**values, "id": injection.pk})
    return kept


def generate(rng: random.Random, staff: list, manager) -> None:
    """Write a varied history through the services (and, for sessions over a
    limit, through the fixtures, which keep the summaries alike)."""
    patients = [make_patient(last_name=f"Gen{n:02d}") for n in range(14)]
    made: list[TreatmentSession] = []
    for _n in range(70):
        patient, clinician = rng.choice(patients), rng.choice(staff)
        made.append(
            sessions.session_create(
                patient=patient,
                clinician=clinician,
                data=data(moment(rng)),
                injections=[row(rng) for _i in range(rng.randint(1, 4))],
                user=clinician,
            )
        )
    for _n in range(6):  # over a limit, with the reason recorded
        clinician = rng.choice(staff)
        over = make_session(
            rng.choice(patients),
            clinician,
            performed_at=moment(rng),
            limit_override_reason="Large trunk",
            limit_override_by=clinician,
        )
        make_injection(over)
        make_injection(over, form=Form.FOAM, gas=Gas.AIR, gas_parts=Decimal("4"))
    for session in rng.sample(made, 12):  # re-dated, one injection dropped
        current = TreatmentSession.objects.get(pk=session.pk)
        kept = rows_of(current)
        sessions.session_update(
            session=current,
            expected_version=current.version,
            data=data(moment(rng)),
            injections=kept[: max(1, len(kept) - 1)],
            user=current.clinician,
        )
    for session in rng.sample(made, 6):  # signed, then amended
        current = TreatmentSession.objects.get(pk=session.pk)
        if current.is_voided:
            continue
        signed = sessions.session_sign(session=current, user=current.clinician)
        sessions.session_update(
            session=signed,
            expected_version=signed.version,
            data=data(moment(rng)),
            injections=[*rows_of(signed), row(rng)],
            amend_reason="Time and a vein corrected",
            user=signed.clinician,
        )
    for session in rng.sample(made, 10):
        current = TreatmentSession.objects.get(pk=session.pk)
        if not current.is_signed and not current.is_voided:
            sessions.session_void(
                session=current, user=current.clinician, reason="Wrong patient"
            )

    booked: list[FollowUpVisit] = []
    for n in range(90):
        clinician = staff[n % len(staff)]
        day = FIRST_DAY + timedelta(days=rng.randrange(DAYS + 30))
        hh, mm = rng.choice(HOURS)
        # A minute of its own, so that no two visits of a clinician overlap.
        starts_at = local(day, hh, mm) + timedelta(minutes=n % 7)
        try:
            booked.append(
                visits.visit_book(
                    patient=rng.choice(patients),
                    clinician=clinician,
                    starts_at=starts_at,
                    duration_min=5,
                    purpose="check",
                    back_entry=True,
                    user=manager,
                )
            )
        except ValidationError:
            pass  # on another visit of the clinician's: refused
    for visit in booked:
        visit.refresh_from_db()
        past = visit.starts_at < timezone.now()
        chance = rng.random()
        try:
            if chance < 0.15:
                visits.visit_cancel(visit=visit, reason="patient")
            elif chance < 0.25 and past:
                visits.visit_mark_no_show(visit=visit, reason="forgot")
            elif chance < 0.8 and past:
                with time_machine.travel(visit.starts_at, tick=False):
                    arrived = visits.visit_mark_arrived(visit=visit)
                events = rng.sample(AdverseEvent.values, rng.choice([0, 0, 1, 2]))
                visits.visit_complete(
                    visit=arrived,
                    plan=rng.choice(VisitPlan.values),
                    clearance_pct=rng.choice([None, 0, 25, 50, 50, 75, 90, 100]),
                    adverse_events=events,
                    adverse_event_notes="see notes" if events else "",
                    satisfaction=rng.choice([None, 1, 3, 4, 5, 5]),
                )
            elif chance < 0.9 and not past:
                visits.visit_reschedule(
                    visit=visit,
                    starts_at=visit.starts_at + timedelta(days=rng.randint(1, 20)),
                    duration_min=5,
                    clinician=rng.choice(staff),
                    expected_version=visit.version,
                    user=manager,
                    reason="Patient away",
                    override_reason="Generated",
                )
        except ValidationError:
            pass  # a move onto another visit: refused, nothing changed


PERIODS = [
    (date(2025, 1, 1), date(2026, 6, 15)),
    (date(2025, 3, 30), date(2025, 10, 26)),
    (date(2025, 6, 15), date(2026, 6, 14)),
    (date(2025, 12, 31), date(2026, 1, 1)),
    (date(2026, 3, 29), date(2026, 3, 29)),
    (date(2024, 1, 1), date(2024, 12, 31)),
]


def figures(stats) -> dict:
    visits_summary = asdict(stats.visits)
    visits_summary.pop("with_adverse_event", None)
    return {
        "months": [asdict(month) for month in stats.months],
        "sessions": asdict(stats.sessions),
        "without_follow_up": stats.without_follow_up,
        "visits": visits_summary,
        "adverse": asdict(stats.adverse),
    }


def summary_tables() -> dict:
    tables = {}
    for model in (
        SessionDaySummary,
        VisitDaySummary,
        VisitDayClearance,
        VisitDayAdverseEvent,
        VisitMonthClearance,
        VisitMonthAdverseEvent,
        VisitMonthSummary,
    ):
        rows = model.objects.values()
        tables[model.__name__] = sorted(
            (tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows),
            key=repr,
        )
    sessions_flags = TreatmentSession.objects.order_by("pk").values_list(
        "pk",
        "previous_at",
        "previous_same_clinician_at",
        "next_at",
        "next_same_clinician_at",
        "awaiting_follow_up",
    )
    tables["sessions"] = list(sessions_flags)
    return tables


def without_empty_rows(tables: dict) -> dict:
    # A day whose last session was voided keeps its row, at zero.
    def empty(row) -> bool:
        values = dict(row)
        return all(values[k] == 0 for k in values if k not in ("day", "clinician_id"))

    return {
        name: [row for row in rows if name == "sessions" or not empty(row)]
        for name, rows in tables.items()
    }


def old_worklist(now: datetime) -> list[int]:
    """The worklist as it was computed before the awaiting flag."""
    recent = TreatmentSession.objects.active().filter(
        performed_at__gte=now - timedelta(days=WORKLIST_LOOKBACK_DAYS),
        performed_at__lte=now,
        patient__archived_at__isnull=True,
    )
    latest = recent.filter(patient=OuterRef("patient")).order_by("-performed_at", "-id")
    booked_after = FollowUpVisit.objects.filter(
        patient=OuterRef("patient"),
        starts_at__gte=OuterRef("performed_at"),
        status__in=BOOKED_STATUSES,
    )
    listed = recent.filter(pk=Subquery(latest.values("pk")[:1])).exclude(
        Exists(booked_after)
    )
    return list(listed.order_by("performed_at", "id").values_list("pk", flat=True))


@pytest.fixture
def history(clinician, colleague, manager):
    staff = [clinician, colleague, make_user("third", CLINICIAN)]
    with time_machine.travel(NOW, tick=False):
        generate(random.Random(15), staff, manager)
    return staff


def test_every_figure_equals_the_row_level_computation(history):
    assert Injection.objects.filter(voided_at__isnull=False).exists()
    assert FollowUpVisit.objects.filter(status=VisitStatus.COMPLETED).exists()
    assert FollowUpVisit.objects.filter(status=VisitStatus.CANCELLED).exists()
    assert TreatmentSession.objects.filter(voided_at__isnull=False).exists()
    assert FollowUpVisit.objects.filter(status=VisitStatus.NO_SHOW).exists()
    assert FollowUpVisit.objects.filter(version__gt=1, status="scheduled").exists()
    assert TreatmentSession.objects.filter(
        signed_at__isnull=False, version__gt=2
    ).exists()
    checked = 0
    for first, last in PERIODS:
        for clinician in [None, *history]:
            period = Period(first, last, clinician)
            new = statistics.clinic_statistics(period)
            old = reference.clinic_statistics(period)
            assert figures(new) == figures(old), (first, last, clinician)
            # The CSV's months, read alone, are the page's.
            assert statistics.sessions_by_month(period) == new.months
            assert statistics.override_sessions(period).count() == (
                reference.override_sessions(period).count()
            )
            checked += new.sessions.sessions + new.visits.total
    assert checked > 100


@pytest.mark.parametrize("from_later", [True, False])
def test_patients_counted_from_either_side_of_the_period(history, from_later):
    """Patients treated and without a follow-up, read from the sessions
    after the period or from the period's own, equal the row-level ones."""
    periods = [*PERIODS, (date(2025, 11, 1), date(2025, 11, 30))]
    for first, last in periods:
        for clinician in [None, *history]:
            period = Period(first, last, clinician)
            counts = statistics.patient_counts(period, from_later=from_later)
            assert counts == {
                "treated": reference.session_summary(period).patients,
                "without_follow_up": reference.patients_without_follow_up(period),
            }, (first, last, clinician)


def test_the_summaries_kept_on_write_equal_a_rebuild(history):
    kept = without_empty_rows(summary_tables())
    assert kept["VisitMonthSummary"]
    rebuild_statistics()
    assert without_empty_rows(summary_tables()) == kept


@pytest.mark.parametrize("days_after", [0, 20, 75, 200])
def test_the_worklist_equals_its_former_computation(history, days_after):
    now = NOW - timedelta(days=200) + timedelta(days=days_after)
    listed = list(worklist_sessions(now).values_list("pk", flat=True))
    assert listed == old_worklist(now)


def test_an_archived_patient_leaves_the_worklist(history):
    listed = list(worklist_sessions(NOW))
    assert listed
    patient = listed[0].patient
    patient.archived_at = NOW
    patient.save()
    assert patient.pk not in [s.patient_id for s in worklist_sessions(NOW)]
    assert [s.pk for s in worklist_sessions(NOW)] == old_worklist(NOW)

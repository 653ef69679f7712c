"""The clinic trends read from their summaries equal a row-level computation.

A generated history is written through the services (sessions with varied
vessel types, agents, concentrations and forms, some voided; Doppler
assessments; visits booked, following a session or not, completed with a
clearance, complications and plans including "course complete"; symptom
questionnaires answered before and after), and every figure of the trends
page is computed both ways for several periods and clinician filters. The
summaries kept on write also equal a rebuild.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from core.clock import local_day
from core.roles import CLINICIAN
from doppler.models import DopplerAssessment
from outcomes import course_summaries
from outcomes.models import (
    CourseSymptomChange,
    Instrument,
    QuestionnaireResponse,
    ResponseSource,
    Timepoint,
)
from reporting import reference, trends
from reporting.period import Period
from tests.conftest import make_doppler, make_patient, make_user
from tests.helpers import shipped_instrument
from treatments import services as sessions
from treatments.choices import Agent, Compression, Form, Gas, VesselType
from treatments.models import TreatmentSession
from visits import services as visits
from visits import trend_summaries
from visits.models import (
    AdverseEvent,
    CourseMonthSummary,
    CourseSummary,
    FollowUpVisit,
    VisitDayClearanceBy,
    VisitMonthClearanceBy,
    VisitPlan,
    VisitStatus,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 6, 15, 12, 0))
FIRST_DAY = date(2025, 1, 1)
DAYS = 500
HOURS = [(0, 15), (2, 30), (9, 0), (11, 20), (16, 40), (23, 30), (23, 55)]

# (vessel type, agent, concentration, forms allowed)
MIXES = [
    (VesselType.RED_TELANGIECTASIA, Agent.POLIDOCANOL, "0.25", [Form.LIQUID]),
    (VesselType.BLUE_TELANGIECTASIA, Agent.GLYCERIN, "72", [Form.LIQUID]),
    (VesselType.RETICULAR, Agent.POLIDOCANOL, "0.5", [Form.LIQUID, Form.FOAM]),
    (VesselType.SMALL_VARICOSE, Agent.STS, "1", [Form.FOAM]),
    (VesselType.MEDIUM_VARICOSE, Agent.POLIDOCANOL, "1", [Form.FOAM]),
]


def local(day: date, hh: int, mm: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hh, mm)))


def moment(rng: random.Random) -> datetime:
    day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    return local(day, *rng.choice(HOURS))


def injection(rng: random.Random) -> dict:
    vessel_type, agent, concentration, forms = rng.choice(MIXES)
    form = rng.choice(forms)
    foam = form == Form.FOAM
    return {
        "leg": rng.choice("LR"),
        "segment": "",
        "site": "medial knee",
        "vessel_type": vessel_type,
        "agent": agent,
        "concentration_pct": Decimal(concentration),
        "form": form,
        "gas": Gas.AIR if foam else "",
        "gas_parts": Decimal("4") if foam else None,
        "volume_ml": Decimal("0.50"),
        "ultrasound_guided": False,
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


def generate(rng: random.Random, staff: list, manager) -> None:
    patients = [make_patient(last_name=f"Trend{n:02d}") for n in range(10)]
    made = []
    for _n in range(60):
        patient, clinician = rng.choice(patients), rng.choice(staff)
        made.append(
            sessions.session_create(
                patient=patient,
                clinician=clinician,
                data=data(moment(rng)),
                injections=[injection(rng) for _i in range(rng.randint(1, 3))],
                user=clinician,
            )
        )
    for session in rng.sample(made, 6):
        current = TreatmentSession.objects.get(pk=session.pk)
        sessions.session_void(
            session=current, user=current.clinician, reason="Wrong patient"
        )
    for patient in patients:
        for _n in range(rng.randint(0, 3)):
            make_doppler(
                patient,
                staff[0],
                assessed_on=moment(rng).date(),
                vcss_right=rng.choice([None, 1, 3, 6]),
                vcss_left=rng.choice([None, 0, 2, 5]),
            )
    booked = []
    for n in range(70):
        clinician = staff[n % len(staff)]
        starts_at = moment(rng) + timedelta(minutes=n % 7)
        patient = rng.choice(patients)
        followed = None
        before = TreatmentSession.objects.filter(
            patient=patient, performed_at__lt=starts_at
        ).first()
        if before is not None and rng.random() < 0.6:
            followed = before
        try:
            booked.append(
                visits.visit_book(
                    patient=patient,
                    clinician=clinician,
                    starts_at=starts_at,
                    duration_min=5,
                    purpose="check",
                    session=followed,
                    back_entry=True,
                    user=manager,
                )
            )
        except ValidationError:
            pass
    for visit in booked:
        visit.refresh_from_db()
        if visit.starts_at >= timezone.now() or rng.random() < 0.15:
            continue
        with time_machine.travel(visit.starts_at, tick=False):
            arrived = visits.visit_mark_arrived(visit=visit)
        events = rng.sample(AdverseEvent.values[:-1], rng.choice([0, 0, 1, 2]))
        visits.visit_complete(
            visit=arrived,
            plan=rng.choice([*VisitPlan.values, VisitPlan.COMPLETE]),
            clearance_pct=rng.choice([None, 0, 25, 50, 75, 90, 100]),
            adverse_events=events,
            satisfaction=None,
        )
    instrument = shipped_instrument()
    for patient in patients:
        for _n in range(rng.randint(0, 4)):
            QuestionnaireResponse.objects.create(
                patient=patient,
                instrument=instrument,
                timepoint=Timepoint.VISIT,
                answered_at=moment(rng),
                source=ResponseSource.PAPER,
                score=Decimal(rng.randint(0, 25)),
            )
    course_summaries.rebuild()


@pytest.fixture
def history(clinician, colleague, manager):
    staff = [clinician, colleague, make_user("third", CLINICIAN)]
    with time_machine.travel(NOW, tick=False):
        generate(random.Random(16), staff, manager)
    return staff


# --- the row-level computation ---------------------------------------------------


def _one(total, n) -> Decimal | None:
    if not n:
        return None
    return (Decimal(total) / Decimal(n)).quantize(Decimal("0.1"), ROUND_HALF_UP)


def _in(period: Period, day: date, clinician_id: int) -> bool:
    if period.clinician is not None and clinician_id != period.clinician.pk:
        return False
    return period.first <= day <= period.last


def _completed(period: Period):
    return [
        visit
        for visit in FollowUpVisit.objects.filter(status=VisitStatus.COMPLETED)
        if _in(period, local_day(visit.starts_at), visit.clinician_id)
    ]


def _active_sessions(patient_id: int) -> list[TreatmentSession]:
    return list(
        TreatmentSession.objects.filter(
            patient_id=patient_id, voided_at__isnull=True
        ).order_by("performed_at", "id")
    )


def ref_clearance(period: Period) -> dict:
    sums: Counter = Counter()
    counts: Counter = Counter()
    for visit in _completed(period):
        if visit.clearance_pct is None:
            continue
        session = visit.session
        if session is None or session.voided_at is not None:
            earlier = [
                s
                for s in _active_sessions(visit.patient_id)
                if s.performed_at < visit.starts_at
            ]
            session = earlier[-1] if earlier else None
        if session is None:
            continue
        found = defaultdict(set)
        for shot in session.injections.filter(voided_at__isnull=True):
            found["vessel_type"].add(shot.vessel_type)
            found["agent"].add(shot.agent)
            found["concentration"].add(format(shot.concentration_pct.normalize(), "f"))
            found["form"].add(shot.form)
        for dimension, values in found.items():
            for value in values:
                counts[dimension, value] += 1
                sums[dimension, value] += visit.clearance_pct
    return {key: (counts[key], _one(sums[key], counts[key])) for key in counts}


def ref_courses(period: Period) -> tuple[dict, list]:
    """Return {sessions: courses} and the (before, after) VCSS pairs."""
    by_sessions: Counter = Counter()
    pairs = []
    for visit in _completed(period):
        if visit.plan != VisitPlan.COMPLETE:
            continue
        earlier_ends = [
            v.starts_at
            for v in FollowUpVisit.objects.filter(
                patient_id=visit.patient_id,
                status=VisitStatus.COMPLETED,
                plan=VisitPlan.COMPLETE,
                starts_at__lt=visit.starts_at,
            )
        ]
        since = max(earlier_ends, default=None)
        course = [
            s
            for s in _active_sessions(visit.patient_id)
            if s.performed_at < visit.starts_at
            and (since is None or s.performed_at > since)
        ]
        if not course:
            continue
        by_sessions[len(course)] += 1
        first_day = local_day(course[0].performed_at)
        last_day = local_day(course[-1].performed_at)
        scored = [
            (
                a.assessed_on,
                a.pk,
                max(v for v in (a.vcss_right, a.vcss_left) if v is not None),
            )
            for a in DopplerAssessment.objects.filter(
                patient_id=visit.patient_id, voided_at__isnull=True
            )
            if a.vcss_right is not None or a.vcss_left is not None
        ]
        scored.sort()
        before = [v for on, _pk, v in scored if on <= first_day]
        after = [
            v for on, _pk, v in scored if last_day < on <= local_day(visit.starts_at)
        ]
        if before and after:
            pairs.append((before[-1], after[-1]))
    return dict(sorted(by_sessions.items())), pairs


def ref_symptoms(period: Period) -> list[tuple]:
    """Return (courses, mean before, mean after) of the shipped score."""
    befores, afters = [], []
    for summary in CourseSummary.objects.all():
        if not _in(period, summary.day, summary.clinician_id):
            continue
        answers = list(
            QuestionnaireResponse.objects.filter(
                patient_id=summary.patient_id,
                voided_at__isnull=True,
                score__isnull=False,
            ).order_by("answered_at", "id")
        )
        until = summary.last_session_at + timedelta(days=400)
        before = [a.score for a in answers if a.answered_at <= summary.first_session_at]
        after = [
            a.score for a in answers if summary.last_session_at < a.answered_at <= until
        ]
        if before and after:
            befores.append(before[-1])
            afters.append(after[-1])
    if not befores:
        return []
    return [
        (len(befores), _one(sum(befores), len(befores)), _one(sum(afters), len(afters)))
    ]


PERIODS = [
    (date(2025, 1, 1), date(2026, 6, 15)),
    (date(2025, 3, 30), date(2025, 10, 26)),
    (date(2025, 12, 31), date(2026, 1, 1)),
    (date(2026, 1, 1), date(2026, 6, 14)),
]


def test_every_trend_equals_the_row_level_computation(history):
    assert CourseSummary.objects.exists()
    assert CourseSummary.objects.filter(vcss_before__isnull=False).exists()
    assert CourseSymptomChange.objects.exists()
    assert FollowUpVisit.objects.filter(
        status=VisitStatus.COMPLETED, session__isnull=True, clearance_pct__isnull=False
    ).exists()
    checked = 0
    for first, last in PERIODS:
        for clinician in [None, *history]:
            period = Period(first, last, clinician)
            figures = trends.clinic_trends(period)
            clearance = {
                (dimension.key, row.value): (row.visits, row.mean)
                for dimension in figures.clearance
                for row in dimension.rows
            }
            assert clearance == ref_clearance(period), (first, last, clinician)
            by_sessions, pairs = ref_courses(period)
            assert figures.courses.by_sessions == by_sessions
            assert figures.courses.vcss_pairs == len(pairs)
            assert figures.courses.vcss_before == _one(
                sum(b for b, _a in pairs), len(pairs)
            )
            assert figures.courses.vcss_after == _one(
                sum(a for _b, a in pairs), len(pairs)
            )
            assert [
                (s.courses, s.before, s.after) for s in figures.symptoms
            ] == ref_symptoms(period)
            # Complications: the statistics' own row-level counts.
            ref_sessions = reference.session_summary(period).sessions
            ref_adverse = reference.adverse_events(period)
            assert figures.complications.sessions == ref_sessions
            assert {row.code: row.visits for row in figures.complications.rows} == {
                row.code: row.share.count for row in ref_adverse.rows
            }
            assert figures.complications.with_any == ref_adverse.with_any
            checked += sum(r[0] for r in clearance.values()) + figures.courses.total
    assert checked > 50


def _tables() -> dict:
    result = {}
    for model in (
        VisitDayClearanceBy,
        VisitMonthClearanceBy,
        CourseSummary,
        CourseMonthSummary,
        CourseSymptomChange,
    ):
        rows = model.objects.values()
        result[model.__name__] = sorted(
            (tuple(sorted((k, v) for k, v in r.items() if k != "id")) for r in rows),
            key=repr,
        )
    return result


def test_the_summaries_kept_on_write_equal_a_rebuild(history):
    kept = _tables()
    assert kept["VisitDayClearanceBy"] and kept["CourseSummary"]
    assert kept["VisitMonthClearanceBy"] and kept["CourseMonthSummary"]
    call_command("rebuild_statistics", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert _tables() == kept


def test_a_patients_refresh_equals_the_rebuild(history):
    kept = _tables()
    CourseSymptomChange.objects.all().delete()
    for patient_id in CourseSummary.objects.values_list("patient_id", flat=True):
        course_summaries.patient_refresh(patient_id)
    assert _tables() == kept


def test_the_daily_run_refreshes_the_trend_summaries_of_changed_patients(history):
    # What the services below outcomes cannot reach (an injection edited
    # after its follow-up, a Doppler added after the course) is caught up by
    # the daily `questionnaires` run for every patient whose records changed.
    kept = _tables()
    VisitDayClearanceBy.objects.all().delete()
    CourseSummary.objects.all().delete()
    CourseMonthSummary.objects.all().delete()
    CourseSymptomChange.objects.all().delete()
    with time_machine.travel(NOW, tick=False):
        call_command(
            "questionnaires",
            "--no-send",
            "--days",
            "1000",
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
    assert _tables() == kept


def test_recording_a_response_refreshes_its_patients_symptom_change(history):
    from outcomes.services import record_response
    from patients.models import Patient

    def rows(patient_id):
        return sorted(
            CourseSymptomChange.objects.filter(patient_id=patient_id).values_list(
                "visit_id", "instrument_id", "score_before", "score_after"
            )
        )

    change = CourseSymptomChange.objects.order_by("pk").first()
    assert change is not None
    kept = rows(change.patient_id)
    CourseSymptomChange.objects.filter(patient_id=change.patient_id).delete()
    instrument = Instrument.objects.get(pk=change.instrument_id)
    # An old answer, long before any course: the figures stay the same, and
    # recording it brought the patient's rows back.
    record_response(
        patient=Patient.objects.get(pk=change.patient_id),
        instrument=instrument,
        answers=dict.fromkeys(instrument.items.values_list("key", flat=True), 1),
        source=ResponseSource.PAPER,
        language="en",
        user=make_user("paper-entry", CLINICIAN),
        timepoint=Timepoint.VISIT,
        answered_at=timezone.make_aware(datetime(2020, 3, 2, 10, 0)),
    )
    assert rows(change.patient_id) == kept


def test_course_rows_split_courses_at_course_complete():
    tz = timezone.get_current_timezone()
    at = [datetime(2026, 1, d, 10, tzinfo=tz) for d in (1, 5, 9, 13, 17)]
    visits_rows = [(1, at[2], 7), (2, at[4], 7)]
    rows = trend_summaries.course_rows(
        visits_rows,
        [at[0], at[1], at[3]],
        [(date(2025, 12, 31), 6), (date(2026, 1, 7), 3), (date(2026, 1, 20), 1)],
    )
    assert [(r["visit_id"], r["sessions"]) for r in rows] == [(1, 2), (2, 1)]
    assert (rows[0]["vcss_before"], rows[0]["vcss_after"]) == (6, 3)
    # The second course began on the 13th: the assessment of the 7th is
    # the latest before it; none after the 13th up to the visit.
    assert (rows[1]["vcss_before"], rows[1]["vcss_after"]) == (3, None)


def test_a_visit_counts_once_per_distinct_value():
    figures = trend_summaries.ClearanceFigures()
    figures.add(80, {"agent": {"polidocanol"}, "vessel_type": {"tel_red", "reticular"}})
    figures.add(40, {"agent": {"polidocanol"}, "vessel_type": {"reticular"}})
    assert figures.visits["agent", "polidocanol"] == 2
    assert figures.sums["vessel_type", "reticular"] == 120
    assert figures.visits["vessel_type", "tel_red"] == 1


@pytest.mark.django_db
def test_a_course_that_goes_leaves_its_month(clinician):
    """A course's month row counts it while it stands: a session voided
    afterwards (caught up by the patient's refresh) moves the course from
    two sessions to one, and voiding the other ends it; the month follows
    each step, as a rebuild would."""
    from tests.conftest import make_session, make_visit
    from tests.helpers import rome

    patient = make_patient(last_name="Course")
    first, second = (
        make_session(patient, clinician, performed_at=rome(date(2026, 3, d), 9))
        for d in (2, 9)
    )
    make_doppler(patient, clinician, assessed_on=date(2026, 3, 1), vcss_right=6)
    make_doppler(patient, clinician, assessed_on=date(2026, 3, 20), vcss_left=2)
    make_visit(
        patient,
        clinician,
        starts_at=rome(date(2026, 3, 23), 10),
        status=VisitStatus.COMPLETED,
        plan=VisitPlan.COMPLETE,
    )

    def months():
        return list(
            CourseMonthSummary.objects.values_list(
                "month",
                "sessions",
                "courses",
                "vcss_pairs",
                "vcss_before_sum",
                "vcss_after_sum",
            )
        )

    march = date(2026, 3, 1)
    assert months() == [(march, 2, 1, 1, 6, 2)]
    for session, left in ((second, [(march, 1, 1, 1, 6, 2)]), (first, [])):
        current = TreatmentSession.objects.get(pk=session.pk)
        sessions.session_void(session=current, user=clinician, reason="Wrong leg")
        course_summaries.refresh_patients([patient.pk])
        assert months() == left
        kept = months()
        trend_summaries.rebuild_course_months()
        assert months() == kept

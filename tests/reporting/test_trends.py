"""The clinic trends page: figures on a hand-made record, CSVs, roles, cost."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from outcomes import course_summaries
from outcomes.models import QuestionnaireResponse, ResponseSource
from reporting import trends
from reporting.period import Period
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import rome, shipped_instrument
from treatments.choices import Agent, Form, Gas, VesselType
from visits.models import VisitPlan, VisitStatus

pytestmark = pytest.mark.django_db

URL = reverse("reporting:trends")
FIRST, LAST = date(2026, 1, 1), date(2026, 3, 31)
RANGE = {"from": FIRST.isoformat(), "to": LAST.isoformat()}


def completed(patient, clinician, day: date, **outcome):
    return make_visit(
        patient,
        clinician,
        starts_at=rome(day, 9),
        status=VisitStatus.COMPLETED,
        **outcome,
    )


def answer(patient, day: date, score: int) -> None:
    QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=shipped_instrument(),
        timepoint="visit",
        answered_at=rome(day, 12),
        source=ResponseSource.PAPER,
        score=Decimal(score),
    )


@pytest.fixture
def record(clinician):
    """Two sessions, a visit after each, the second completing the course."""
    patient = make_patient(last_name="Course")
    make_doppler(patient, clinician, assessed_on=date(2026, 1, 5))  # VCSS 2 / 4
    make_doppler(
        patient, clinician, assessed_on=date(2026, 1, 25), vcss_right=1, vcss_left=None
    )
    answer(patient, date(2026, 1, 8), 15)
    first = make_session(patient, clinician, performed_at=rome(date(2026, 1, 10), 10))
    make_injection(first)  # reticular, polidocanol 0.5 %, liquid
    second = make_session(patient, clinician, performed_at=rome(date(2026, 1, 20), 10))
    make_injection(second)
    make_injection(
        second,
        vessel_type=VesselType.RED_TELANGIECTASIA,
        agent=Agent.STS,
        concentration_pct=Decimal("0.25"),
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
    )
    completed(
        patient,
        clinician,
        date(2026, 1, 15),
        session=first,
        clearance_pct=50,
        plan=VisitPlan.ANOTHER_SESSION,
    )
    completed(
        patient,
        clinician,
        date(2026, 2, 1),
        session=second,
        clearance_pct=90,
        plan=VisitPlan.COMPLETE,
        adverse_events=["bruising"],
    )
    answer(patient, date(2026, 3, 1), 6)
    course_summaries.patient_refresh(patient.pk)
    return patient


def _rows(figures) -> dict:
    return {
        (dimension.key, row.value): (row.visits, row.mean)
        for dimension in figures.clearance
        for row in dimension.rows
    }


def test_figures_of_a_hand_made_record(record):
    figures = trends.clinic_trends(Period(FIRST, LAST))
    d = Decimal
    assert _rows(figures) == {
        ("vessel_type", "reticular"): (2, d("70.0")),
        ("vessel_type", "tel_red"): (1, d("90.0")),
        ("agent", "polidocanol"): (2, d("70.0")),
        ("agent", "sts"): (1, d("90.0")),
        ("concentration", "0.25"): (1, d("90.0")),
        ("concentration", "0.5"): (2, d("70.0")),
        ("form", "liquid"): (2, d("70.0")),
        ("form", "foam"): (1, d("90.0")),
    }
    # Concentrations in numeric order.
    assert [r.value for r in figures.clearance[2].rows] == ["0.25", "0.5"]
    k = figures.complications
    assert (k.sessions, k.with_any, k.any_per_100) == (2, 1, d("50.0"))
    bruising = next(row for row in k.rows if row.code == "bruising")
    assert (bruising.visits, bruising.per_100) == (1, d("50.0"))
    c = figures.courses
    assert c.by_sessions == {2: 1}
    assert (c.vcss_pairs, c.vcss_before, c.vcss_after, c.vcss_change) == (
        1,
        d("4.0"),
        d("1.0"),
        d("-3.0"),
    )
    [symptoms] = figures.symptoms
    assert (symptoms.courses, symptoms.before, symptoms.after, symptoms.change) == (
        1,
        d("15.0"),
        d("6.0"),
        d("-9.0"),
    )


def test_a_clinicians_filter(record, colleague, clinician):
    assert trends.clinic_trends(Period(FIRST, LAST, colleague)).is_empty
    assert not trends.clinic_trends(Period(FIRST, LAST, clinician)).is_empty


def test_a_voided_session_leaves_the_course_at_the_rebuild(record, clinician):
    from django.core.management import call_command

    from treatments.models import TreatmentSession
    from visits.models import CourseSummary

    TreatmentSession.objects.filter(performed_at__lt=rome(date(2026, 1, 12), 0)).update(
        voided_at=rome(date(2026, 1, 12), 0)
    )
    call_command("rebuild_statistics", stdout=io.StringIO())
    assert list(CourseSummary.objects.values_list("sessions", flat=True)) == [1]


def test_page_shows_the_figures_and_charts(manager_client, record):
    response = manager_client.get(URL, RANGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Outcome trends" in body
    assert body.count('role="img"') >= 7
    assert "Red telangiectasia" in body and "Sodium tetradecyl sulfate" in body
    assert "Leg vein symptom score" in body
    for section in ("clearance", "complications", "courses", "symptoms"):
        assert f"export.csv?section={section}&amp;from=" in body
    assert "<script" not in body.split("<main", 1)[-1].split("</main>")[0]


def test_page_in_italian(manager_client, record):
    response = manager_client.get(URL, RANGE, HTTP_ACCEPT_LANGUAGE="it")
    assert response.status_code == 200
    body = response.content.decode()
    # Concentrations are written as Italian numbers, on the chart and in
    # the table; the CSV keeps the records' "0.25" (test_csvs).
    assert "0,25" in body and "0.25" not in body


def test_concentrations_in_english(manager_client, record):
    body = manager_client.get(URL, RANGE).content.decode()
    assert "0.25" in body and "0,25" not in body


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csvs(manager_client, record):
    def get(section):
        response = manager_client.get(
            reverse("reporting:trends_export"), {**RANGE, "section": section}
        )
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        return _csv(response)

    clearance = get("clearance")
    assert clearance[0][:2] == ["Dimension", "Value"]
    assert ["Vessel type", "Reticular vein", "2", "70.0"] in clearance
    assert ["Concentration (%)", "0.25", "1", "90.0"] in clearance
    complications = get("complications")
    assert ["Bruising / haematoma", "1", "2", "50.0"] in complications
    courses = get("courses")
    assert ["2", "1"] in courses and ["1", "4.0", "1.0", "-3.0"] in courses
    symptoms = get("symptoms")
    assert symptoms[1] == ["Leg vein symptom score", "1", "15.0", "6.0", "-9.0"]
    missing = manager_client.get(URL + "export.csv", {"section": "other"})
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("role", "status"),
    [("manager", 200), ("clinician", 200), ("frontdesk", 403), ("outsider", 403)],
)
def test_roles(request, role, status):
    client = request.getfixturevalue(f"{role}_client")
    assert client.get(URL).status_code == status
    export = reverse("reporting:trends_export") + "?section=courses"
    assert client.get(export).status_code == status


def test_anonymous_goes_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.date_dependent  # the default period ends today
def test_empty_state_and_bad_filters(manager_client):
    response = manager_client.get(URL, {"from": "2026-02-30", "clinician": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "Nothing to show in this period" in response.content.decode()


def _history(patients, clinician, n: int, start: int) -> None:
    for i in range(start, start + n):
        patient = patients[i % len(patients)]
        day = date(2026, 1, 1 + i % 28)
        session = make_session(patient, clinician, performed_at=rome(day, 8))
        make_injection(session, concentration_pct=Decimal("0.5") + i % 3)
        make_doppler(patient, clinician, assessed_on=day)
        completed(
            patient,
            clinician,
            date(2026, 2, 1 + i % 27),
            session=session,
            clearance_pct=i % 101,
            plan=VisitPlan.COMPLETE,
            adverse_events=["bruising"],
        )
        answer(patient, date(2025, 12, 1 + i % 28), 20)
        answer(patient, date(2026, 3, 1 + i % 28), i % 26)


def test_fixed_number_of_queries(manager_client, clinician, django_assert_num_queries):
    patients = [make_patient(last_name=f"P{i}") for i in range(5)]
    params = {**RANGE, "clinician": clinician.pk}
    _history(patients, clinician, 2, 0)
    call_command_quiet()
    manager_client.get(URL, params)  # warm up the session and caches
    with CaptureQueriesContext(connection) as small:
        assert manager_client.get(URL, params).status_code == 200
    assert len(small.captured_queries) <= 16
    _history(patients, clinician, 30, 2)
    call_command_quiet()
    with django_assert_num_queries(len(small.captured_queries)):
        response = manager_client.get(URL, params)
    figures = response.context["trends"]
    assert figures.complications.sessions == 32
    assert figures.symptoms and figures.courses.total == 5


def test_the_figures_cost_six_queries(clinician, django_assert_num_queries):
    patients = [make_patient(last_name=f"P{i}") for i in range(3)]
    _history(patients, clinician, 3, 0)
    with django_assert_num_queries(6):
        trends.clinic_trends(Period(FIRST, LAST))


def call_command_quiet() -> None:
    from django.core.management import call_command

    call_command("rebuild_statistics", stdout=io.StringIO())

"""The registry export, field by field on a hand-made data set: two patients,
both legs, a complication at day 9, a symptom score before and after."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from patients.models import Leg
from reporting.period import Period
from reporting.registry import (
    HEADER,
    age_band,
    pseudonym,
    registry_patient_ids,
    registry_rows,
)
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.outcomes.test_trends import make_response
from treatments.choices import Agent, Form, Gas, VesselType
from visits.models import VisitPlan, VisitStatus

ROME = ZoneInfo("Europe/Rome")
URL = reverse("reporting:registry_export")
PAGE = reverse("reporting:registry")
PERIOD = {"from": "2026-01-01", "to": "2026-10-31"}


def _at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ROME)


def _visit(patient, clinician, day, **fields):
    return make_visit(
        patient,
        clinician,
        starts_at=_at(day, 9),
        status=VisitStatus.COMPLETED,
        completed_at=_at(day, 9),
        **fields,
    )


@pytest.fixture
def data(clinician, colleague):
    """Anna: both legs, a closed course; Bruno: the left leg, an open course."""
    anna = make_patient(first_name="Anna", last_name="Bianchi", sex="F")
    make_doppler(
        anna, clinician, assessed_on=date(2026, 1, 10), ceap_right="C2",
        ceap_left="C3", vcss_right=6, vcss_left=8,
    )  # fmt: skip
    make_response(anna, "14", date(2026, 1, 12), timepoint="baseline")
    s1 = make_session(anna, clinician, performed_at=_at(date(2026, 1, 15)))
    make_injection(s1, leg=Leg.RIGHT)  # polidocanol 0.5 % liquid 1 mL, reticular
    make_injection(
        s1, leg=Leg.LEFT, concentration_pct=Decimal("1"), form=Form.FOAM,
        gas=Gas.AIR, gas_parts=Decimal("4"), volume_ml=Decimal("2.0"),
        ultrasound_guided=True, vessel_type=VesselType.SMALL_VARICOSE,
    )  # fmt: skip
    s2 = make_session(anna, clinician, performed_at=_at(date(2026, 2, 5)))
    make_injection(
        s2, leg=Leg.RIGHT, agent=Agent.STS, concentration_pct=Decimal("1"),
        volume_ml=Decimal("0.5"),
    )  # fmt: skip
    voided = make_session(anna, clinician, performed_at=_at(date(2026, 2, 20)))
    make_injection(voided, leg=Leg.RIGHT, volume_ml=Decimal("9"))
    voided.voided_at = timezone.now()
    voided.save()
    # Bruising 9 days after the second session (which injected the right leg).
    _visit(anna, clinician, date(2026, 2, 14), session=s2, adverse_events=["bruising"])
    _visit(anna, clinician, date(2026, 3, 10), session=s2, plan=VisitPlan.COMPLETE)
    make_doppler(
        anna, clinician, assessed_on=date(2026, 3, 10), ceap_right="C1",
        ceap_left="C2", vcss_right=2, vcss_left=3,
    )  # fmt: skip
    make_response(anna, "5", date(2026, 5, 10), timepoint="m3")
    _visit(anna, clinician, date(2026, 6, 5))

    bruno = make_patient(
        first_name="Bruno", last_name="Verdi", sex="M", date_of_birth=date(1985, 3, 2)
    )
    make_doppler(
        bruno, colleague, assessed_on=date(2026, 4, 1), ceap_right="C4a",
        ceap_left="C2", vcss_right=10, vcss_left=4,
    )  # fmt: skip
    s3 = make_session(bruno, colleague, performed_at=_at(date(2026, 4, 10)))
    make_injection(s3, leg=Leg.LEFT)
    _visit(bruno, colleague, date(2026, 4, 20), session=s3, adverse_events=["dvt"])
    return anna, bruno


def _rows(period: Period) -> list[dict[str, str]]:
    return [dict(zip(HEADER, row, strict=True)) for row in registry_rows(period)]


def _period(clinician=None) -> Period:
    return Period(date(2026, 1, 1), date(2026, 10, 31), clinician)


def test_one_row_per_treated_leg_and_course_field_by_field(data):
    anna, bruno = data
    rows = _rows(_period())
    assert len(rows) == 3
    right, left, bruno_left = rows
    assert right == {
        "pseudonym": pseudonym(anna.code),
        "sex": "F",
        "age_band": "55-59",
        "leg": "right",
        "course_start": "2026-01-15",
        "course_end": "2026-03-10",
        "course_complete": "yes",
        "sessions": "2",
        "ceap_before": "C2",
        "ceap_after": "C1",
        "vcss_before": "6",
        "vcss_after": "2",
        "symptom_before": "14",
        "symptom_after": "5",
        "symptom_after_days": str((date(2026, 5, 10) - date(2026, 2, 5)).days),
        "agents": "polidocanol;sts",
        "forms": "liquid",
        "vessel_types": "reticular",
        "max_concentration_pct": "1",
        "total_volume_ml": "1.5",
        "injections": "2",
        "ultrasound_guided": "no",
        "complications": "bruising:9",
        "follow_up_days": str((date(2026, 6, 5) - date(2026, 2, 5)).days),
    }
    assert left == {
        **right,
        "leg": "left",
        "sessions": "1",
        "ceap_before": "C3",
        "ceap_after": "C2",
        "vcss_before": "8",
        "vcss_after": "3",
        "symptom_after_days": str((date(2026, 5, 10) - date(2026, 1, 15)).days),
        "agents": "polidocanol",
        "forms": "foam",
        "vessel_types": "var_small",
        "max_concentration_pct": "1",
        "total_volume_ml": "2",
        "injections": "1",
        "ultrasound_guided": "yes",
        # The bruising followed the second session, which left this leg alone.
        "complications": "",
        "follow_up_days": str((date(2026, 6, 5) - date(2026, 1, 15)).days),
    }
    assert bruno_left == {
        "pseudonym": pseudonym(bruno.code),
        "sex": "M",
        "age_band": "40-44",
        "leg": "left",
        "course_start": "2026-04-10",
        "course_end": "",
        "course_complete": "no",
        "sessions": "1",
        "ceap_before": "C2",
        "ceap_after": "",
        "vcss_before": "4",
        "vcss_after": "",
        "symptom_before": "",
        "symptom_after": "",
        "symptom_after_days": "",
        "agents": "polidocanol",
        "forms": "liquid",
        "vessel_types": "reticular",
        "max_concentration_pct": "0.5",
        "total_volume_ml": "1",
        "injections": "1",
        "ultrasound_guided": "no",
        "complications": "dvt:10",
        "follow_up_days": "10",
    }


def test_the_clinician_and_the_period_choose_the_courses(data, colleague):
    anna, bruno = data
    rows = _rows(_period(colleague))
    assert [r["pseudonym"] for r in rows] == [pseudonym(bruno.code)]
    assert _rows(Period(date(2026, 7, 1), date(2026, 10, 31))) == []
    # A course with a session in the period is exported whole.
    march = _rows(Period(date(2026, 2, 1), date(2026, 2, 28)))
    assert [(r["leg"], r["sessions"]) for r in march] == [("right", "2"), ("left", "1")]


def test_pseudonyms_are_stable_keyed_and_never_the_chart_number(data, settings):
    anna, _bruno = data
    settings.SCLERO_REGISTRY_KEY = "registry-key-one"
    first = _rows(_period())[0]["pseudonym"]
    assert first == _rows(_period())[0]["pseudonym"]
    assert first == pseudonym(anna.code, b"registry-key-one")
    assert len(first) == 64
    settings.SCLERO_REGISTRY_KEY = "registry-key-two"
    assert _rows(_period())[0]["pseudonym"] != first
    settings.SCLERO_REGISTRY_KEY = ""
    derived = _rows(_period())[0]["pseudonym"]
    assert derived not in (first, str(anna.code), anna.chart_number)


def test_age_bands():
    assert age_band(date(1970, 5, 17), date(2026, 5, 16)) == "55-59"
    assert age_band(date(1970, 5, 17), date(2025, 5, 17)) == "55-59"
    assert age_band(date(1970, 5, 17), date(2025, 5, 16)) == "50-54"


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


def test_the_manager_downloads_the_csv_and_the_export_is_logged(data, manager_client):
    anna, bruno = data
    response = manager_client.get(URL, PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "registry-2026-01-01-2026-10-31.csv" in response["Content-Disposition"]
    lines = _csv(response)
    assert lines[0] == HEADER
    assert len(lines) == 4
    text = "\n".join(",".join(line) for line in lines)
    for patient in (anna, bruno):
        for secret in (
            patient.chart_number, patient.first_name, patient.last_name,
            str(patient.code), patient.date_of_birth.isoformat(),
        ):  # fmt: skip
            assert secret not in text
    event = AccessEvent.objects.get(kind="registry-export")
    assert event.count == 2
    assert event.patient is None
    assert "from=2026-01-01" in event.query and "to=2026-10-31" in event.query


@pytest.mark.parametrize("who", ["clinician_client", "frontdesk_client"])
def test_only_the_manager_exports(who, request):
    client = request.getfixturevalue(who)
    assert client.get(URL, PERIOD).status_code == 403
    assert client.get(PAGE).status_code == 403


def test_the_page_explains_the_columns(manager_client):
    html = manager_client.get(PAGE).content.decode()
    assert "<code>pseudonym</code>" in html
    assert URL in html


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"from": "1850-01-01", "to": "1851-01-01"}, "from"),
        ({"clinician": "99999"}, "clinician"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "to"),
    ],
)
def test_bad_input_is_shown_on_its_field(manager_client, params, field):
    response = manager_client.get(URL, params)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not AccessEvent.objects.filter(kind="registry-export").exists()


def test_the_export_costs_the_same_queries_for_more_rows(
    data, manager_client, clinician, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as small:
        _csv(manager_client.get(URL, PERIOD))
    for index in range(5):
        other = make_patient(first_name=f"P{index}", last_name="Rossi")
        make_doppler(other, clinician, assessed_on=date(2026, 3, 1))
        for month in (4, 5, 6):
            session = make_session(
                other, clinician, performed_at=_at(date(2026, month, 3))
            )
            make_injection(session, leg=Leg.RIGHT)
            make_injection(session, leg=Leg.LEFT)
            _visit(other, clinician, date(2026, month, 20), session=session,
                   adverse_events=["matting"])  # fmt: skip
        make_response(other, "9", date(2026, 3, 2))
    with django_assert_num_queries(len(small.captured_queries)):
        lines = _csv(manager_client.get(URL, PERIOD))
    assert len(lines) == 1 + 3 + 5 * 2


def test_rows_are_read_in_chunks_with_a_fixed_cost_per_chunk(
    data, clinician, monkeypatch, django_assert_num_queries
):
    from reporting import registry

    monkeypatch.setattr(registry, "CHUNK", 1)
    ids = registry_patient_ids(_period())
    assert len(ids) == 2
    with django_assert_num_queries(2 * 7):
        rows = list(registry_rows(_period(), ids))
    assert len(rows) == 3


def test_the_csv_is_never_stored_and_the_page_has_nothing_inline(data, manager_client):
    from tests.core.test_security_headers import POLICY, directives, inline_code

    response = manager_client.get(URL, PERIOD)
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    page = manager_client.get(PAGE, PERIOD)
    assert directives(page) == POLICY
    assert inline_code(page.content.decode()) == []
    # The period asked for is kept in the form.
    assert 'value="2026-01-01"' in page.content.decode()

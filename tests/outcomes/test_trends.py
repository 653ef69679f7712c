"""outcomes/trends.py: a patient's CEAP, VCSS and symptom score per leg."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from outcomes.models import QuestionnaireResponse
from outcomes.trends import (
    Reading,
    before_after,
    patient_trend_svg,
    patient_trends,
    trend_chart,
    trends_for_patients,
)
from tests.conftest import make_doppler, make_patient
from tests.helpers import shipped_instrument

ROME = ZoneInfo("Europe/Rome")


def make_response(patient, score, on: date, **overrides) -> QuestionnaireResponse:
    fields = {
        "patient": patient,
        "instrument": shipped_instrument(),
        "timepoint": "visit",
        "answered_at": datetime(on.year, on.month, on.day, 9, tzinfo=ROME),
        "source": "tablet",
        "score": None if score is None else Decimal(score),
    }
    fields.update(overrides)
    return QuestionnaireResponse.objects.create(**fields)


@pytest.fixture
def history(patient, clinician):
    make_doppler(
        patient, clinician, assessed_on=date(2025, 1, 10), ceap_right="C4a",
        ceap_left="C2", vcss_right=9, vcss_left=4,
    )  # fmt: skip
    make_doppler(
        patient, clinician, assessed_on=date(2025, 9, 2), ceap_right="C2r",
        ceap_left="", vcss_right=3, vcss_left=None,
    )  # fmt: skip
    voided = make_doppler(patient, clinician, assessed_on=date(2025, 5, 1))
    voided.voided_at = timezone.now()
    voided.save()
    make_response(patient, "14", date(2025, 1, 10))
    make_response(patient, "6", date(2025, 10, 1))
    make_response(patient, None, date(2025, 11, 1))  # unscored: not drawn
    make_response(patient, "20", date(2025, 6, 1), voided_at=timezone.now())
    return patient


def test_readings_per_leg_and_the_symptom_score(history):
    trends = patient_trends(history)
    assert [(r.on, r.value, r.text) for r in trends.right.ceap] == [
        (date(2025, 1, 10), 4, "C4a"),
        (date(2025, 9, 2), 2, "C2r"),
    ]
    assert [r.text for r in trends.left.ceap] == ["C2"]
    assert [r.value for r in trends.right.vcss] == [9, 3]
    assert [r.value for r in trends.left.vcss] == [4]
    assert [(r.on, r.text) for r in trends.symptoms] == [
        (date(2025, 1, 10), "14"),
        (date(2025, 10, 1), "6"),
    ]
    assert trends.symptom_max == 25
    assert trends.symptom_name_en == "Leg vein symptom score"


def test_trends_of_many_patients_are_kept_apart(history, clinician):
    other = make_patient(first_name="Anna", last_name="Rossi")
    make_doppler(other, clinician, assessed_on=date(2025, 3, 3), ceap_right="C1")
    got = trends_for_patients([history.pk, other.pk])
    assert [r.text for r in got[other.pk].right.ceap] == ["C1"]
    assert got[other.pk].symptoms == []
    assert len(got[history.pk].right.ceap) == 2


def test_the_query_count_does_not_grow_with_the_history(
    patient, clinician, django_assert_num_queries
):
    with django_assert_num_queries(3):
        patient_trends(patient)
    for month in range(1, 10):
        make_doppler(patient, clinician, assessed_on=date(2024, month, 1))
        make_response(patient, str(month), date(2024, month, 2))
    with django_assert_num_queries(3):
        trends = patient_trends(patient)
    assert len(trends.right.vcss) == 9 and len(trends.symptoms) == 9


def test_before_after_frames_a_course():
    readings = [
        Reading(date(2025, 1, 1), 10, "10"),
        Reading(date(2025, 2, 1), 9, "9"),  # the first session's day: before
        Reading(date(2025, 3, 1), 8, "8"),  # during the course: neither
        Reading(date(2025, 5, 1), 4, "4"),
        Reading(date(2025, 8, 1), 3, "3"),
    ]
    framed = before_after(readings, date(2025, 2, 1), date(2025, 4, 1))
    assert framed.before.value == 9 and framed.after.value == 3
    assert framed.change == -6
    bounded = before_after(
        readings, date(2025, 2, 1), date(2025, 4, 1), date(2025, 6, 1)
    )
    assert bounded.after.value == 4
    assert before_after(readings, date(2024, 1, 1), date(2025, 9, 1)).change is None


def test_the_chart_of_a_leg(history):
    trends = patient_trends(history)
    chart = trend_chart(trends, "R")
    svg = str(chart.svg())
    root = ElementTree.fromstring(svg)
    assert root.get("role") == "img"
    assert "Right leg" in root.find("{http://www.w3.org/2000/svg}title").text
    assert svg.count('class="chart-point"') == 2 + 2 + 2
    assert [cells for _, cells in chart.table().rows] == [
        ["C4a", "9", "14"],
        ["C2r", "3", ""],
        ["", "", "6"],
    ]
    left = str(patient_trend_svg(history, "L", trends))
    assert f'id="trend-{history.pk}-L-title"' in left


def test_a_patient_without_readings_gets_an_empty_chart(patient):
    trends = patient_trends(patient)
    assert trends.is_empty()
    svg = str(patient_trend_svg(patient, "R"))
    assert "No CEAP, VCSS or symptom score recorded yet." in svg


def test_the_symptom_score_is_the_scheduled_instruments_in_one_query(
    patient, django_assert_num_queries
):
    from outcomes.models import Instrument, InstrumentItem
    from outcomes.trends import _symptom_instrument

    shipped = shipped_instrument()
    Instrument.objects.filter(pk=shipped.pk).update(scheduled=False)
    own = Instrument.objects.create(
        code="own-score", name_en="Own score", name_it="Punteggio", scheduled=True
    )
    scale = [{"value": v, "en": str(v), "it": str(v)} for v in (0, 1, 2, 3)]
    InstrumentItem.objects.create(
        instrument=own, position=1, key="a", text_en="A", text_it="A", choices=scale
    )
    # Not scored: shown, not counted in the highest score.
    InstrumentItem.objects.create(
        instrument=own, position=2, key="b", text_en="B", text_it="B",
        choices=scale, scored=False,
    )  # fmt: skip
    with django_assert_num_queries(1):
        assert _symptom_instrument() == (own, 3)
    # A scheduled instrument with no scored item is still the one (its
    # highest score is 0); none scheduled: the shipped one.
    InstrumentItem.objects.filter(instrument=own).update(scored=False)
    assert _symptom_instrument() == (own, 0)
    Instrument.objects.filter(pk=own.pk).update(scheduled=False)
    assert _symptom_instrument() == (shipped, 25)


def test_the_responses_already_read_give_the_same_trends(
    history, django_assert_num_queries
):
    """The patient page passes its questionnaire panel's responses (every
    one, voided and unscored too): the same readings, one query less."""
    read = patient_trends(history)
    everything = list(QuestionnaireResponse.objects.filter(patient=history))
    assert len(everything) == 4
    with django_assert_num_queries(2):
        given = patient_trends(history, list(reversed(everything)))
    assert given.symptoms == read.symptoms
    assert [(r.on, r.text) for r in given.symptoms] == [
        (date(2025, 1, 10), "14"),
        (date(2025, 10, 1), "6"),
    ]
    assert given.right.vcss == read.right.vcss

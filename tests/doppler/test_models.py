"""Reflux cut-offs, range constraints and the per-leg summary of a Doppler."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from doppler.models import (
    DopplerAssessment,
    DopplerFinding,
    reflux_cutoff_s,
    Segment,
    Thrombus,
)
from patients.models import Leg
from tests.conftest import make_doppler


def finding(segment: str, reflux: str | None, leg: str = Leg.RIGHT) -> DopplerFinding:
    value = Decimal(reflux) if reflux is not None else None
    return DopplerFinding(leg=leg, segment=segment, reflux_s=value)


# --- pathological reflux: exact boundaries -----------------------------------

SUPERFICIAL = [Segment.SFJ, Segment.GSV_A, Segment.GSV_B, Segment.AASV,
               Segment.PASV, Segment.SPJ, Segment.SSV, Segment.NSV]
PERFORATORS = [Segment.TPV, Segment.CPV]
DEEP_AXIAL = [Segment.CFV, Segment.FV, Segment.POPV]


@pytest.mark.parametrize("segment", SUPERFICIAL + PERFORATORS + [Segment.DFV, Segment.TIBV])
def test_half_second_segments_are_pathological_only_above_0_50(segment):
    assert reflux_cutoff_s(segment) == Decimal("0.5")
    assert finding(segment, "0.50").pathological_reflux is False
    assert finding(segment, "0.51").pathological_reflux is True


@pytest.mark.parametrize("segment", DEEP_AXIAL)
def test_femoral_and_popliteal_veins_are_pathological_only_above_1_00(segment):
    assert reflux_cutoff_s(segment) == Decimal("1.0")
    assert finding(segment, "0.51").pathological_reflux is False
    assert finding(segment, "1.00").pathological_reflux is False
    assert finding(segment, "1.01").pathological_reflux is True


def test_deep_femoral_vein_uses_the_half_second_cut_off_not_the_femoral_one():
    assert finding(Segment.DFV, "0.80").pathological_reflux is True
    assert finding(Segment.FV, "0.80").pathological_reflux is False


@pytest.mark.parametrize("segment", [Segment.TPV, Segment.CPV])
def test_perforators_use_half_a_second(segment):
    assert finding(segment, "0.60").pathological_reflux is True


@pytest.mark.parametrize("segment", [Segment.SFJ, Segment.CFV, Segment.CPV])
def test_missing_or_zero_reflux_is_not_pathological(segment):
    assert finding(segment, None).pathological_reflux is False
    assert finding(segment, "0").pathological_reflux is False


# --- ranges: model validation (no database) ---------------------------------

@pytest.mark.parametrize(
    "field, value",
    [("reflux_s", "-0.01"), ("reflux_s", "10.01"), ("diameter_mm", "0"),
     ("diameter_mm", "30.1")],
)
def test_field_validation_refuses_out_of_range_findings(field, value):
    row = DopplerFinding(leg=Leg.RIGHT, segment=Segment.SFJ, **{field: Decimal(value)})
    with pytest.raises(ValidationError) as exc:
        row.clean_fields(exclude=["assessment"])
    assert field in exc.value.message_dict


@pytest.mark.parametrize("value", [-1, 31])
def test_full_clean_refuses_vcss_outside_0_to_30(value, clinician, patient):
    assessment = DopplerAssessment(
        patient=patient, examiner=clinician, assessed_on="2026-01-05", vcss_left=value
    )
    with pytest.raises(ValidationError) as exc:
        assessment.full_clean()
    assert "vcss_left" in exc.value.message_dict


# --- ranges: the database refuses them too ------------------------------------

@pytest.mark.parametrize(
    "field, value",
    [("reflux_s", Decimal("-0.01")), ("reflux_s", Decimal("10.01")),
     ("diameter_mm", Decimal("0")), ("diameter_mm", Decimal("30.1"))],
)
def test_database_refuses_out_of_range_findings(field, value, clinician, patient):
    doppler = make_doppler(patient, clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        DopplerFinding.objects.create(
            assessment=doppler, leg=Leg.LEFT, segment=Segment.GSV_A, **{field: value}
        )


def test_database_accepts_the_range_limits(clinician, patient):
    doppler = make_doppler(patient, clinician)
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.GSV_A,
        reflux_s=Decimal("10"), diameter_mm=Decimal("30"),
    )
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.GSV_B,
        reflux_s=Decimal("0"), diameter_mm=Decimal("0.1"),
    )
    assert doppler.findings.count() == 3


def test_database_refuses_a_second_finding_for_the_same_leg_and_segment(clinician, patient):
    doppler = make_doppler(patient, clinician)  # has right SFJ already
    DopplerFinding.objects.create(assessment=doppler, leg=Leg.LEFT, segment=Segment.SFJ)
    with pytest.raises(IntegrityError), transaction.atomic():
        DopplerFinding.objects.create(assessment=doppler, leg=Leg.RIGHT, segment=Segment.SFJ)


def test_database_refuses_vcss_above_30(clinician, patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_doppler(patient, clinician, vcss_right=31)


# --- per-leg summary, derived in Python ---------------------------------------

def _summary_doppler(patient, clinician):
    doppler = make_doppler(patient, clinician)  # right SFJ 0.3 s
    DopplerFinding.objects.filter(assessment=doppler, segment=Segment.SFJ).update(
        reflux_s=Decimal("1.2")
    )
    rows = [
        (Segment.FV, None, Thrombus.ACUTE),
        (Segment.CFV, "1.00", Thrombus.NONE),  # exactly at its cut-off
        (Segment.GSV_A, "0.80", Thrombus.NONE),
    ]
    for segment, reflux, thrombus in rows:
        DopplerFinding.objects.create(
            assessment=doppler, leg=Leg.RIGHT, segment=segment, thrombus=thrombus,
            reflux_s=Decimal(reflux) if reflux else None,
        )
    return doppler


def test_summary_lists_pathological_segments_in_anatomical_order(clinician, patient):
    doppler = _summary_doppler(patient, clinician)
    assert doppler.reflux_summary(Leg.RIGHT) == (
        "Right: reflux at SFJ (1.2 s), GSVa (0.8 s); Acute thrombus: FV"
    )
    assert [f.segment for f in doppler.pathological_findings] == ["SFJ", "GSVa"]


def test_summary_distinguishes_normal_from_not_examined(clinician, patient):
    doppler = make_doppler(patient, clinician)  # right SFJ 0.3 s only
    assert doppler.reflux_summary_right == "Right: no pathological reflux"
    assert doppler.reflux_summary_left == "Left: not examined"


def test_summary_uses_prefetched_findings_without_queries(
    clinician, patient, django_assert_num_queries
):
    _summary_doppler(patient, clinician)
    doppler = DopplerAssessment.objects.prefetch_related("findings").get()
    with django_assert_num_queries(0):
        summaries = (doppler.reflux_summary_right, doppler.reflux_summary_left)
        findings = doppler.pathological_findings
    assert summaries[0].startswith("Right") and findings is not None

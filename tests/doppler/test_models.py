"""Reflux cut-offs, ranges, the per-leg summary, and the CEAP and VCSS of a leg."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from doppler.clinical import (
    VCSS_ITEMS,
    VCSS_MAX_WITHOUT_ULCER,
    VCSS_ULCER_KEYS,
    ceap_notation,
    join_ceap_classes,
    vcss_field,
)
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus, reflux_cutoff_s
from patients.models import Leg
from tests.conftest import make_doppler


def finding(segment: str, reflux: str | None, leg: str = Leg.RIGHT) -> DopplerFinding:
    value = Decimal(reflux) if reflux is not None else None
    return DopplerFinding(leg=leg, segment=segment, reflux_s=value)


# --- pathological reflux: exact boundaries -----------------------------------

SUPERFICIAL = [
    Segment.SFJ,
    Segment.GSV_A,
    Segment.GSV_B,
    Segment.AASV,
    Segment.PASV,
    Segment.SPJ,
    Segment.SSV,
    Segment.NSV,
]
PERFORATORS = [Segment.TPV, Segment.CPV]
DEEP_AXIAL = [Segment.CFV, Segment.FV, Segment.POPV]


@pytest.mark.parametrize(
    "segment", SUPERFICIAL + PERFORATORS + [Segment.DFV, Segment.TIBV]
)
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
    [
        ("reflux_s", "-0.01"),
        ("reflux_s", "10.01"),
        ("diameter_mm", "0"),
        ("diameter_mm", "30.1"),
    ],
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
    [
        ("reflux_s", Decimal("-0.01")),
        ("reflux_s", Decimal("10.01")),
        ("diameter_mm", Decimal("0")),
        ("diameter_mm", Decimal("30.1")),
    ],
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
        assessment=doppler,
        leg=Leg.LEFT,
        segment=Segment.GSV_A,
        reflux_s=Decimal("10"),
        diameter_mm=Decimal("30"),
    )
    DopplerFinding.objects.create(
        assessment=doppler,
        leg=Leg.LEFT,
        segment=Segment.GSV_B,
        reflux_s=Decimal("0"),
        diameter_mm=Decimal("0.1"),
    )
    assert doppler.findings.count() == 3


def test_database_refuses_a_second_finding_for_the_same_leg_and_segment(
    clinician, patient
):
    doppler = make_doppler(patient, clinician)  # has right SFJ already
    DopplerFinding.objects.create(assessment=doppler, leg=Leg.LEFT, segment=Segment.SFJ)
    with pytest.raises(IntegrityError), transaction.atomic():
        DopplerFinding.objects.create(
            assessment=doppler, leg=Leg.RIGHT, segment=Segment.SFJ
        )


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
            assessment=doppler,
            leg=Leg.RIGHT,
            segment=segment,
            thrombus=thrombus,
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


# --- CEAP 2020 per leg ---------------------------------------------------------


def scored(leg=Leg.RIGHT, **scores) -> dict:
    """All ten items of a leg at 0, except those given by key, e.g. ulcer_size=2."""
    values = {vcss_field(item.key, leg): 0 for item in VCSS_ITEMS}
    values.update({vcss_field(key, leg): score for key, score in scores.items()})
    return values


def unsaved(clinician, patient, **fields) -> DopplerAssessment:
    return DopplerAssessment(
        patient=patient, examiner=clinician, assessed_on="2026-01-05", **fields
    )


@pytest.mark.parametrize(
    "codes, symptoms, e, a, p, expected",
    [
        (["C2", "C4c"], "S", "Ep", "As", "Pr", "C2,4c,S Ep As Pr"),
        (["C4c", "C2"], "S", "", "", "", "C2,4c,S"),  # canonical order
        (["C6r"], "S", "Esi", "As,p", "Pr,o", "C6r,S Esi As,p Pr,o"),
        (["C2r", "C3", "C5"], "A", "Ese", "Ad", "Po", "C2r,3,5,A Ese Ad Po"),
        (["C1"], "", "", "", "", "C1"),
        ([], "", "En", "An", "Pn", "En An Pn"),
        ([], "", "", "", "", ""),
    ],
)
def test_ceap_notation_reads_as_in_a_report(codes, symptoms, e, a, p, expected):
    assert ceap_notation(codes, symptoms, e, a, p) == expected


def test_classes_are_stored_comma_joined_in_ceap_order():
    assert join_ceap_classes(["C6r", "C2", "C4c", "C2"]) == "C2,C4c,C6r"
    assert join_ceap_classes(" C4a , C1 ") == "C1,C4a"
    assert join_ceap_classes([]) == ""


def test_full_clean_puts_classes_in_order_and_derives_highest_class_and_total(
    clinician, patient
):
    assessment = unsaved(
        clinician,
        patient,
        ceap_c_right="C4c,C2",
        ceap_s_right="S",
        ceap_c_left="C6r,C1",
        **scored(Leg.RIGHT, pain=2, varicose=3, compression=1),
        **scored(Leg.LEFT, ulcer_number=1, ulcer_duration=2, ulcer_size=1),
    )
    assessment.full_clean()
    assert (assessment.ceap_c_right, assessment.ceap_right) == ("C2,C4c", "C4c")
    assert (assessment.ceap_c_left, assessment.ceap_left) == ("C1,C6r", "C6r")
    assert (assessment.vcss_right, assessment.vcss_left) == (6, 4)
    assert assessment.vcss_total_right == 6
    assert assessment.ceap_notation_right == "C2,4c,S"


@pytest.mark.parametrize(
    "key, number", [("ulcer_number", 7), ("ulcer_duration", 8), ("ulcer_size", 9)]
)
def test_an_ulcer_item_without_c6_is_refused_on_the_item_naming_it_and_the_leg(
    key, number, clinician, patient
):
    assessment = unsaved(
        clinician, patient, ceap_c_left="C4a,C5", **scored(Leg.LEFT, **{key: 1})
    )
    with pytest.raises(ValidationError) as exc:
        assessment.full_clean()
    errors = exc.value.message_dict
    assert list(errors) == [f"vcss_{key}_left"]
    [message] = errors[f"vcss_{key}_left"]
    assert f"Item {number} (" in message and "left leg" in message
    assert "C6 or C6r" in message


@pytest.mark.parametrize("ulcer_class", ["C6", "C6r"])
def test_ulcer_items_are_accepted_with_an_active_ulcer(ulcer_class, clinician, patient):
    assessment = unsaved(
        clinician,
        patient,
        ceap_c_right=f"C4b,{ulcer_class}",
        **scored(Leg.RIGHT, ulcer_number=3, ulcer_duration=3, ulcer_size=3),
    )
    assessment.full_clean()
    assert assessment.vcss_right == 9


def test_a_total_above_21_needs_an_active_ulcer(clinician, patient):
    no_ulcer = {item.key: 3 for item in VCSS_ITEMS if item.key not in VCSS_ULCER_KEYS}
    highest = unsaved(clinician, patient, ceap_c_right="C5", **scored(**no_ulcer))
    highest.full_clean()
    assert highest.vcss_right == VCSS_MAX_WITHOUT_ULCER == 21
    above = unsaved(
        clinician, patient, ceap_c_right="C5", **scored(**no_ulcer, ulcer_size=1)
    )
    with pytest.raises(ValidationError) as exc:
        above.full_clean()
    assert list(exc.value.message_dict) == ["vcss_ulcer_size_right"]


def test_a_total_only_score_above_21_without_an_ulcer_is_refused(clinician, patient):
    assessment = unsaved(clinician, patient, ceap_c_right="C4a", vcss_right=22)
    with pytest.raises(ValidationError) as exc:
        assessment.full_clean()
    assert "only an active ulcer reaches" in exc.value.message_dict["ceap_c_right"][0]
    unsaved(clinician, patient, ceap_c_right="C6", vcss_right=22).full_clean()
    unsaved(clinician, patient, ceap_c_right="C4a", vcss_right=21).full_clean()


def test_a_partly_scored_leg_is_refused_on_each_blank_item(clinician, patient):
    values = scored(pain=1)
    values["vcss_oedema_right"] = None
    values["vcss_compression_right"] = None
    with pytest.raises(ValidationError) as exc:
        unsaved(clinician, patient, **values).full_clean()
    assert set(exc.value.message_dict) == {
        "vcss_oedema_right",
        "vcss_compression_right",
    }
    assert exc.value.message_dict["vcss_oedema_right"] == [
        "Score all ten items of the right leg, or none."
    ]


@pytest.mark.parametrize(
    "classes, message",
    [
        ("C0,C2", "C0 means no visible signs"),
        ("C2,C7", "Unknown CEAP clinical class: C7."),
    ],
)
def test_classes_that_cannot_be_are_refused(classes, message, clinician, patient):
    with pytest.raises(ValidationError) as exc:
        unsaved(clinician, patient, ceap_c_left=classes).full_clean()
    assert message in exc.value.message_dict["ceap_c_left"][0]


def test_an_item_above_3_is_refused(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        unsaved(clinician, patient, **scored(pain=4)).full_clean()
    assert "vcss_pain_right" in exc.value.message_dict


def test_a_record_with_only_a_stored_total_reads_as_total_only(clinician, patient):
    # As saved before the items: one class and a total per leg.
    doppler = make_doppler(patient, clinician, vcss_right=12, vcss_left=None)
    doppler.refresh_from_db()
    assert doppler.ceap_classes(Leg.RIGHT) == ["C1"]
    assert doppler.ceap_notation_right == "C1"
    assert (doppler.vcss_total_right, doppler.vcss_total_only_right) == (12, True)
    assert (doppler.vcss_total_left, doppler.vcss_total_only_left) == (None, False)
    assert doppler.vcss_scores(Leg.RIGHT) == [None] * 10


# --- the database enforces the VCSS rules too ---------------------------------


def _insert(clinician, patient, **fields):
    """Write the row as given, without full_clean()."""
    with transaction.atomic():
        return make_doppler(patient, clinician, **{"vcss_right": None, **fields})


def test_database_refuses_ulcer_items_without_c6(clinician, patient):
    values = scored(ulcer_number=1)
    with pytest.raises(IntegrityError):
        _insert(clinician, patient, ceap_c_right="C5", **values)
    for ulcer_class in ("C6", "C6r"):
        _insert(clinician, patient, ceap_c_right=ulcer_class, vcss_right=1, **values)
    assert DopplerAssessment.objects.count() == 2


def test_database_refuses_a_total_other_than_the_sum_of_the_items(clinician, patient):
    with pytest.raises(IntegrityError):
        _insert(clinician, patient, vcss_right=5, **scored(pain=2))
    with pytest.raises(IntegrityError):
        _insert(clinician, patient, **scored(pain=2))  # no total at all
    _insert(clinician, patient, vcss_right=2, **scored(pain=2))


def test_database_refuses_a_partial_or_out_of_range_score(clinician, patient):
    values = scored(pain=1)
    values["vcss_compression_right"] = None
    with pytest.raises(IntegrityError):
        _insert(clinician, patient, vcss_right=1, **values)
    with pytest.raises(IntegrityError):
        _insert(clinician, patient, vcss_right=4, **scored(pain=4))

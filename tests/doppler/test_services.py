"""doppler_create / doppler_update / doppler_void."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from doppler import services
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus
from patients.models import Leg
from tests.conftest import make_doppler
from tests.helpers import in_days


def row(leg, segment, reflux=None, diameter=None, thrombus="", note=""):
    return {
        "leg": leg,
        "segment": segment,
        "reflux_s": Decimal(reflux) if reflux is not None else None,
        "diameter_mm": Decimal(diameter) if diameter is not None else None,
        "thrombus": thrombus,
        "note": note,
    }


# Right leg: pain 2, varicose veins 2, compression 1: VCSS 5.
RIGHT_VCSS = [2, 2, 0, 0, 0, 0, 0, 0, 0, 1]


def create(patient, examiner, findings, **extra):
    fields = {
        "assessed_on": timezone.localdate(),
        "ceap_c_right": ["C2"],
        "vcss_items_right": RIGHT_VCSS,
    }
    fields.update(extra)
    return services.doppler_create(
        patient=patient, examiner=examiner, findings=findings, **fields
    )


def test_only_segments_with_data_become_findings(clinician, patient):
    assessment = create(
        patient,
        clinician,
        [
            row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
            row(Leg.RIGHT, Segment.GSV_A),  # empty
            row(Leg.RIGHT, Segment.GSV_B, thrombus=Thrombus.NONE),  # default only
            row(Leg.LEFT, Segment.FV, thrombus=Thrombus.ACUTE),
            row(Leg.LEFT, Segment.CPV, note="  at 12 cm from heel "),
            row(Leg.LEFT, Segment.SSV, diameter="4.5"),
        ],
    )
    kept = {(f.leg, f.segment): f for f in assessment.findings.all()}
    assert set(kept) == {("R", "SFJ"), ("L", "FV"), ("L", "CPV"), ("L", "SSV")}
    assert kept[("L", "CPV")].note == "at 12 cm from heel"
    assert kept[("R", "SFJ")].pathological_reflux is True


def test_a_bad_cell_saves_nothing_and_names_the_cell(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        create(
            patient,
            clinician,
            [
                row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
                row(Leg.LEFT, Segment.GSV_A, reflux="12"),
            ],
        )
    assert "L-GSVa-reflux_s" in exc.value.message_dict
    assert not DopplerAssessment.objects.exists()
    assert not DopplerFinding.objects.exists()


def test_a_segment_entered_twice_is_refused(clinician, patient):
    with pytest.raises(ValidationError):
        create(
            patient,
            clinician,
            [
                row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
                row(Leg.RIGHT, Segment.SFJ, reflux="0.2"),
            ],
        )
    assert not DopplerAssessment.objects.exists()


@pytest.mark.date_dependent
def test_future_date_and_non_clinician_examiner_are_refused(
    clinician, frontdesk, patient
):
    with pytest.raises(ValidationError) as exc:
        create(patient, clinician, [], assessed_on=in_days(1))
    assert "assessed_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        create(patient, frontdesk, [])
    assert "examiner" in exc.value.message_dict


def _update(assessment, examiner, findings, **extra):
    fields = {"assessed_on": assessment.assessed_on}
    fields.update(extra)
    return services.doppler_update(
        assessment=assessment, examiner=examiner, findings=findings, **fields
    )


def test_update_changes_clears_and_adds_rows_with_history(clinician, patient):
    assessment = create(
        patient,
        clinician,
        [
            row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
            row(Leg.LEFT, Segment.SSV, diameter="4.5"),
        ],
    )
    sfj = assessment.findings.get(segment=Segment.SFJ)
    _update(
        assessment,
        clinician,
        [
            row(Leg.RIGHT, Segment.SFJ, reflux="0.4"),
            row(Leg.LEFT, Segment.SSV),  # cleared
            row(Leg.LEFT, Segment.POPV, reflux="1.5"),
        ],
        vcss_items_right=[3, 2, 1, 0, 0, 0, 0, 0, 0, 1],
    )
    assessment.refresh_from_db()
    assert assessment.vcss_right == 7
    kept = {(f.leg, f.segment): f for f in assessment.findings.all()}
    assert set(kept) == {("R", "SFJ"), ("L", "POPV")}
    assert kept[("R", "SFJ")].pk == sfj.pk  # updated in place
    assert kept[("R", "SFJ")].reflux_s == Decimal("0.40")
    # The cleared row is gone from the record but kept in the audit trail.
    deleted = DopplerFinding.history.get(history_type="-")
    assert (deleted.segment, deleted.diameter_mm) == ("SSV", Decimal("4.5"))
    assert [h.reflux_s for h in sfj.history.order_by("history_date")] == [
        Decimal("1.20"),
        Decimal("0.40"),
    ]


def test_update_refuses_a_stale_version(clinician, patient):
    assessment = create(patient, clinician, [row(Leg.RIGHT, Segment.SFJ, reflux="1.2")])
    loaded = assessment.version
    _update(assessment, clinician, [], conclusion="first save")
    with pytest.raises(ValidationError) as exc:
        _update(assessment, clinician, [], conclusion="second", expected_version=loaded)
    assert "This Doppler assessment was changed by" in exc.value.messages[0]
    assessment.refresh_from_db()
    assert assessment.conclusion == "first save"


def test_void_keeps_the_record_and_refuses_further_changes(clinician, patient):
    assessment = create(patient, clinician, [row(Leg.RIGHT, Segment.SFJ, reflux="1.2")])
    with pytest.raises(ValidationError) as exc:
        services.doppler_void(assessment=assessment, user=clinician, reason="  ")
    assert "reason" in exc.value.message_dict
    services.doppler_void(assessment=assessment, user=clinician, reason="Wrong patient")
    assessment.refresh_from_db()
    assert assessment.is_voided and assessment.voided_by == clinician
    assert assessment.void_reason == "Wrong patient"
    assert assessment.findings.count() == 1
    assert assessment.history.first().history_change_reason == "Voided: Wrong patient"
    with pytest.raises(ValidationError):
        _update(assessment, clinician, [])
    with pytest.raises(ValidationError):
        services.doppler_void(assessment=assessment, user=clinician, reason="again")


# --- CEAP and VCSS ----------------------------------------------------------------

ULCER = [1, 2, 1, 1, 0, 1, 1, 2, 1, 3]  # items 7-9: one ulcer, 3-12 months, < 2 cm


def test_create_stores_ceap_and_items_and_derives_highest_class_and_total(
    clinician, patient
):
    assessment = create(
        patient,
        clinician,
        [],
        ceap_c_right="C4c,C2",
        ceap_s_right="S",
        ceap_e_right="Ep",
        ceap_a_right="As",
        ceap_p_right="Pr",
        ceap_c_left=["C6r", "C4a"],
        ceap_s_left="S",
        vcss_items_left=ULCER,
    )
    assessment.refresh_from_db()
    assert (assessment.ceap_c_right, assessment.ceap_right) == ("C2,C4c", "C4c")
    assert assessment.ceap_notation_right == "C2,4c,S Ep As Pr"
    assert assessment.ceap_notation_left == "C4a,6r,S"
    assert assessment.vcss_scores(Leg.LEFT) == ULCER
    assert (assessment.vcss_right, assessment.vcss_left) == (5, 13)
    assert assessment.vcss_total_only_right is False
    history = assessment.history.get()
    assert (history.ceap_c_left, history.vcss_ulcer_number_left) == ("C4a,C6r", 1)


def test_ulcer_items_without_c6_are_refused_and_nothing_is_saved(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        create(
            patient,
            clinician,
            [row(Leg.RIGHT, Segment.SFJ, reflux="1.2")],
            ceap_c_left=["C4a", "C5"],
            vcss_items_left=ULCER,
        )
    errors = exc.value.message_dict
    assert set(errors) == {
        "vcss_ulcer_number_left",
        "vcss_ulcer_duration_left",
        "vcss_ulcer_size_left",
    }
    assert errors["vcss_ulcer_size_left"] == [
        "Item 9 (active ulcer size) scores an active ulcer: tick C6 or C6r for "
        "the left leg, or score 0."
    ]
    assert not DopplerAssessment.objects.exists()
    assert not DopplerFinding.objects.exists()


def test_update_refuses_ulcer_items_once_c6_is_removed(clinician, patient):
    assessment = create(
        patient, clinician, [], ceap_c_left=["C6"], vcss_items_left=ULCER
    )
    with pytest.raises(ValidationError) as exc:
        _update(assessment, clinician, [], ceap_c_left=["C5"], vcss_items_left=ULCER)
    assert "vcss_ulcer_number_left" in exc.value.message_dict
    assessment.refresh_from_db()
    assert (assessment.ceap_c_left, assessment.version) == ("C6", 1)


def test_update_keeps_the_total_of_a_record_scored_before_the_items(clinician, patient):
    # As saved before the items: one class and a total per leg.
    old = make_doppler(patient, clinician, vcss_right=12, ceap_right="C3")
    _update(
        old, clinician, [], ceap_c_right=old.ceap_classes(Leg.RIGHT), conclusion="seen"
    )
    old.refresh_from_db()
    assert (old.vcss_right, old.vcss_total_only_right, old.ceap_c_right) == (
        12,
        True,
        "C3",
    )
    assert old.conclusion == "seen"
    # Scoring the items replaces the total with their sum.
    _update(old, clinician, [], ceap_c_right=["C3"], vcss_items_right=RIGHT_VCSS)
    old.refresh_from_db()
    assert (old.vcss_right, old.vcss_total_only_right) == (5, False)


def test_clearing_the_items_clears_the_total(clinician, patient):
    assessment = create(patient, clinician, [])
    _update(assessment, clinician, [], ceap_c_right=["C2"])
    assessment.refresh_from_db()
    assert assessment.vcss_right is None and assessment.vcss_total_right is None


def test_a_single_class_and_a_total_from_elsewhere_are_still_taken(clinician, patient):
    """Scores copied from an older record: one class and a total per leg."""
    assessment = services.doppler_create(
        patient=patient,
        examiner=clinician,
        assessed_on=timezone.localdate(),
        ceap_right="C2",
        vcss_right=6,
        ceap_left="C6",
        vcss_left=24,
    )
    assessment.refresh_from_db()
    assert assessment.ceap_c_right == "C2" and assessment.vcss_total_only_right
    assert assessment.vcss_total_left == 24
    with pytest.raises(ValidationError) as exc:
        services.doppler_create(
            patient=patient,
            examiner=clinician,
            assessed_on=timezone.localdate(),
            ceap_right="C4a",
            vcss_right=22,
        )
    assert "ceap_c_right" in exc.value.message_dict

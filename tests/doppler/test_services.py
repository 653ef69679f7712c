"""doppler_create / doppler_update / doppler_void."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from doppler import services
from doppler.models import DopplerAssessment, DopplerFinding, Segment, Thrombus
from patients.models import Leg
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


def create(patient, examiner, findings, **extra):
    fields = {"assessed_on": timezone.localdate(), "ceap_right": "C2", "vcss_right": 5}
    fields.update(extra)
    return services.doppler_create(
        patient=patient, examiner=examiner, findings=findings, **fields
    )


def test_only_segments_with_data_become_findings(clinician, patient):
    assessment = create(patient, clinician, [
        row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
        row(Leg.RIGHT, Segment.GSV_A),  # empty
        row(Leg.RIGHT, Segment.GSV_B, thrombus=Thrombus.NONE),  # default only
        row(Leg.LEFT, Segment.FV, thrombus=Thrombus.ACUTE),
        row(Leg.LEFT, Segment.CPV, note="  at 12 cm from heel "),
        row(Leg.LEFT, Segment.SSV, diameter="4.5"),
    ])
    kept = {(f.leg, f.segment): f for f in assessment.findings.all()}
    assert set(kept) == {("R", "SFJ"), ("L", "FV"), ("L", "CPV"), ("L", "SSV")}
    assert kept[("L", "CPV")].note == "at 12 cm from heel"
    assert kept[("R", "SFJ")].pathological_reflux is True


def test_a_bad_cell_saves_nothing_and_names_the_cell(clinician, patient):
    with pytest.raises(ValidationError) as exc:
        create(patient, clinician, [
            row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
            row(Leg.LEFT, Segment.GSV_A, reflux="12"),
        ])
    assert "L-GSVa-reflux_s" in exc.value.message_dict
    assert not DopplerAssessment.objects.exists()
    assert not DopplerFinding.objects.exists()


def test_a_segment_entered_twice_is_refused(clinician, patient):
    with pytest.raises(ValidationError):
        create(patient, clinician, [
            row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
            row(Leg.RIGHT, Segment.SFJ, reflux="0.2"),
        ])
    assert not DopplerAssessment.objects.exists()


@pytest.mark.date_dependent
def test_future_date_and_non_clinician_examiner_are_refused(clinician, frontdesk, patient):
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
    assessment = create(patient, clinician, [
        row(Leg.RIGHT, Segment.SFJ, reflux="1.2"),
        row(Leg.LEFT, Segment.SSV, diameter="4.5"),
    ])
    sfj = assessment.findings.get(segment=Segment.SFJ)
    _update(assessment, clinician, [
        row(Leg.RIGHT, Segment.SFJ, reflux="0.4"),
        row(Leg.LEFT, Segment.SSV),  # cleared
        row(Leg.LEFT, Segment.POPV, reflux="1.5"),
    ], vcss_right=7)
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
        Decimal("1.20"), Decimal("0.40")
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

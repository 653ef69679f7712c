"""Session services: limits at their exact boundary, overrides, locking, voiding."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.conftest import make_doppler, make_patient, make_user
from tests.helpers import in_days
from treatments import services
from treatments.choices import Agent, Compression, Form, Gas
from treatments.models import Injection, TreatmentSession

pytestmark = pytest.mark.django_db


def data(**overrides) -> dict:
    fields = {
        "performed_at": timezone.now() - timedelta(minutes=30),
        "weight_kg": Decimal("60.0"),
        "doppler": None,
        "screening_confirmed": True,
        "consent_obtained": True,
        "compression": Compression.STOCKING,
        "stocking_class": "2",
        "stocking_length": "thigh",
        "stocking_days": 14,
    }
    fields.update(overrides)
    return fields


def row(**overrides) -> dict:
    fields = {
        "leg": "R",
        "segment": "",
        "site": "lateral thigh",
        "vessel_type": "reticular",
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal("0.5"),
        "form": Form.LIQUID,
        "gas": "",
        "gas_parts": None,
        "volume_ml": Decimal("1.00"),
        "ultrasound_guided": False,
    }
    fields.update(overrides)
    return fields


def pol3(volume: str) -> dict:
    return row(
        concentration_pct=Decimal("3"),
        volume_ml=Decimal(volume),
        vessel_type="var_large",
    )


def foam(volume: str) -> dict:
    return row(
        form=Form.FOAM,
        gas=Gas.CO2_O2,
        gas_parts=Decimal("4"),
        volume_ml=Decimal(volume),
        vessel_type="var_small",
    )


def create(patient, user, rows, **kwargs):
    return services.session_create(
        patient=patient,
        clinician=user,
        data=kwargs.pop("data", data()),
        injections=rows,
        user=user,
        **kwargs,
    )


def messages_of(error) -> str:
    return " ".join(m for msgs in error.value.message_dict.values() for m in msgs)


# --- polidocanol dose: 2 mg/kg/day, exact boundary ---------------------------


def test_polidocanol_exactly_at_the_limit_is_accepted(patient, clinician):
    session = create(
        patient, clinician, [pol3("4.00")]
    )  # 3 % x 4.00 mL = 120.00 mg, 60 kg
    assert session.pk and session.version == 1
    assert session.totals().polidocanol_mg == Decimal("120.00")
    assert session.limit_override_by is None


def test_polidocanol_one_hundredth_of_a_mg_over_is_refused(patient, clinician):
    rows = [
        pol3("4.00"),
        row(concentration_pct=Decimal("0.1"), volume_ml=Decimal("0.01")),
    ]
    with pytest.raises(services.SessionRefused) as error:
        create(patient, _no_override_clinician(), rows)
    assert (
        "Polidocanol 120.01 mg exceeds the limit of 120.00 mg for 60.0 kg"
        in messages_of(error)
    )
    assert not TreatmentSession.objects.exists()
    assert not Injection.objects.exists()


def test_the_message_names_the_numbers(patient, clinician):
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, [pol3("4.00"), row(concentration_pct=Decimal("1"))])
    assert (
        "Polidocanol 130.00 mg exceeds the limit of 120.00 mg for 60.0 kg"
        in messages_of(error)
    )
    # A clinician who may override is told to give a reason, on that field.
    assert "limit_override_reason" in error.value.message_dict


def test_weight_on_the_day_is_used_rather_than_the_patient_weight(clinician):
    heavier = make_patient(weight_kg=Decimal("80.0"))  # 160 mg would be allowed
    with pytest.raises(services.SessionRefused) as error:
        create(
            heavier, clinician, [pol3("4.10")]
        )  # 123 mg > 120 mg at 60.0 kg on the day
    assert "limit of 120.00 mg for 60.0 kg" in messages_of(error)
    session = create(
        heavier, clinician, [pol3("4.10")], data=data(weight_kg=Decimal("61.5"))
    )
    assert session.weight_kg == Decimal("61.5")


@pytest.mark.date_dependent  # "the same day" as now, in clinic time
def test_polidocanol_given_earlier_the_same_day_counts(patient, clinician):
    create(
        patient,
        clinician,
        [pol3("3.00")],
        data=data(performed_at=timezone.now() - timedelta(hours=2)),
    )
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, [pol3("1.10")])  # 90 + 33 = 123 mg
    assert "123.00 mg" in messages_of(error)
    assert "another session that day" in messages_of(error)
    create(patient, clinician, [pol3("1.00")])  # 90 + 30 = 120 mg exactly


def test_other_agents_do_not_count_towards_the_polidocanol_limit(patient, clinician):
    sts = row(
        agent=Agent.STS, concentration_pct=Decimal("3"), volume_ml=Decimal("10.00")
    )
    session = create(patient, clinician, [pol3("4.00"), sts])
    assert session.totals().mg_by_agent[Agent.STS] == Decimal("300.00")


# --- foam: 10 mL per session, exact boundary ---------------------------------


def test_foam_exactly_10_ml_is_accepted(patient, clinician):
    session = create(patient, clinician, [foam("5.00"), foam("5.00")])
    assert session.totals().foam_ml == Decimal("10.00")


def test_foam_10_01_ml_is_refused(patient, clinician):
    with pytest.raises(services.SessionRefused) as error:
        create(patient, _no_override_clinician(), [foam("5.00"), foam("5.01")])
    assert "Foam 10.01 mL exceeds the limit of 10.00 mL a day." in messages_of(error)
    assert not TreatmentSession.objects.exists()


# --- override ----------------------------------------------------------------


def test_override_with_permission_and_reason_saves_and_records_who(patient, clinician):
    session = create(
        patient,
        clinician,
        [foam("6.00"), foam("5.00")],
        override_reason="  Extensive GSV tributaries, discussed with patient  ",
        override_confirmed=True,
    )
    session.refresh_from_db()
    assert session.limit_override_by == clinician
    assert (
        session.limit_override_reason
        == "Extensive GSV tributaries, discussed with patient"
    )
    assert session.totals().foam_ml == Decimal("11.00")


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_a_reason_is_refused(patient, clinician, reason):
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, [foam("6.00"), foam("5.00")], override_reason=reason)
    assert error.value.message_dict["limit_override_reason"]
    assert not TreatmentSession.objects.exists()


def test_override_without_the_permission_is_refused_even_with_a_reason(patient):
    user = _no_override_clinician()
    with pytest.raises(services.SessionRefused) as error:
        create(patient, user, [foam("6.00"), foam("5.00")], override_reason="I insist")
    assert "Only a clinician allowed to override" in messages_of(error)
    assert not TreatmentSession.objects.exists()


def test_a_reason_within_the_limits_is_not_recorded_as_an_override(patient, clinician):
    session = create(patient, clinician, [foam("2.00")], override_reason="just in case")
    assert session.limit_override_by is None and session.limit_override_reason == ""


# --- contraindications -------------------------------------------------------


def test_absolute_contraindication_blocks_even_with_an_override(clinician):
    allergic = make_patient(sclerosant_allergy=True)
    with pytest.raises(services.SessionRefused) as error:
        create(allergic, clinician, [row()], override_reason="reason")
    assert "Absolute contraindication: Known allergy to a sclerosant." in messages_of(
        error
    )
    assert not TreatmentSession.objects.exists()


def test_pfo_blocks_foam_but_not_liquid(clinician):
    pfo = make_patient(known_pfo=True)
    with pytest.raises(services.SessionRefused) as error:
        create(pfo, clinician, [foam("2.00")])
    assert "PFO" in messages_of(error)
    assert create(pfo, clinician, [row()]).pk


def test_relative_contraindication_only_warns(clinician):
    pregnant = make_patient(pregnant_or_breastfeeding=True)
    review = services.session_review(
        patient=pregnant,
        performed_at=timezone.now(),
        weight_kg=Decimal("60"),
        doppler=None,
        injections=[],
    )
    assert any("Pregnant" in note.message for note in review.warnings)
    assert create(pregnant, clinician, [row()]).pk


# --- field and row errors ----------------------------------------------------


def test_row_errors_are_keyed_by_row_and_field(patient, clinician):
    rows = [row(), row(concentration_pct=Decimal("5")), row(form=Form.FOAM)]
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, rows)
    assert set(error.value.row_errors) == {1, 2}
    assert "concentration_pct" in error.value.row_errors[1]
    assert {"gas", "gas_parts"} <= set(error.value.row_errors[2])
    assert "Injection 2 concentration (%)" in messages_of(error)
    assert not Injection.objects.exists()


def test_a_session_needs_an_injection_and_valid_compression(patient, clinician):
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, [], data=data(compression=Compression.NONE))
    assert "injections" in error.value.message_dict
    assert "stocking_class" in error.value.message_dict  # left with "none"


def test_doppler_of_another_patient_is_refused(patient, clinician):
    other = make_doppler(make_patient(first_name="Other"), clinician)
    with pytest.raises(services.SessionRefused) as error:
        create(patient, clinician, [row()], data=data(doppler=other))
    assert "doppler" in error.value.message_dict


def test_archived_patient_gets_no_new_session(patient, clinician):
    from patients.services import patient_archive

    patient_archive(patient=patient, reason="moved")
    with pytest.raises(services.SessionRefused):
        create(patient, clinician, [row()])


# --- update: optimistic locking, voiding removed rows ---------------------------


def test_update_increments_the_version_and_keeps_history(patient, clinician):
    session = create(patient, clinician, [row()])
    first = session.injections.get()
    saved = services.session_update(
        session=session,
        expected_version=1,
        data=data(notes="calm"),
        injections=[{**row(volume_ml=Decimal("2.00")), "id": first.pk}],
        user=clinician,
    )
    assert saved.version == 2
    first.refresh_from_db()
    assert first.volume_ml == Decimal("2.00")
    assert saved.history.first().history_user == clinician


def test_stale_version_is_refused_and_nothing_saved(patient, clinician, colleague):
    session = create(patient, clinician, [row()])
    # The colleague recorded the session for the treating clinician, so both
    # may edit it (treatments.services.is_own_session).
    TreatmentSession.objects.filter(pk=session.pk).update(created_by=colleague)
    first = session.injections.get()
    services.session_update(
        session=session,
        expected_version=1,
        data=data(notes="colleague's note"),
        injections=[{**row(), "id": first.pk}],
        user=colleague,
    )
    with pytest.raises(services.SessionRefused) as error:
        services.session_update(
            session=session,
            expected_version=1,
            data=data(notes="mine"),
            injections=[{**row(volume_ml=Decimal("3.00")), "id": first.pk}, row()],
            user=clinician,
        )
    message = messages_of(error)
    assert "This treatment session was changed by Colleague at" in message
    assert "open the record in another tab" in message
    session.refresh_from_db()
    first.refresh_from_db()
    assert session.notes == "colleague's note" and session.version == 2
    assert first.volume_ml == Decimal("1.00")
    assert Injection.objects.count() == 1


def test_removed_injection_is_voided_not_deleted(patient, clinician):
    session = create(patient, clinician, [row(), row(site="calf")])
    keep, drop = session.injections.order_by("id")
    saved = services.session_update(
        session=session,
        expected_version=1,
        data=data(),
        injections=[{**row(), "id": keep.pk}, row(site="ankle")],
        user=clinician,
    )
    drop.refresh_from_db()
    assert drop.voided_at is not None
    assert Injection.objects.count() == 3
    assert saved.totals().injections == 2


def test_limits_count_the_full_set_of_active_injections_on_update(patient, clinician):
    session = create(patient, clinician, [pol3("2.00")])
    first = session.injections.get()
    with pytest.raises(services.SessionRefused):
        services.session_update(
            session=session,
            expected_version=1,
            data=data(),
            injections=[{**pol3("2.00"), "id": first.pk}, pol3("2.01")],
            user=clinician,
        )
    # Replacing the first row (voided) frees its dose.
    saved = services.session_update(
        session=session,
        expected_version=1,
        data=data(),
        injections=[pol3("4.00")],
        user=clinician,
    )
    assert saved.totals().polidocanol_mg == Decimal("120.00")


def test_a_row_id_from_another_session_is_refused(patient, clinician):
    one = create(patient, clinician, [row()])
    two = create(patient, clinician, [row()])
    with pytest.raises(services.SessionRefused) as error:
        services.session_update(
            session=two,
            expected_version=1,
            data=data(),
            injections=[{**row(), "id": one.injections.get().pk}],
            user=clinician,
        )
    assert 0 in error.value.row_errors


# --- void --------------------------------------------------------------------


def test_void_needs_a_reason_and_keeps_the_record(patient, clinician):
    session = create(patient, clinician, [row()])
    with pytest.raises(ValidationError):
        services.session_void(session=session, user=clinician, reason="  ")
    voided = services.session_void(
        session=session, user=clinician, reason="wrong patient"
    )
    assert voided.voided_by == clinician and voided.void_reason == "wrong patient"
    assert voided.version == 2
    assert TreatmentSession.objects.filter(pk=session.pk).exists()
    with pytest.raises(ValidationError):
        services.session_void(session=voided, user=clinician, reason="again")
    with pytest.raises(services.SessionRefused):
        services.session_update(
            session=voided,
            expected_version=2,
            data=data(),
            injections=[row()],
            user=clinician,
        )


def test_voided_session_does_not_count_towards_the_day(patient, clinician):
    earlier = create(patient, clinician, [pol3("3.00")])
    services.session_void(session=earlier, user=clinician, reason="entered twice")
    assert create(patient, clinician, [pol3("4.00")]).pk


# --- guidance ----------------------------------------------------------------


@pytest.mark.date_dependent
def test_review_gives_guidance_without_blocking(patient, clinician):
    old = make_doppler(patient, clinician, assessed_on=in_days(-400))
    rows = [
        Injection(**row(vessel_type="tel_red", concentration_pct=Decimal("1"))),
        Injection(**row(vessel_type="reticular", concentration_pct=Decimal("0.75"))),
    ]
    review = services.session_review(
        patient=patient,
        performed_at=timezone.now(),
        weight_kg=Decimal("60"),
        doppler=old,
        injections=rows,
    )
    texts = [n.message for n in review.row_notes[0]]
    assert any("laser may suit better" in t for t in texts)
    assert any("Usually 0.25–0.5 %" in t for t in texts)
    # 0.75 % is within 0.5–1 % for reticular veins: the range is shown, no warning.
    assert [(n.level, n.message) for n in review.row_notes[1]] == [
        ("info", "Usual 0.5–1 %.")
    ]
    assert any("older than 12 months" in n.message for n in review.warnings)


def test_review_warns_when_no_doppler_is_on_file(patient):
    review = services.session_review(
        patient=patient,
        performed_at=timezone.now(),
        weight_kg=Decimal("60"),
        doppler=None,
        injections=[],
    )
    assert any("No Doppler assessment on file" in n.message for n in review.warnings)


@pytest.mark.date_dependent  # 365 days across a 29 February or not
def test_a_doppler_exactly_365_days_old_is_still_recent(patient, clinician):
    make_doppler(patient, clinician, assessed_on=in_days(-365))
    review = services.session_review(
        patient=patient,
        performed_at=timezone.now(),
        weight_kg=Decimal("60"),
        doppler=None,
        injections=[],
    )
    assert [n for n in review.warnings if "Doppler" in n.message] == []


def _no_override_clinician():
    """A user who may record sessions but not exceed a limit."""
    user = make_user("junior")
    user.user_permissions.add(
        Permission.objects.get(codename="add_treatmentsession"),
        Permission.objects.get(codename="change_treatmentsession"),
    )
    return user

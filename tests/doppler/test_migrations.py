"""Doppler migrations 0004 and 0005: each leg's single CEAP class becomes its
list of classes, in the records and in their history, and nothing is lost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

BEFORE = ("doppler", "0003_verbose_names")
AFTER = ("doppler", "0005_ceap_classes_from_single_class")


@pytest.mark.django_db(transaction=True)
def test_the_single_class_becomes_the_list_of_classes_and_totals_stay(migrator):
    old = migrator.apply_initial_migration(BEFORE)
    get = old.apps.get_model
    user = get("auth", "User").objects.create(username="rossi", password="!")
    patient = get("patients", "Patient").objects.create(
        chart_number="SC-000123",
        first_name="Maria",
        last_name="Esposito",
        date_of_birth=date(1970, 5, 17),
        sex="F",
        weight_kg=Decimal("60.0"),
    )
    assessments = get("doppler", "DopplerAssessment")
    both = assessments.objects.create(
        patient=patient,
        examiner=user,
        assessed_on=date(2026, 2, 20),
        ceap_right="C4c",
        ceap_left="C6r",
        vcss_right=5,
        vcss_left=25,
    )
    none = assessments.objects.create(
        patient=patient, examiner=user, assessed_on=date(2026, 3, 2)
    )
    history = get("doppler", "HistoricalDopplerAssessment")
    values = {f.attname: getattr(both, f.attname) for f in both._meta.concrete_fields}
    history.objects.create(
        **{**values, "ceap_right": "C2"},  # as it was before an edit
        history_date=datetime(2026, 2, 20, 9, 30, tzinfo=UTC),
        history_type="+",
        history_user_id=user.pk,
    )

    new = migrator.apply_tested_migration(AFTER)
    rows = new.apps.get_model("doppler", "DopplerAssessment").objects
    migrated = rows.get(pk=both.pk)
    assert (migrated.ceap_c_right, migrated.ceap_c_left) == ("C4c", "C6r")
    assert (migrated.ceap_right, migrated.ceap_left) == ("C4c", "C6r")
    assert (migrated.vcss_right, migrated.vcss_left) == (5, 25)  # totals only
    assert migrated.vcss_pain_right is None and migrated.vcss_ulcer_size_left is None
    assert migrated.ceap_s_right == migrated.ceap_e_left == ""
    empty = rows.get(pk=none.pk)
    assert (empty.ceap_c_right, empty.ceap_c_left) == ("", "")
    past = new.apps.get_model("doppler", "HistoricalDopplerAssessment").objects.get()
    assert (past.ceap_c_right, past.ceap_c_left) == ("C2", "C6r")

    # Back again: the single classes and the totals are as they were.
    back = migrator.apply_tested_migration(BEFORE)
    reverted = back.apps.get_model("doppler", "DopplerAssessment").objects.get(
        pk=both.pk
    )
    assert (reverted.ceap_right, reverted.vcss_left) == ("C4c", 25)

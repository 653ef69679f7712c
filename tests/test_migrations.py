"""The refactor that moved models between apps keeps every row, history and grant.

DopplerAssessment and DopplerFinding moved from `patients` to `doppler`,
FollowUpVisit from `treatments` to `visits` and Letterhead from `treatments`
to `core`, each with its simple_history model. Their tables stay where they
were (SeparateDatabaseAndState); the content types are renamed to the new
app, so the permissions, the groups' grants and the admin log follow.

The test builds a database on the schema before the move, fills every table
and stands in for the post_migrate hook of that time (content types,
permissions, the three role groups), migrates to the newest migrations and
checks everything is there; then it migrates back.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

# The schema before the move. The apps that received the models must be unapplied.
OLD_TARGETS = [
    ("patients", "0001_initial"),
    ("treatments", "0003_patient_date_indexes"),
]
NEW_APPS = ("core", "doppler", "visits")
# accesslog, consent and photos came later, on top of patients and
# treatments: not contrib apps to apply early.
PROJECT_APPS = (
    "patients",
    "treatments",
    "accesslog",
    "consent",
    "photos",
    "outcomes",
    "clinics",
    *NEW_APPS,
)

# (old app, model name) -> new app
MOVED = {
    ("patients", "DopplerAssessment"): "doppler",
    ("patients", "HistoricalDopplerAssessment"): "doppler",
    ("patients", "DopplerFinding"): "doppler",
    ("patients", "HistoricalDopplerFinding"): "doppler",
    ("treatments", "FollowUpVisit"): "visits",
    ("treatments", "HistoricalFollowUpVisit"): "visits",
    ("treatments", "Letterhead"): "core",
    ("treatments", "HistoricalLetterhead"): "core",
}
MOVED_CT = {(old, name.lower()): new for (old, name), new in MOVED.items()}

# The role groups as they stood before the move (old app labels).
OLD_GRANTS = {
    "clinician": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.change_medical_history",
        "patients.view_dopplerassessment",
        "patients.add_dopplerassessment",
        "patients.change_dopplerassessment",
        "treatments.view_treatmentsession",
        "treatments.add_treatmentsession",
        "treatments.change_treatmentsession",
        "treatments.void_treatmentsession",
        "treatments.override_limit",
        "treatments.view_followupvisit",
        "treatments.add_followupvisit",
        "treatments.change_followupvisit",
        "treatments.record_outcome",
        "treatments.print_aftercare",
        "treatments.view_statistics",
    ],
    "front desk": [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.archive_patient",
        "treatments.view_treatmentsession",
        "treatments.view_followupvisit",
        "treatments.add_followupvisit",
        "treatments.change_followupvisit",
        "treatments.print_aftercare",
    ],
    "manager": [
        "patients.view_patient",
        "patients.archive_patient",
        "patients.view_audit_trail",
        "patients.view_dopplerassessment",
        "treatments.view_treatmentsession",
        "treatments.view_followupvisit",
        "treatments.print_aftercare",
        "treatments.view_statistics",
        "treatments.view_letterhead",
        "treatments.change_letterhead",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    ],
}

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def new_label(app_label: str, model: str) -> str:
    """The app a content type (app label, lower-case model name) belongs to now."""
    return MOVED_CT.get((app_label, model), app_label)


def leaf_targets() -> list[tuple[str, str]]:
    """The newest migration of every app, so added migrations need no edit here."""
    return sorted(MigrationLoader(connection).graph.leaf_nodes())


def contrib_leaves() -> list[tuple[str, str]]:
    return [node for node in leaf_targets() if node[0] not in PROJECT_APPS]


def applied_migrations() -> set[tuple[str, str]]:
    return set(MigrationRecorder(connection).applied_migrations())


def project_models(state, labels=("patients", "treatments")):
    return [
        model
        for label in labels
        for model in state.apps.get_app_config(label).get_models()
    ]


def with_history(state, obj, user, **extra):
    """Write the "+" history row simple_history would have written for obj."""
    historical = state.apps.get_model(
        obj._meta.app_label, f"Historical{obj._meta.object_name}"
    )
    values = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    return historical.objects.create(
        **values,
        history_date=WHEN,
        history_type="+",
        history_user_id=user.pk,
        history_change_reason="created",
        **extra,
    )


def fill_old_database(state) -> dict:
    """One row or more in every table of the old schema; returns their pks."""
    get = state.apps.get_model
    user = get("auth", "User").objects.create(
        username="rossi", first_name="Paolo", last_name="Rossi", password="!"
    )
    patient = get("patients", "Patient").objects.create(
        chart_number="SC-000123",
        first_name="Maria",
        last_name="Esposito",
        date_of_birth=date(1970, 5, 17),
        sex="F",
        weight_kg=Decimal("60.0"),
    )
    assessment = get("patients", "DopplerAssessment").objects.create(
        patient=patient,
        examiner=user,
        assessed_on=date(2026, 2, 20),
        ceap_right="C1",
        ceap_left="C2",
        vcss_right=2,
        vcss_left=4,
        conclusion="Competent junctions.",
        recommended_plan="liquid",
    )
    finding = get("patients", "DopplerFinding").objects.create(
        assessment=assessment,
        leg="R",
        segment="GSVa",
        reflux_s=Decimal("0.80"),
        diameter_mm=Decimal("4.5"),
        note="reflux above knee",
    )
    session = get("treatments", "TreatmentSession").objects.create(
        patient=patient,
        clinician=user,
        created_by=user,
        doppler=assessment,
        performed_at=WHEN,
        weight_kg=Decimal("60.0"),
        screening_confirmed=True,
        consent_obtained=True,
        compression="stocking",
        stocking_class="2",
        stocking_days=14,
    )
    injection = get("treatments", "Injection").objects.create(
        session=session,
        leg="R",
        site="lateral thigh",
        vessel_type="reticular",
        agent="polidocanol",
        concentration_pct=Decimal("0.50"),
        form="foam",
        gas="air",
        gas_parts=Decimal("4.0"),
        volume_ml=Decimal("1.50"),
    )
    visit = get("treatments", "FollowUpVisit").objects.create(
        patient=patient,
        clinician=user,
        created_by=user,
        session=session,
        starts_at=datetime(2026, 3, 16, 9, 0, tzinfo=UTC),
        status="completed",
        clearance_pct=70,
        adverse_events=["pigmentation"],
        satisfaction=4,
        plan="another",
    )
    letterhead = get("treatments", "Letterhead").objects.create(
        clinic_name="Vein Clinic Milano", phone="+39 02 1234567", footer="Thank you"
    )
    history = {
        obj._meta.model_name: with_history(state, obj, user).history_id
        for obj in (patient, assessment, finding, session, injection, visit, letterhead)
    }
    return {
        "user": user.pk,
        "patient": patient.pk,
        "assessment": assessment.pk,
        "assessment_code": assessment.code,
        "finding": finding.pk,
        "session": session.pk,
        "injection": injection.pk,
        "visit": visit.pk,
        "letterhead": letterhead.pk,
        "history": history,
    }


def create_old_permissions_and_roles(state) -> None:
    """What post_migrate made on the old schema: content types, permissions, roles.

    django's own handlers run against the old state's models, so the rows carry
    the old app labels.
    """
    for app_config in global_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, apps=state.apps)
    permission_model = state.apps.get_model("auth", "Permission")
    group_model = state.apps.get_model("auth", "Group")
    for name, perm_names in OLD_GRANTS.items():
        group, _created = group_model.objects.get_or_create(name=name)
        for perm_name in perm_names:
            app_label, codename = perm_name.split(".")
            group.permissions.add(
                permission_model.objects.get(
                    content_type__app_label=app_label, codename=codename
                )
            )


def snapshot(state, models) -> dict:
    """Every row of the given models, and the content types, permissions, grants."""
    get = state.apps.get_model
    rows = {}
    for model in models:
        fields = [f.attname for f in model._meta.concrete_fields]
        rows[(model._meta.app_label, model.__name__)] = list(
            model.objects.order_by("pk").values(*fields)
        )
    return {
        "rows": rows,
        "content_types": {
            ct.pk: (ct.app_label, ct.model)
            for ct in get("contenttypes", "ContentType").objects.all()
        },
        "permissions": {
            p.pk: (p.content_type_id, p.content_type.app_label, p.codename)
            for p in get("auth", "Permission").objects.select_related("content_type")
        },
        "grants": {
            group.name: {
                p.pk: f"{p.content_type.app_label}.{p.codename}"
                for p in group.permissions.select_related("content_type")
            }
            for group in get("auth", "Group").objects.all()
        },
    }


# The screening tick boxes became answers (patients 0005-0007): a tick is
# "yes", an unticked box not asked (""), never "no".
SCREENING_TICKS = {
    "sclerosant_allergy",
    "acute_thrombosis",
    "previous_dvt_pe",
    "thrombophilia",
    "anticoagulants",
    "pregnant_or_breastfeeding",
    "migraine_with_aura",
    "known_pfo",
    "immobility",
}


def as_answers(rows: list[dict]) -> list[dict]:
    return [
        {k: ("yes" if v else "") if k in SCREENING_TICKS else v for k, v in row.items()}
        for row in rows
    ]


def assert_rows_kept(before: dict, state, relocate: bool) -> None:
    """Every row is there with the same values, read through state's models.

    After the move (relocate=True) the patients' screening ticks read as
    answers; back on the old schema they are ticks again."""
    for (label, name), rows in before["rows"].items():
        if (
            relocate
            and label == "patients"
            and name in {"Patient", "HistoricalPatient"}
        ):
            rows = as_answers(rows)
        target = MOVED.get((label, name), label) if relocate else label
        model = state.apps.get_model(target, name)
        fields = list(rows[0]) if rows else []
        assert list(model.objects.order_by("pk").values(*fields)) == rows, (
            f"{label}.{name} -> {target}.{name}"
        )


@pytest.mark.django_db(transaction=True)
def test_moving_models_between_apps_keeps_rows_history_and_grants(migrator):
    migrator.apply_initial_migration(OLD_TARGETS)
    # Django's own apps at their newest, the project's apps at the old schema.
    old_state = migrator.apply_tested_migration(OLD_TARGETS + contrib_leaves())
    applied = applied_migrations()
    assert not {node for node in applied if node[0] in NEW_APPS}
    assert ("patients", "0002_move_doppler_out") not in applied
    assert ("treatments", "0004_move_visits_and_letterhead_out") not in applied

    pks = fill_old_database(old_state)
    create_old_permissions_and_roles(old_state)
    log_entry_model = old_state.apps.get_model("admin", "LogEntry")
    letterhead_ct = old_state.apps.get_model("contenttypes", "ContentType").objects.get(
        app_label="treatments", model="letterhead"
    )
    log_entry = log_entry_model.objects.create(
        action_time=WHEN,
        user_id=pks["user"],
        content_type=letterhead_ct,
        object_id=str(pks["letterhead"]),
        object_repr="Vein Clinic Milano",
        action_flag=2,
        change_message="[]",
    )
    old_models = project_models(old_state)
    assert {m.__name__ for m in old_models} >= {name for _app, name in MOVED}
    empty = [m.__name__ for m in old_models if not m.objects.exists()]
    assert not empty, f"tables left empty on the old schema: {empty}"
    before = snapshot(old_state, old_models)
    assert before["content_types"][letterhead_ct.pk] == ("treatments", "letterhead")
    assert {
        name: set(grants.values()) for name, grants in before["grants"].items()
    } == {name: set(perms) for name, perms in OLD_GRANTS.items()}

    new_state = migrator.apply_tested_migration(leaf_targets())
    get = new_state.apps.get_model

    # Same tables, every row with its values.
    for old in old_models:
        label, name = old._meta.app_label, old.__name__
        new = get(MOVED.get((label, name), label), name)
        assert new._meta.db_table == old._meta.db_table
    assert_rows_kept(before, new_state, relocate=True)

    # The new columns start at 1 on existing rows.
    assert get("patients", "Patient").objects.get().version == 1
    assert get("patients", "HistoricalPatient").objects.get().version == 1
    assessment = get("doppler", "DopplerAssessment").objects.get()
    assert assessment.version == 1
    assert get("doppler", "HistoricalDopplerAssessment").objects.get().version == 1

    # The relations cross the new app boundaries.
    assert assessment.pk == pks["assessment"]
    assert assessment.code == pks["assessment_code"]
    assert assessment.patient.last_name == "Esposito"
    assert assessment.examiner.username == "rossi"
    assert [f.segment for f in assessment.findings.all()] == ["GSVa"]
    session = get("treatments", "TreatmentSession").objects.get()
    assert session.doppler == assessment
    assert list(assessment.treatment_sessions.all()) == [session]
    assert session.injections.get().volume_ml == Decimal("1.50")
    visit = get("visits", "FollowUpVisit").objects.get()
    assert visit.pk == pks["visit"]
    assert visit.session == session
    assert visit.patient_id == pks["patient"]
    assert visit.adverse_events == ["pigmentation"]
    assert list(session.follow_up_visits.all()) == [visit]
    assert get("core", "Letterhead").objects.get().clinic_name == "Vein Clinic Milano"

    # Every history row reads through the new historical models.
    for app_label, name, key in [
        ("patients", "HistoricalPatient", "patient"),
        ("doppler", "HistoricalDopplerAssessment", "dopplerassessment"),
        ("doppler", "HistoricalDopplerFinding", "dopplerfinding"),
        ("treatments", "HistoricalTreatmentSession", "treatmentsession"),
        ("treatments", "HistoricalInjection", "injection"),
        ("visits", "HistoricalFollowUpVisit", "followupvisit"),
        ("core", "HistoricalLetterhead", "letterhead"),
    ]:
        record = get(app_label, name).objects.get()
        assert record.history_id == pks["history"][key], name
        assert (record.history_type, record.history_date) == ("+", WHEN), name
        assert record.history_user.username == "rossi", name
    assert (
        get("doppler", "HistoricalDopplerFinding").objects.get().assessment
        == assessment
    )
    assert get("visits", "HistoricalFollowUpVisit").objects.get().session == session
    assert (
        get("treatments", "HistoricalTreatmentSession").objects.get().doppler
        == assessment
    )

    # The content types were renamed in place: same pks, new app labels.
    after = snapshot(new_state, [])
    assert after["content_types"] == {
        pk: (new_label(app_label, model), model)
        for pk, (app_label, model) in before["content_types"].items()
    }
    for (old_app, model), app in MOVED_CT.items():
        assert (old_app, model) not in after["content_types"].values()
        assert (app, model) in after["content_types"].values()
    # The same permission rows, now under the new content types.
    assert after["permissions"] == {
        pk: (ct_id, new_label(app_label, before["content_types"][ct_id][1]), codename)
        for pk, (ct_id, app_label, codename) in before["permissions"].items()
    }
    # And the groups still hold them.
    assert after["grants"] == {
        name: {pk: "{1}.{2}".format(*after["permissions"][pk]) for pk in grants}
        for name, grants in before["grants"].items()
    }
    clinician = get("auth", "Group").objects.get(name="clinician")
    assert clinician.permissions.filter(
        content_type__app_label="doppler", codename="add_dopplerassessment"
    ).exists()
    assert clinician.permissions.filter(
        content_type__app_label="visits", codename="record_outcome"
    ).exists()
    assert (
        get("auth", "Group")
        .objects.get(name="manager")
        .permissions.filter(
            content_type__app_label="core", codename="change_letterhead"
        )
        .exists()
    )
    # The admin log follows the letterhead to core.
    entry = get("admin", "LogEntry").objects.get(pk=log_entry.pk)
    assert (entry.content_type.app_label, entry.content_type.model) == (
        "core",
        "letterhead",
    )

    # Back to the old schema: rows, content types and grants return as they were.
    reverted = migrator.apply_tested_migration(
        OLD_TARGETS + [(app, None) for app in NEW_APPS]
    )
    assert not {node for node in applied_migrations() if node[0] in NEW_APPS}
    assert_rows_kept(before, reverted, relocate=False)
    again = snapshot(reverted, [])
    for key in ("content_types", "permissions", "grants"):
        assert again[key] == before[key], key

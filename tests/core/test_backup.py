"""Encrypted backups: the round trip finds every row, and a damaged file or
a wrong key is refused before anything is restored."""

from __future__ import annotations

import io
import sqlite3
from datetime import date, time
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)
from core import backup
from tests.conftest import (
    make_doppler,
    make_injection,
    make_lot,
    make_session,
    make_visit,
)
from tests.helpers import at, shipped_instrument
from visits.models import VisitMessage

KEY = backup.new_key()


@pytest.fixture
def backup_key(settings):
    settings.SCLERO_BACKUP_KEY = KEY
    return KEY


def _fill(patient, clinician):
    make_doppler(patient, clinician)
    session = make_session(patient, clinician)
    make_injection(session, lot=make_lot(lot_number="BK-1"))
    make_injection(session, volume_ml="0.5")
    # This tables: a second site with its hours and a closure, who
    # works there and when, an absence, a visit there with its reminder.
    site = Site.objects.create(name="Monza", address="Via Monza 9")
    OpeningHours.objects.create(site=site, weekday=0, opens=time(8), closes=time(13))
    Closure.objects.create(
        site=site, first_day=date(2026, 12, 24), last_day=date(2026, 12, 26), reason="x"
    )
    SiteMembership.objects.create(user=clinician, site=site)
    WorkingHours.objects.create(
        clinician=clinician, site=site, weekday=0, starts=time(9), ends=time(12)
    )
    Absence.objects.create(
        clinician=clinician, starts_at=at(20, 8), ends_at=at(21, 20), note="ESVS"
    )
    visit = make_visit(patient, clinician, site=site)
    VisitMessage.objects.create(visit=visit, channel="email", due_at=at(6, 9))


def _counts() -> dict[str, int]:
    """Rows of every table the project's models (and their history) use."""
    return {
        model._meta.db_table: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_round_trip_on_sqlite(
    transactional_db, patient, clinician, tmp_path, backup_key
):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite round trip; PostgreSQL has its own test")
    _fill(patient, clinician)
    expected = _counts()
    file = tmp_path / "clinic.sclerobak"
    call_command("backup", output=file, stdout=io.StringIO())
    assert patient.last_name.encode() not in file.read_bytes()  # encrypted

    target = tmp_path / "restored.sqlite3"
    call_command("restore", file, sqlite=target, stdout=io.StringIO())
    restored = sqlite3.connect(target)
    try:
        for table, count in expected.items():
            (found,) = restored.execute(f'SELECT count(*) FROM "{table}"').fetchone()
            assert found == count, table
        (name,) = restored.execute(
            "SELECT last_name FROM patients_patient WHERE id = ?", [patient.id]
        ).fetchone()
        assert name == patient.last_name
        # The sclerosant lot, and the injection that names it.
        (number,) = restored.execute(
            "SELECT l.lot_number FROM treatments_injection i "
            "JOIN treatments_sclerosantlot l ON l.id = i.lot_id"
        ).fetchone()
        assert number == "BK-1"
    finally:
        restored.close()
    assert expected["treatments_injection"] == 2
    assert expected["treatments_sclerosantlot"] == 1
    for table in (
        "clinics_site",
        "clinics_openinghours",
        "clinics_closure",
        "clinics_sitemembership",
        "clinics_workinghours",
        "clinics_absence",
        "visits_visitmessage",
    ):
        assert expected[table] >= 1, table
    # The task queue's table is a model's table too, so it is in the backup.
    assert "django_tasks_database_dbtaskresult" in expected


def test_round_trip_on_postgresql(
    transactional_db, patient, clinician, tmp_path, backup_key
):
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL round trip; SQLite has its own test")
    import psycopg2

    _fill(patient, clinician)
    expected = _counts()
    file = tmp_path / "clinic.sclerobak"
    call_command("backup", output=file, stdout=io.StringIO())

    db = connection.settings_dict
    fresh = f"{db['NAME']}_restore"
    params = {
        k: v
        for k, v in {
            "host": db["HOST"],
            "port": db["PORT"],
            "user": db["USER"],
            "password": db["PASSWORD"],
        }.items()
        if v
    }
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        cur.execute(f'CREATE DATABASE "{fresh}"')
    try:
        call_command("restore", file, database=fresh, stdout=io.StringIO())
        restored = psycopg2.connect(dbname=fresh, **params)
        try:
            with restored.cursor() as cur:
                for table, count in expected.items():
                    cur.execute(f'SELECT count(*) FROM "{table}"')
                    assert cur.fetchone()[0] == count, table
                cur.execute(
                    "SELECT last_name FROM patients_patient WHERE id = %s", [patient.id]
                )
                assert cur.fetchone()[0] == patient.last_name
        finally:
            restored.close()
        # A second restore into the now full database is refused.
        with pytest.raises(CommandError, match="not empty"):
            call_command("restore", file, database=fresh, stdout=io.StringIO())
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{fresh}"')
        admin.close()


def _encrypted(data: bytes, key: str = KEY) -> bytes:
    out = io.BytesIO()
    backup.encrypt_stream(io.BytesIO(data), out, key, {"engine": "sqlite"})
    return out.getvalue()


def test_the_file_decrypts_to_what_was_written():
    data = bytes(range(256)) * 9000  # more than one chunk
    plain = io.BytesIO()
    meta = backup.decrypt_stream(io.BytesIO(_encrypted(data)), plain, KEY)
    assert plain.getvalue() == data
    assert meta == {"engine": "sqlite"}


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[:-10], id="truncated"),
        pytest.param(lambda b: b[: len(b) // 2], id="cut in half"),
        pytest.param(
            lambda b: b[:200] + bytes([b[200] ^ 1]) + b[201:], id="a changed byte"
        ),
        pytest.param(lambda b: b + b"more", id="data after the end"),
        pytest.param(lambda b: b"not a backup" + b, id="not a backup"),
    ],
)
def test_a_damaged_file_is_refused(damage):
    data = b"x" * (backup.CHUNK + 10)
    with pytest.raises(backup.BackupError):
        backup.decrypt_stream(io.BytesIO(damage(_encrypted(data))), io.BytesIO(), KEY)


def test_a_wrong_key_is_refused():
    with pytest.raises(backup.BackupError, match="wrong key"):
        backup.decrypt_stream(
            io.BytesIO(_encrypted(b"data")), io.BytesIO(), backup.new_key()
        )


def test_without_a_key_nothing_is_written(db, settings, tmp_path):
    settings.SCLERO_BACKUP_KEY = ""
    with pytest.raises(CommandError, match="SCLERO_BACKUP_KEY"):
        call_command("backup", output=tmp_path / "b.sclerobak", stdout=io.StringIO())
    assert not any(tmp_path.iterdir())


def test_new_key_prints_a_usable_key():
    out = io.StringIO()
    call_command("backup", new_key=True, stdout=out)
    backup.fernet(out.getvalue().strip())


def test_restore_refuses_a_sqlite_file_that_is_not_empty(tmp_path, backup_key):
    source = tmp_path / "source.sqlite3"
    sqlite3.connect(source).execute("CREATE TABLE t (x)").connection.commit()
    file = tmp_path / "b.sclerobak"
    file.write_bytes(_encrypted(source.read_bytes()))
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(source.read_bytes())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", file, sqlite=target, stdout=io.StringIO())
    call_command("restore", file, sqlite=target, replace=True, stdout=io.StringIO())
    assert Path(target).stat().st_size > 0


# --- the private files (photos, signed consents) -----------------------------


@pytest.fixture
def store(tmp_path):
    """A private file store of the test's own."""
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=tmp_path / "private", base_url=None)


def test_private_files_round_trip_with_the_database(
    transactional_db, patient, clinician, tmp_path, backup_key, store
):
    from django.core.files.base import ContentFile

    if connection.vendor != "sqlite":
        pytest.skip("the files are engine-independent; checked on SQLite")
    _fill(patient, clinician)
    photo = b"\xff\xd8JPEG-PIXELS-OF-A-LEG" * 1000
    signed = b"%PDF-1.7 SIGNED-CONSENT"
    store.save("photos/2026/11/abc.jpg", ContentFile(photo))
    store.save("consent/xyz.pdf", ContentFile(signed))
    file = tmp_path / "clinic.sclerobak"
    meta = backup.backup(file, storage=store)
    assert meta["files"] == 2
    assert b"PIXELS-OF-A-LEG" not in file.read_bytes()  # encrypted too

    # The clinic's disk is lost: a new file store and a new database.
    fresh = type(store)(location=tmp_path / "new-private", base_url=None)
    target = tmp_path / "restored.sqlite3"
    meta = backup.restore(file, sqlite_path=target, storage=fresh)
    assert meta["files_restored"] == 2
    with fresh.open("photos/2026/11/abc.jpg", "rb") as handle:
        assert handle.read() == photo
    with fresh.open("consent/xyz.pdf", "rb") as handle:
        assert handle.read() == signed
    restored = sqlite3.connect(target)
    try:
        (count,) = restored.execute(
            "SELECT count(*) FROM treatments_injection"
        ).fetchone()
        assert count == 2
    finally:
        restored.close()


def test_a_private_file_with_other_content_is_not_overwritten(
    transactional_db, tmp_path, backup_key, store
):
    from django.core.files.base import ContentFile

    if connection.vendor != "sqlite":
        pytest.skip("the files are engine-independent; checked on SQLite")
    store.save("photos/a.jpg", ContentFile(b"the original"))
    file = tmp_path / "clinic.sclerobak"
    backup.backup(file, storage=store)
    store.delete("photos/a.jpg")
    store.save("photos/a.jpg", ContentFile(b"something else"))
    with pytest.raises(backup.BackupError, match="other content"):
        backup.restore(file, sqlite_path=tmp_path / "r1.sqlite3", storage=store)
    assert not (tmp_path / "r1.sqlite3").exists()  # nothing restored
    backup.restore(
        file, sqlite_path=tmp_path / "r2.sqlite3", storage=store, replace=True
    )
    with store.open("photos/a.jpg", "rb") as handle:
        assert handle.read() == b"the original"


def test_a_file_name_leaving_the_store_is_refused(tmp_path, backup_key, store):
    import tarfile

    plain = tmp_path / "evil.tar"
    with tarfile.open(plain, "w") as archive:
        for name, data in (("database.dump", b""), ("files/../escape", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    file = tmp_path / "evil.sclerobak"
    with plain.open("rb") as source, file.open("wb") as target:
        backup.encrypt_stream(
            source, target, KEY, {"engine": "sqlite", "contents": "tar"}
        )
    with pytest.raises(backup.BackupError, match="bad name"):
        backup.restore(file, sqlite_path=tmp_path / "r.sqlite3", storage=store)
    assert not (tmp_path / "escape").exists()


def test_a_backup_without_files_from_before_still_restores(
    transactional_db, patient, tmp_path, backup_key, store
):
    if connection.vendor != "sqlite":
        pytest.skip("an old SQLite backup")
    dump = tmp_path / "dump"
    backup.dump_plain("default", dump)
    file = tmp_path / "old.sclerobak"
    with dump.open("rb") as source, file.open("wb") as target:
        backup.encrypt_stream(source, target, KEY, {"engine": "sqlite"})
    target_db = tmp_path / "restored.sqlite3"
    backup.restore(file, sqlite_path=target_db, storage=store)
    restored = sqlite3.connect(target_db)
    try:
        (name,) = restored.execute(
            "SELECT last_name FROM patients_patient WHERE id = ?", [patient.id]
        ).fetchone()
    finally:
        restored.close()
    assert name == patient.last_name


def test_a_questionnaire_response_survives_backup_and_restore(
    transactional_db, patient, clinician, tmp_path, backup_key
):
    if connection.vendor != "sqlite":
        pytest.skip("restored into a SQLite file")
    from outcomes.services import record_response
    from tests.outcomes.conftest import full_answers, make_invitation

    instrument = shipped_instrument()
    invitation = make_invitation(patient, instrument)
    response = record_response(
        patient=patient,
        instrument=instrument,
        answers=full_answers(instrument, 3),
        source="link",
        language="en",
        invitation=invitation,
        timepoint=invitation.timepoint,
    )
    file = tmp_path / "clinic.sclerobak"
    call_command("backup", output=file, stdout=io.StringIO())
    target = tmp_path / "restored.sqlite3"
    call_command("restore", file, sqlite=target, stdout=io.StringIO())
    restored = sqlite3.connect(target)
    try:
        (code, score, status) = restored.execute(
            "SELECT r.code, r.score, i.status FROM outcomes_questionnaireresponse r "
            "JOIN outcomes_questionnaireinvitation i ON i.id = r.invitation_id"
        ).fetchone()
        (answers,) = restored.execute(
            "SELECT count(*) FROM outcomes_questionnaireanswer WHERE response_id = ?",
            [response.id],
        ).fetchone()
    finally:
        restored.close()
    assert code.replace("-", "") == response.code.hex
    assert str(score) in {"15", "15.00", "15.0"}
    assert status == "answered"
    assert answers == instrument.items.count()

"""find_implausible_dates: rows with a date no one can have meant, found in SQL
(a PostgreSQL date before Christ included) and listed for correction."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from core.validators import EARLIEST_CLINICAL_DATE, latest_booking_date
from tests.conftest import make_doppler, make_session, make_visit

pytestmark = pytest.mark.django_db

POSTGRES = connection.vendor == "postgresql"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("find_implausible_dates", *args, stdout=out)
    return out.getvalue()


def _set(table: str, column: str, value: str, pk: int, pk_column: str = "id") -> None:
    """Write a raw value, as a bad import or an old bug would have."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {column} = %s WHERE {pk_column} = %s", [value, pk]
        )


def _moment(text: str) -> str:
    """A timestamp literal as each database stores it (SQLite: UTC text)."""
    return f"{text}+00" if POSTGRES else text


def _utc_text(moment: datetime) -> str:
    return _moment(moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"))


@pytest.fixture
def chart(patient, clinician):
    doppler = make_doppler(patient, clinician)
    session = make_session(patient, clinician, doppler=doppler)
    visit = make_visit(patient, clinician, session=session)
    return {"patient": patient, "doppler": doppler, "session": session, "visit": visit}


def test_plausible_dates_give_a_clean_report(chart):
    assert "No implausible dates found." in _run()
    assert "No implausible dates found." in _run("--fail")


def test_each_implausible_date_is_listed_with_table_row_column_and_value(chart):
    patient, doppler = chart["patient"], chart["doppler"]
    session, visit = chart["session"], chart["visit"]
    _set("patients_patient", "date_of_birth", "1850-06-01", patient.pk)
    _set("patients_dopplerassessment", "assessed_on", "1989-12-31", doppler.pk)
    _set(
        "treatments_treatmentsession",
        "performed_at",
        _moment("2999-01-01 09:00:00"),
        session.pk,
    )
    _set(
        "treatments_followupvisit",
        "starts_at",
        _moment("1001-01-01 09:00:00"),
        visit.pk,
    )
    history_id = patient.history.first().history_id
    _set(
        "patients_historicalpatient",
        "date_of_birth",
        "1850-06-01",
        history_id,
        pk_column="history_id",
    )

    lines = _run().splitlines()

    def row(table: str, pk: int, column: str) -> str:
        found = [
            line for line in lines if line.startswith(f"{table}\tid={pk}\t{column}\t")
        ]
        assert len(found) == 1, (table, pk, column, lines)
        return found[0]

    assert row("patients_patient", patient.pk, "date_of_birth").endswith(
        "1850-06-01\tbefore 1900-01-01"
    )
    assert row("patients_historicalpatient", history_id, "date_of_birth").endswith(
        "\tbefore 1900-01-01"
    )
    assert row("patients_dopplerassessment", doppler.pk, "assessed_on").endswith(
        f"1989-12-31\tbefore {EARLIEST_CLINICAL_DATE.isoformat()}"
    )
    assert "2999-01-01 09:00:00" in row(
        "treatments_treatmentsession", session.pk, "performed_at"
    )
    assert row("treatments_treatmentsession", session.pk, "performed_at").endswith(
        f"after {latest_booking_date().isoformat()}"
    )
    assert "1001-01-01 09:00:00" in row(
        "treatments_followupvisit", visit.pk, "starts_at"
    )
    assert lines[-1] == "5 implausible date(s) found."


def test_fail_option_exits_with_status_one_when_any_is_found(chart):
    _set("patients_patient", "date_of_birth", "1850-06-01", chart["patient"].pk)
    _run()  # exit code 0 without --fail
    with pytest.raises(CommandError) as caught:
        _run("--fail")
    assert caught.value.returncode == 1


def test_first_and_last_plausible_days_are_not_reported(chart):
    patient, doppler = chart["patient"], chart["doppler"]
    session, visit = chart["session"], chart["visit"]
    _set("patients_patient", "date_of_birth", "1900-01-01", patient.pk)
    _set(
        "patients_dopplerassessment",
        "assessed_on",
        EARLIEST_CLINICAL_DATE.isoformat(),
        doppler.pk,
    )
    first = timezone.make_aware(
        datetime.combine(EARLIEST_CLINICAL_DATE, datetime.min.time())
    )
    _set("treatments_treatmentsession", "performed_at", _utc_text(first), session.pk)
    last = timezone.make_aware(
        datetime.combine(latest_booking_date(), datetime.max.time())
    )
    _set(
        "treatments_followupvisit",
        "starts_at",
        _utc_text(last.replace(microsecond=0)),
        visit.pk,
    )
    assert "No implausible dates found." in _run()

    # One second earlier, one second later: reported.
    _set(
        "treatments_treatmentsession",
        "performed_at",
        _utc_text(first - timedelta(seconds=1)),
        session.pk,
    )
    _set(
        "treatments_followupvisit",
        "starts_at",
        _utc_text(last.replace(microsecond=0) + timedelta(seconds=1)),
        visit.pk,
    )
    report = _run()
    assert f"treatments_treatmentsession\tid={session.pk}\tperformed_at" in report
    assert f"treatments_followupvisit\tid={visit.pk}\tstarts_at" in report


def test_a_future_birth_date_is_reported(chart):
    tomorrow = timezone.localdate() + timedelta(days=1)
    _set("patients_patient", "date_of_birth", tomorrow.isoformat(), chart["patient"].pk)
    assert f"{tomorrow.isoformat()}\tafter {timezone.localdate().isoformat()}" in _run()


@pytest.mark.skipif(not POSTGRES, reason="dates before Christ exist on PostgreSQL only")
def test_a_date_before_christ_is_reported_as_text(chart):
    session, patient = chart["session"], chart["patient"]
    _set(
        "treatments_treatmentsession",
        "performed_at",
        "0001-01-01 00:00:00+00 BC",
        session.pk,
    )
    _set("patients_patient", "date_of_birth", "0044-03-15 BC", patient.pk)
    history_id = session.history.first().history_id
    _set(
        "treatments_historicaltreatmentsession",
        "performed_at",
        "0001-01-01 00:00:00+00 BC",
        history_id,
        pk_column="history_id",
    )
    report = _run()
    assert (
        f"treatments_treatmentsession\tid={session.pk}\tperformed_at\t"
        "0001-01-01 00:00:00+00 BC\tbefore 1990-01-01"
    ) in report
    assert (
        f"treatments_historicaltreatmentsession\tid={history_id}\tperformed_at\t"
        "0001-01-01 00:00:00+00 BC"
    ) in report
    assert f"patients_patient\tid={patient.pk}\tdate_of_birth\t0044-03-15 BC" in report

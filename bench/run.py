"""Benchmark: page latency (patient timeline, lists, agenda) and aftercare PDFs.

Usage:  .venv/bin/python bench/run.py [--sessions 100] [--patients 1000] [--visits 500]
                                      [--requests 40] [--save before.json]
                                      [--compare before.json]

It always works on a throwaway database and never touches an existing one:
without DATABASE_URL (or with a sqlite:// one) a temporary SQLite file; with a
postgres:// DATABASE_URL a new database named <name>_bench_<pid> on that
server, created, migrated and dropped at the end. It runs like production:
DEBUG off (so the cached template loader and the manifest static storage are
used; static files are collected into a temporary folder). `--debug` runs it
with DEBUG on instead.

Every row is timed through the test client, i.e. middleware, view, queries
and template; `--save` writes the medians and p95s to a JSON file and
`--compare` prints them next to an earlier run. Not a test: `make bench` runs
it, `make test` does not.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sclero_clinic.settings")
os.environ["DJANGO_DEBUG"] = "1" if "--debug" in sys.argv else "0"
# Production's settings, but plain HTTP in-process and a throwaway key;
# no `.env` of the developer's.
os.environ["DJANGO_ENV_FILE"] = ""
os.environ["DJANGO_SECRET_KEY"] = "bench-" + os.urandom(32).hex()
os.environ["DJANGO_SSL_REDIRECT"] = "0"
os.environ["DJANGO_SECURE_COOKIES"] = "0"
os.environ["DJANGO_HSTS_SECONDS"] = "0"

_tmpdir = tempfile.TemporaryDirectory(prefix="sclero-bench-")
if urlparse(os.environ.get("DATABASE_URL", "")).scheme not in (
    "postgres",
    "postgresql",
):
    # Never a developer's SQLite file: always a fresh one.
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmpdir.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.pdf import render_pdf  # noqa: E402
from core.roles import CLINICIAN, FRONT_DESK, setup_roles  # noqa: E402
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment
from patients.models import Leg, Patient
from patients.services import patient_create  # noqa: E402
from printing.aftercare import (  # noqa: E402
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from treatments.choices import Agent, Compression, Form, Gas, VesselType
from treatments.models import Injection, TreatmentSession
from visits.models import FollowUpVisit, VisitPurpose, VisitStatus

SHEET = "printing/pdf/aftercare.html"
LAST_NAMES = [
    "Rossi",
    "Russo",
    "Ferrari",
    "Esposito",
    "Bianchi",
    "Romano",
    "Colombo",
    "Ricci",
    "Marino",
    "Greco",
    "Bruno",
    "Gallo",
    "Conti",
    "De Luca",
    "Mancini",
    "Costa",
    "Giordano",
    "Rizzo",
    "Lombardi",
    "Moretti",
    "Smith",
    "Jones",
]
FIRST_NAMES = [
    "Giulia",
    "Francesca",
    "Sara",
    "Anna",
    "Maria",
    "Laura",
    "Chiara",
    "Elena",
    "Paola",
    "Marco",
    "Luca",
    "Andrea",
    "Emma",
    "Olivia",
    "Sofia",
    "Alice",
]


def at(day, hour: int, minute: int = 0):
    return timezone.make_aware(datetime.combine(day, clock(hour, minute)))


def make_patient(n: int, language: str = "en") -> Patient:
    return patient_create(
        patient=Patient(
            first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
            last_name=LAST_NAMES[(n // len(FIRST_NAMES)) % len(LAST_NAMES)],
            date_of_birth=datetime(1940 + n % 60, 1 + n % 12, 1 + n % 28).date(),
            sex="F" if n % 5 else "M",
            phone=f"+39 333 {n:07d}",
            language=language,
            weight_kg=Decimal("65"),
        )
    )


def make_session(patient: Patient, clinician, when) -> TreatmentSession:
    session = TreatmentSession.objects.create(
        patient=patient,
        performed_at=when,
        clinician=clinician,
        weight_kg=Decimal("65"),
        screening_confirmed=True,
        consent_obtained=True,
        compression=Compression.STOCKING,
        stocking_class="2",
        stocking_length="thigh",
        stocking_days=14,
        created_by=clinician,
    )
    Injection.objects.bulk_create(
        [
            Injection(
                session=session,
                leg=Leg.RIGHT,
                site="lateral thigh",
                vessel_type=VesselType.RETICULAR,
                agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("0.5"),
                form=Form.LIQUID,
                volume_ml=Decimal("1"),
            ),
            Injection(
                session=session,
                leg=Leg.LEFT,
                site="posterior calf",
                vessel_type=VesselType.BLUE_TELANGIECTASIA,
                agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("0.25"),
                form=Form.LIQUID,
                volume_ml=Decimal("1"),
            ),
            Injection(
                session=session,
                leg=Leg.LEFT,
                segment=Segment.GSV_B,
                vessel_type=VesselType.SMALL_VARICOSE,
                agent=Agent.POLIDOCANOL,
                concentration_pct=Decimal("1"),
                form=Form.FOAM,
                gas=Gas.AIR,
                gas_parts=Decimal("4"),
                volume_ml=Decimal("2"),
                ultrasound_guided=True,
            ),
        ]
    )
    return session


def build_history(clinician, sessions: int) -> Patient:
    """One patient treated every week: a Doppler per 10 sessions, a check per 3."""
    patient = make_patient(0)
    today = timezone.localdate()
    for n in range(max(1, sessions // 10)):
        doppler = DopplerAssessment.objects.create(
            patient=patient,
            assessed_on=today - timedelta(days=30 + 60 * n),
            examiner=clinician,
            ceap_right="C1",
            ceap_left="C2",
        )
        DopplerFinding.objects.bulk_create(
            [
                DopplerFinding(
                    assessment=doppler, leg=leg, segment=seg, reflux_s=Decimal("0.4")
                )
                for leg in (Leg.RIGHT, Leg.LEFT)
                for seg in (Segment.SFJ, Segment.GSV_A, Segment.SSV)
            ]
        )
    for n in range(sessions):
        make_session(patient, clinician, at(today - timedelta(days=2 + 7 * n), 10))
        if n % 3 == 0:
            FollowUpVisit.objects.create(
                patient=patient,
                starts_at=at(today - timedelta(days=7 * n), 9),
                clinician=clinician,
                status=VisitStatus.COMPLETED,
                clearance_pct=70,
            )
    FollowUpVisit.objects.create(
        patient=patient,
        starts_at=at(today + timedelta(days=10), 9),
        clinician=clinician,
    )
    return patient


def build_clinic(clinicians, patients: int, visits: int) -> list[Patient]:
    """`patients` patients; a session in the last 90 days for every third one;
    `visits` visits: a tenth today, a fifth later this week, the rest within
    two months either side."""
    people = [make_patient(1000 + n) for n in range(patients)]
    today = timezone.localdate()
    for n, patient in enumerate(people[::3]):
        make_session(
            patient,
            clinicians[n % len(clinicians)],
            at(today - timedelta(days=1 + n % 89), 8 + n % 10),
        )
    for n in range(visits):
        if n < visits // 10:
            day = today
        elif n < visits * 3 // 10:
            day = today + timedelta(days=1 + n % 5)
        else:
            day = today + timedelta(days=(n % 121) - 60)
        when = at(day, 8 + (n // len(clinicians)) % 10, 20 * (n % 3))
        FollowUpVisit.objects.create(
            patient=people[(n * 7) % len(people)],
            starts_at=when,
            clinician=clinicians[n % len(clinicians)],
            purpose=VisitPurpose.CHECK if n % 2 else VisitPurpose.TREATMENT,
            status=VisitStatus.COMPLETED
            if when < timezone.now()
            else VisitStatus.SCHEDULED,
        )
    return people


class Timings(list):
    """Wall-clock milliseconds, with the process's CPU milliseconds in `.cpu`
    (steadier than wall time on a busy machine; excludes the database
    server's own time on PostgreSQL)."""

    def __init__(self) -> None:
        super().__init__()
        self.cpu: list[float] = []


def timed(fn, repeats: int) -> Timings:
    times = Timings()
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - start) * 1000)
        times.cpu.append((time.process_time() - start_cpu) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, Timings, str]] = []

    def add(self, name: str, values: Timings, note: str = "") -> None:
        self.rows.append((name, values, note))
        print(f"  {name}: {statistics.median(values):.1f} ms", file=sys.stderr)

    def results(self) -> dict:
        return {
            name: {
                "median": statistics.median(v),
                "p95": p95(v),
                "cpu": statistics.median(v.cpu),
            }
            for name, v, _note in self.rows
        }

    def render(self, before: dict | None) -> str:
        head = f"{'measure':<38} {'n':>3} {'median ms':>9} {'p95 ms':>7} {'cpu ms':>7}"
        if before:
            head += f" {'before':>7} {'b. p95':>7} {'b. cpu':>7} {'change':>6}"
        lines = [head + "  note", "-" * (len(head) + 20)]
        for name, values, note in self.rows:
            median = statistics.median(values)
            cpu = statistics.median(values.cpu)
            line = (
                f"{name:<38} {len(values):>3} {median:>9.1f} {p95(values):>7.1f}"
                f" {cpu:>7.1f}"
            )
            if before:
                old = before.get(name)
                if old:
                    change = f"{median / old['median']:.2f}x" if old["median"] else ""
                    line += (
                        f" {old['median']:>7.1f} {old['p95']:>7.1f}"
                        f" {old.get('cpu', 0):>7.1f} {change:>6}"
                    )
                else:
                    line += " " * 32
            lines.append(f"{line}  {note}")
        return "\n".join(lines)


def count_queries(client: Client, url: str) -> int:
    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


ONLY: list[str] = []  # --only: time just the rows whose name contains one of these


def wanted(name: str) -> bool:
    return not ONLY or any(word in name for word in ONLY)


def page(
    table: Table, client: Client, name: str, url: str, repeats: int, note: str = ""
) -> None:
    if not wanted(name):
        return
    client.get(url)  # warm up templates and caches
    queries = count_queries(client, url)
    note = f"{queries} queries" + (f", {note}" if note else "")
    table.add(name, timed(lambda: client.get(url), repeats), note)


def make_user(username: str, group: str):
    user = get_user_model().objects.create_user(
        username, password="x", first_name="Dr", last_name=username.title()
    )
    user.groups.add(Group.objects.get(name=group))
    return user


def run(args) -> Table:
    setup_roles()
    clinicians = [make_user(f"bench{n}", CLINICIAN) for n in range(3)]
    clinician = clinicians[0]
    client = Client()
    client.force_login(clinician)
    desk = Client()
    desk.force_login(make_user("benchdesk", FRONT_DESK))
    table = Table()

    print("building data...", file=sys.stderr)
    patient = build_history(clinician, args.sessions)
    small = make_patient(1)
    DopplerFinding.objects.create(
        assessment=DopplerAssessment.objects.create(
            patient=small,
            assessed_on=timezone.localdate() - timedelta(days=30),
            examiner=clinician,
        ),
        leg=Leg.RIGHT,
        segment=Segment.SFJ,
    )
    make_session(small, clinician, at(timezone.localdate() - timedelta(days=3), 10))
    if args.patients:
        build_clinic(clinicians, args.patients, args.visits)
    total = Patient.objects.count()

    timeline_url = reverse("records:patient", args=[patient.code])
    small_url = reverse("records:patient", args=[small.code])
    big = f"timeline, {args.sessions} sessions"
    print("timing pages...", file=sys.stderr)
    page(table, client, "bare page (login form)", reverse("login"), args.requests)
    page(table, client, "timeline, 1 session", small_url, args.requests)
    page(table, client, big, timeline_url, args.requests)
    page(table, client, f"{big}, all entries", timeline_url + "?all=1", args.requests)
    page(table, desk, f"{big}, front desk", timeline_url, args.requests)

    patients_url = reverse("patients:list")
    page(
        table,
        client,
        "patient list, page 1",
        patients_url,
        args.requests,
        f"{total} patients",
    )
    for label, query in (
        ("name", "rossi giulia"),
        ("chart number", "SC-000500"),
        ("phone", "3330000777"),
        ("date of birth", "1961-02-02"),
    ):
        page(
            table,
            client,
            f"patient search, {label}",
            f"{patients_url}?q={query}",
            args.requests,
        )

    day_count = FollowUpVisit.objects.filter(
        starts_at__date=timezone.localdate()
    ).count()  # only for the note
    page(
        table,
        client,
        "day agenda",
        reverse("visits:agenda-day"),
        args.requests,
        f"~{day_count} visits",
    )
    page(
        table,
        client,
        "week agenda",
        reverse("visits:agenda-week"),
        args.requests,
        f"{args.visits} visits in all",
    )
    page(table, client, "worklist", reverse("visits:worklist"), args.requests)

    if not wanted("aftercare PDF day PDF"):
        return table
    one = list(sessions_for_sheets().filter(patient=small))
    one_sheet = lambda: render_pdf(SHEET, sheet_context(sheets_for(one)))  # noqa: E731
    one_sheet()
    table.add("aftercare PDF, 1 sheet", timed(one_sheet, args.pdf_repeats))
    pdf_url = reverse("printing:aftercare-pdf", args=[one[0].code])
    page(table, client, "aftercare PDF view (HTTP), 1 sheet", pdf_url, args.pdf_repeats)

    day = timezone.localdate() - timedelta(days=120)  # clear of the clinic's sessions
    for n in range(args.day_sheets):
        make_session(
            make_patient(100 + n, "it" if n % 2 else "en"),
            clinician,
            at(day, 8 + n % 10),
        )
    day_times = timed(
        lambda: render_pdf(SHEET, sheet_context(sheets_for(sessions_on(day)))),
        args.day_repeats,
    )
    table.add(
        f"day PDF, {args.day_sheets} sheets",
        day_times,
        f"{statistics.median(day_times) / args.day_sheets:.1f} ms per sheet",
    )
    return table


def setup_database() -> tuple[str, str | None]:
    """Create and migrate the throwaway database; return (label, name to drop)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        return f"sqlite3 (temporary file), DEBUG={settings.DEBUG}", None
    original = db["NAME"]
    db.setdefault("TEST", {})["NAME"] = f"{original}_bench_{os.getpid()}"
    name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False
    )
    return f"postgresql {name} (dropped at the end), DEBUG={settings.DEBUG}", original


def collect_static() -> None:
    if not settings.DEBUG:
        settings.STATIC_ROOT = Path(_tmpdir.name) / "static"
        call_command("collectstatic", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=500)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pdf-repeats", type=int, default=8)
    parser.add_argument("--day-sheets", type=int, default=20)
    parser.add_argument("--day-repeats", type=int, default=3)
    parser.add_argument("--debug", action="store_true", help="run with DEBUG on")
    parser.add_argument("--save", type=Path, help="write the results to this JSON file")
    parser.add_argument(
        "--compare", type=Path, help="show an earlier --save next to these"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="time only the rows whose name contains this (repeatable)",
    )
    args = parser.parse_args()
    ONLY.extend(args.only)
    before = json.loads(args.compare.read_text()) if args.compare else None

    collect_static()
    label, original = setup_database()
    try:
        table = run(args)
    finally:
        if original is not None:
            connection.creation.destroy_test_db(original, verbosity=0)
        connection.close()
        _tmpdir.cleanup()
    print(f"Database: {label}")
    print(table.render(before))
    if args.save:
        args.save.write_text(json.dumps(table.results(), indent=1) + "\n")


if __name__ == "__main__":
    main()

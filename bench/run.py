"""Benchmark: patient timeline latency vs a bare page, and aftercare PDF render time.

Usage:  .venv/bin/python bench/run.py [--sessions 100] [--requests 40] [--day-sheets 20]

Without DATABASE_URL it works on a temporary SQLite file that is deleted at
the end. With DATABASE_URL (e.g. PostgreSQL) everything it creates is rolled
back when it finishes, so it can run against a development database. Not a
test: `make bench` runs it, `make test` does not.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sclero_clinic.settings")

_tmpdir = None
if not os.environ.get("DATABASE_URL"):
    _tmpdir = tempfile.TemporaryDirectory(prefix="sclero-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{_tmpdir.name}/bench.sqlite3"

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from patients.models import DopplerAssessment, DopplerFinding, Leg, Patient, Segment  # noqa: E402
from patients.roles import CLINICIAN, setup_roles  # noqa: E402
from patients.services import patient_create  # noqa: E402
from treatments.aftercare import (  # noqa: E402
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from treatments.models import (  # noqa: E402
    Agent,
    Compression,
    FollowUpVisit,
    Form,
    Gas,
    Injection,
    TreatmentSession,
    VesselType,
    VisitStatus,
)
from treatments.pdf import render_pdf  # noqa: E402

SHEET = "treatments/pdf/aftercare.html"


class Rollback(Exception):
    pass


def at(day, hour: int):
    return timezone.make_aware(datetime.combine(day, clock(hour, 0)))


def make_patient(n: int, language: str = "en") -> Patient:
    return patient_create(
        patient=Patient(
            first_name=f"Bench{n}",
            last_name="Patient",
            date_of_birth=datetime(1970, 1 + n % 12, 1 + n % 28).date(),
            sex="F",
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
            Injection(session=session, leg=Leg.RIGHT, site="lateral thigh",
                      vessel_type=VesselType.RETICULAR, agent=Agent.POLIDOCANOL,
                      concentration_pct=Decimal("0.5"), form=Form.LIQUID, volume_ml=Decimal("1")),
            Injection(session=session, leg=Leg.LEFT, site="posterior calf",
                      vessel_type=VesselType.BLUE_TELANGIECTASIA, agent=Agent.POLIDOCANOL,
                      concentration_pct=Decimal("0.25"), form=Form.LIQUID, volume_ml=Decimal("1")),
            Injection(session=session, leg=Leg.LEFT, segment=Segment.GSV_B,
                      vessel_type=VesselType.SMALL_VARICOSE, agent=Agent.POLIDOCANOL,
                      concentration_pct=Decimal("1"), form=Form.FOAM, gas=Gas.AIR,
                      gas_parts=Decimal("4"), volume_ml=Decimal("2"), ultrasound_guided=True),
        ]
    )
    return session


def build_history(clinician, sessions: int) -> Patient:
    patient = make_patient(0)
    today = timezone.localdate()
    for n in range(max(1, sessions // 10)):
        doppler = DopplerAssessment.objects.create(
            patient=patient, assessed_on=today - timedelta(days=30 + 60 * n), examiner=clinician,
            ceap_right="C1", ceap_left="C2",
        )
        DopplerFinding.objects.bulk_create(
            [DopplerFinding(assessment=doppler, leg=leg, segment=seg, reflux_s=Decimal("0.4"))
             for leg in (Leg.RIGHT, Leg.LEFT) for seg in (Segment.SFJ, Segment.GSV_A, Segment.SSV)]
        )
    for n in range(sessions):
        make_session(patient, clinician, at(today - timedelta(days=2 + 7 * n), 10))
        if n % 3 == 0:
            FollowUpVisit.objects.create(
                patient=patient, starts_at=at(today - timedelta(days=7 * n), 9),
                clinician=clinician, status=VisitStatus.COMPLETED, clearance_pct=70,
            )
    FollowUpVisit.objects.create(
        patient=patient, starts_at=at(today + timedelta(days=10), 9), clinician=clinician
    )
    return patient


def timed(fn, repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def row(name: str, values: list[float], note: str = "") -> str:
    return (f"{name:<34} {len(values):>4} {statistics.median(values):>10.1f} "
            f"{p95(values):>10.1f}  {note}")


def run(args) -> list[str]:
    setup_roles()
    clinician = get_user_model().objects.create_user("bench-clinician", password="x")
    clinician.groups.add(Group.objects.get(name=CLINICIAN))
    client = Client()
    client.force_login(clinician)

    patient = build_history(clinician, args.sessions)
    small = make_patient(1)
    DopplerFinding.objects.create(
        assessment=DopplerAssessment.objects.create(
            patient=small, assessed_on=timezone.localdate() - timedelta(days=30),
            examiner=clinician,
        ),
        leg=Leg.RIGHT, segment=Segment.SFJ,
    )
    make_session(small, clinician, at(timezone.localdate() - timedelta(days=3), 10))

    timeline_url = reverse("patients:detail", args=[patient.code])
    small_url = reverse("patients:detail", args=[small.code])
    bare_url = reverse("login")
    for url in (timeline_url, small_url, bare_url):  # warm up caches and templates
        assert client.get(url).status_code == 200, url

    # DEBUG keeps a bounded log of every query; empty it so the counts are exact.
    reset_queries()
    with CaptureQueriesContext(connection) as big_q:
        client.get(timeline_url)
    reset_queries()
    with CaptureQueriesContext(connection) as small_q:
        client.get(small_url)

    lines = [f"{'measure':<34} {'n':>4} {'median ms':>10} {'p95 ms':>10}  note", "-" * 78]
    lines.append(row("bare page (login form)", timed(lambda: client.get(bare_url), args.requests)))
    lines.append(row("timeline, 1 session", timed(lambda: client.get(small_url), args.requests),
                     f"{len(small_q)} queries"))
    lines.append(row(f"timeline, {args.sessions} sessions",
                     timed(lambda: client.get(timeline_url), args.requests),
                     f"{len(big_q)} queries"))

    one = list(sessions_for_sheets().filter(patient=small))
    one_sheet = lambda: render_pdf(SHEET, sheet_context(sheets_for(one)))  # noqa: E731
    lines.append(row("aftercare PDF, 1 sheet", timed(one_sheet, args.pdf_repeats)))
    pdf_url = reverse("treatments:aftercare-pdf", args=[one[0].code])
    lines.append(row("aftercare PDF view (HTTP), 1 sheet",
                     timed(lambda: client.get(pdf_url), args.pdf_repeats)))

    day = timezone.localdate() - timedelta(days=1)
    for n in range(args.day_sheets):
        make_session(make_patient(100 + n, "it" if n % 2 else "en"), clinician, at(day, 8 + n % 10))
    day_times = timed(
        lambda: render_pdf(SHEET, sheet_context(sheets_for(sessions_on(day)))), args.day_repeats
    )
    lines.append(row(f"day PDF, {args.day_sheets} sheets", day_times,
                     f"{statistics.median(day_times) / args.day_sheets:.1f} ms per sheet"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--pdf-repeats", type=int, default=8)
    parser.add_argument("--day-sheets", type=int, default=20)
    parser.add_argument("--day-repeats", type=int, default=3)
    args = parser.parse_args()

    db = connection.settings_dict
    print(f"Database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}")
    if _tmpdir is not None:
        call_command("migrate", verbosity=0)
    lines: list[str] = []
    try:
        with transaction.atomic():
            lines = run(args)
            raise Rollback
    except Rollback:
        pass
    finally:
        if _tmpdir is not None:
            connection.close()
            _tmpdir.cleanup()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The big data set: a clinic group of SCALE patients on PostgreSQL.

Usage:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/<any> \\
        .venv/bin/python bench/bigdata.py [--scale 100000] [--db sclero_bench_big]
                                          [--force] [--seed 15]
                                          [--manifest bench/.bigdata.json]
        (or `make bench-data SCALE=100000`)

PostgreSQL only. The database named in DATABASE_URL is never touched: only
its server (127.0.0.1), user and password are used. The data set goes into a
database of its own, `sclero_bench_big` unless --db or BENCH_DB names another
(it must start with `sclero_bench`); an existing one is dropped and made
anew only with --force. It is migrated with the project's settings, DEBUG
off (as bench/run.py runs), then filled; for SCALE=100000:

- 100,000 patients (Italian names, some with accents: Espósito, Nicolò),
  chart numbers SC-000001 on (the app's next one follows the highest),
  E.164 mobile numbers, email and reminder consent for most;
- 8 clinicians (clinician1..8), frontdesk and manager, password
  sclero-bench-2026, in the roles' groups; two sites (10-minute agenda
  step) open Monday to Saturday, with working hours, staff and closures;
- about 318,000 signed sessions over the last 3 years, about 6 injections
  each, within every clinical limit (agent ranges, foam, polidocanol per kg,
  STS), some with lots; one patient with 100 sessions of 10 injections;
- about 400,000 follow-up visits of 10 minutes (so many fit 8 clinicians'
  hours only that short: some 430 a day, 576 at most), in the clinicians'
  working hours, never two at once for a clinician or a patient, none on a
  closure: completed (with outcomes), cancelled and no-show ones in the
  past, scheduled ones ahead, and the next weekday with 360; a treatment
  visit carries its session, a check follows some sessions two weeks on;
- a Doppler assessment for every second patient, with a few findings.

On this machine SCALE=100000 took 3.4 minutes (673 MiB). Everything scales
linearly with SCALE but the staff and the sites. Rows go
in through COPY (CSV, in chunks) with every constraint in place; the small
tables (users, sites, hours, lots) go through the ORM. History rows
(simple_history) are written for the staff and site tables only; the bulk
tables (patients, Doppler, sessions, injections, visits) have none, which no
benchmarked page reads (the audit trail and "as signed" views would show no
earlier version). Sequences are reset, the statistics' summaries rebuilt
(COPY bypasses the services that keep them) and the database VACUUMed and
ANALYZEd at the end.

The manifest, bench/.bigdata.json (git-ignored), tells bench/run.py and
bench/load.py what is there. Its keys:

    db                     the database's name
    scale                  SCALE
    patients, sessions, injections, visits, doppler_assessments   row counts
    timeline_patient_code  Patient.code (UUID) of the 100-session patient
    timeline_patient_chart its chart number
    busy_day               ISO date ahead with about SCALE * 0.0036 visits
    busy_day_visits        how many
    sheets_day             ISO date in the past with about 20 sessions
    sheets_day_sessions    how many
    clinician_usernames    the 8 clinicians (logins)
    frontdesk_username, manager_username
    password               every bench user's password
    generated_at, seconds, database_size_bytes
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
import unicodedata
import uuid
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / "bench" / ".bigdata.json"
DB_PREFIX = "sclero_bench"
DEFAULT_DB = "sclero_bench_big"
PASSWORD = "sclero-bench-2026"
CHUNK_ROWS = 50_000

# Per patient, at any scale (issue 15's data set: 100,000 patients).
SESSIONS_PER_PATIENT = 3.18
VISITS_PER_PATIENT = 4.0
BUSY_DAY_PER_PATIENT = 0.0036
SHEETS_DAY_SESSIONS = 20
YEARS = 3
DAYS_AHEAD = 56
VISIT_MINUTES = 10
TIMELINE_SESSIONS = 100
TIMELINE_INJECTIONS = 10


def fail(message: str) -> SystemExit:
    return SystemExit(f"bench-data: {message}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=int, default=100_000, help="patients")
    parser.add_argument(
        "--db", default=os.environ.get("BENCH_DB") or DEFAULT_DB, help="database"
    )
    parser.add_argument(
        "--force", action="store_true", help="drop and recreate an existing one"
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--manifest",
        type=Path,
        default=MANIFEST,
        help="where to write the manifest (a trial run: elsewhere, so that "
        "the benchmarks keep reading the big one)",
    )
    args = parser.parse_args()
    if args.scale < 100:
        raise fail("--scale must be at least 100")
    return args


def server_and_target(name: str) -> tuple[dict, str]:
    """Return the server's connection settings and the target's URL."""
    url = os.environ.get("DATABASE_URL", "")
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise fail(
            "PostgreSQL only: set DATABASE_URL to a postgres:// URL on "
            "127.0.0.1 (only its server and user are used; its database is "
            "never touched), e.g. "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
        )
    if parsed.hostname != "127.0.0.1":
        raise fail(f"refused: 127.0.0.1 only, not {parsed.hostname!r}")
    source = parsed.path.lstrip("/")
    if not name.startswith(DB_PREFIX) or not name.replace("_", "").isalnum():
        raise fail(f"refused: the database's name must start with {DB_PREFIX}")
    if name == source:
        raise fail(f"refused: {name} is the database named in DATABASE_URL")
    server = {
        "host": parsed.hostname,
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
    }
    auth = quote(str(server["user"]))
    if parsed.password:
        auth += ":" + quote(parsed.password)
    return server, f"postgres://{auth}@{server['host']}:{server['port']}/{name}"


def create_database(server: dict, name: str, force: bool) -> None:
    """Create the target database, on the server's maintenance database."""
    import psycopg2  # type: ignore[import-untyped]

    conn = psycopg2.connect(dbname="postgres", **server)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone():
            if not force:
                raise fail(f"{name} exists: give --force to drop and recreate it")
            print(f"dropping {name}")
            cursor.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def configure_django(target_url: str) -> None:
    """Production settings as bench/run.py sets them, on the target database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sclero_clinic.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_ENV_FILE"] = ""
    os.environ["DJANGO_SECRET_KEY"] = "bench-" + os.urandom(32).hex()
    os.environ["DJANGO_SSL_REDIRECT"] = "0"
    os.environ["DJANGO_SECURE_COOKIES"] = "0"
    os.environ["DJANGO_HSTS_SECONDS"] = "0"
    os.environ["DATABASE_URL"] = target_url
    import django

    django.setup()


# --- names, numbers, texts ------------------------------------------------

FEMALE = (
    "Maria Giulia Francesca Chiara Sara Laura Elena Anna Paola Valentina "
    "Federica Silvia Alessandra Martina Giorgia Roberta Simona Cristina Marta "
    "Beatrice Ilaria Noemi Elisa Teresa Rosa Lucia Carla Antonella Daniela "
    "Gabriella Patrizia Barbara Monica Claudia Serena Lorenza Agnese"
).split()
MALE = (
    "Marco Luca Giuseppe Giovanni Antonio Francesco Alessandro Andrea Matteo "
    "Stefano Roberto Paolo Davide Simone Riccardo Lorenzo Fabio Massimo "
    "Salvatore Vincenzo Pietro Emanuele Nicola Claudio Sergio Enrico Michele"
).split() + ["Nicolò", "Niccolò", "Gesù Maria"]
LAST = (
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco "
    "Bruno Gallo Conti Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri "
    "Fontana Santoro Mariani Rinaldi Caruso Ferrara Galli Martini Leone Longo "
    "Gentile Martinelli Vitale Lombardo Serra Coppola Messina Villa Marchetti "
    "Parisi Ferri Fabbri Bellini Pellegrini Palumbo Sanna Farina Rizzi Monti "
    "Cattaneo Morelli Amato Silvestri Mazza Testa Grassi Pellegrino Carbone "
    "Giuliani Benedetti Barone Rossetti Caputo Montanari Guerra Palmieri "
    "Bernardi Martino Fiore Ferraro Bianco Valentini Pagano Piras Negri"
).split() + [
    "Espósito",
    "Cantù",
    "Zappalà",
    "Carrà",
    "Pellè",
    "Bellò",
    "Falcò",
    "Niccolò",
    "De Luca",
    "De Santis",
    "D'Angelo",
    "D'Amico",
    "Dell'Acqua",
    "Lo Russo",
    "Di Stefano",
]
STREETS = [
    "Via Roma",
    "Corso Buenos Aires",
    "Via Torino",
    "Viale Monza",
    "Via Manzoni",
    "Corso Italia",
    "Via Garibaldi",
    "Piazza Duomo",
    "Via Mazzini",
    "Via Cavour",
    "Via Dante",
]
TOWNS = [
    ("20121", "Milano"),
    ("20900", "Monza"),
    ("20099", "Sesto San Giovanni"),
    ("20092", "Cinisello Balsamo"),
    ("20811", "Cesano Maderno"),
    ("20013", "Magenta"),
    ("24121", "Bergamo"),
    ("22100", "Como"),
]
INJECTION_SITES = [
    "lateral thigh",
    "medial thigh",
    "posterior thigh",
    "medial knee",
    "lateral knee",
    "posterior calf",
    "medial calf",
    "lateral calf",
    "ankle",
]


def ascii_lower(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


# --- COPY -----------------------------------------------------------------


def csv_value(value: object) -> str:
    """One CSV field for COPY: None is NULL, a string is always quoted (so an
    empty string stays one)."""
    if value is None:
        return ""
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return '"' + value.replace('"', '""') + '"'
    if isinstance(value, (list, dict)):
        return csv_value(json.dumps(value))
    return str(value)


class Copier:
    """COPY rows into one model's table: the given fields per row, every
    other column its model default (refused if it has none)."""

    def __init__(self, model, fields: list[str]) -> None:
        self.model = model
        self.table = model._meta.db_table
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        missing = [name for name in fields if name not in by_attname]
        if missing:
            raise fail(f"{self.table}: no fields {missing}")
        # Ids from 1 on (the table is empty), in the order of the rows: the
        # plan's references (session 1 is the first session written, ...).
        pk = model._meta.pk
        fields = [pk.attname, *fields]
        self.next_id = 1
        rest = [f for f in model._meta.concrete_fields if f.attname not in fields]
        tail = []
        for field in rest:
            if (
                field.has_default()
                and callable(field.default)
                and field.default not in (list, dict)
            ):
                raise fail(f"{self.table}.{field.attname}: a default per row")
            value = field.get_default()
            if value is None and not field.null:
                raise fail(f"{self.table}.{field.attname} needs a value")
            tail.append(value)
        self.columns = [by_attname[name].column for name in fields] + [
            f.column for f in rest
        ]
        self.tail = "".join("," + csv_value(v) for v in tail) + "\n"
        self.rows = 0
        self.seconds = 0.0
        self.buffer = io.StringIO()
        self.pending = 0

    def add(self, row: tuple) -> None:
        self.buffer.write(f"{self.next_id},")
        self.next_id += 1
        self.buffer.write(",".join(map(csv_value, row)))
        self.buffer.write(self.tail)
        self.pending += 1
        if self.pending >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        from django.db import connection

        if not self.pending:
            return
        self.buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(
                f'COPY "{self.table}" ({columns}) FROM STDIN WITH (FORMAT csv)',
                self.buffer,
            )
        self.rows += self.pending
        self.pending = 0
        self.buffer = io.StringIO()


def run_table(label: str, copier: Copier, rows) -> Copier:
    """Write every row of the iterable `rows` and report the time taken."""
    from django.db import transaction

    started = time.monotonic()
    with transaction.atomic():
        for count, row in enumerate(rows, 1):
            copier.add(row)
            if count % 200_000 == 0:
                print(f"  {label}: {count:,} rows...", flush=True)
        copier.flush()
    copier.seconds = time.monotonic() - started
    print(f"{label:<22} {copier.rows:>10,} rows {copier.seconds:8.1f} s", flush=True)
    return copier


# --- the clinic: staff, sites, hours, lots (ORM) ----------------------------

CLINICIANS = [
    ("Giulia", "Rossi"),
    ("Marco", "Bianchi"),
    ("Chiara", "Colombo"),
    ("Nicolò", "Ferrari"),
    ("Elena", "Espósito"),
    ("Luca", "Romano"),
    ("Francesca", "Gallo"),
    ("Andrea", "Cantù"),
]
MON_FRI = range(5)
SAT = 5
# The sites' opening hours: two long shifts Monday to Friday, Saturday
# mornings (the clinic's week runs Monday to Saturday).
SHIFTS = [("07:30", "13:30"), ("14:00", "20:00")]
SATURDAY = ("08:00", "14:00")


def hours_of(weekday: int) -> list[tuple[clock, clock]]:
    spans = SHIFTS if weekday in MON_FRI else [SATURDAY] if weekday == SAT else []
    return [(clock.fromisoformat(a), clock.fromisoformat(b)) for a, b in spans]


def setup_clinic(today: date, first_day: date, last_day: date) -> dict:
    """Users, sites, opening and working hours, staff, closures, lots."""
    from django.contrib.auth import get_user_model

    from clinics.models import Site
    from clinics.services import (
        closure_add,
        opening_hours_set,
        site_save,
        site_staff_set,
        working_hours_set,
    )
    from core.roles import CLINICIAN, FRONT_DESK, MANAGER, setup_roles
    from treatments.models import SclerosantLot

    groups = setup_roles()
    User = get_user_model()
    template = User(username="template")
    template.set_password(PASSWORD)
    users = []
    for n, (first, last) in enumerate(CLINICIANS, 1):
        users.append((f"clinician{n}", first, last, CLINICIAN, False))
    users += [
        ("frontdesk", "Anna", "Verdi", FRONT_DESK, False),
        ("manager", "Paolo", "Neri", MANAGER, True),
    ]
    made = {}
    for username, first, last, role, staff in users:
        user = User.objects.create(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@sclero-clinic.example",
            is_staff=staff,
            password=template.password,
        )
        user.groups.add(groups[role])
        made[username] = user
    manager = made["manager"]
    clinicians = [made[f"clinician{n}"] for n in range(1, len(CLINICIANS) + 1)]

    first_site = Site.objects.order_by("id").first() or Site()
    sites = []
    for site, name, address, phone in (
        (first_site, "Milano Centro", "Via Roma 12\n20121 Milano", "+39 02 1234 5678"),
        (Site(), "Monza", "Via Italia 30\n20900 Monza", "+39 039 232 4567"),
    ):
        data: dict[str, object] = {"name": name, "address": address}
        data.update(phone=phone, slot_minutes=VISIT_MINUTES, is_active=True)
        site_save(site=site, data=data, letterhead=None, user=manager)
        opening_hours_set(
            site=site,
            intervals=[
                {"weekday": weekday, "starts": starts, "ends": ends}
                for weekday in range(7)
                for starts, ends in hours_of(weekday)
            ],
            user=manager,
        )
        sites.append(site)
    milano, monza = sites
    # Five clinicians in Milano, three in Monza; one of the Milano five
    # works in Monza on Tuesdays and Thursdays.
    site_of: dict[tuple[int, int], object] = {}
    for index, clinician in enumerate(clinicians):
        for weekday in range(6):
            site = milano if index < 5 else monza
            if index == 4 and weekday in (1, 3):
                site = monza
            site_of[index, weekday] = site
        working_hours_set(
            clinician=clinician,
            intervals=[
                {"site": site_of[index, weekday], "weekday": weekday}
                | {"starts": starts, "ends": ends}
                for weekday in range(6)
                for starts, ends in hours_of(weekday)
            ],
            user=manager,
        )
    site_staff_set(
        site=milano, users=[*clinicians[:5], made["frontdesk"]], user=manager
    )
    site_staff_set(site=monza, users=[*clinicians[4:], made["frontdesk"]], user=manager)
    closed = set()
    for year in range(first_day.year, last_day.year + 1):
        for opens, shuts, reason in (
            (date(year, 1, 1), date(year, 1, 1), "Capodanno"),
            (date(year, 8, 15), date(year, 8, 15), "Ferragosto"),
            (date(year, 12, 25), date(year, 12, 26), "Natale e Santo Stefano"),
        ):
            for site in sites:
                closure_add(
                    site=site,
                    data={"first_day": opens, "last_day": shuts, "reason": reason},
                    user=manager,
                )
            day = opens
            while day <= shuts:
                closed.add(day)
                day += timedelta(days=1)

    # A lot of each agent and concentration every six months, opened on
    # receipt, expiring two years later (no history rows: bulk_create).
    lots = {}
    lot_rows = []
    period = date(first_day.year, 1 if first_day.month <= 6 else 7, 1)
    number = 0
    while period <= today:
        for agent, pct in LOT_KINDS:
            number += 1
            received = max(period - timedelta(days=10), date(1990, 1, 1))
            lot = SclerosantLot(
                agent=agent,
                concentration_pct=pct,
                lot_number=f"L{period:%y%m}-{number:04d}",
                expiry_date=received + timedelta(days=730),
                received_on=received,
                opened_on=received,
                created_by=manager,
            )
            lot_rows.append(lot)
            lots[agent, pct, period] = lot
        period = date(
            period.year + (period.month == 7), 7 if period.month == 1 else 1, 1
        )
    SclerosantLot.objects.bulk_create(lot_rows)
    return {
        "users": made,
        "clinicians": clinicians,
        "sites": sites,
        "site_of": site_of,
        "closed": closed,
        "lots": {key: lot.pk for key, lot in lots.items()},
    }


LOT_KINDS = [
    ("polidocanol", Decimal("0.25")),
    ("polidocanol", Decimal("0.50")),
    ("polidocanol", Decimal("1.00")),
    ("polidocanol", Decimal("3.00")),
    ("sts", Decimal("0.50")),
    ("glycerin", Decimal("72.00")),
]


def half_year(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


# --- the plan: who comes when (in memory, then written table by table) -----


class Agenda:
    """The free 10-minute cells of each day, (clinician, minute of the day),
    in random order: taking one never double-books a clinician."""

    def __init__(self, first_day: date, days: int, closed: set, staff: int, rng):
        self.first_day = first_day
        self.days = days
        self.closed = closed
        self.staff = staff
        self.rng = rng
        self.free: dict[int, list[tuple[int, int]]] = {}
        self.taken: dict[int, int] = {}
        # At most this many visits on a day (the busy day).
        self.caps: dict[int, int] = {}

    def day(self, index: int) -> date:
        return self.first_day + timedelta(days=index)

    def all_cells(self, index: int) -> list[tuple[int, int]]:
        day = self.day(index)
        if day in self.closed:
            return []
        return [
            (clinician, minute)
            for clinician in range(self.staff)
            for starts, ends in hours_of(day.weekday())
            for minute in range(
                starts.hour * 60 + starts.minute,
                ends.hour * 60 + ends.minute,
                VISIT_MINUTES,
            )
        ]

    def cells(self, index: int) -> list[tuple[int, int]]:
        if index not in self.free:
            cells = self.all_cells(index)
            self.rng.shuffle(cells)
            self.free[index] = cells
        return self.free[index]

    def open_day(self, index: int) -> int | None:
        """The first day from `index` on that the clinic is open."""
        while index < self.days:
            day = self.day(index)
            if day.weekday() != 6 and day not in self.closed:
                return index
            index += 1
        return None

    def any_time(self, index: int) -> tuple[int, int]:
        """A clinician and a minute in their hours that day (not booked)."""
        return self.rng.choice(self.all_cells(index))

    def take(self, index: int, avoid: set[int]) -> tuple[int, int, int] | None:
        """Book a free cell on the first day from `index` on with one left
        and not in `avoid` (the patient's days): (day, clinician, minute)."""
        index = max(index, 0)
        while index < self.days:
            full = self.taken.get(index, 0) >= self.caps.get(index, 1 << 30)
            if index not in avoid and not full:
                cells = self.cells(index)
                if cells:
                    clinician, minute = cells.pop()
                    self.taken[index] = self.taken.get(index, 0) + 1
                    return index, clinician, minute
            index += 1
        return None


class Plan:
    """Every patient's sessions, visits and Doppler, as tuples."""

    def __init__(self, scale: int, clinic: dict, seed: int) -> None:
        from django.utils import timezone

        self.scale = scale
        self.clinic = clinic
        self.rng = random.Random(seed)
        self.tz = ZoneInfo(str(timezone.get_current_timezone()))
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.first_day = self.today - timedelta(days=365 * YEARS)
        self.today_index = (self.today - self.first_day).days
        self.agenda = Agenda(
            self.first_day,
            self.today_index + DAYS_AHEAD + 1,
            clinic["closed"],
            len(clinic["clinicians"]),
            self.rng,
        )
        # (patient, performed_at, clinician index, day index, weight,
        #  doppler id, ugfs, injections)
        self.sessions: list[tuple] = []
        # (patient, session id, purpose, starts_at, clinician index, day
        #  index, status, reason)
        self.visits: list[tuple] = []
        # (patient, day, examiner index)
        self.dopplers: list[tuple] = []
        self.weights: dict[int, Decimal] = {}
        self.patient_days: dict[int, set[int]] = {}
        self.patient_sessions: dict[int, list[int]] = {}
        self.first_contact: dict[int, int] = {}
        self.sheets_index = self._sheets_day()
        self.sheets_sessions = 0
        self.busy_index = self._busy_day()
        self.timeline_patient = min(42, scale)

    def _sheets_day(self) -> int:
        """A Wednesday about two months back, kept to SHEETS_DAY_SESSIONS."""
        index = self.today_index - 60
        while (
            self.agenda.day(index).weekday() != 2
            or self.agenda.day(index) in (self.clinic["closed"])
        ):
            index -= 1
        return index

    def _busy_day(self) -> int:
        """The next working day from Monday to Friday after today."""
        index = self.today_index + 1
        while (
            self.agenda.day(index).weekday() >= 5
            or self.agenda.day(index) in (self.clinic["closed"])
        ):
            index += 1
        return index

    def at(self, index: int, minute: int) -> datetime:
        day = self.agenda.day(index)
        return datetime(
            day.year, day.month, day.day, minute // 60, minute % 60, tzinfo=self.tz
        )

    def site_index(self, clinician: int, index: int) -> int:
        site = self.clinic["site_of"][clinician, self.agenda.day(index).weekday()]
        return self.clinic["sites"].index(site)

    # -- sessions and visits ------------------------------------------------

    def add_session(
        self, patient: int, index: int, clinician: int, minute: int, injections: int
    ) -> int:
        rng = self.rng
        weight = self.weights[patient] + Decimal(rng.randint(-15, 15)) / 10
        weight = max(weight, Decimal("50.0"))
        doppler = self.doppler_of.get(patient)
        self.sessions.append(
            (
                patient,
                self.at(index, minute),
                clinician,
                index,
                weight,
                doppler,
                rng.random() < 0.25,
                injections,
            )
        )
        if index == self.sheets_index:
            self.sheets_sessions += 1
        session_id = len(self.sessions)
        self.patient_sessions.setdefault(patient, []).append(session_id)
        self.patient_days.setdefault(patient, set()).add(index)
        return session_id

    def add_visit(
        self,
        patient: int,
        session: int | None,
        purpose: str,
        index: int,
        status: str | None = None,
        reason: str = "",
    ) -> tuple[int, int, int] | None:
        days = self.patient_days.setdefault(patient, set())
        avoid = days
        if purpose == "treatment" and self.sheets_sessions >= SHEETS_DAY_SESSIONS:
            avoid = days | {self.sheets_index}
        booked = self.agenda.take(index, avoid)
        if booked is None:
            return None
        index, clinician, minute = booked
        starts = self.at(index, minute)
        if status is None:
            if starts + timedelta(minutes=VISIT_MINUTES) > self.now:
                status = "scheduled"
            else:
                roll = self.rng.random()
                status = "completed" if roll < 0.93 else "no_show"
                if status == "no_show":
                    reason = self.rng.choice(["forgot", "no_contact", "illness"])
        days.add(index)
        self.visits.append(
            (patient, session, purpose, starts, clinician, index, status, reason)
        )
        return booked

    def plan_patient(self, patient: int) -> None:
        rng = self.rng
        count = 1
        while count < 8 and rng.random() < 0.686:
            count += 1
        gaps = [rng.randint(28, 49) for _ in range(count - 1)]
        while gaps and sum(gaps) > self.today_index - 30:
            gaps.pop()
        latest = self.today_index - 2 - sum(gaps)
        start = self.agenda.open_day(rng.randint(0, latest))
        if start is None or start >= self.today_index:
            return
        self.first_contact[patient] = start
        if rng.random() < 0.5:
            examiner = rng.randrange(len(self.clinic["clinicians"]))
            self.dopplers.append((patient, start - rng.randint(0, 14), examiner))
            self.doppler_of[patient] = len(self.dopplers)
        clinician, minute = self.agenda.any_time(start)
        if start == self.sheets_index and self.sheets_sessions >= SHEETS_DAY_SESSIONS:
            return
        sessions = [(self.add_session(patient, start, clinician, minute, 0), start)]
        for gap in gaps:
            previous, day = sessions[-1]
            if rng.random() < 0.08:
                # A booking cancelled or missed a few days before.
                early = day + gap - rng.randint(2, 6)
                if early < self.today_index:
                    if rng.random() < 0.6:
                        reason = rng.choice(["patient", "clinic", "illness", "resched"])
                        self.add_visit(
                            patient, previous, "treatment", early, "cancelled", reason
                        )
                    else:
                        reason = rng.choice(["forgot", "no_contact"])
                        self.add_visit(
                            patient, previous, "treatment", early, "no_show", reason
                        )
            booked = self.add_visit(patient, previous, "treatment", day + gap)
            if booked is None:
                break
            index, clinician, minute = booked
            if index >= self.today_index:
                break  # booked ahead: the next session has not happened yet
            sessions.append(
                (self.add_session(patient, index, clinician, minute, 0), index)
            )
        # A check (or a duplex after foam) two weeks after some sessions,
        # before the next one.
        for position, (session, day) in enumerate(sessions):
            if rng.random() >= 0.45:
                continue
            following = (
                sessions[position + 1][1] if position + 1 < len(sessions) else None
            )
            target = day + 14
            if following is not None and target >= following - 2:
                continue
            purpose = "doppler" if self.sessions[session - 1][6] else "check"
            self.add_visit(patient, session, purpose, target)
        last, last_day = sessions[-1]
        has_ahead = any(
            d > self.today_index for d in self.patient_days.get(patient, ())
        )
        if last_day >= self.today_index - 90 and not has_ahead and rng.random() < 0.75:
            ahead = self.today_index + 1 + rng.randrange(DAYS_AHEAD - 7)
            target = max(last_day + 35, ahead)
            self.add_visit(patient, last, "treatment", target)

    def plan_timeline_patient(self) -> None:
        """One patient with TIMELINE_SESSIONS sessions of TIMELINE_INJECTIONS."""
        patient = self.timeline_patient
        self.first_contact[patient] = 7
        step = (self.today_index - 10) / TIMELINE_SESSIONS
        for n in range(TIMELINE_SESSIONS):
            index = self.agenda.open_day(7 + int(n * step))
            if index is None or index in self.patient_days.get(patient, ()):
                continue
            cells = [cell for cell in self.agenda.all_cells(index) if cell[0] == 0]
            _clinician, minute = self.rng.choice(cells)
            self.add_session(patient, index, 0, minute, TIMELINE_INJECTIONS)

    def plan(self) -> None:
        started = time.monotonic()
        rng = self.rng
        self.doppler_of: dict[int, int] = {}
        for patient in range(1, self.scale + 1):
            self.weights[patient] = Decimal(rng.randint(500, 1100)) / 10
        self.plan_timeline_patient()
        busy = round(self.scale * BUSY_DAY_PER_PATIENT)
        self.agenda.caps[self.busy_index] = busy
        for patient in range(1, self.scale + 1):
            if patient != self.timeline_patient:
                self.plan_patient(patient)
        # Up to SESSIONS_PER_PATIENT: a session more for some patients, on
        # a day of their course without one (no visit booked before it).
        wanted = round(self.scale * SESSIONS_PER_PATIENT)
        misses = 0
        while len(self.sessions) < wanted and misses < 10_000:
            patient = rng.randint(1, self.scale)
            start = self.first_contact.get(patient)
            index = self.agenda.open_day(
                rng.randint(start, self.today_index - 1) if start is not None else 0
            )
            full = self.sheets_sessions >= SHEETS_DAY_SESSIONS
            if (
                start is None
                or patient == self.timeline_patient
                or index is None
                or index >= self.today_index
                or index in self.patient_days.get(patient, ())
                or (index == self.sheets_index and full)
            ):
                misses += 1
                continue
            clinician, minute = self.agenda.any_time(index)
            self.add_session(patient, index, clinician, minute, 0)
        # The busy day: bookings ahead up to about SCALE * 0.0036 visits.
        wanted = busy
        tries = 0
        while self.agenda.taken.get(self.busy_index, 0) < wanted and tries < wanted * 5:
            tries += 1
            patient = rng.randint(1, self.scale)
            if self.busy_index in self.patient_days.get(patient, ()):
                continue
            previous = self.patient_sessions.get(patient, [None])[-1]
            purpose = rng.choice(["check", "check", "treatment", "doppler"])
            days = self.patient_days.setdefault(patient, set())
            cells = self.agenda.cells(self.busy_index)
            if not cells:
                break
            clinician, minute = cells.pop()
            self.agenda.taken[self.busy_index] = (
                self.agenda.taken.get(self.busy_index, 0) + 1
            )
            days.add(self.busy_index)
            self.visits.append(
                (
                    patient,
                    previous,
                    purpose,
                    self.at(self.busy_index, minute),
                    clinician,
                    self.busy_index,
                    "scheduled",
                    "",
                )
            )
        # Up to VISITS_PER_PATIENT: more checks after past sessions.
        wanted = round(self.scale * VISITS_PER_PATIENT)
        sessions = self.sessions
        misses = 0
        while len(self.visits) < wanted and misses < 10_000:
            session = rng.randrange(len(sessions)) + 1
            patient, _at, _c, day, *_rest = sessions[session - 1]
            if self.add_visit(patient, session, "check", day + rng.randint(7, 40)):
                misses = 0
            else:
                misses += 1
        print(
            f"planned {self.scale:,} patients, {len(self.sessions):,} sessions, "
            f"{len(self.visits):,} visits, {len(self.dopplers):,} Doppler "
            f"assessments in {time.monotonic() - started:.1f} s",
            flush=True,
        )


# --- the rows -----------------------------------------------------------------


def patient_rows(plan: Plan):
    from patients.models import Patient
    from patients.screening import QUESTION_FIELDS

    rng = plan.rng
    sometimes_yes = {"allergic_predisposition", "migraine_with_aura", "previous_dvt_pe"}
    for patient in range(1, plan.scale + 1):
        female = rng.random() < 0.78
        first = rng.choice(FEMALE if female else MALE)
        last = rng.choice(LAST)
        if patient == plan.timeline_patient:
            first, last, female = "Nicolò", "Espósito", False
        contact = plan.first_contact.get(patient, rng.randrange(plan.today_index))
        created = plan.at(contact, 8 * 60) - timedelta(days=rng.randint(1, 20))
        born = date(rng.randint(1940, 2000), rng.randint(1, 12), rng.randint(1, 28))
        phone = f"+393{rng.randint(20, 93)}{rng.randint(0, 9_999_999):07d}"
        email = ""
        if rng.random() < 0.85:
            email = f"{ascii_lower(first)}.{ascii_lower(last)}{patient}@example.it"
        number, (postcode, town) = rng.randint(1, 180), rng.choice(TOWNS)
        answers = [
            "yes" if name in sometimes_yes and rng.random() < 0.04 else "no"
            for name in QUESTION_FIELDS
        ]
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            f"SC-{patient:06d}",
            first,
            last,
            *Patient(first_name=first, last_name=last).folded_names(),
            born,
            "F" if female else ("M" if rng.random() < 0.98 else "X"),
            phone,
            email,
            bool(email) and rng.random() < 0.9,
            rng.random() < 0.8,
            f"{rng.choice(STREETS)} {number}\n{postcode} {town}",
            "it" if rng.random() < 0.9 else "en",
            plan.weights[patient],
            *answers,
            created.date(),
            created,
            created,
        )


def patient_fields() -> list[str]:
    from patients.screening import QUESTION_FIELDS

    return [
        "code",
        "chart_number",
        "first_name",
        "last_name",
        # As Patient.save() keeps them: COPY does not call it.
        "first_name_folded",
        "last_name_folded",
        "date_of_birth",
        "sex",
        "phone",
        "email",
        "contact_by_email",
        "contact_by_sms",
        "address",
        "language",
        "weight_kg",
        *QUESTION_FIELDS,
        "screening_asked_on",
        "created_at",
        "updated_at",
    ]


CEAP_CHOICES = ["C1", "C1", "C2", "C2", "C2,C3", "C1,C2", "C2,C4a", "C2,C3,C4c"]
FINDING_SEGMENTS = ["SFJ", "GSVa", "GSVb", "AASV", "SSV", "SPJ", "CFV", "POPV"]


def doppler_fields() -> list[str]:
    from doppler.clinical import LEGS, ceap_fields, vcss_fields, vcss_total_field

    fields = ["code", "patient_id", "assessed_on", "examiner_id"]
    for leg in LEGS:
        fields += ceap_fields(leg) + [f"ceap_{'right' if leg == 'R' else 'left'}"]
        fields += vcss_fields(leg) + [vcss_total_field(leg)]
    return fields + [
        "conclusion",
        "recommended_plan",
        "signed_at",
        "signed_by_id",
        "created_at",
        "updated_at",
    ]


def doppler_rows(plan: Plan, clinician_ids: list[int]):
    rng = plan.rng
    for patient, index, examiner in plan.dopplers:
        day = plan.agenda.day(index)
        at = plan.at(index, 9 * 60 + rng.randrange(0, 600, 10))
        row = [uuid.UUID(int=rng.getrandbits(128), version=4), patient, day]
        row.append(clinician_ids[examiner])
        for _leg in "RL":
            classes = rng.choice(CEAP_CHOICES)
            row += [classes, rng.choice("SA"), "Ep", "As", "Pr", classes.split(",")[-1]]
            items = [
                rng.randint(0, 2),
                rng.randint(1, 2),
                rng.randint(0, 1),
                rng.randint(0, 1),
                0,
                0,
                0,
                0,
                0,
                rng.randint(0, 1),
            ]
            row += [*items, sum(items)]
        row += [
            "Reflux at the saphenous junction; sclerotherapy indicated.",
            rng.choice(["liquid", "foam", "foam", "compression"]),
            at + timedelta(minutes=30),
            clinician_ids[examiner],
            at,
            at + timedelta(minutes=30),
        ]
        yield tuple(row)


def finding_rows(plan: Plan):
    rng = plan.rng
    for assessment in range(1, len(plan.dopplers) + 1):
        spots = rng.sample([(leg, s) for leg in "RL" for s in FINDING_SEGMENTS], 3)
        for leg, segment in spots[: rng.randint(2, 3)]:
            reflux = Decimal(rng.randint(10, 250)) / 100
            yield (
                assessment,
                leg,
                segment,
                reflux,
                Decimal(rng.randint(30, 90)) / 10,
                "none",
            )


SESSION_FIELDS = [
    "code",
    "patient_id",
    "performed_at",
    "clinician_id",
    "site_id",
    "doppler_id",
    "weight_kg",
    "screening_confirmed",
    "consent_obtained",
    "compression",
    "stocking_class",
    "stocking_length",
    "stocking_days",
    "bandage_days",
    "created_by_id",
    "created_at",
    "updated_at",
    "signed_at",
    "signed_by_id",
]


def session_rows(plan: Plan, clinician_ids: list[int], site_ids: list[int]):
    rng = plan.rng
    unsigned_after = plan.now - timedelta(days=2)
    for patient, at, clinician, index, weight, doppler, _ugfs, _n in plan.sessions:
        user = clinician_ids[clinician]
        roll = rng.random()
        compression: tuple[str, str, str, int | None, int | None]
        if roll < 0.2:
            compression = ("none", "", "", None, None)
        elif roll < 0.9:
            compression = ("stocking", "2", "thigh", rng.choice([7, 14, 21]), None)
        else:
            compression = ("bandage", "2", "thigh", 14, rng.choice([1, 2, 3]))
        signed = at + timedelta(minutes=25) if at < unsigned_after else None
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            patient,
            at,
            user,
            site_ids[plan.site_index(clinician, index)],
            doppler,
            weight,
            True,
            True,
            *compression,
            user,
            at,
            signed or at + timedelta(minutes=20),
            signed,
            user if signed else None,
        )


INJECTION_FIELDS = [
    "session_id",
    "leg",
    "segment",
    "site",
    "vessel_type",
    "agent",
    "concentration_pct",
    "form",
    "gas",
    "gas_parts",
    "volume_ml",
    "ultrasound_guided",
    "lot_id",
    "diagram_x_pct",
    "diagram_y_pct",
]
FOAM_SEGMENTS = ["GSVa", "GSVb", "SSV", "AASV"]
FOUR = Decimal("4.0")


def injection_rows(plan: Plan, lots: dict):
    """About six injections a session (ten for the timeline patient). The
    day's limits hold by construction: at most two foams of at most 4 mL
    (8 mL of foam, 48 mg of polidocanol at 3 %) and liquids of at most
    0.6 mL at 1 % or less (6 mg each), so at most 96 mg for 10 injections,
    under 2 mg/kg for the lightest weight, 50 kg; STS at most 0.8 mL each."""
    rng = plan.rng
    for session, (_p, _at, _c, index, _w, _d, ugfs, count) in enumerate(
        plan.sessions, 1
    ):
        period = half_year(plan.agenda.day(index))
        count = count or rng.randint(4, 8)
        foams = rng.randint(1, 2) if ugfs else 0
        for n in range(count):
            leg = rng.choice("RL")
            if n < foams:
                agent, pct = "polidocanol", rng.choice(LOT_KINDS[2:4])[1]
                row = [
                    session,
                    leg,
                    rng.choice(FOAM_SEGMENTS),
                    "",
                    rng.choice(["trunk", "var_large", "var_medium"]),
                    agent,
                    pct,
                    "foam",
                    rng.choice(["air", "co2_o2", "co2"]),
                    FOUR,
                    Decimal(rng.randint(10, 40)) / 10,
                    True,
                ]
            else:
                roll = rng.random()
                if roll < 0.6:
                    agent, pct = rng.choice(LOT_KINDS[:3])
                    vessel = rng.choice(["tel_blue", "reticular", "var_small"])
                    volume = Decimal(rng.randint(1, 6)) / 10
                elif roll < 0.8:
                    agent, pct = LOT_KINDS[5]
                    vessel, volume = "tel_red", Decimal(rng.randint(1, 5)) / 10
                else:
                    agent, pct = LOT_KINDS[4]
                    vessel = rng.choice(["reticular", "var_small"])
                    volume = Decimal(rng.randint(2, 8)) / 10
                row = [
                    session,
                    leg,
                    "",
                    rng.choice(INJECTION_SITES),
                    vessel,
                    agent,
                    pct,
                    "liquid",
                    "",
                    None,
                    volume,
                    False,
                ]
            row.append(lots.get((agent, pct, period)) if rng.random() < 0.7 else None)
            row.append(Decimal(rng.randint(50, 950)) / 10)
            row.append(Decimal(rng.randint(50, 950)) / 10)
            yield tuple(row)


VISIT_FIELDS = [
    "code",
    "patient_id",
    "session_id",
    "site_id",
    "purpose",
    "starts_at",
    "duration_min",
    "clinician_id",
    "status",
    "status_reason",
    "arrived_at",
    "clearance_pct",
    "adverse_events",
    "satisfaction",
    "plan",
    "outcome_notes",
    "completed_at",
    "created_by_id",
    "created_at",
    "updated_at",
]
ADVERSE = ["bruising", "pigmentation", "matting", "trapped_blood", "oedema"]


def visit_rows(plan: Plan, clinician_ids: list[int], site_ids: list[int], desk: int):
    rng = plan.rng
    for (
        patient,
        session,
        purpose,
        starts,
        clinician,
        index,
        status,
        reason,
    ) in plan.visits:
        ends = starts + timedelta(minutes=VISIT_MINUTES)
        booked = min(starts - timedelta(days=rng.randint(1, 30)), plan.now)
        arrived = completed = clearance = satisfaction = None
        adverse: list[str] = []
        outcome_plan = notes = ""
        updated = booked
        if status == "completed":
            arrived = starts - timedelta(minutes=rng.randint(0, 15))
            completed = updated = ends
            if purpose != "treatment":
                clearance = rng.randrange(30, 101, 10)
                satisfaction = rng.choice([3, 4, 4, 5, 5])
                outcome_plan = rng.choice(["another", "another", "complete"])
                if rng.random() < 0.15:
                    adverse = [rng.choice(ADVERSE)]
                notes = "Good response; continue compression as prescribed."
        elif status in ("cancelled", "no_show"):
            updated = min(starts, plan.now)
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            patient,
            session,
            site_ids[plan.site_index(clinician, index)],
            purpose,
            starts,
            VISIT_MINUTES,
            clinician_ids[clinician],
            status,
            reason,
            arrived,
            clearance,
            adverse,
            satisfaction,
            outcome_plan,
            notes,
            completed,
            desk,
            booked,
            updated,
        )


# --- main -------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    server, target_url = server_and_target(args.db)
    started = time.monotonic()
    create_database(server, args.db, args.force)
    configure_django(target_url)

    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection
    from django.db.models import Model

    from doppler.models import DopplerAssessment, DopplerFinding
    from patients.models import Patient
    from treatments.models import Injection, TreatmentSession
    from visits.models import FollowUpVisit

    step = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    print(f"{'migrate':<22} {'':>15} {time.monotonic() - step:8.1f} s", flush=True)
    bulk: list[type[Model]] = [Patient, DopplerAssessment, DopplerFinding]
    bulk += [TreatmentSession, Injection, FollowUpVisit]
    for model in bulk:
        if model._default_manager.exists():
            raise fail(f"{model._meta.db_table} is not empty after migrate")

    step = time.monotonic()
    from django.utils import timezone

    today = timezone.localdate()
    clinic = setup_clinic(
        today, today - timedelta(days=365 * YEARS + 15), today + timedelta(DAYS_AHEAD)
    )
    print(f"{'staff, sites, lots':<22} {'':>15} {time.monotonic() - step:8.1f} s")
    clinician_ids = [user.pk for user in clinic["clinicians"]]
    site_ids = [site.pk for site in clinic["sites"]]
    desk = clinic["users"]["frontdesk"].pk

    plan = Plan(args.scale, clinic, args.seed)
    plan.plan()

    copiers = {
        "patients": run_table(
            "patients", Copier(Patient, patient_fields()), patient_rows(plan)
        ),
        "doppler_assessments": run_table(
            "Doppler assessments",
            Copier(DopplerAssessment, doppler_fields()),
            doppler_rows(plan, clinician_ids),
        ),
        "doppler_findings": run_table(
            "Doppler findings",
            Copier(
                DopplerFinding,
                ["assessment_id", "leg", "segment", "reflux_s", "diameter_mm"]
                + ["thrombus"],
            ),
            finding_rows(plan),
        ),
        "sessions": run_table(
            "sessions",
            Copier(TreatmentSession, SESSION_FIELDS),
            session_rows(plan, clinician_ids, site_ids),
        ),
        "injections": run_table(
            "injections",
            Copier(Injection, INJECTION_FIELDS),
            injection_rows(plan, clinic["lots"]),
        ),
        "visits": run_table(
            "visits",
            Copier(FollowUpVisit, VISIT_FIELDS),
            visit_rows(plan, clinician_ids, site_ids, desk),
        ),
    }

    step = time.monotonic()
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), bulk):
            cursor.execute(sql)
        # The planner's statistics of the copied tables: without them the
        # rebuild's per-visit lookups get plans fit for empty tables.
        cursor.execute("ANALYZE")
    # COPY bypasses the services that keep the statistics' summaries.
    # The command: the statistics' summaries, the trends' and the outcomes'.
    call_command("rebuild_statistics", stdout=io.StringIO())
    print(f"{'statistics summaries':<22} {'':>15} {time.monotonic() - step:8.1f} s")
    step = time.monotonic()
    connection.close()
    import psycopg2

    raw = psycopg2.connect(dbname=args.db, **server)
    raw.autocommit = True
    with raw.cursor() as cursor:
        # VACUUM too: the rebuild rewrote the sessions, and the statistics
        # read them index-only, which needs the visibility map.
        cursor.execute("VACUUM ANALYZE")
        cursor.execute("SELECT pg_database_size(current_database())")
        size = cursor.fetchone()[0]
    raw.close()
    print(f"{'VACUUM ANALYZE':<22} {'':>15} {time.monotonic() - step:8.1f} s")

    timeline = Patient.objects.get(chart_number=f"SC-{plan.timeline_patient:06d}")
    seconds = round(time.monotonic() - started, 1)
    manifest = {
        "db": args.db,
        "scale": args.scale,
        "patients": copiers["patients"].rows,
        "sessions": copiers["sessions"].rows,
        "injections": copiers["injections"].rows,
        "visits": copiers["visits"].rows,
        "doppler_assessments": copiers["doppler_assessments"].rows,
        "doppler_findings": copiers["doppler_findings"].rows,
        "timeline_patient_code": str(timeline.code),
        "timeline_patient_chart": timeline.chart_number,
        "busy_day": plan.agenda.day(plan.busy_index).isoformat(),
        "busy_day_visits": plan.agenda.taken.get(plan.busy_index, 0),
        "sheets_day": plan.agenda.day(plan.sheets_index).isoformat(),
        "sheets_day_sessions": plan.sheets_sessions,
        "clinician_usernames": [user.username for user in clinic["clinicians"]],
        "frontdesk_username": "frontdesk",
        "manager_username": "manager",
        "password": PASSWORD,
        "generated_at": timezone.now().isoformat(timespec="seconds"),
        "seconds": seconds,
        "database_size_bytes": size,
    }
    args.manifest.write_text(json.dumps(manifest, indent=2) + "\n")
    print()
    print(f"database {args.db}: {size / 2**20:,.0f} MiB, {seconds:,.1f} s in all")
    for key in ("patients", "doppler_assessments", "doppler_findings"):
        print(f"  {key:<22} {manifest[key]:>10,}")
    for key in ("sessions", "injections", "visits"):
        print(f"  {key:<22} {manifest[key]:>10,}")
    print(
        f"  timeline patient {timeline.chart_number} ({timeline.code}); busy day "
        f"{manifest['busy_day']} ({manifest['busy_day_visits']} visits); sheets "
        f"day {manifest['sheets_day']} ({manifest['sheets_day_sessions']} sessions)"
    )
    print(f"manifest: {args.manifest}")


if __name__ == "__main__":
    main()

"""The pages of issue 15's table, on demo data or on the big data set.

`demo_data()` loads the demo clinic (load_demo --allow-demo) and adds what
the table needs that the demo lacks, through the services: a patient with
100 sessions of 10 injections, and a day of 20 sessions. `big_data()` finds
the same things in the database `make bench-data` made (its manifest).
Both return a Plan: who logs in as which role, and the pages to time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from bigdata import INJECTION_SITES
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from core.roles import CLINICIAN, FRONT_DESK, MANAGER
from patients.models import Leg, Patient
from patients.services import patient_create
from reporting.period import add_months
from treatments.choices import Agent, Compression, Form, VesselType
from treatments.models import TreatmentSession
from treatments.services import session_create
from visits.models import FollowUpVisit

DEMO_PASSWORD = "sclero-demo"
TIMELINE_SESSIONS = 100
INJECTIONS_PER_SESSION = 10
DAY_SHEETS = 20
PATIENT_PAGE = 2000
PAGE_SIZE = 25  # patients.views.PAGE_SIZE


@dataclass
class Page:
    name: str
    role: str  # "anonymous", CLINICIAN, FRONT_DESK or MANAGER
    url: str
    heavy: bool = False  # a PDF or a long statistics page: fewer repeats


@dataclass
class Plan:
    label: str
    password: str
    users: dict[str, list[str]]  # role -> usernames
    pages: list[Page] = field(default_factory=list)
    notes: dict[str, object] = field(default_factory=dict)

    def page(self, name: str) -> Page:
        return next(p for p in self.pages if p.name == name)


BARE = "bare page (login form)"
AGENDA = "day agenda, all clinicians (busy day)"
PDF = "aftercare PDF (10 injections)"
SEARCHES = (
    "search, phone digits",
    "search, surname prefix",
    "search, name + first name",
    "search, partial chart number",
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _weekday_before(day: date) -> date:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


# The long patient's injections are as varied as the big data set's (its
# generator's vessels and sites), so that the aftercare sheet printed on
# either data set says as much.
VARIED_VESSELS = [
    (VesselType.BLUE_TELANGIECTASIA, Decimal("0.5")),
    (VesselType.RETICULAR, Decimal("0.5")),
    (VesselType.SMALL_VARICOSE, Decimal("1")),
    (VesselType.RETICULAR, Decimal("1")),
]
VARIED_SITES = INJECTION_SITES


def _injections(count: int, varied: bool = False) -> list[dict]:
    rows = []
    for n in range(count):
        vessel, pct = VARIED_VESSELS[(n * 7 // 3) % len(VARIED_VESSELS)]
        if not varied:
            vessel = VesselType.RETICULAR if n % 3 else VesselType.BLUE_TELANGIECTASIA
            pct = Decimal("0.5")
        rows.append(
            {
                "leg": Leg.RIGHT if n % 2 else Leg.LEFT,
                "vessel_type": vessel,
                "agent": Agent.POLIDOCANOL,
                "concentration_pct": pct,
                "form": Form.LIQUID,
                "volume_ml": Decimal("0.5") if varied else Decimal("1"),
                "site": VARIED_SITES[(n * 5) % len(VARIED_SITES)]
                if varied
                else ["lateral thigh", "posterior calf", "medial knee"][n % 3],
                "segment": "",
            }
        )
        if varied:
            # Marked on the leg map, as the big data set's are: the sheet
            # draws it with numbered markers.
            rows[-1]["diagram_x_pct"] = Decimal(10 + (n * 37) % 80)
            rows[-1]["diagram_y_pct"] = Decimal(15 + (n * 53) % 75)
    return rows


def _session(
    patient: Patient, clinician, when: datetime, injections: int, varied=False
):
    return session_create(
        patient=patient,
        clinician=clinician,
        user=clinician,
        injections=_injections(injections, varied),
        data={
            "performed_at": when,
            "weight_kg": patient.weight_kg,
            "screening_confirmed": True,
            "consent_obtained": True,
            "compression": Compression.STOCKING,
            "stocking_class": "2",
            "stocking_length": "thigh",
            "stocking_days": 14,
        },
    )


def _new_patient(n: int, desk, language: str | None = None) -> Patient:
    return patient_create(
        user=desk,
        patient=Patient(
            first_name=["Giulia", "Marco", "Sara", "Luca"][n % 4],
            last_name=f"Benchmark{n:03d}",
            date_of_birth=date(1950 + n % 40, 1 + n % 12, 1 + n % 28),
            sex="F" if n % 4 != 1 else "M",
            phone=f"+39 347 {5000000 + n:07d}",
            language=language or ("it" if n % 2 else "en"),
            weight_kg=Decimal("70"),
        ),
    )


def demo_data() -> Plan:
    """Load the demo and the table's extras; return the plan."""
    call_command("load_demo", "--allow-demo", verbosity=0)
    users = get_user_model().objects
    clinician = users.get(username="clinician")
    desk = users.get(username="frontdesk")
    today = timezone.localdate()

    # 100 weekly sessions of 10 injections, the latest a few days ago. In
    # Italian with varied injections, as the big data set's long patient
    # (its aftercare sheet is the PDF timed: two pages, the same words).
    long_patient = _new_patient(0, desk, language="it")
    start = _weekday_before(today - timedelta(days=3))
    for n in range(TIMELINE_SESSIONS):
        _session(
            long_patient,
            clinician,
            _at(start - timedelta(weeks=n), 10),
            10,
            varied=True,
        )

    # A day of 20 sessions, clear of the demo's (last 40 days); in Italian
    # and English, marked on the leg map, as the big data set's sessions are.
    sheets_day = _weekday_before(today - timedelta(days=120))
    hours = [8, 9, 10, 11, 12, 14, 15, 16, 17, 18]
    for n in range(DAY_SHEETS):
        _session(
            _new_patient(1 + n, desk),
            clinician,
            _at(sheets_day, hours[n % len(hours)], 30 * (n // len(hours))),
            3,
            varied=True,
        )
    busy = _busiest_day(today)
    plan = Plan(
        label="demo (load_demo + the table's extras)",
        password=DEMO_PASSWORD,
        users={
            CLINICIAN: ["clinician", "clinician2"],
            FRONT_DESK: ["frontdesk"],
            MANAGER: ["manager"],
        },
    )
    _fill(plan, long_patient, busy, sheets_day, today)
    return plan


def _busiest_day(today: date) -> date:
    """The day with the most visits, from two weeks back to two weeks on."""
    from visits.models import FollowUpVisit

    rows = (
        FollowUpVisit.objects.filter(
            starts_at__gte=_at(today - timedelta(days=14), 0),
            starts_at__lt=_at(today + timedelta(days=15), 0),
        )
        .annotate(day=TruncDate("starts_at"))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-n", "day")
    )
    first = rows.first()
    return first["day"] if first else today


def _sheets_day(today: date) -> tuple[date, int]:
    """A day with about 20 unvoided sessions (the closest to 20)."""
    rows = (
        TreatmentSession.objects.active()
        .filter(performed_at__gte=_at(today - timedelta(days=3 * 365), 0))
        .annotate(day=TruncDate("performed_at"))
        .values("day")
        .annotate(n=Count("id"))
    )
    best = min(rows, key=lambda row: (abs(row["n"] - DAY_SHEETS), row["day"]))
    return best["day"], best["n"]


def _role_users(role: str) -> list[str]:
    return list(
        get_user_model()
        .objects.filter(groups__name=role, is_active=True, is_superuser=False)
        .order_by("id")
        .values_list("username", flat=True)
    )


def big_data(manifest: dict) -> Plan:
    """Find the table's pages in the big data set (read-only)."""
    today = timezone.localdate()
    long_patient = Patient.objects.get(code=manifest["timeline_patient_code"])
    busy = date.fromisoformat(str(manifest["busy_day"]))
    if manifest.get("sheets_day"):
        sheets_day = date.fromisoformat(str(manifest["sheets_day"]))
        sheet_count = manifest.get("sheets_day_sessions")
    else:
        sheets_day, sheet_count = _sheets_day(today)
    clinicians = list(manifest.get("clinician_usernames") or _role_users(CLINICIAN))
    plan = Plan(
        label=f"big ({manifest['db']}, scale {manifest.get('scale')})",
        password=manifest["password"],
        users={
            CLINICIAN: clinicians,
            FRONT_DESK: [manifest["frontdesk_username"]]
            if manifest.get("frontdesk_username")
            else _role_users(FRONT_DESK) or clinicians,
            MANAGER: [manifest["manager_username"]]
            if manifest.get("manager_username")
            else _role_users(MANAGER) or clinicians,
        },
    )
    if sheet_count is not None:
        plan.notes["sheets"] = sheet_count
    _fill(plan, long_patient, busy, sheets_day, today)
    for key in ("patients", "sessions", "injections", "visits"):
        plan.notes[key] = manifest.get(key)
    return plan


def _query(url: str, **params) -> str:
    return f"{url}?{urlencode(params)}"


def _list_page_url(patients: str, number: int) -> str:
    """The patient list's page `number` as the list reaches it (by keyset):
    after the last patient of the page before."""
    if number <= 1:
        return patients
    ordered = Patient.objects.active().order_by("last_name", "first_name", "id")
    before = ordered.values_list("code", flat=True)[(number - 1) * PAGE_SIZE - 1]
    return _query(patients, after=before)


def _fill(plan: Plan, long_patient, busy: date, sheets_day: date, today: date):
    stats = reverse("reporting:statistics")
    export = reverse("reporting:export")
    three_years = {"from": add_months(today, -35).isoformat(), "to": today.isoformat()}
    patients = reverse("patients:list")
    sample = (
        Patient.objects.active()
        .exclude(phone="")
        .exclude(pk=long_patient.pk)
        .order_by("id")
    )
    someone = sample[sample.count() // 2]
    digits = "".join(ch for ch in someone.phone if ch.isdigit())
    active = Patient.objects.active().count()
    last_page = max(1, math.ceil(active / PAGE_SIZE))
    pdf_session = (
        TreatmentSession.objects.active()
        .filter(patient=long_patient)
        .order_by("-performed_at")
        .first()
    )
    assert pdf_session is not None
    list_page = min(PATIENT_PAGE, last_page)
    plan.notes.update(
        busy_day=busy.isoformat(),
        sheets_day=sheets_day.isoformat(),
        patient_list_page=list_page,
        active_patients=active,
        pdf_injections=pdf_session.injections.count(),
    )
    # The clinician with the most visits on the busy day: the one-clinician agendas.
    busiest = (
        FollowUpVisit.objects.filter(starts_at__date=busy)
        .values("clinician_id")
        .annotate(n=Count("id"))
        .order_by("-n", "clinician_id")
        .values_list("clinician_id", flat=True)
        .first()
    ) or ""
    agenda_day = reverse("visits:agenda-day")
    agenda_week = reverse("visits:agenda-week")
    plan.pages = [
        # The ratios' base: the login form fetched by a logged-in user (session
        # and user loaded, as on every page), as issue 15's numbers were taken.
        Page(BARE, CLINICIAN, reverse("login")),
        Page("login form, anonymous", "anonymous", reverse("login")),
        Page("statistics, 12 months", MANAGER, stats, heavy=True),
        Page("statistics, 3 years", MANAGER, _query(stats, **three_years), heavy=True),
        Page("statistics CSV, 12 months", MANAGER, export, heavy=True),
        Page(
            "statistics CSV, 3 years",
            MANAGER,
            _query(export, **three_years),
            heavy=True,
        ),
        Page("clinic trends, 12 months", MANAGER, reverse("reporting:trends")),
        Page(
            "clinic trends, 3 years",
            MANAGER,
            _query(reverse("reporting:trends"), **three_years),
        ),
        Page("worklist", FRONT_DESK, reverse("visits:worklist")),
        Page(
            "week agenda, all clinicians",
            FRONT_DESK,
            _query(agenda_week, date=busy.isoformat()),
        ),
        Page(
            AGENDA,
            FRONT_DESK,
            _query(agenda_day, date=busy.isoformat()),
        ),
        Page("search, phone digits", FRONT_DESK, _query(patients, q=digits[-7:-1])),
        Page(
            "search, surname prefix",
            FRONT_DESK,
            _query(patients, q=someone.last_name[:4]),
        ),
        Page(
            "search, name + first name",
            FRONT_DESK,
            _query(patients, q=f"{someone.last_name} {someone.first_name}"),
        ),
        Page(
            "search, partial chart number",
            FRONT_DESK,
            _query(patients, q=someone.chart_number[:-2]),
        ),
        Page(
            # Named alike on every data set, for --compare; the page is in the notes.
            "patient list, page 2,000 (or the last)",
            FRONT_DESK,
            _list_page_url(patients, list_page),
        ),
        Page(
            "timeline, 100 sessions x 10 injections, ?all=1",
            CLINICIAN,
            _query(reverse("records:patient", args=[long_patient.code]), all=1),
        ),
        Page(
            "timeline, default view",
            CLINICIAN,
            reverse("records:patient", args=[long_patient.code]),
        ),
        Page(
            "day agenda, one clinician (busy day)",
            FRONT_DESK,
            _query(agenda_day, date=busy.isoformat(), clinician=busiest),
        ),
        Page(
            "week agenda, one clinician",
            FRONT_DESK,
            _query(agenda_week, date=busy.isoformat(), clinician=busiest),
        ),
        Page(
            "booking form",
            FRONT_DESK,
            reverse("visits:create", args=[someone.code]),
        ),
        Page(
            PDF,
            CLINICIAN,
            reverse("printing:aftercare-pdf", args=[pdf_session.code]),
            heavy=True,
        ),
        Page(
            "a day's 20 aftercare sheets, one PDF",
            CLINICIAN,
            _query(
                reverse("printing:aftercare-day"),
                date=sheets_day.isoformat(),
                format="pdf",
            ),
            heavy=True,
        ),
    ]
    # The load mix's pages (bench/load.py).
    plan.notes["timeline_url"] = reverse("records:patient", args=[long_patient.code])

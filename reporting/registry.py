"""The registry export: one CSV row per treated leg and course, pseudonymised.

The fields are those the varicose vein registries collect (the SVS VQI
varicose vein registry, the AVLS PRO Vein registry): CEAP and VCSS before
and after, the symptom score before and after, the procedure, complications
with their timing, and the days of follow-up.

A row is one (patient, leg, course). A course is the patient's active
sessions after the previous completed follow-up visit that recorded
"course complete", up to the next such visit (its day is the course's end).
The sessions after the last one form an open course, which ends at the
period's end (later sessions are left out). A course is exported when one
of its sessions is in the period (and by the chosen clinician, when one is
chosen); its row counts every session of the course that injected the leg,
whoever did it. A leg not injected in the course has no row.

The columns (machine names, in English, the same in every language, so
that a registry's import reads them; COLUMNS documents each):

- ``pseudonym``: HMAC-SHA256 of the patient's code with the registry key
  (``settings.SCLERO_REGISTRY_KEY``; by default derived from SECRET_KEY
  with a salt of its own), in hex. The same patient always gets the same
  pseudonym under the same key, in every export; without the key it cannot
  be linked back. The chart number, name, birth date and contact details
  are never written: the age is a five-year band at the course's start.
- CEAP and VCSS before/after and the symptom score before/after, by
  ``outcomes.trends.before_after`` (the patient page's readings and rule):
  before is the latest reading on or before the leg's first session of the
  course; CEAP/VCSS after is the latest Doppler after the leg's last session
  and on or before the course's end (the course-complete visit's day, as the
  clinic trends' course summaries; an open course: the period's end); the
  symptom score after is the latest response after the last session and
  before the patient's next course starts (the questionnaires of 1 to 12
  months come after the course ends).
- Complications: the adverse events of completed follow-up visits in the
  course (after its first session, up to its end, or for a closed course up
  to the next course), each as ``code:days`` where days count from the
  session the visit followed (else the nearest session before it) to the
  visit. A visit's events belong to the legs that session injected (the
  visit records no leg).
- ``follow_up_days``: from the leg's last session to the last completed
  follow-up visit after it (within the same bounds as the complications);
  empty without one.

Queries: the patients are read in chunks of CHUNK; each chunk costs the
same 7 queries whatever the number of its rows (patients, sessions,
injections, visits, and outcomes.trends' three), plus 1 for the list of
patients.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from outcomes.trends import (
    PatientTrends,
    Reading,
    before_after,
    trends_for_patients,
)
from patients.models import Leg, Patient
from reporting.period import Period
from treatments.models import Injection, TreatmentSession
from visits.models import FollowUpVisit, VisitPlan, VisitStatus

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CHUNK = 200
# The key's salt when it is derived from SECRET_KEY (never change it: every
# pseudonym would change with it).
KEY_SALT = "sclero_clinic.reporting.registry.pseudonym"

LEG_NAMES = {Leg.RIGHT.value: "right", Leg.LEFT.value: "left"}

# (column, what it holds): the CSV's header and its documentation (shown on
# the export page).
COLUMNS: list[tuple[str, StrOrPromise]] = [
    ("pseudonym", _("HMAC-SHA256 of the patient's code with the registry key")),
    ("sex", _("F, M or X (other / not stated)")),
    ("age_band", _("age at the course's start, in five-year bands (45-49)")),
    ("leg", _("right or left")),
    ("course_start", _("day of the leg's first session of the course")),
    ("course_end", _("day of the course-complete visit; empty while open")),
    ("course_complete", _("yes or no")),
    ("sessions", _("sessions of the course that injected the leg")),
    ("ceap_before", _("highest CEAP clinical class before the course")),
    ("ceap_after", _("highest CEAP clinical class after the course")),
    ("vcss_before", _("revised VCSS of the leg before the course")),
    ("vcss_after", _("revised VCSS of the leg after the course")),
    ("symptom_before", _("symptom score before the course")),
    ("symptom_after", _("symptom score after the course")),
    ("symptom_after_days", _("days from the last session to that score")),
    ("agents", _("sclerosants injected, semicolon-separated")),
    ("forms", _("liquid, foam, semicolon-separated")),
    ("vessel_types", _("vessel types treated, semicolon-separated")),
    ("max_concentration_pct", _("highest concentration injected (%)")),
    ("total_volume_ml", _("volume injected on the leg in the course (mL)")),
    ("injections", _("injections on the leg in the course")),
    ("ultrasound_guided", _("yes when an injection was ultrasound-guided")),
    ("complications", _("adverse event code:days after the session, semicolons")),
    ("follow_up_days", _("days from the last session to the last follow-up visit")),
]
HEADER = [name for name, _text in COLUMNS]


# --- the pseudonym ----------------------------------------------------------


def registry_key() -> bytes:
    """The key of the pseudonyms: SCLERO_REGISTRY_KEY, else one derived from
    SECRET_KEY with a salt of its own (so that it is not the key of any
    other use of SECRET_KEY)."""
    configured = getattr(settings, "SCLERO_REGISTRY_KEY", "") or ""
    if configured:
        return str(configured).encode()
    return salted_hmac(KEY_SALT, "registry-key", algorithm="sha256").digest()


def pseudonym(patient_code: object, key: bytes | None = None) -> str:
    """The patient's stable pseudonym: HMAC-SHA256(key, code) in hex."""
    return hmac.new(
        key if key is not None else registry_key(),
        str(patient_code).encode(),
        hashlib.sha256,
    ).hexdigest()


def age_band(born: date | None, on: date) -> str:
    if born is None:
        return ""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    low = max(age, 0) // 5 * 5
    return f"{low}-{low + 4}"


# --- courses ----------------------------------------------------------------


@dataclass
class SessionRow:
    id: int
    on: date
    clinician_id: int
    legs: set[str] = field(default_factory=set)
    injections: list[dict] = field(default_factory=list)


@dataclass
class VisitRow:
    on: date
    plan: str
    session_id: int | None
    adverse_events: list[str]


@dataclass
class Course:
    sessions: list[SessionRow]
    end: date | None  # the course-complete visit's day; None: open
    # The first session of the patient's next course (None: no next one).
    next_start: date | None


def split_courses(
    sessions: list[SessionRow], complete_days: list[date], period_last: date
) -> list[Course]:
    """The patient's courses: sessions in date order, cut after each
    course-complete visit; the sessions after the last one (up to
    `period_last`) form an open course."""
    courses: list[Course] = []
    ends = sorted(complete_days)
    remaining = sorted(sessions, key=lambda s: (s.on, s.id))
    for end in ends:
        taken = [s for s in remaining if s.on <= end]
        remaining = [s for s in remaining if s.on > end]
        if taken:
            courses.append(Course(taken, end, None))
    open_sessions = [s for s in remaining if s.on <= period_last]
    if open_sessions:
        courses.append(Course(open_sessions, None, None))
    for course, following in zip(courses, courses[1:], strict=False):
        course.next_start = following.sessions[0].on
    if courses and courses[-1].end is not None and remaining:
        courses[-1].next_start = remaining[0].on
    return courses


# --- the rows ---------------------------------------------------------------


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        if value == value.to_integral():
            return str(int(value))
        return format(value, "f")
    return str(value)


def _text(reading: Reading | None) -> str:
    return "" if reading is None else reading.text


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _nearest_session(
    visit: VisitRow, sessions: list[SessionRow], by_id: dict[int, SessionRow]
) -> SessionRow | None:
    if visit.session_id is not None and visit.session_id in by_id:
        return by_id[visit.session_id]
    before = [s for s in sessions if s.on <= visit.on]
    return before[-1] if before else None


def course_rows(
    patient: dict,
    course: Course,
    visits: list[VisitRow],
    trends: PatientTrends,
    all_sessions: list[SessionRow],
    period: Period,
) -> Iterator[list[str]]:
    """The rows of one course: one per leg it injected."""
    by_id = {s.id: s for s in all_sessions}
    horizon: date | None
    if course.next_start is not None:
        horizon = date.fromordinal(course.next_start.toordinal() - 1)
    elif course.end is None:
        horizon = period.last
    else:
        horizon = None
    doppler_until = course.end or period.last
    for leg in (Leg.RIGHT.value, Leg.LEFT.value):
        leg_sessions = [s for s in course.sessions if leg in s.legs]
        if not leg_sessions:
            continue
        first, last = leg_sessions[0].on, leg_sessions[-1].on
        leg_trend = trends.leg(leg)
        ceap = before_after(leg_trend.ceap, first, last, doppler_until)
        vcss = before_after(leg_trend.vcss, first, last, doppler_until)
        symptom = before_after(trends.symptoms, first, last, horizon)
        injections = [i for s in leg_sessions for i in s.injections if i["leg"] == leg]
        leg_session_ids = {s.id for s in leg_sessions}
        complications: list[str] = []
        follow_up: date | None = None
        for visit in visits:
            if visit.on <= course.sessions[0].on:
                continue
            if horizon is not None and visit.on > horizon:
                continue
            if visit.on > last:
                follow_up = visit.on if follow_up is None else max(follow_up, visit.on)
            if not visit.adverse_events:
                continue
            session = _nearest_session(visit, all_sessions, by_id)
            if session is None or session.id not in leg_session_ids:
                continue
            days = (visit.on - session.on).days
            complications.extend(f"{code}:{days}" for code in visit.adverse_events)
        yield [
            patient["pseudonym"],
            patient["sex"],
            age_band(patient["date_of_birth"], first),
            LEG_NAMES[leg],
            first.isoformat(),
            course.end.isoformat() if course.end else "",
            _yes(course.end is not None),
            str(len(leg_sessions)),
            _text(ceap.before),
            _text(ceap.after),
            _text(vcss.before),
            _text(vcss.after),
            _text(symptom.before),
            _text(symptom.after),
            str((symptom.after.on - last).days) if symptom.after else "",
            ";".join(sorted({i["agent"] for i in injections})),
            ";".join(sorted({i["form"] for i in injections})),
            ";".join(
                sorted({i["vessel_type"] for i in injections if i["vessel_type"]})
            ),
            _number(max(i["concentration_pct"] for i in injections)),
            _number(sum((i["volume_ml"] for i in injections), Decimal(0))),
            str(len(injections)),
            _yes(any(i["ultrasound_guided"] for i in injections)),
            ";".join(complications),
            str((follow_up - last).days) if follow_up else "",
        ]


def registry_patient_ids(period: Period) -> list[int]:
    """The patients with an active session in the period (by the clinician,
    if one is chosen) that injected a leg (1 query)."""
    start, end = period.bounds()
    sessions = TreatmentSession.objects.filter(
        voided_at__isnull=True,
        performed_at__gte=start,
        performed_at__lt=end,
        injections__voided_at__isnull=True,
    )
    if period.clinician is not None:
        sessions = sessions.filter(clinician=period.clinician)
    return sorted(set(sessions.values_list("patient_id", flat=True)))


def _chunk_rows(ids: list[int], period: Period) -> Iterator[list[str]]:
    """The rows of a chunk of patients (7 queries)."""
    key = registry_key()
    patients = {
        row["id"]: {
            "pseudonym": pseudonym(row["code"], key),
            "sex": row["sex"],
            "date_of_birth": row["date_of_birth"],
        }
        for row in Patient.objects.filter(pk__in=ids).values(
            "id", "code", "sex", "date_of_birth"
        )
    }
    sessions: dict[int, list[SessionRow]] = defaultdict(list)
    session_by_id: dict[int, SessionRow] = {}
    for sid, pid, performed_at, clinician_id in (
        TreatmentSession.objects.filter(patient_id__in=ids, voided_at__isnull=True)
        .order_by("performed_at", "id")
        .values_list("id", "patient_id", "performed_at", "clinician_id")
    ):
        row = SessionRow(sid, timezone.localdate(performed_at), clinician_id)
        sessions[pid].append(row)
        session_by_id[sid] = row
    for injection in (
        Injection.objects.filter(
            session__patient_id__in=ids,
            session__voided_at__isnull=True,
            voided_at__isnull=True,
        )
        .order_by("id")
        .values(
            "session_id", "leg", "agent", "form", "concentration_pct",
            "volume_ml", "ultrasound_guided", "vessel_type",
        )
    ):  # fmt: skip
        session = session_by_id.get(injection["session_id"])
        if session is not None:
            session.legs.add(injection["leg"])
            session.injections.append(dict(injection))
    visits: dict[int, list[VisitRow]] = defaultdict(list)
    complete: dict[int, list[date]] = defaultdict(list)
    for pid, starts_at, plan, session_id, events in (
        FollowUpVisit.objects.filter(patient_id__in=ids, status=VisitStatus.COMPLETED)
        .order_by("starts_at", "id")
        .values_list("patient_id", "starts_at", "plan", "session_id", "adverse_events")
    ):
        on = timezone.localdate(starts_at)
        codes = [str(code) for code in events or [] if code]
        visits[pid].append(VisitRow(on, plan, session_id, codes))
        if plan == VisitPlan.COMPLETE:
            complete[pid].append(on)
    trends = trends_for_patients(ids)
    for pid in ids:
        patient_sessions = [s for s in sessions[pid] if s.legs]
        for course in split_courses(patient_sessions, complete[pid], period.last):
            if not any(
                period.first <= s.on <= period.last
                and (period.clinician is None or s.clinician_id == period.clinician.pk)
                for s in course.sessions
            ):
                continue
            yield from course_rows(
                patients[pid],
                course,
                visits[pid],
                trends[pid],
                patient_sessions,
                period,
            )


def registry_rows(
    period: Period, patient_ids: Iterable[int] | None = None
) -> Iterator[list[str]]:
    """Every row of the export, patients read CHUNK at a time (header not
    included). Pass `patient_ids` when already read (registry_patient_ids)."""
    ids = list(patient_ids) if patient_ids is not None else registry_patient_ids(period)
    for index in range(0, len(ids), CHUNK):
        yield from _chunk_rows(ids[index : index + CHUNK], period)

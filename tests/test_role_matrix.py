"""The role matrix: every URL of the site, as each role, and what front desk sees.

The whole URL resolver is walked (the admin included): every named pattern
must have a row in MATRIX, so a new URL fails here until someone decides who
may open it. Each row builds its URL from the same fixture records (a patient
with a medical history, a Doppler, a session with an injection, a completed
visit with an outcome, a booked visit) and gives the GET outcome for each of
ROLES, and for a URL that changes something the POST outcome: refused (403)
for those who may not, not refused for those who may (a form with errors or
a redirect is fine).

Front desk sees headlines only (core.roles.sees_clinical_detail): every page,
fragment, PDF, ICS and CSV that front desk opens is searched for the clinical
detail of the records (MARKERS: agent, concentration, volume, dose, Doppler
findings, CEAP, outcome, adverse events, reactions, notes, addenda, medical
history and the screening alerts), which must be absent; a row's `clinical`
markers must be present for the clinician on the same URL, so that the
absence proves something, and its `shown` headlines for both.

The session has a clinical photo: its note is a marker (shown on the session
and comparison pages to clinical staff) and its file and thumbnail URLs are
refused to front desk; their bytes are not searched for markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinics.models import Absence, Closure, Site, SiteMembership, WorkingHours
from consent.models import ConsentText
from consent.services import consent_sign_on_tablet
from core.models import AddendumKind, Letterhead
from core.roles import CLINICIAN, FRONT_DESK, MANAGER, setup_roles
from doppler.models import DopplerFinding
from doppler.segments import Segment
from doppler.services import doppler_addendum_add
from patients.models import Answer, Leg
from tests.conftest import (
    PASSWORD,
    client_for,
    frozen_now,
    make_doppler,
    make_injection,
    make_lot,
    make_patient,
    make_session,
    make_user,
    make_visit,
)
from tests.consent.conftest import signature_png
from tests.helpers import at, in_days, pdf_text, shipped_instrument
from tests.photos.factories import make_photo
from treatments.choices import Agent, Form, Gas, VesselType
from treatments.services import session_addendum_add
from visits.models import AdverseEvent, VisitPlan, VisitStatus

# The outcome and agenda pages follow today; the records sit around it.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

ROLES = ("anonymous", "outsider", "frontdesk", "clinician", "manager")

# Outcomes: an HTTP status, or one of these.
LOGIN = "to login"  # 302 to the site's login page
ADMIN_LOGIN = "to admin login"  # 302 to the admin's login page
ALLOWED = "allowed"  # a POST that is not refused: not 403/405, no server error
REDIRECT = "302 elsewhere"  # 302 to any other page (the row says which if fixed)


# --- the clinical detail front desk never sees ----------------------------------

ALLERGY = "MARKER-ALLERGY"
SCREENING = "sclerosant"  # the alert "known allergy to a sclerosant"
HISTORY = "MARKER-HISTORY"
CONCLUSION = "MARKER-CONCLUSION"
REACTION = "MARKER-REACTION"
SESSION_NOTE = "MARKER-NOTE"
OVERRIDE = "MARKER-OVERRIDE"
ADVERSE = "MARKER-ADVERSE"
OUTCOME = "MARKER-OUTCOME"
CONCENTRATION = "0.75"  # polidocanol 0.75 %
VOLUME = "1.60"  # mL
DOSE = "12.00"  # mg: 0.75 % of 1.60 mL
AGENT = "Polidocanol"
REFLUX = "3.7 s"
CEAP = "C4c"
CLEARANCE = "65 %"
SATISFACTION = "3/5"
ADVERSE_EVENT = "necrosis"  # "Skin necrosis / ulcer"
PLAN = "Refer for laser"
DOPPLER_ADDENDUM = "MARKER-DOPPLER-ADDENDUM"
# Headlines everyone sees: the patients' names.
NAME = "Esposito"
WAITING = "Bianchi"
# The aftercare sheet is given to the patient, whoever prints it: what was
# treated in plain words and the compression to wear, never the agent, its
# concentration, the volumes or doses, nor the reactions and notes of the day.
AFTERCARE = (NAME, "What we treated", "Right leg", "Compression")
SESSION_ADDENDUM = "MARKER-SESSION-ADDENDUM"
PHOTO_NOTE = "MARKER-PHOTO-NOTE"
LOT = "LOT-4711"  # the lot number of the session's injection

MARKERS = (
    ALLERGY,
    SCREENING,
    HISTORY,
    CONCLUSION,
    REACTION,
    SESSION_NOTE,
    OVERRIDE,
    ADVERSE,
    OUTCOME,
    CONCENTRATION,
    VOLUME,
    DOSE,
    AGENT,
    REFLUX,
    CEAP,
    CLEARANCE,
    SATISFACTION,
    ADVERSE_EVENT,
    PLAN,
    DOPPLER_ADDENDUM,
    SESSION_ADDENDUM,
    PHOTO_NOTE,
)
SESSION_DETAIL = (
    AGENT,
    CONCENTRATION,
    VOLUME,
    DOSE,
    REACTION,
    SESSION_NOTE,
    OVERRIDE,
    SESSION_ADDENDUM,
    PHOTO_NOTE,
)
DOPPLER_DETAIL = (CONCLUSION, REFLUX, CEAP, DOPPLER_ADDENDUM)
OUTCOME_DETAIL = (CLEARANCE, SATISFACTION, ADVERSE_EVENT, ADVERSE, OUTCOME, PLAN)
TIMELINE_DETAIL = (
    AGENT,
    CONCENTRATION,
    VOLUME,
    DOSE,
    CONCLUSION,
    REFLUX,
    CEAP,
    CLEARANCE,
    SATISFACTION,
    ADVERSE_EVENT,
    PLAN,
    ALLERGY,
    SCREENING,
)


# --- the records every URL is built from ---------------------------------------


@dataclass
class World:
    users: dict[str, Any]
    patient: Any
    doppler: Any
    session: Any
    visit: Any  # completed, with its outcome
    booked: Any  # next week, scheduled
    letterhead: Any
    superuser: Any
    group: Any
    # rows of models the manager has no admin permission for
    others: dict[str, Any]
    photo: Any = None  # a clinical photo of the session
    lot: Any = None  # the sclerosant lot of the session's injection
    consent: Any = None  # a consent signed on the tablet, with its PDF

    def history_id(self, record: Any) -> int:
        return record.history.latest("history_id").history_id


def _build_world() -> World:
    setup_roles()
    clinician = make_user("clinician", CLINICIAN)
    frontdesk = make_user("frontdesk", FRONT_DESK)
    manager = make_user("manager", MANAGER, is_staff=True)
    outsider = make_user("outsider")
    patient = make_patient(
        sclerosant_allergy=Answer.YES,
        allergy_notes=ALLERGY,
        history_notes=HISTORY,
        screening_asked_on=at(-10).date(),
    )
    doppler = make_doppler(patient, clinician, ceap_right=CEAP, conclusion=CONCLUSION)
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.LEFT, segment=Segment.GSV_A, reflux_s=Decimal("3.7")
    )
    session = make_session(
        patient,
        clinician,
        doppler=doppler,
        immediate_reactions=REACTION,
        notes=SESSION_NOTE,
        limit_override_by=clinician,
        limit_override_reason=OVERRIDE,
    )
    lot = make_lot(lot_number=LOT, concentration_pct=Decimal("0.75"))
    make_injection(
        session,
        agent=Agent.POLIDOCANOL,
        concentration_pct=Decimal("0.75"),
        volume_ml=Decimal("1.6"),
        lot=lot,
    )
    visit = make_visit(
        patient,
        clinician,
        starts_at=at(-1, 9),
        session=session,
        status=VisitStatus.COMPLETED,
        clearance_pct=65,
        satisfaction=3,
        plan=VisitPlan.LASER,
        adverse_events=[AdverseEvent.NECROSIS],
        adverse_event_notes=ADVERSE,
        outcome_notes=OUTCOME,
    )
    # Next week, on a day the week agenda shows (not a Sunday).
    ahead = 8 if in_days(7).weekday() == 6 else 7
    booked = make_visit(patient, clinician, starts_at=at(ahead, 9))
    # Treated with foam a week ago, no follow-up booked: on the worklist.
    waiting = make_patient(first_name="Lucia", last_name="Bianchi")
    foam = make_session(
        waiting, clinician, performed_at=at(-7, 11), immediate_reactions=REACTION
    )
    make_injection(
        foam,
        agent=Agent.POLIDOCANOL,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        vessel_type=VesselType.SMALL_VARICOSE,
        ultrasound_guided=True,
        concentration_pct=Decimal("0.75"),
        volume_ml=Decimal("1.6"),
    )
    return World(
        users={
            "outsider": outsider,
            "frontdesk": frontdesk,
            "clinician": clinician,
            "manager": manager,
        },
        patient=patient,
        doppler=doppler,
        session=session,
        visit=visit,
        booked=booked,
        letterhead=Letterhead.objects.create(clinic_name="Sclero Clinic"),
        superuser=get_user_model().objects.create_superuser(
            "root", password=PASSWORD, email="root@example.org"
        ),
        group=Group.objects.get(name=CLINICIAN),
        # A user with a device must give its code: someone none of the clients is.
        others=_other_admin_rows(make_user("enrolled"), doppler, session),
        photo=make_photo(session, clinician, notes=PHOTO_NOTE),
        lot=lot,
        consent=_signed_consent(patient, clinician),
    )


def _signed_consent(patient: Any, clinician: Any) -> Any:
    text = ConsentText.objects.get(procedure="liquid", language="en", active=True)
    return consent_sign_on_tablet(
        patient=patient,
        procedure="liquid",
        text=text,
        signature_png=signature_png(),
        witness=clinician,
        witness_name="",
        user=clinician,
    )


def _other_admin_rows(owner: Any, doppler: Any, session: Any) -> dict[str, Any]:
    request = {"user_agent": "test", "http_accept": "*/*", "path_info": "/login/"}
    return {
        "doppler_doppleraddendum": doppler_addendum_add(
            assessment=doppler, user=doppler.examiner, text=DOPPLER_ADDENDUM
        ),
        "treatments_sessionaddendum": session_addendum_add(
            session=session,
            user=session.clinician,
            kind=AddendumKind.REACTION,
            text=SESSION_ADDENDUM,
        ),
        # (a login resets the attempts of its username: not one of the cast's)
        "axes_accessattempt": AccessAttempt.objects.create(
            username="enrolled",
            get_data="",
            post_data="",
            failures_since_start=1,
            **request,
        ),
        "axes_accessfailurelog": AccessFailureLog.objects.create(
            username="clinician", **request
        ),
        "axes_accesslog": AccessLog.objects.create(username="clinician", **request),
        "otp_static_staticdevice": StaticDevice.objects.create(
            user=owner, name="recovery codes"
        ),
        "otp_totp_totpdevice": TOTPDevice.objects.create(user=owner, name="phone"),
        # a queued background task (a reminder's), by its task id
        "django_tasks_database_dbtaskresult": _queued_task(),
    }


def _queued_task() -> Any:
    from django_tasks_db.models import DBTaskResult

    from visits.tasks import send_visit_message

    result = send_visit_message.enqueue(0)
    return DBTaskResult.objects.get(id=result.id)


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The records, built once for the module in a transaction rolled back at
    its end; each test's own changes (its POSTs) roll back after the test."""
    fast_hasher = override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(frozen_now(), tick=True), fast_hasher:
            built = _build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def world(shared_world: World, db) -> World:
    return shared_world


# --- the matrix ------------------------------------------------------------------

Outcomes = tuple[Any, Any, Any, Any, Any]  # in ROLES order


def app(outsider: Any, frontdesk: Any, clinician: Any, manager: Any) -> Outcomes:
    """A page of the site: anonymous users go to the login page."""
    return (LOGIN, outsider, frontdesk, clinician, manager)


def staff(manager: Any) -> Outcomes:
    """A model's admin page: only staff (the manager) gets in; an anonymous
    user goes to the site's login, a logged-in one without staff status to
    the admin's login."""
    return (LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, manager)


def site_admin(manager: Any) -> Outcomes:
    """One of the admin site's own pages: everyone else goes to its login."""
    return (ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, manager)


EVERYONE = app(200, 200, 200, 200)
ROLE_HOLDERS = app(403, 200, 200, 200)
CLINICIANS = app(403, 403, 200, 403)
CLINICAL_READERS = app(403, 403, 200, 200)
MANAGERS = app(403, 403, 403, 200)
BOOKERS = app(403, 200, 200, 403)
POST_ONLY = app(405, 405, 405, 405)
# Opened by a secret in the address, without a login.
EVERYONE_PUBLIC = (200, 200, 200, 200, 200)
PUBLIC_NOT_FOUND = (404, 404, 404, 404, 404)

Y, N = ALLOWED, 403


@dataclass(frozen=True)
class Case:
    name: str
    get: Outcomes
    args: Callable[[World], list[Any]] | None = None
    post: Outcomes | None = None
    query: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    data: Callable[[World], dict[str, Any]] | None = None
    # Shown to the clinician on this URL, never to front desk.
    clinical: tuple[str, ...] = ()
    # Shown to front desk and the clinician alike (the URL shows the records).
    shown: tuple[str, ...] = ()
    label: str = ""
    setup: Callable[[Any], None] | None = None

    @property
    def id(self) -> str:
        return self.label or self.name


def _patient(w: World) -> list[Any]:
    return [w.patient.code]


def _doppler(w: World) -> list[Any]:
    return [w.doppler.code]


def _doctor(w: World) -> list[Any]:
    from patients.models import ReferringDoctor

    doctor, _new = ReferringDoctor.objects.get_or_create(name="Dott. Matrix")
    return [doctor.code]


def _session(w: World) -> list[Any]:
    return [w.session.code]


def _visit(w: World) -> list[Any]:
    return [w.visit.code]


def _booked(w: World) -> list[Any]:
    return [w.booked.code]


def _lot(w: World) -> list[Any]:
    return [w.lot.code]


def _photo(w: World) -> list[Any]:
    return [w.photo.code]


def _consent(w: World) -> list[Any]:
    return [w.consent.code]


def _consent_text(w: World) -> list[Any]:
    return [w.consent.text.code]


def _sign_liquid(w: World) -> list[Any]:
    return [w.patient.code, "liquid"]


def _print_photography(w: World) -> list[Any]:
    return [w.patient.code, "photography"]


def _pk(attr: str) -> Callable[[World], list[Any]]:
    return lambda w: [getattr(w, attr).pk]


def _history(attr: str) -> Callable[[World], list[Any]]:
    return lambda w: [getattr(w, attr).pk, w.history_id(getattr(w, attr))]


def _user(role: str) -> Callable[[World], list[Any]]:
    return lambda w: [w.users[role].pk]


def _all_earlier(monkeypatch: Any) -> None:
    # Every past entry falls among the earlier ones the fragment returns.
    monkeypatch.setattr("records.timeline.RECENT_ENTRIES", 0)


def _site(w: World) -> list[Any]:
    return [w.session.site_id]


def _closure(w: World) -> list[Any]:
    closure, _new = Closure.objects.get_or_create(
        site_id=w.session.site_id,
        first_day=in_days(60),
        last_day=in_days(61),
        defaults={"reason": "Holiday"},
    )
    return [closure.pk]


def _absence(w: World) -> list[Any]:
    absence, _new = Absence.objects.get_or_create(
        clinician=w.users["clinician"],
        starts_at=at(60, 8),
        ends_at=at(61, 20),
    )
    return [absence.pk]


def _session_day(w: World) -> str:
    return w.session.performed_at.date().isoformat()


def _day_sheets_job(w: World) -> list[Any]:
    """The session's day rendered by the worker's job (run here, in-process)."""
    from printing.dayjobs import render_job
    from printing.models import DaySheetsJob

    job = DaySheetsJob.objects.create(
        day=w.session.performed_at.date(), requested_by=w.users["frontdesk"]
    )
    render_job(job.pk)
    return [job.code]


def _answer_link(w: World) -> list[Any]:
    from visits.links import confirm_token

    return [confirm_token(w.booked)]


def _feed_link(w: World) -> list[Any]:
    from visits.models import CalendarFeed

    feed, _new = CalendarFeed.objects.get_or_create(
        user=w.users["clinician"], defaults={"token": "feed-token-for-the-matrix"}
    )
    return [feed.token]


def _bad_token(w: World) -> list[Any]:
    return ["not-a-token"]


def _questionnaire_response(w: World) -> list[Any]:
    from outcomes.models import QuestionnaireResponse
    from outcomes.services import record_response

    existing = QuestionnaireResponse.objects.filter(patient=w.patient).first()
    if existing is not None:
        return [existing.code]
    instrument = shipped_instrument()
    response = record_response(
        patient=w.patient,
        instrument=instrument,
        answers={item.key: 2 for item in instrument.items.all()},
        source="paper",
        language="en",
        timepoint="visit",
    )
    return [response.code]


def _questionnaire_link(w: World) -> list[Any]:
    from django.utils import timezone

    from outcomes.links import invitation_token
    from outcomes.models import QuestionnaireInvitation

    invitation, _new = QuestionnaireInvitation.objects.get_or_create(
        patient=w.patient,
        instrument=shipped_instrument(),
        timepoint="m1",
        course_key="matrix",
        defaults={
            "due_on": timezone.localdate(),
            "status": "sent",
            "sent_at": timezone.now(),
        },
    )
    return [invitation_token(invitation)]


def _questionnaire_answers(w: World) -> dict[str, Any]:
    from outcomes.models import InstrumentItem

    keys = InstrumentItem.objects.filter(instrument__code="sclero-symptoms")
    return {f"item_{item.key}": "1" for item in keys}


def _matrix_instrument() -> Any:
    from outcomes.models import Instrument

    instrument, _new = Instrument.objects.get_or_create(
        code="matrix-score", defaults={"name_en": "Matrix", "name_it": "Matrice"}
    )
    return instrument


def _instrument(w: World) -> list[Any]:
    return [_matrix_instrument().pk]


def _instrument_history(w: World) -> list[Any]:
    instrument = _matrix_instrument()
    return [instrument.pk, w.history_id(instrument)]


SITE = [
    # a clinician lands on their own day in the agenda (the clinician's id
    # varies, hence REDIRECT), everyone else on the patient list
    Case("home", app("302 /patients/", "302 /patients/", REDIRECT, "302 /patients/")),
    Case("login", (200, 200, 200, 200, 200)),
    # Logging out leads to the login page.
    Case("logout", POST_ONLY, post=(None, LOGIN, LOGIN, LOGIN, LOGIN)),
    # the user's own account (the suite runs without the second factor, so
    # its verify and recovery pages lead back to enrolment)
    Case("account:two-factor", EVERYONE),
    Case("account:two-factor-verify", app(*["302 /account/two-factor/enrol/"] * 4)),
    Case("account:two-factor-enrol", EVERYONE, post=(LOGIN, Y, Y, Y, Y)),
    Case("account:recovery-codes", app(*["302 /account/two-factor/"] * 4)),
    Case("account:new-recovery-codes", POST_ONLY, post=(LOGIN, Y, Y, Y, Y)),
    Case("account:password-change", EVERYONE, post=(LOGIN, Y, Y, Y, Y)),
    Case("account:password-change-done", EVERYONE),
    Case("account:keep-alive", POST_ONLY, post=(LOGIN, Y, Y, Y, Y)),
    # Nothing kept: back to the start page.
    Case("account:kept-form", app(*["302 /"] * 4)),
    # the registry
    Case("patients:list", ROLE_HOLDERS, query="?q=Esposito", shown=(NAME,)),
    Case("patients:create", BOOKERS, post=(LOGIN, N, Y, Y, N)),
    Case(
        "patients:edit",
        BOOKERS,
        _patient,
        post=(LOGIN, N, Y, Y, N),
        clinical=(ALLERGY, HISTORY),
    ),
    Case(
        "patients:archive",
        POST_ONLY,
        _patient,
        post=(LOGIN, N, Y, N, Y),
        data=lambda w: {"reason": "Moved away"},
    ),
    Case("patients:restore", POST_ONLY, _patient, post=(LOGIN, N, Y, N, Y)),
    # the referring doctors' directory: kept by every role (front desk
    # registers patients with their doctor); never deleted, deactivated
    Case("patients:referring-list", ROLE_HOLDERS),
    Case("patients:referring-create", ROLE_HOLDERS, post=(LOGIN, N, Y, Y, Y)),
    Case("patients:referring-edit", ROLE_HOLDERS, _doctor, post=(LOGIN, N, Y, Y, Y)),
    Case(
        "patients:referring-deactivate",
        POST_ONLY,
        _doctor,
        post=(LOGIN, N, Y, Y, Y),
    ),
    Case(
        "patients:referring-reactivate",
        POST_ONLY,
        _doctor,
        post=(LOGIN, N, Y, Y, Y),
    ),
    # the patient's record
    Case(
        "records:patient",
        ROLE_HOLDERS,
        _patient,
        clinical=TIMELINE_DETAIL,
        shown=(NAME, "Post-treatment check"),
    ),
    Case(
        "records:patient",
        ROLE_HOLDERS,
        _patient,
        query="?all=1",
        clinical=TIMELINE_DETAIL,
        shown=(NAME, "Post-treatment check"),
        label="records:patient?all",
    ),
    Case(
        "records:patient",
        ROLE_HOLDERS,
        _patient,
        query="?earlier=1",
        headers={"HX-Request": "true"},
        clinical=(AGENT, CONCENTRATION, DOSE, CLEARANCE, ADVERSE_EVENT, REFLUX),
        shown=("Post-treatment check",),
        label="records:patient?earlier (htmx fragment)",
        setup=_all_earlier,
    ),
    Case("records:history", MANAGERS, _patient),
    Case("records:merge", MANAGERS, _patient, post=(LOGIN, N, N, N, Y)),
    Case("records:audit", MANAGERS),
    # the patient's data export: a page saying what the file holds, the file
    # by POST (the manager's, with every clinical detail)
    Case(
        "records:export",
        MANAGERS,
        _patient,
        post=(LOGIN, N, N, N, Y),
    ),
    Case("records:export", MANAGERS, _patient, post=(LOGIN, N, N, N, Y)),
    # the patient's record as a FHIR R4 Bundle (JSON): clinical staff
    Case("records:fhir", CLINICAL_READERS, _patient),
    # the access log
    Case("accesslog:list", MANAGERS),
    Case("accesslog:patient", MANAGERS, _patient),
    # Doppler
    Case("doppler:create", CLINICIANS, _patient, post=(LOGIN, N, N, Y, N)),
    Case("doppler:detail", CLINICAL_READERS, _doppler, clinical=DOPPLER_DETAIL),
    Case(
        "doppler:detail",
        CLINICAL_READERS,
        _doppler,
        query="?as_signed=1",
        label="doppler:detail?as_signed",
    ),
    Case("doppler:edit", CLINICIANS, _doppler, post=(LOGIN, N, N, Y, N)),
    Case("doppler:void", POST_ONLY, _doppler, post=(LOGIN, N, N, Y, N)),
    # signed by its examiner (the clinician of the cast); notes by any clinician
    Case("doppler:sign", POST_ONLY, _doppler, post=(LOGIN, N, N, Y, N)),
    Case("doppler:addendum", CLINICIANS, _doppler, post=(LOGIN, N, N, Y, N)),
    # sessions
    Case("treatments:session-create", CLINICIANS, _patient, post=(LOGIN, N, N, Y, N)),
    # The form filled with the last session's plan: its agent and strengths.
    Case(
        "treatments:session-create",
        CLINICIANS,
        _patient,
        query="?repeat=last",
        clinical=(CONCENTRATION,),
        label="treatments:session-create?repeat",
    ),
    Case(
        "treatments:injection-row",
        CLINICIANS,
        query="?index=0",
        headers={"HX-Request": "true"},
        post=POST_ONLY,
    ),
    Case(
        "treatments:session-preview",
        POST_ONLY,
        post=(LOGIN, N, N, Y, N),
        headers={"HX-Request": "true"},
        data=lambda w: {"patient_code": str(w.patient.code)},
    ),
    Case(
        "treatments:session-detail",
        ROLE_HOLDERS,
        _session,
        clinical=SESSION_DETAIL,
        shown=(NAME,),
    ),
    Case(
        "treatments:session-detail",
        ROLE_HOLDERS,
        _session,
        query="?as_signed=1",
        clinical=(AGENT, CONCENTRATION),
        shown=(NAME,),
        label="treatments:session-detail?as_signed",
    ),
    Case(
        "treatments:session-edit",
        CLINICIANS,
        _session,
        post=(LOGIN, N, N, Y, N),
        clinical=(CONCENTRATION, REACTION, SESSION_NOTE, OVERRIDE),
    ),
    Case("treatments:session-void", POST_ONLY, _session, post=(LOGIN, N, N, Y, N)),
    Case("treatments:session-sign", POST_ONLY, _session, post=(LOGIN, N, N, Y, N)),
    Case("treatments:session-addendum", CLINICIANS, _session, post=(LOGIN, N, N, Y, N)),
    # sclerosant lots: the stock list is kept by the manager and read by
    # clinicians; who received a lot (patients and their contacts) is read
    # by clinical staff, never by front desk
    Case("treatments:lot-list", CLINICAL_READERS, clinical=(LOT,)),
    Case("treatments:lot-add", MANAGERS, post=(LOGIN, N, N, N, Y)),
    Case("treatments:lot-edit", MANAGERS, _lot, post=(LOGIN, N, N, N, Y)),
    Case("treatments:lot-close", POST_ONLY, _lot, post=(LOGIN, N, N, N, Y)),
    Case("treatments:lot-reopen", POST_ONLY, _lot, post=(LOGIN, N, N, N, Y)),
    Case("treatments:lot-recipients", CLINICAL_READERS, _lot, clinical=(NAME, LOT)),
    Case("treatments:lot-recipients-csv", CLINICAL_READERS, _lot, clinical=(NAME, LOT)),
    Case(
        "treatments:lot-recipients-print",
        CLINICAL_READERS,
        _lot,
        clinical=(NAME, LOT),
    ),
    # clinical photos: taken by clinicians, read by clinical staff, never by
    # front desk (the session page shows front desk none)
    Case("photos:upload", CLINICIANS, _session, post=(LOGIN, N, N, Y, N)),
    Case("photos:file", CLINICAL_READERS, _photo),
    Case("photos:thumbnail", CLINICAL_READERS, _photo),
    Case("photos:void", POST_ONLY, _photo, post=(LOGIN, N, N, Y, N)),
    Case("photos:compare", CLINICAL_READERS, _patient, clinical=(PHOTO_NOTE,)),
    # questionnaires: clinicians and front desk start one on the tablet (the
    # patient fills it) or enter a paper one; the responses and their scores
    # are read by clinical staff and voided by clinicians; the invitation's
    # link opens without a login and shows the questionnaire only
    Case("outcomes:new", BOOKERS, _patient, post=(LOGIN, N, Y, Y, N)),
    Case(
        "outcomes:response",
        CLINICAL_READERS,
        _questionnaire_response,
        clinical=(NAME, "Leg vein symptom score"),
    ),
    Case(
        "outcomes:void",
        POST_ONLY,
        _questionnaire_response,
        post=(LOGIN, N, N, Y, N),
    ),
    Case(
        "outcomes:answer",
        EVERYONE_PUBLIC,
        _questionnaire_link,
        post=(Y, Y, Y, Y, Y),
        data=_questionnaire_answers,
        shown=("Leg vein symptom score",),
    ),
    Case(
        "outcomes:answer",
        PUBLIC_NOT_FOUND,
        _bad_token,
        label="outcomes:answer with a bad token",
    ),
    # consent forms: texts kept by the manager; clinicians and the manager
    # take a signature on the tablet; front desk may record a scanned paper
    # form and sees the list (procedure, date), never the signed file
    Case("consent:texts", CLINICAL_READERS),
    Case("consent:text-add", MANAGERS, post=(LOGIN, N, N, N, Y)),
    Case("consent:text", CLINICAL_READERS, _consent_text),
    Case(
        "consent:patient", ROLE_HOLDERS, _patient, shown=(NAME, "Liquid sclerotherapy")
    ),
    Case("consent:sign", CLINICAL_READERS, _sign_liquid, post=(LOGIN, N, N, Y, Y)),
    Case("consent:paper", ROLE_HOLDERS, _patient, post=(LOGIN, N, Y, Y, Y)),
    Case(
        "consent:blank",
        ROLE_HOLDERS,
        _print_photography,
        shown=("Consent to clinical photographs", "Esposito"),
    ),
    Case("consent:file", CLINICAL_READERS, _consent, clinical=("Consent to liquid",)),
    Case("consent:withdraw", CLINICAL_READERS, _consent, post=(LOGIN, N, N, Y, Y)),
    Case("consent:void", CLINICAL_READERS, _consent, post=(LOGIN, N, N, Y, Y)),
    # follow-ups
    Case(
        "visits:agenda-day",
        ROLE_HOLDERS,
        query="?date={visit_day}",
        shown=(NAME,),
        clinical=(SCREENING,),
    ),
    Case("visits:agenda-week", ROLE_HOLDERS, query="?date={booked_day}", shown=(NAME,)),
    Case("visits:worklist", ROLE_HOLDERS, shown=(WAITING,)),
    # the agenda grid: a free slot asks for the patient, then the booking form
    Case("visits:book-slot", BOOKERS, query="?q=Esposito", shown=(NAME,)),
    Case("visits:next-free", ROLE_HOLDERS),
    Case("visits:create", BOOKERS, _patient, post=(LOGIN, N, Y, Y, N)),
    Case(
        "visits:create",
        BOOKERS,
        _patient,
        query="?session={session_code}",
        label="visits:create after a session",
    ),
    Case("visits:detail", ROLE_HOLDERS, _visit, clinical=OUTCOME_DETAIL, shown=(NAME,)),
    Case("visits:reschedule", BOOKERS, _booked, post=(LOGIN, N, Y, Y, N)),
    Case("visits:cancel", POST_ONLY, _booked, post=(LOGIN, N, Y, Y, N)),
    Case("visits:arrive", POST_ONLY, _booked, post=(LOGIN, N, Y, Y, N)),
    Case("visits:no-show", POST_ONLY, _booked, post=(LOGIN, N, Y, Y, N)),
    Case("visits:send-again", POST_ONLY, _booked, post=(LOGIN, N, Y, Y, N)),
    Case("visits:outcome", CLINICIANS, _visit, post=(LOGIN, N, N, Y, N)),
    # The completed visit's calendar file: its outcome stays out of it. A slip
    # is for an appointment to come (a past one's leads to the visit's page).
    Case("visits:ics", ROLE_HOLDERS, _visit, shown=("BEGIN:VCALENDAR",)),
    Case("visits:slip", ROLE_HOLDERS, _booked, shown=(NAME,)),
    Case(
        "visits:slip",
        app(403, *[REDIRECT] * 3),
        _visit,
        label="visits:slip of a past visit",
    ),
    # A reminder's link and a clinician's calendar feed open without a login
    # (the secret is in the address): the same for everyone, 404 for a bad one.
    # The answer page shows the date, time and site, never the patient.
    Case(
        "visits:answer",
        EVERYONE_PUBLIC,
        _answer_link,
        post=(Y, Y, Y, Y, Y),
        data=lambda w: {"answer": "confirmed"},
        shown=("I will come",),
    ),
    Case(
        "visits:answer",
        PUBLIC_NOT_FOUND,
        _bad_token,
        label="visits:answer with a bad token",
    ),
    Case("visits:calendar-feed", CLINICIANS, post=(LOGIN, N, N, Y, N)),
    Case("visits:feed", EVERYONE_PUBLIC, _feed_link, shown=("BEGIN:VCALENDAR",)),
    Case(
        "visits:feed",
        PUBLIC_NOT_FOUND,
        _bad_token,
        label="visits:feed with a bad token",
    ),
    # printing
    Case("printing:aftercare-pdf", ROLE_HOLDERS, _session, shown=AFTERCARE),
    Case("printing:aftercare-print", ROLE_HOLDERS, _session, shown=AFTERCARE),
    Case(
        "printing:aftercare-day",
        ROLE_HOLDERS,
        query="?date={session_day}",
        shown=(NAME,),
    ),
    Case(
        "printing:aftercare-day",
        ROLE_HOLDERS,
        query="?date={session_day}&format=pdf",
        shown=AFTERCARE,
        label="printing:aftercare-day?format=pdf",
    ),
    Case(
        "printing:day-sheets-job-start",
        app(403, 405, 405, 405),
        post=(LOGIN, N, Y, Y, Y),
        data=lambda w: {"date": _session_day(w)},
    ),
    Case("printing:day-sheets-job", ROLE_HOLDERS, _day_sheets_job),
    Case(
        "printing:day-sheets-job-download",
        ROLE_HOLDERS,
        _day_sheets_job,
        shown=AFTERCARE,
    ),
    Case("printing:letterhead-edit", MANAGERS, post=(LOGIN, N, N, N, Y)),
    # the Doppler report is clinical detail; the letter is signed by the
    # clinician who prints it
    Case(
        "printing:doppler-report-pdf",
        CLINICAL_READERS,
        _doppler,
        clinical=(CONCLUSION,),
    ),
    Case("printing:letter", CLINICIANS, _patient, post=(LOGIN, N, N, Y, N)),
    # statistics
    Case("reporting:statistics", CLINICAL_READERS),
    Case("reporting:overrides", CLINICAL_READERS, clinical=(OVERRIDE,)),
    Case("reporting:export", CLINICAL_READERS, query="?period=all"),
    Case("reporting:trends", CLINICAL_READERS),
    Case("reporting:trends_export", CLINICAL_READERS, query="?section=courses"),
    # The registry export: pseudonymised rows of many patients, the manager's.
    Case("reporting:registry", MANAGERS),
    Case("reporting:registry_export", MANAGERS, query="?from=2020-01-01"),
    # sites, hours, closures, staff, working hours and absences: kept by the
    # manager, read by everyone on the staff (absences recorded by the manager
    # or whoever is given clinics.add_absence)
    Case("clinics:site-list", ROLE_HOLDERS),
    Case("clinics:site-create", MANAGERS, post=(LOGIN, N, N, N, Y)),
    Case("clinics:site-detail", ROLE_HOLDERS, _site),
    Case("clinics:site-edit", MANAGERS, _site, post=(LOGIN, N, N, N, Y)),
    Case("clinics:site-hours", MANAGERS, _site, post=(LOGIN, N, N, N, Y)),
    Case("clinics:site-staff", MANAGERS, _site, post=(LOGIN, N, N, N, Y)),
    Case("clinics:site-letterhead", MANAGERS, _site, post=(LOGIN, N, N, N, Y)),
    Case("clinics:closure-add", MANAGERS, _site, post=(LOGIN, N, N, N, Y)),
    Case("clinics:closure-remove", POST_ONLY, _closure, post=(LOGIN, N, N, N, Y)),
    Case(
        "clinics:clinician-hours",
        MANAGERS,
        _user("clinician"),
        post=(LOGIN, N, N, N, Y),
    ),
    Case("clinics:absence-list", ROLE_HOLDERS),
    Case("clinics:absence-add", MANAGERS, post=(LOGIN, N, N, N, Y)),
    Case("clinics:absence-cancel", POST_ONLY, _absence, post=(LOGIN, N, N, N, Y)),
    # booked visits the hours no longer allow, listed by name to move them
    Case("records:visits-to-move", ROLE_HOLDERS, query="?absences=1"),
]

ADMIN_STAFF = staff(Y)
ADMIN_REFUSED = staff(N)


def _record_admin(prefix: str, attr: str) -> list[Case]:
    """A clinical record in the admin: the manager reads it, never writes it."""
    return [
        Case(f"admin:{prefix}_changelist", staff(200)),
        Case(f"admin:{prefix}_add", staff(403), post=ADMIN_REFUSED),
        Case(f"admin:{prefix}_change", staff(200), _pk(attr), post=ADMIN_REFUSED),
        Case(f"admin:{prefix}_history", staff(200), _pk(attr)),
        Case(f"admin:{prefix}_simple_history", staff(200), _history(attr)),
        Case(f"admin:{prefix}_delete", staff(403), _pk(attr), post=ADMIN_REFUSED),
    ]


def _second_site(w: World) -> list[Any]:
    site, _new = Site.objects.get_or_create(name="Monza")
    return [site.pk]


def _membership(w: World) -> list[Any]:
    membership, _new = SiteMembership.objects.get_or_create(
        user=w.users["frontdesk"], site_id=w.session.site_id
    )
    return [membership.pk]


def _working_hours(w: World) -> list[Any]:
    hours, _new = WorkingHours.objects.get_or_create(
        clinician=w.users["clinician"],
        site_id=w.session.site_id,
        weekday=6,
        starts=time(6),
        ends=time(7),
    )
    return [hours.pk]


def _clinics_admin(
    model: str, row: Callable[[World], list[Any]], *, add: Any, change: Any, delete: Any
) -> list[Case]:
    prefix = f"clinics_{model}"

    def history(w: World) -> list[Any]:
        pk = row(w)[0]
        record = apps.get_model("clinics", model).objects.get(pk=pk)
        return [pk, w.history_id(record)]

    return [
        Case(f"admin:{prefix}_changelist", staff(200)),
        Case(f"admin:{prefix}_add", staff(add)),
        Case(f"admin:{prefix}_change", staff(200), row, post=change),
        Case(f"admin:{prefix}_history", staff(200), row),
        Case(f"admin:{prefix}_simple_history", staff(200), history),
        Case(f"admin:{prefix}_delete", staff(delete), row),
    ]


ADMIN = [
    Case("admin:index", site_admin(200)),
    # A logged-in account without staff status is shown the form again.
    Case("admin:login", (200, 200, 200, 200, "302 /admin/")),
    # Without staff status the admin's logout leads to its index (and login).
    Case("admin:logout", (ADMIN_LOGIN, *(["302 /admin/"] * 3), 405)),
    Case("admin:password_change", site_admin(200)),
    Case("admin:password_change_done", site_admin(200)),
    Case("admin:autocomplete", site_admin(403)),  # no field asked for
    Case("admin:jsi18n", site_admin(200)),
    Case(
        "admin:view_on_site",
        site_admin(REDIRECT),
        lambda w: [ContentType.objects.get_for_model(w.patient).pk, w.patient.pk],
    ),
    Case(
        "admin:app_list",
        site_admin(200),
        lambda w: ["auth"],
        label="admin:app_list auth",
    ),
    # the letterhead: the manager edits the one there is
    Case("admin:core_letterhead_changelist", staff(200)),
    Case("admin:core_letterhead_add", staff(403)),
    Case(
        "admin:core_letterhead_change",
        staff(200),
        _pk("letterhead"),
        post=ADMIN_STAFF,
    ),
    Case("admin:core_letterhead_history", staff(200), _pk("letterhead")),
    Case("admin:core_letterhead_simple_history", staff(200), _history("letterhead")),
    Case("admin:core_letterhead_delete", staff(403), _pk("letterhead")),
    # staff accounts (core.admin_users)
    Case("admin:auth_user_changelist", staff(200)),
    Case("admin:auth_user_add", staff(200), post=ADMIN_STAFF),
    Case(
        "admin:auth_user_change",
        staff(200),
        _user("clinician"),
        post=ADMIN_STAFF,
        label="admin:auth_user_change of a clinician",
    ),
    Case(
        "admin:auth_user_change",
        staff(403),
        _pk("superuser"),
        post=ADMIN_REFUSED,
        label="admin:auth_user_change of a superuser",
    ),
    Case("admin:auth_user_history", staff(200), _user("clinician")),
    Case(
        "admin:auth_user_history",
        staff(403),
        _pk("superuser"),
        label="admin:auth_user_history of a superuser",
    ),
    Case(
        "admin:auth_user_password_change",
        staff(403),
        _user("clinician"),
        post=ADMIN_REFUSED,
    ),
    Case("admin:auth_user_delete", staff(403), _user("clinician"), post=ADMIN_REFUSED),
    # The password-set link's pages need no login (a new account has none).
    Case(
        "admin:auth_user_password_set_confirm",
        (200, 200, 200, 200, 200),
        lambda w: ["MQ", "set-password"],
    ),
    Case("admin:auth_user_password_set_done", (200, 200, 200, 200, 200)),
    # the role groups: shown, never changed
    Case("admin:auth_group_changelist", staff(200)),
    Case("admin:auth_group_add", staff(403), post=ADMIN_REFUSED),
    Case("admin:auth_group_change", staff(200), _pk("group"), post=ADMIN_REFUSED),
    Case("admin:auth_group_history", staff(200), _pk("group")),
    Case("admin:auth_group_delete", staff(403), _pk("group"), post=ADMIN_REFUSED),
    # clinical records, read-only
    *_record_admin("patients_patient", "patient"),
    *_record_admin("doppler_dopplerassessment", "doppler"),
    *_record_admin("treatments_treatmentsession", "session"),
    *_record_admin("visits_followupvisit", "visit"),
    # sites and the staff's hours: the manager keeps them (a site is never
    # deleted, it is taken out of use; working hours are set, not deleted;
    # an absence is cancelled on the absences page)
    *_clinics_admin("site", _second_site, add=200, change=ADMIN_STAFF, delete=403),
    *_clinics_admin(
        "sitemembership", _membership, add=200, change=ADMIN_REFUSED, delete=200
    ),
    *_clinics_admin(
        "workinghours", _working_hours, add=403, change=ADMIN_STAFF, delete=403
    ),
    *_clinics_admin("absence", _absence, add=200, change=ADMIN_REFUSED, delete=403),
    # questionnaires as data: the manager adds and changes them, never deletes
    Case("admin:outcomes_instrument_changelist", staff(200)),
    Case("admin:outcomes_instrument_add", staff(200)),
    Case("admin:outcomes_instrument_change", staff(200), _instrument, post=ADMIN_STAFF),
    Case("admin:outcomes_instrument_history", staff(200), _instrument),
    Case("admin:outcomes_instrument_simple_history", staff(200), _instrument_history),
    Case("admin:outcomes_instrument_delete", staff(403), _instrument),
]


def _out_of_reach(prefix: str, *names: str) -> list[Case]:
    """A model's admin pages the manager has no permission for."""

    def row(w: World) -> list[Any]:
        return [w.others[prefix].pk]

    def history(w: World) -> list[Any]:
        return [*row(w), w.history_id(w.others[prefix])]

    return [
        Case(
            f"admin:{prefix}_{name}",
            staff(403),
            None if name in ("changelist", "add") else row,
        )
        if name != "simple_history"
        else Case(f"admin:{prefix}_{name}", staff(403), history)
        for name in names
    ]


PAGES = ("changelist", "add", "change", "history", "delete")
ADMIN += [
    # addenda are read with their record, on its page
    *_out_of_reach("doppler_doppleraddendum", *PAGES, "simple_history"),
    *_out_of_reach("treatments_sessionaddendum", *PAGES, "simple_history"),
    # login attempts and second-factor devices: a superuser's business
    *_out_of_reach("axes_accessattempt", *PAGES),
    *_out_of_reach("axes_accessfailurelog", *PAGES),
    *_out_of_reach("axes_accesslog", *PAGES),
    *_out_of_reach("otp_static_staticdevice", *PAGES),
    *_out_of_reach("otp_totp_totpdevice", *PAGES, "config", "qrcode"),
    # the background task queue (reminders): the worker's business; the
    # messages' fate is on each visit's page
    *_out_of_reach("django_tasks_database_dbtaskresult", *PAGES),
]

MATRIX = SITE + ADMIN


# --- every URL is in the matrix ------------------------------------------------


def _named_patterns(patterns: Any, namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _named_patterns(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name


def test_every_named_url_is_in_the_matrix():
    names = set(_named_patterns(get_resolver().url_patterns))
    covered = {case.name for case in MATRIX}
    assert not names - covered, f"URLs nobody classified: {sorted(names - covered)}"
    assert not covered - names, f"rows for URLs that are gone: {covered - names}"


def test_the_matrix_covers_the_admin_and_the_htmx_fragments():
    names = {case.name for case in MATRIX}
    assert {"admin:auth_user_change", "admin:core_letterhead_change"} <= names
    assert {"treatments:injection-row", "treatments:session-preview"} <= names
    assert any("earlier" in case.query for case in MATRIX)


# --- one URL as every role -----------------------------------------------------


def _outcome(response: Any) -> Any:
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            return ADMIN_LOGIN
        if location.startswith(reverse("login")):
            return LOGIN
        return f"302 {location.removeprefix('http://testserver')}"
    return response.status_code


def _matches(got: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    """Return `got`, with a redirect elsewhere shown as REDIRECT where expected."""
    return {
        role: REDIRECT
        if expected[role] == REDIRECT and str(outcome).startswith("302 /")
        else outcome
        for role, outcome in got.items()
    }


def _post_outcome(response: Any) -> Any:
    outcome = _outcome(response)
    if outcome in (LOGIN, ADMIN_LOGIN, 403, 405):
        return outcome
    assert response.status_code < 500, response.status_code
    return ALLOWED


def _text(response: Any) -> str:
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        if getattr(response, "streaming", False):
            return pdf_text(b"".join(response.streaming_content))
        return pdf_text(response.content)
    if content_type.startswith("image/"):
        return ""  # a photo's pixels: who may read it is the row's outcome
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return _RANDOM_TOKEN.sub("", response.content.decode())


# A form's CSRF token, a script nonce, a hashed file name: random letters and
# digits that may spell a marker ("C4c") by chance; no marker is that long.
_RANDOM_TOKEN = re.compile(r'nonce="[^"]*"|[A-Za-z0-9]{20,}')


def _url(case: Case, w: World) -> str:
    url = reverse(case.name, args=case.args(w) if case.args else None)
    query = case.query.format(
        visit_day=w.visit.starts_at.date().isoformat(),
        booked_day=w.booked.starts_at.date().isoformat(),
        session_code=w.session.code,
        session_day=_session_day(w),
    )
    return url + query


def _clients(w: World) -> dict[str, Client]:
    clients = {"anonymous": Client()}
    clients.update({role: client_for(user) for role, user in w.users.items()})
    return clients


@pytest.mark.parametrize("case", MATRIX, ids=lambda case: case.id)
def test_each_role_gets_what_the_matrix_says(case: Case, world: World, monkeypatch):
    if case.setup:
        case.setup(monkeypatch)
    url = _url(case, world)
    clients = _clients(world)
    got = {}
    texts = {}
    for role in ROLES:
        response = clients[role].get(url, headers=case.headers)
        got[role] = _outcome(response)
        if response.status_code == 200:
            texts[role] = _text(response)
    expected = dict(zip(ROLES, case.get, strict=True))
    assert _matches(got, expected) == expected, url

    # Front desk sees headlines only; the clinician sees the detail here.
    if "frontdesk" in texts:
        shown = [marker for marker in MARKERS if marker in texts["frontdesk"]]
        assert not shown, f"front desk sees {shown} on {url}"
    for marker in case.clinical:
        assert marker in texts["clinician"], f"the clinician misses {marker} on {url}"
    for role in ("frontdesk", "clinician"):
        for headline in case.shown:
            assert headline in texts.get(role, ""), f"{role} misses {headline} on {url}"

    if case.post is not None:
        data = case.data(world) if case.data else {}
        posted = {}
        for role, want in zip(ROLES, case.post, strict=True):
            if want is None:
                continue
            response = clients[role].post(url, data, headers=case.headers)
            posted[role] = (_post_outcome(response), want)
        assert {role: got for role, (got, _want) in posted.items()} == {
            role: want for role, (_got, want) in posted.items()
        }, f"POST {url}"

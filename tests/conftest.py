"""A fixed cast for every test: one user per role, a patient, and helpers.

`make_*(**overrides)` helpers build valid records; tests override only what
they are about. Plain helpers shared by the modules are in tests/helpers.py.

The clock is frozen: every test starts at the same moment and the clock runs
on from there. That moment is `SCLERO_TEST_NOW` (an ISO datetime with its UTC
offset, in clinic hours: some tests count "two hours ago, the same day") or, by
default, an ordinary Wednesday morning. Tests whose behaviour depends on the
date carry the `date_dependent` marker; CI runs them again on other dates
(`make test-dates`).
"""

from __future__ import annotations

import functools
import os
from datetime import date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from django.utils import translation

from core.roles import CLINICIAN, FRONT_DESK, MANAGER, setup_roles
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment
from patients.models import Leg, Patient
from patients.services import patient_create
from tests.helpers import at, in_days
from treatments.choices import Agent, Compression, Form, VesselType
from treatments.models import Injection, SclerosantLot, TreatmentSession
from treatments.summaries import day_summaries_refresh, session_key, sessions_changed
from visits.models import FollowUpVisit
from visits.summaries import visit_key, visits_changed

PASSWORD = "pw-for-tests"

TEST_NOW_ENV = "SCLERO_TEST_NOW"
# A Wednesday at 10:00 in Rome: in clinic hours, away from a weekend, a month
# end and a DST change.
DEFAULT_NOW = "2026-11-18T10:00:00+01:00"


@functools.cache
def frozen_now() -> datetime:
    """Return the moment every test starts at: SCLERO_TEST_NOW, else DEFAULT_NOW."""
    text = os.environ.get(TEST_NOW_ENV, "").strip() or DEFAULT_NOW
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise pytest.UsageError(
            f"{TEST_NOW_ENV}={text!r}: give an ISO datetime with its UTC offset, "
            f"e.g. {DEFAULT_NOW}"
        )
    return moment


def pytest_configure(config):
    frozen_now()  # a bad SCLERO_TEST_NOW stops the run before any test


def pytest_report_header(config):
    return f"frozen clock: {frozen_now().isoformat()} ({TEST_NOW_ENV})"


@pytest.fixture(autouse=True)
def _frozen_clock():
    """Start the test at NOW; the clock then ticks, so timeouts and ordering work.

    time-machine patches the time functions of the whole process, so
    timezone.now(), timezone.localdate(), date.today() and the live server
    thread of the browser tests all read this clock.
    """
    with time_machine.travel(frozen_now(), tick=True):
        yield


@pytest.fixture(autouse=True)
def _clinic_language():
    """Each test starts in the clinic's language. A request activates the
    language it asks for (LocaleMiddleware) and leaves it on for the rest of
    the thread: an Italian page fetched by one test must not turn the next
    test's messages Italian."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.activate(django_settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """The suite logs in without 2FA; tests/core/test_two_factor.py turns it on."""
    settings.SCLERO_2FA_REQUIRED = False


@pytest.fixture
def roles(db):
    return setup_roles()


def make_user(username: str, role: str | None = None, **extra):
    user = get_user_model().objects.create_user(
        username=username, password=PASSWORD, first_name=username.title(), **extra
    )
    if role:
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def clinician(roles):
    return make_user("clinician", CLINICIAN)


@pytest.fixture
def colleague(roles):
    return make_user("colleague", CLINICIAN)


@pytest.fixture
def frontdesk(roles):
    return make_user("frontdesk", FRONT_DESK)


@pytest.fixture
def manager(roles):
    return make_user("manager", MANAGER, is_staff=True)


@pytest.fixture
def outsider(roles):
    """A logged-in account with no role at all."""
    return make_user("outsider")


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def clinician_client(clinician):
    return client_for(clinician)


@pytest.fixture
def frontdesk_client(frontdesk):
    return client_for(frontdesk)


@pytest.fixture
def manager_client(manager):
    return client_for(manager)


@pytest.fixture
def outsider_client(outsider):
    return client_for(outsider)


def make_patient(**overrides) -> Patient:
    fields = {
        "first_name": "Maria",
        "last_name": "Esposito",
        "date_of_birth": date(1970, 5, 17),
        "sex": "F",
        "phone": "+39 333 123 4567",
        "language": "en",
        "weight_kg": Decimal("60.0"),
    }
    fields.update(overrides)
    return patient_create(patient=Patient(**fields))


@pytest.fixture
def patient(db):
    return make_patient()


def make_doppler(patient: Patient, examiner, **overrides) -> DopplerAssessment:
    fields = {
        "patient": patient,
        "assessed_on": in_days(-30),
        "examiner": examiner,
        "ceap_right": "C1",
        "ceap_left": "C2",
        "vcss_right": 2,
        "vcss_left": 4,
        "conclusion": "Competent junctions.",
    }
    fields.update(overrides)
    doppler = DopplerAssessment.objects.create(**fields)
    DopplerFinding.objects.create(
        assessment=doppler, leg=Leg.RIGHT, segment=Segment.SFJ, reflux_s=Decimal("0.3")
    )
    return doppler


def make_session(patient: Patient, clinician, **overrides) -> TreatmentSession:
    fields = {
        "patient": patient,
        "performed_at": at(-3, 10),
        "clinician": clinician,
        "weight_kg": patient.weight_kg or Decimal("60"),
        "screening_confirmed": True,
        "consent_obtained": True,
        "compression": Compression.STOCKING,
        "stocking_class": "2",
        "stocking_days": 14,
        "created_by": clinician,
    }
    fields.update(overrides)
    # As the services do, in one transaction (tests on a live server or
    # with transactional_db run in autocommit): the statistics' summaries
    # and the worklist's flags.
    with transaction.atomic():
        session = TreatmentSession.objects.create(**fields)
        _sessions_changed(session)
    return session


def _sessions_changed(session: TreatmentSession) -> None:
    sessions_changed(
        patient_id=session.patient_id,
        keys=[session_key(session.performed_at, session.clinician_id)],
    )


def make_injection(session: TreatmentSession, **overrides) -> Injection:
    fields = {
        "session": session,
        "leg": Leg.RIGHT,
        "site": "lateral thigh",
        "vessel_type": VesselType.RETICULAR,
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal("0.5"),
        "form": Form.LIQUID,
        "volume_ml": Decimal("1.0"),
    }
    fields.update(overrides)
    with transaction.atomic():
        injection = Injection.objects.create(**fields)
        session = injection.session
        day_summaries_refresh([session_key(session.performed_at, session.clinician_id)])
    return injection


def make_visit(patient: Patient, clinician, **overrides) -> FollowUpVisit:
    fields = {
        "patient": patient,
        "starts_at": at(7, 9),
        "duration_min": 20,
        "clinician": clinician,
    }
    fields.update(overrides)
    with transaction.atomic():
        visit = FollowUpVisit.objects.create(**fields)
        visits_changed(
            patient_id=visit.patient_id,
            keys=[visit_key(visit.starts_at, visit.clinician_id)],
        )
    return visit


def make_lot(**overrides) -> SclerosantLot:
    """An open lot of polidocanol 0.5 %, received a month ago, expiring in a year."""
    fields = {
        "agent": Agent.POLIDOCANOL,
        "concentration_pct": Decimal("0.5"),
        "lot_number": "L0001",
        "received_on": in_days(-30),
        "expiry_date": in_days(365),
    }
    fields.update(overrides)
    return SclerosantLot.objects.create(**fields)

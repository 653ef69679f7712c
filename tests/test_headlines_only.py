"""The headlines-only rule (core.roles.sees_clinical_detail) on every page.

Front desk sees who, when, what kind of record and its status; clinicians and
the manager also see agents, concentrations, volumes, doses, limits, override
reasons, reactions and outcomes. Each page is read as each role, and every
string of both kinds is looked for.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from patients.models import Leg
from tests.conftest import make_injection, make_session, make_visit
from tests.helpers import at
from treatments.choices import Agent, Form, Gas, VesselType
from visits.models import VisitPlan, VisitStatus

# The outcome pages follow today; the session is three days ago.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

ROLES = ["clinician", "frontdesk", "manager", "outsider"]
CLINICAL_ROLES = {"clinician", "manager"}

OVERRIDE_REASON = "Single long session agreed with the patient"
REACTION = "Brief vasovagal episode, recovered lying down"
SESSION_NOTE = "Matting risk discussed"
VOID_REASON = "Wrong leg recorded"
OUTCOME_NOTE = "Residual reticular veins on the calf"
EVENT_NOTE = "Brown line along the treated vein"


@pytest.fixture
def session(patient, clinician, colleague):
    session = make_session(
        patient,
        clinician,
        performed_at=at(-3, 10),
        limit_override_by=clinician,
        limit_override_reason=OVERRIDE_REASON,
        immediate_reactions=REACTION,
        notes=SESSION_NOTE,
    )
    make_injection(
        session,
        agent=Agent.POLIDOCANOL,
        concentration_pct=Decimal("0.5"),
        volume_ml=Decimal("2.0"),
    )
    make_injection(
        session,
        leg=Leg.LEFT,
        vessel_type=VesselType.SMALL_VARICOSE,
        agent=Agent.STS,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2.5"),
        concentration_pct=Decimal("1"),
    )
    # The last change, by someone else than the clinician who treated.
    session._history_user = colleague
    session.save()
    return session


@pytest.fixture
def visit(patient, clinician, session):
    return make_visit(
        patient,
        clinician,
        starts_at=at(-1, 9),
        session=session,
        status=VisitStatus.COMPLETED,
        clearance_pct=80,
        satisfaction=4,
        plan=VisitPlan.ANOTHER_SESSION,
        adverse_events=["pigmentation", "matting"],
        adverse_event_notes=EVENT_NOTE,
        outcome_notes=OUTCOME_NOTE,
    )


def _get(request, role, url):
    return request.getfixturevalue(f"{role}_client").get(url)


def _check(html: str, *, shown: list[str], hidden: list[str], clinical: bool):
    for text in shown:
        assert text in html, text
    for text in hidden:
        assert (text in html) == clinical, (text, clinical)


def test_the_rule_is_the_timelines_permission(clinician, frontdesk, manager):
    from records import timeline

    assert timeline.CLINICAL_DETAIL_PERM == roles.CLINICAL_DETAIL_PERM
    assert roles.sees_clinical_detail(clinician)
    assert roles.sees_clinical_detail(manager)
    assert not roles.sees_clinical_detail(frontdesk)
    assert not roles.sees_clinical_detail(None)


SESSION_CLINICAL = [
    # agents, concentration, form, volumes and doses
    "Polidocanol",
    "Sodium tetradecyl sulfate",
    "0.5",
    ">%<",
    "Foam",
    "1+4",
    "2.00 mL",
    "10.00 mg",
    " mg",
    "Totals",
    # limits, the override and its reason
    "Limit exceeded with a recorded reason",
    OVERRIDE_REASON,
    "Polidocanol today",
    # the day: reactions, notes, compression
    REACTION,
    SESSION_NOTE,
    "Compression prescribed",
]


@pytest.mark.parametrize("role", ROLES)
def test_session_page_shows_front_desk_headlines_only(request, role, session):
    response = _get(request, role, session.get_absolute_url())
    if role == "outsider":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    _check(
        html,
        shown=[
            "Session of " + at(-3, 10).strftime("%Y-%m-%d %H:%M"),
            "Clinician",  # who treated (first name of the cast's clinician)
            "Esposito",  # the patient's headline
            "Print aftercare",
            reverse("printing:aftercare-pdf", args=[session.code]),
            "Last changed by Colleague at",
        ],
        hidden=SESSION_CLINICAL,
        clinical=role in CLINICAL_ROLES,
    )
    assert ("Session recorded" in html) == (role not in CLINICAL_ROLES)


@pytest.mark.parametrize("role", ["clinician", "frontdesk"])
def test_a_voided_sessions_reason_is_clinical(request, role, session, clinician):
    session.mark_voided(user=clinician, reason=VOID_REASON)
    session.save()
    html = _get(request, role, session.get_absolute_url()).content.decode()
    assert "Voided" in html
    assert (VOID_REASON in html) == (role == "clinician")
    assert "Print aftercare" not in html


VISIT_CLINICAL = [
    "Clearance",
    "80 %",
    "Satisfaction",
    "4/5",
    "Adverse events",
    "Hyperpigmentation",
    "Telangiectatic matting",
    EVENT_NOTE,
    OUTCOME_NOTE,
    "Another session",
]


@pytest.mark.parametrize("role", ROLES)
def test_visit_page_shows_front_desk_headlines_only(request, role, visit):
    response = _get(request, role, visit.get_absolute_url())
    if role == "outsider":
        assert response.status_code == 403
        return
    assert response.status_code == 200
    html = response.content.decode()
    _check(
        html,
        shown=[
            "Completed",
            "Post-treatment check",
            "Dr Clinician",
            "09:00",
            "Esposito",
        ],
        hidden=VISIT_CLINICAL,
        clinical=role in CLINICAL_ROLES,
    )
    assert ("Outcome recorded;" in html) == (role not in CLINICAL_ROLES)


@pytest.mark.parametrize("role", ROLES)
def test_patient_page_shows_front_desk_headlines_only(request, role, visit):
    response = _get(
        request, role, reverse("records:patient", args=[visit.patient.code])
    )
    if role == "outsider":
        assert response.status_code == 403
        return
    html = response.content.decode()
    _check(
        html,
        shown=["Post-treatment check", "Print aftercare"],
        hidden=[
            "Polidocanol",
            " mg",
            "foam",
            "80 %",
            "Hyperpigmentation",
        ],
        clinical=role in CLINICAL_ROLES,
    )
    if role not in CLINICAL_ROLES:
        for text in (OVERRIDE_REASON, REACTION, OUTCOME_NOTE, EVENT_NOTE, "4/5"):
            assert text not in html, text


@pytest.mark.parametrize(
    "name",
    ["treatments:injection-row", "treatments:session-preview"],
)
def test_the_session_fragments_are_for_clinicians(request, name, patient):
    url = reverse(name)
    for role in ROLES:
        client = request.getfixturevalue(f"{role}_client")
        if name.endswith("row"):
            response = client.get(url, {"index": "0"})
        else:
            response = client.post(url, {"patient_code": str(patient.code)})
        assert (response.status_code == 403) == (role != "clinician"), role


STATISTICS = ["reporting:statistics", "reporting:overrides", "reporting:export"]


@pytest.mark.parametrize("role", ROLES)
def test_statistics_and_their_csv_are_not_for_front_desk(request, role, visit):
    client = request.getfixturevalue(f"{role}_client")
    for name in STATISTICS:
        status = client.get(reverse(name)).status_code
        assert status == (200 if role in CLINICAL_ROLES else 403), (name, role)

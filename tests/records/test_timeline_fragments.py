"""The timeline's cached entries: a changed session, injection, visit or
clinician shows on the next render, and a viewer without clinical detail
never gets an entry rendered for a clinician."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.conftest import make_injection, make_session, make_visit
from tests.helpers import at
from treatments.models import Injection
from visits.models import FollowUpVisit, VisitStatus

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def page(client, patient) -> str:
    response = client.get(reverse("records:patient", args=[patient.code]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_changed_injection_shows_on_the_next_render(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician, performed_at=at(-3))
    injection = make_injection(session, volume_ml=Decimal("1.0"))
    assert "1.00 mL" in page(clinician_client, patient)
    # Even a change that leaves the session's own row alone.
    Injection.objects.filter(pk=injection.pk).update(volume_ml=Decimal("1.5"))
    html = page(clinician_client, patient)
    assert "1.50 mL" in html
    assert "1.00 mL" not in html


def test_a_visit_outcome_and_a_renamed_clinician_show_on_the_next_render(
    clinician_client, patient, clinician
):
    visit = make_visit(patient, clinician, starts_at=at(-2))
    assert "Clearance" not in page(clinician_client, patient)
    FollowUpVisit.objects.filter(pk=visit.pk).update(
        status=VisitStatus.COMPLETED, clearance_pct=70
    )
    get_user_model().objects.filter(pk=clinician.pk).update(last_name="Moretti")
    html = page(clinician_client, patient)
    assert "70 %" in html
    assert "Moretti" in html


def test_front_desk_never_gets_the_clinicians_entry(
    clinician_client, frontdesk_client, patient, clinician
):
    session = make_session(patient, clinician, performed_at=at(-3))
    make_injection(session, volume_ml=Decimal("1.25"))
    assert "1.25" in page(clinician_client, patient)
    desk = page(frontdesk_client, patient)
    assert "1.25" not in desk
    assert "Headlines only" in desk


def test_a_voided_session_shows_on_the_next_render(
    clinician_client, patient, clinician
):
    from treatments.services import session_void

    session = make_session(patient, clinician, performed_at=at(-3))
    make_injection(session)
    assert "Print aftercare" in page(clinician_client, patient)
    session_void(session=session, user=clinician, reason="Wrong patient chart")
    html = page(clinician_client, patient)
    assert "Wrong patient chart" in html
    assert "Print aftercare" not in html


def test_a_changed_doppler_finding_shows_on_the_next_render(
    clinician_client, patient, clinician
):
    from doppler.models import DopplerFinding
    from tests.conftest import make_doppler

    doppler = make_doppler(patient, clinician)  # SFJ reflux 0.3 s
    assert "Right: no pathological reflux" in page(clinician_client, patient)
    DopplerFinding.objects.filter(assessment=doppler).update(reflux_s=Decimal("2.4"))
    html = page(clinician_client, patient)
    assert "Right: no pathological reflux" not in html
    assert "SFJ" in html


def test_a_cached_entry_makes_no_injection_objects(
    clinician_client, patient, clinician, monkeypatch
):
    """The injections of a cached entry are read as values for its key; model
    objects are made only to render an entry anew."""
    session = make_session(patient, clinician, performed_at=at(-3))
    for volume in ("0.5", "0.75"):  # one group: 1.25 mL
        make_injection(session, volume_ml=Decimal(volume))
    made: list[object] = []
    real = Injection.from_db.__func__

    def counted(cls, db, names, values):
        made.append(values)
        return real(cls, db, names, values)

    monkeypatch.setattr(Injection, "from_db", classmethod(counted))
    first = page(clinician_client, patient)
    assert "1.25 mL" in first
    assert len(made) == 2
    made.clear()
    again = page(clinician_client, patient)
    assert "1.25 mL" in again
    assert made == []

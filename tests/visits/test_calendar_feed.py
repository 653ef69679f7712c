"""A clinician's private calendar feed: only their visits, only times, site
and purpose, a secret address they can replace."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from icalendar import Calendar

from accesslog.models import AccessEvent
from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.helpers import at
from visits.models import CalendarFeed

pytestmark = pytest.mark.django_db


def _make_feed(client: Client) -> CalendarFeed:
    response = client.post(reverse("visits:calendar-feed"))
    assert response.status_code == 302
    return CalendarFeed.objects.get()


def _feed_path(feed: CalendarFeed) -> str:
    return reverse("visits:feed", kwargs={"token": feed.token})


def _events(body: bytes) -> list:
    return Calendar.from_ical(body).walk("VEVENT")


def test_the_page_makes_and_shows_the_private_address(
    settings, clinician_client, clinician
):
    settings.SCLERO_SITE_URL = "https://clinic.example.org"
    page = clinician_client.get(reverse("visits:calendar-feed"))
    assert page.status_code == 200
    assert "You have no calendar address yet." in page.content.decode()
    feed = _make_feed(clinician_client)
    assert feed.user == clinician and len(feed.token) >= 43
    text = clinician_client.get(reverse("visits:calendar-feed")).content.decode()
    assert f"https://clinic.example.org/calendar/{feed.token}.ics" in text


@pytest.mark.parametrize("who", ["frontdesk_client", "manager_client"])
def test_only_clinicians_have_a_feed(request, who):
    client = request.getfixturevalue(who)
    assert client.get(reverse("visits:calendar-feed")).status_code == 403
    assert client.post(reverse("visits:calendar-feed")).status_code == 403
    assert not CalendarFeed.objects.exists()


def test_the_feed_holds_only_the_clinicians_active_visits_without_patients(
    clinician_client, clinician, colleague
):
    site = Site.objects.create(name="Sede Brera", address="Via Solferino 3")
    patient = make_patient(last_name="Esposito", first_name="Maria")
    mine = make_visit(patient, clinician, site=site, starts_at=at(3, 9))
    doppler = make_visit(
        make_patient(last_name="Bianchi"),
        clinician,
        site=site,
        starts_at=at(4, 10),
        purpose="doppler",
    )
    make_visit(make_patient(last_name="Verdi"), colleague, starts_at=at(3, 9))
    make_visit(
        make_patient(last_name="Neri"),
        clinician,
        starts_at=at(5, 9),
        status="cancelled",
        status_reason="patient",
    )
    make_visit(make_patient(last_name="Gialli"), clinician, starts_at=at(-40, 9))
    make_visit(make_patient(last_name="Blu"), clinician, starts_at=at(200, 9))
    feed = _make_feed(clinician_client)

    response = Client().get(_feed_path(feed))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "no-store"
    body = response.content
    events = _events(body)
    assert {str(e["UID"]) for e in events} == {
        f"{mine.code}@sclero-clinic",
        f"{doppler.code}@sclero-clinic",
    }
    by_uid = {str(e["UID"]): e for e in events}
    first = by_uid[f"{mine.code}@sclero-clinic"]
    assert first.decoded("DTSTART") == mine.starts_at.astimezone(UTC)
    assert first.decoded("DTEND") == mine.ends_at.astimezone(UTC)
    assert str(first["SUMMARY"]) == "Post-treatment check"
    assert str(first["LOCATION"]) == "Sede Brera, Via Solferino 3"
    assert str(by_uid[f"{doppler.code}@sclero-clinic"]["SUMMARY"]) == (
        "Doppler re-assessment"
    )
    text = body.decode()
    for private in ("Esposito", "Maria", "Bianchi", patient.chart_number, "SC-"):
        assert private not in text
    assert "DESCRIPTION" not in text
    for line in body.split(b"\r\n"):
        assert len(line) <= 75


def test_the_feed_costs_the_same_queries_for_more_visits(clinician_client, clinician):
    feed = _make_feed(clinician_client)
    make_visit(make_patient(last_name="One"), clinician, starts_at=at(2, 9))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert Client().get(_feed_path(feed)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        make_visit(make_patient(last_name=f"P{n}"), clinician, starts_at=at(3 + n, 9))
    assert queries() == few


def test_a_wrong_token_is_not_found(clinician_client):
    feed = _make_feed(clinician_client)
    for token in ("x", feed.token[:-1], feed.token + "a", feed.token.upper()):
        if token == feed.token:
            continue
        response = Client().get(reverse("visits:feed", kwargs={"token": token}))
        assert response.status_code == 404


def test_replacing_the_address_stops_the_old_one(clinician_client):
    old = _make_feed(clinician_client)
    old_path = _feed_path(old)
    assert Client().get(old_path).status_code == 200
    new = _make_feed(clinician_client)
    assert new.pk == old.pk and new.token != old.token
    assert Client().get(old_path).status_code == 404
    assert Client().get(_feed_path(new)).status_code == 200


def test_a_deactivated_clinician_s_feed_stops(clinician_client, clinician):
    feed = _make_feed(clinician_client)
    clinician.is_active = False
    clinician.save()
    assert Client().get(_feed_path(feed)).status_code == 404


def test_the_read_is_logged_under_the_clinician_without_the_token(
    clinician_client, clinician
):
    make_visit(make_patient(last_name="One"), clinician, starts_at=at(2, 9))
    feed = _make_feed(clinician_client)
    Client().get(_feed_path(feed))
    event = AccessEvent.objects.get(kind="calendar-feed")
    assert event.user == clinician
    assert event.patient is None
    assert event.count == 1
    assert feed.token not in event.path


def test_a_visit_a_month_ago_is_still_in_the_feed(clinician_client, clinician):
    past = make_visit(make_patient(), clinician, starts_at=at(-29, 9))
    feed = _make_feed(clinician_client)
    uids = {str(e["UID"]) for e in _events(Client().get(_feed_path(feed)).content)}
    assert f"{past.code}@sclero-clinic" in uids

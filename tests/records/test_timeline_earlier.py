"""The patient page shows the recent past and the plan; earlier entries on demand."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from records.timeline import RECENT_ENTRIES
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, in_days
from visits.models import VisitStatus

# Past and planned entries, "Last Doppler n months ago": all counted from today.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

HTMX = {"HTTP_HX_REQUEST": "true"}
SESSIONS = RECENT_ENTRIES + 15


def url(patient) -> str:
    return reverse("records:patient", args=[patient.code])


def entries(html: str) -> int:
    return len(re.findall(r'<li class="timeline-item kind-', html))


@pytest.fixture
def long_history(patient, clinician):
    """An old Doppler, a weekly session for months, two checks, a booked visit."""
    doppler = make_doppler(patient, clinician, assessed_on=in_days(-400))
    sessions = []
    for n in range(SESSIONS):
        session = make_session(patient, clinician, performed_at=at(-7 * (SESSIONS - n)))
        make_injection(
            session, volume_ml=Decimal("1.0"), concentration_pct=Decimal("0.5")
        )
        sessions.append(session)
    oldest_check = make_visit(
        patient,
        clinician,
        starts_at=at(-7 * SESSIONS + 3),
        status=VisitStatus.COMPLETED,
        clearance_pct=40,
    )
    make_visit(
        patient,
        clinician,
        starts_at=at(-3),
        status=VisitStatus.COMPLETED,
        clearance_pct=90,
    )
    booked = make_visit(patient, clinician, starts_at=at(9))
    return {
        "doppler": doppler,
        "sessions": sessions,
        "oldest_check": oldest_check,
        "booked": booked,
        "past": 1 + SESSIONS + 2,
    }


def test_recent_view_shows_the_latest_entries_and_the_plan(
    clinician_client, patient, long_history
):
    response = clinician_client.get(url(patient))
    timeline = response.context["timeline"]
    html = response.content.decode()
    earlier = long_history["past"] - RECENT_ENTRIES
    assert timeline.earlier_count == earlier
    assert [i.obj for i in timeline.shown_past] == [i.obj for i in timeline.past][
        earlier:
    ]
    assert entries(html) == RECENT_ENTRIES + 1  # the recent past and the booked visit
    assert f"Show {earlier} earlier entries" in html
    assert (
        f"{earlier} earlier entries not printed" in html
    )  # a printout says what it leaves out
    assert f'href="{url(patient)}?all=1#timeline"' in html
    assert f'hx-get="{url(patient)}?earlier=1"' in html
    # The newest session is on the page, the oldest one and the old Doppler are not.
    assert long_history["sessions"][-1].get_absolute_url() in html
    assert long_history["sessions"][0].get_absolute_url() not in html
    assert long_history["doppler"].get_absolute_url() not in html
    assert long_history["booked"].get_absolute_url() in html


def test_alert_header_still_looks_at_the_whole_history(
    clinician_client, patient, long_history
):
    patient.sclerosant_allergy = True
    patient.save()
    response = clinician_client.get(url(patient))
    alerts = {a.kind: a for a in response.context["timeline"].alerts}
    html = response.content.decode()
    assert (
        "Last Doppler 13 months ago" in html
    )  # the Doppler itself is an earlier entry
    assert alerts["doppler"].level == "warning"
    assert alerts["appointment"].text.startswith("Next appointment")
    assert alerts["allergy"].level == "danger"


def test_all_shows_every_entry_without_the_button(
    clinician_client, patient, long_history
):
    response = clinician_client.get(url(patient) + "?all=1")
    html = response.content.decode()
    assert entries(html) == long_history["past"] + 1
    assert "earlier entr" not in html
    assert long_history["sessions"][0].get_absolute_url() in html
    assert long_history["doppler"].get_absolute_url() in html
    assert "40 %" in html  # the oldest check's outcome


def test_htmx_fetches_exactly_the_earlier_entries(
    clinician_client, patient, long_history
):
    response = clinician_client.get(url(patient) + "?earlier=1", **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    earlier = long_history["past"] - RECENT_ENTRIES
    assert entries(html) == earlier
    assert "<html" not in html and "patient-alerts" not in html  # a fragment only
    assert long_history["doppler"].get_absolute_url() in html
    assert long_history["sessions"][0].get_absolute_url() in html
    assert "40 %" in html
    assert long_history["booked"].get_absolute_url() not in html
    # Earlier + recent = everything, once each and in order.
    page = clinician_client.get(url(patient)).content.decode()
    everything = clinician_client.get(url(patient) + "?all=1").content.decode()
    kinds = re.compile(r'data-kind="(\w+)"')
    recent_list = page[page.index('id="timeline"') :]
    assert kinds.findall(html) + kinds.findall(recent_list) == kinds.findall(
        everything[everything.index('id="timeline"') :]
    )


def test_earlier_without_htmx_gives_the_whole_page(
    clinician_client, patient, long_history
):
    response = clinician_client.get(url(patient) + "?earlier=1")
    html = response.content.decode()
    assert "patient-alerts" in html
    assert entries(html) == long_history["past"] + 1


def test_short_history_has_no_button(clinician_client, patient, clinician):
    for n in range(RECENT_ENTRIES):
        make_session(patient, clinician, performed_at=at(-1 - n))
    response = clinician_client.get(url(patient))
    assert response.context["timeline"].earlier_count == 0
    assert "earlier entr" not in response.content.decode()
    assert entries(response.content.decode()) == RECENT_ENTRIES


def test_front_desk_gets_the_same_headlines_in_both_parts(
    frontdesk_client, patient, long_history
):
    page = frontdesk_client.get(url(patient)).content.decode()
    assert "earlier entries" in page
    assert " mg" not in page  # with its space: a CSRF token may hold "mg"
    fragment = frontdesk_client.get(
        url(patient) + "?earlier=1", **HTMX
    ).content.decode()
    assert entries(fragment) == long_history["past"] - RECENT_ENTRIES
    assert "Doppler assessment" in fragment
    assert " mg" not in fragment and "Clearance" not in fragment


def test_outsider_cannot_fetch_the_earlier_entries(
    outsider_client, patient, long_history
):
    assert outsider_client.get(url(patient) + "?earlier=1", **HTMX).status_code == 403


def test_earlier_entries_cost_a_fixed_number_of_queries(
    clinician_client, patient, clinician, long_history, django_assert_max_num_queries
):
    small = make_patient(first_name="Small")
    make_doppler(small, clinician)
    make_injection(make_session(small, clinician, performed_at=at(-2)))
    make_visit(small, clinician, starts_at=at(-1), status=VisitStatus.COMPLETED)
    clinician_client.get(url(small))
    with CaptureQueriesContext(connection) as whole_small_page:
        clinician_client.get(url(small) + "?all=1")
    # The fragment needs no more than a whole page of a one-session patient.
    with django_assert_max_num_queries(len(whole_small_page)):
        response = clinician_client.get(url(patient) + "?earlier=1", **HTMX)
    assert entries(response.content.decode()) == long_history["past"] - RECENT_ENTRIES


def test_without_the_shared_cards_clinicians_get_the_timeline_own_items(
    clinician_client, patient, clinician, monkeypatch
):
    """The fallback items still get their totals and compression (worked out
    only when no card shows them)."""
    from records import timeline

    monkeypatch.setattr(
        timeline,
        "CARD_TEMPLATES",
        dict.fromkeys(timeline.CARD_TEMPLATES, "patients/no_such_card.html"),
    )
    session = make_session(patient, clinician, performed_at=at(-3))
    make_injection(session, volume_ml=Decimal("2.0"), concentration_pct=Decimal("0.5"))
    response = clinician_client.get(url(patient))
    html = response.content.decode()
    item = response.context["timeline"].items[0]
    assert item.card is None
    assert item.extra["totals"].injections == 1
    assert "10.00" in html  # 0.5 % x 2 mL = 10 mg
    assert item.extra["compression"] in html
    assert "Print aftercare" in html

"""Follow-up visit pages: roles, booking, status actions, outcome, query counts."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_injection, make_patient, make_session, make_visit
from tests.helpers import in_days, next_clinic_day, rome, tomorrow_at
from visits import selectors as visit_selectors
from visits.models import FollowUpVisit, VisitPurpose, VisitStatus

# Bookings refuse the past; the agenda, arrival and no-show follow today and now.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

ROLES = ["clinician", "frontdesk", "manager", "outsider"]


@pytest.fixture
def clients(clinician_client, frontdesk_client, manager_client, outsider_client):
    return {
        "clinician": clinician_client,
        "frontdesk": frontdesk_client,
        "manager": manager_client,
        "outsider": outsider_client,
    }


@pytest.fixture
def visit(patient, clinician):
    return make_visit(patient, clinician)


@pytest.fixture
def past_visit(patient, clinician):
    return make_visit(
        patient, clinician, starts_at=timezone.now() - timedelta(minutes=10)
    )


# --- role matrix ---------------------------------------------------------------------


def _get_urls(patient, visit) -> dict[str, tuple[str, set[str]]]:
    # Who may open the page; what each role sees on the visit page (front
    # desk: headlines only) is in tests/test_headlines_only.py.
    viewers = {"clinician", "frontdesk", "manager"}
    bookers = {"clinician", "frontdesk"}
    return {
        "agenda-day": (reverse("visits:agenda-day"), viewers),
        "agenda-week": (reverse("visits:agenda-week"), viewers),
        "worklist": (reverse("visits:worklist"), viewers),
        "visit-detail": (reverse("visits:detail", args=[visit.code]), viewers),
        "visit-ics": (reverse("visits:ics", args=[visit.code]), viewers),
        "visit-create": (reverse("visits:create", args=[patient.code]), bookers),
        "visit-reschedule": (
            reverse("visits:reschedule", args=[visit.code]),
            bookers,
        ),
        "visit-outcome": (reverse("visits:outcome", args=[visit.code]), {"clinician"}),
    }


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_pages(clients, patient, visit, role):
    for name, (url, allowed) in _get_urls(patient, visit).items():
        response = clients[role].get(url)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (name, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["cancel", "arrive", "no-show"])
def test_role_matrix_for_status_actions(clients, past_visit, role, action):
    url = reverse(f"visits:{action}", args=[past_visit.code])
    assert clients[role].get(url).status_code == 405
    response = clients[role].post(url, {"reason": "other", "note": "x"})
    past_visit.refresh_from_db()
    if role in ("clinician", "frontdesk"):
        assert response.status_code == 302
        assert past_visit.status != VisitStatus.SCHEDULED
    else:
        assert response.status_code == 403
        assert past_visit.status == VisitStatus.SCHEDULED


def test_unknown_visit_is_404(frontdesk_client):
    import uuid

    url = reverse("visits:detail", args=[uuid.uuid4()])
    assert frontdesk_client.get(url).status_code == 404


# --- booking -------------------------------------------------------------------------


def _book_data(who, **overrides):
    data = {
        "purpose": VisitPurpose.CHECK,
        "date": in_days(1).isoformat(),
        "time": "09:00",
        "duration_min": "20",
        "clinician": str(who.pk),
        "session": "",
    }
    data.update(overrides)
    return data


def test_front_desk_books_a_visit_in_clinic_time(
    frontdesk_client, frontdesk, patient, clinician
):
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.post(url, _book_data(clinician))
    visit = FollowUpVisit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url()
    assert visit.starts_at == tomorrow_at(9)
    assert visit.created_by == frontdesk


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"date": ""}, "date"),
        ({"date": "2026-02-30"}, "date"),
        ({"time": "25:99"}, "time"),
        ({"duration_min": "0"}, "duration_min"),
        ({"duration_min": "500"}, "duration_min"),
        ({"duration_min": "abc"}, "duration_min"),
        ({"clinician": "999999"}, "clinician"),
        ({"purpose": "surgery"}, "purpose"),
        ({"session": "999999"}, "session"),
        ({"date": "2020-01-06"}, "time"),  # in the past: the service refuses it
    ],
)
def test_bad_booking_input_gives_field_messages(
    frontdesk_client, patient, clinician, overrides, field
):
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.post(url, _book_data(clinician, **overrides))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not FollowUpVisit.objects.exists()


def test_a_non_clinician_cannot_be_chosen(frontdesk_client, frontdesk, patient):
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.post(url, _book_data(frontdesk))
    assert "clinician" in response.context["form"].errors


def test_double_booking_shows_the_conflict_on_the_time(
    frontdesk_client, patient, clinician
):
    make_visit(make_patient(last_name="Other"), clinician, starts_at=tomorrow_at(9))
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.post(url, _book_data(clinician, time="09:10"))
    assert response.status_code == 200
    errors = response.context["form"].errors["time"]
    assert "Dr Clinician already has a visit 09:00–09:20" in errors[0]
    assert FollowUpVisit.objects.count() == 1
    # What was typed is kept.
    assert response.context["form"]["time"].value() == "09:10"


def test_booking_from_a_session_prefills_the_suggestion(
    frontdesk_client, patient, clinician
):
    session = make_session(patient, clinician)
    make_injection(session)
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.get(url, {"session": str(session.code)})
    form = response.context["form"]
    suggestion = visit_selectors.suggested_follow_up_date(session)
    assert form.initial["session"] == session
    assert form.initial["purpose"] == VisitPurpose.CHECK
    assert form.initial["date"] == suggestion.bookable_day()
    assert "Suggested after this session" in response.content.decode()


@pytest.mark.parametrize(
    "value", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"]
)
def test_a_bad_session_parameter_is_ignored(frontdesk_client, patient, value):
    url = reverse("visits:create", args=[patient.code])
    response = frontdesk_client.get(url, {"session": value})
    assert response.status_code == 200
    assert "session" not in response.context["form"].initial


def test_header_offers_book_follow_up_to_front_desk_only(
    frontdesk_client, manager_client, patient
):
    book_url = reverse("visits:create", args=[patient.code])
    assert book_url in frontdesk_client.get(patient.get_absolute_url()).content.decode()
    assert (
        book_url not in manager_client.get(patient.get_absolute_url()).content.decode()
    )


# --- reschedule, status actions -------------------------------------------------------


def test_reschedule_moves_the_visit(frontdesk_client, visit, colleague):
    url = reverse("visits:reschedule", args=[visit.code])
    data = {
        "date": in_days(1).isoformat(),
        "time": "11:30",
        "duration_min": "30",
        "clinician": str(colleague.pk),
        "version": str(visit.version),
        "reason": "The patient asked to come later",
    }
    response = frontdesk_client.post(url, data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.starts_at, visit.duration_min, visit.clinician) == (
        tomorrow_at(11, 30),
        30,
        colleague,
    )


def test_a_stale_reschedule_form_is_refused(frontdesk_client, visit, clinician):
    url = reverse("visits:reschedule", args=[visit.code])
    data = {
        "date": in_days(1).isoformat(),
        "time": "11:30",
        "duration_min": "20",
        "clinician": str(clinician.pk),
        "version": str(visit.version - 1),
        "reason": "The patient asked to come later",
    }
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert "This follow-up visit was changed by" in response.content.decode()


def test_cancel_from_the_agenda_returns_to_the_agenda(frontdesk_client, visit):
    back = reverse("visits:agenda-day") + f"?date={in_days(1)}"
    url = reverse("visits:cancel", args=[visit.code])
    response = frontdesk_client.post(
        url, {"reason": "patient", "note": "", "next": back}
    )
    assert response["Location"] == back
    visit.refresh_from_db()
    assert (visit.status, visit.status_reason) == ("cancelled", "patient")


def test_an_outside_next_url_is_ignored(frontdesk_client, visit):
    url = reverse("visits:cancel", args=[visit.code])
    response = frontdesk_client.post(
        url, {"reason": "patient", "next": "https://evil.example/"}
    )
    assert response["Location"] == visit.get_absolute_url()


def test_cancel_without_reason_changes_nothing(frontdesk_client, visit):
    url = reverse("visits:cancel", args=[visit.code])
    response = frontdesk_client.post(url, {"reason": ""}, follow=True)
    assert "Choose a reason" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_an_invalid_transition_is_a_message_not_a_500(frontdesk_client, past_visit):
    past_visit.status = VisitStatus.COMPLETED
    past_visit.save()
    url = reverse("visits:arrive", args=[past_visit.code])
    response = frontdesk_client.post(url, follow=True)
    assert response.status_code == 200
    assert "it cannot be marked as arrived" in response.content.decode()


def test_no_show_records_the_reason(frontdesk_client, past_visit):
    url = reverse("visits:no-show", args=[past_visit.code])
    frontdesk_client.post(url, {"reason": "no_contact"})
    past_visit.refresh_from_db()
    assert (past_visit.status, past_visit.status_reason) == ("no_show", "no_contact")


# --- outcome --------------------------------------------------------------------------


def _outcome_data(visit, **overrides):
    data = {
        "clearance_pct": "70",
        "adverse_events": ["matting", "bruising"],
        "adverse_event_notes": "",
        "satisfaction": "4",
        "plan": "another",
        "outcome_notes": "Good result.",
        "version": str(visit.version),
    }
    data.update(overrides)
    return data


@pytest.fixture
def arrived(patient, clinician):
    return make_visit(
        patient,
        clinician,
        starts_at=timezone.now() - timedelta(minutes=10),
        status=VisitStatus.ARRIVED,
    )


def test_clinician_records_the_outcome(clinician_client, arrived):
    url = reverse("visits:outcome", args=[arrived.code])
    response = clinician_client.post(url, _outcome_data(arrived))
    assert response.status_code == 302
    arrived.refresh_from_db()
    assert arrived.status == VisitStatus.COMPLETED
    assert arrived.clearance_pct == 70 and arrived.satisfaction == 4
    assert arrived.adverse_events == ["matting", "bruising"]


def test_outcome_form_shows_adverse_events_as_checkboxes(clinician_client, arrived):
    url = reverse("visits:outcome", args=[arrived.code])
    html = clinician_client.get(url).content.decode()
    assert 'type="checkbox"' in html
    assert 'name="adverse_events" value="thrombophlebitis"' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"clearance_pct": "150"}, "clearance_pct", "less than or equal to 100"),
        ({"clearance_pct": "-5"}, "clearance_pct", "greater than or equal to 0"),
        ({"satisfaction": "0"}, "satisfaction", "Select a valid choice"),
        ({"satisfaction": "6"}, "satisfaction", "Select a valid choice"),
        ({"plan": ""}, "plan", "required"),
        ({"adverse_events": ["other"]}, "adverse_event_notes", "Describe the other"),
        ({"adverse_events": ["nonsense"]}, "adverse_events", "Select a valid choice"),
    ],
)
def test_outcome_bad_input_gives_field_messages(
    clinician_client, arrived, overrides, field, message
):
    url = reverse("visits:outcome", args=[arrived.code])
    response = clinician_client.post(url, _outcome_data(arrived, **overrides))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    arrived.refresh_from_db()
    assert arrived.status == VisitStatus.ARRIVED and arrived.clearance_pct is None


def test_outcome_of_a_scheduled_visit_is_refused_with_a_message(
    clinician_client, visit
):
    url = reverse("visits:outcome", args=[visit.code])
    response = clinician_client.post(url, _outcome_data(visit))
    assert response.status_code == 200
    assert "it cannot be completed" in response.content.decode()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_front_desk_cannot_record_an_outcome(frontdesk_client, arrived):
    url = reverse("visits:outcome", args=[arrived.code])
    assert frontdesk_client.post(url, _outcome_data(arrived)).status_code == 403
    arrived.refresh_from_db()
    assert arrived.status == VisitStatus.ARRIVED


# --- ICS ------------------------------------------------------------------------------


def test_ics_download(frontdesk_client, visit):
    response = frontdesk_client.get(reverse("visits:ics", args=[visit.code]))
    assert response["Content-Type"].startswith("text/calendar")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode()
    assert f"UID:{visit.code}@sclero-clinic\r\n" in body
    assert "Esposito" not in body and "check" not in body.lower()


# --- pages show what they should, at a fixed query cost -------------------------------


def _many_visits(clinician, colleague, count: int, day: date):
    for n in range(count):
        patient = make_patient(last_name=f"Patient{n}", phone="")
        who = clinician if n % 2 else colleague
        start = rome(day, 8) + timedelta(minutes=20 * (n // 2))
        make_visit(patient, who, starts_at=start, status=VisitStatus.SCHEDULED)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["agenda-day", "agenda-week"])
def test_agenda_pages_cost_a_fixed_number_of_queries(
    frontdesk_client, clinician, colleague, name, django_assert_num_queries
):
    day = next_clinic_day()  # tomorrow, unless it is a Sunday: the week has none
    url = reverse(f"visits:{name}") + f"?date={day}"
    _many_visits(clinician, colleague, 1, day)
    one = _queries(frontdesk_client, url)
    FollowUpVisit.objects.all().delete()
    _many_visits(clinician, colleague, 20, day)
    with django_assert_num_queries(one):
        response = frontdesk_client.get(url)
    html = response.content.decode()
    # Every visit is one block of the grid, however many there are.
    assert html.count('data-visit="') == 20
    assert "Patient19" in html and "Patient0" in html


def test_worklist_costs_a_fixed_number_of_queries(
    frontdesk_client, clinician, django_assert_num_queries
):
    url = reverse("visits:worklist")
    make_session(make_patient(last_name="W0"), clinician)
    one = _queries(frontdesk_client, url)
    for n in range(1, 20):
        make_session(make_patient(last_name=f"W{n}"), clinician)
    with django_assert_num_queries(one):
        response = frontdesk_client.get(url)
    assert response.content.decode().count("?session=") == 20


def test_worklist_pages_by_keyset_most_overdue_first(frontdesk_client, clinician):
    # 30 patients treated on successive days: pages of 25 then 5, by
    # Next (after the last row) and Previous (before the first), none twice.
    url = reverse("visits:worklist")
    for n in range(30):
        make_session(
            make_patient(last_name=f"Wait{n:02d}"),
            clinician,
            performed_at=timezone.now() - timedelta(days=60 - n),
        )

    def names(html: str) -> list[str]:
        return re.findall(r"Wait\d\d", html)

    first = frontdesk_client.get(url).content.decode()
    assert names(first) == [f"Wait{n:02d}" for n in range(25)]
    next_url = re.search(r'href="([^"]*after=[^"]*)" rel="next"', first).group(1)
    second = frontdesk_client.get(next_url.replace("&amp;", "&")).content.decode()
    assert names(second) == [f"Wait{n:02d}" for n in range(25, 30)]
    assert 'rel="next"' not in second
    back = re.search(r'href="([^"]*before=[^"]*)" rel="prev"', second).group(1)
    again = frontdesk_client.get(back.replace("&amp;", "&")).content.decode()
    assert names(again) == names(first)
    # An old numbered link, or a garbled or unknown cursor, opens the first page.
    for query in ("?page=3", "?after=not-a-code", f"?after={uuid.uuid4()}"):
        response = frontdesk_client.get(url + query, follow=True)
        assert names(response.content.decode()) == names(first)


def test_day_agenda_filters_by_clinician(frontdesk_client, clinician, colleague):
    day = in_days(1)
    make_visit(make_patient(last_name="Mine"), clinician, starts_at=rome(day, 9))
    make_visit(make_patient(last_name="Theirs"), colleague, starts_at=rome(day, 9))
    url = reverse("visits:agenda-day") + f"?date={day}&clinician={colleague.pk}"
    html = frontdesk_client.get(url).content.decode()
    assert "Theirs" in html and "Mine" not in html


def test_day_agenda_offers_moving_to_front_desk_only(
    frontdesk_client, manager_client, visit
):
    # The grid keeps its blocks light: status actions are on the visit's
    # page (each block links to it); moving starts from the block.
    day = timezone.localdate(visit.starts_at).isoformat()
    url = reverse("visits:agenda-day") + f"?date={day}"
    move = f"move={visit.code}"
    desk_html = frontdesk_client.get(url).content.decode()
    assert move in desk_html and visit.get_absolute_url() in desk_html
    manager_html = manager_client.get(url).content.decode()
    assert move not in manager_html and visit.get_absolute_url() in manager_html


def test_visit_page_offers_arrival_and_no_show_only_when_they_make_sense(
    frontdesk_client, visit, past_visit
):
    def html_for(v):
        return frontdesk_client.get(v.get_absolute_url()).content.decode()

    future_html = html_for(visit)
    assert reverse("visits:no-show", args=[visit.code]) not in future_html
    assert reverse("visits:arrive", args=[visit.code]) not in future_html
    started_html = html_for(past_visit)
    assert reverse("visits:no-show", args=[past_visit.code]) in started_html
    assert reverse("visits:arrive", args=[past_visit.code]) in started_html


def test_a_bad_agenda_date_falls_back_to_today(frontdesk_client):
    response = frontdesk_client.get(
        reverse("visits:agenda-day"), {"date": "2026-13-45"}
    )
    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    response = frontdesk_client.get(reverse("visits:agenda-week"), {"clinician": "x"})
    assert response.status_code == 200


def test_week_agenda_runs_monday_to_sunday_at_a_site_without_hours(
    frontdesk_client,
):
    response = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": "2026-12-03"}
    )
    days = [column.day for column in response.context["grid"].columns]
    assert [d.isoformat() for d in (days[0], days[-1])] == ["2026-11-30", "2026-12-06"]
    assert len(days) == 7


def test_visit_card_partial_needs_no_extra_queries(
    patient, clinician, django_assert_num_queries
):
    from django.template.loader import render_to_string

    make_visit(
        patient,
        clinician,
        starts_at=timezone.now() - timedelta(hours=1),
        status=VisitStatus.COMPLETED,
        clearance_pct=80,
        adverse_events=["matting"],
        satisfaction=5,
        plan="complete",
    )
    visit = FollowUpVisit.objects.select_related("clinician").get()
    with django_assert_num_queries(0):
        html = render_to_string("visits/visit_card.html", {"visit": visit})
    assert (
        "80 %" in html
        and "Telangiectatic matting" in html
        and "Course complete" in html
    )

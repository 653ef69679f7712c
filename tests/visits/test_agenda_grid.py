"""The agenda as a time grid: rows, columns, visits, free slots, booking from
a slot, the next free slot, moving a visit, and the clinician's own day."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    WorkingHours,
    default_site_pk,
)
from patients.models import Answer
from tests.conftest import make_patient, make_visit
from tests.helpers import next_weekday, rome
from visits.models import (
    Confirmation,
    MessageChannel,
    MessageStatus,
    VisitMessage,
    VisitPurpose,
    VisitStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def site() -> Site:
    return Site.objects.get(pk=default_site_pk())


def open_weekdays(s: Site, weekdays=range(6), opens=time(9), closes=time(13)):
    for weekday in weekdays:
        OpeningHours.objects.create(site=s, weekday=weekday, opens=opens, closes=closes)


def day_page(client, day: date, **params):
    response = client.get(
        reverse("visits:agenda-day"), {"date": day.isoformat(), **params}
    )
    assert response.status_code == 200
    return response


def blocks(response) -> dict[str, str]:
    """Each visit block's classes, by the visit's code."""
    html = response.content.decode()
    found = {}
    for match in re.finditer(
        r'<div class="ag-block ([^"]*)" data-visit="([0-9a-f-]+)"', html
    ):
        found[match.group(2)] = match.group(1)
    return found


def free_links(response) -> list[str]:
    return re.findall(r'<a class="ag-free" href="([^"]+)"', response.content.decode())


def test_a_visit_sits_in_its_clinicians_column_and_on_its_rows(
    frontdesk_client, clinician, colleague
):
    s = site()
    open_weekdays(s, opens=time(9), closes=time(13))
    day = next_weekday(2)
    patient = make_patient()
    visit = make_visit(patient, colleague, starts_at=rome(day, 10, 0), duration_min=30)
    response = day_page(frontdesk_client, day)
    grid = response.context["grid"]
    # Rows from the opening (09:00) in steps of 15 minutes.
    assert grid.rows[0] == time(9) and grid.rows[-1] == time(12, 45)
    labels = [c.label for c in grid.columns]
    assert labels == ["Dr Clinician", "Dr Colleague"]
    colleague_column = grid.columns[1]
    classes = blocks(response)[str(visit.code)]
    # 10:00 is the fifth step after 09:00 (row line 2 is 09:00); 30 min = 2 rows.
    assert "gr-6 " in classes + " " and "gs-2" in classes
    assert f"gc-{colleague_column.start}" in classes.split()
    assert "Esposito, Maria" in response.content.decode()


def test_free_slots_are_offered_where_nobody_is_booked(frontdesk_client, clinician):
    s = site()
    open_weekdays(s, opens=time(9), closes=time(11))
    day = next_weekday(1)
    make_visit(make_patient(), clinician, starts_at=rome(day, 9, 30), duration_min=30)
    links = free_links(day_page(frontdesk_client, day))
    times = [re.search(r"time=(\d\d:\d\d)", link).group(1) for link in links]
    assert times == ["09:00", "09:15", "10:00", "10:15", "10:30", "10:45"]
    assert all(f"clinician={clinician.pk}" in link for link in links)
    assert all(f"site={s.pk}" in link and "duration=15" in link for link in links)


def test_no_free_slot_on_a_closure_nor_during_an_absence(
    frontdesk_client, clinician, colleague
):
    s = site()
    open_weekdays(s)
    day = next_weekday(3)
    Absence.objects.create(
        clinician=colleague, starts_at=rome(day, 9), ends_at=rome(day, 11)
    )
    response = day_page(frontdesk_client, day)
    column = {c.key: c for c in response.context["grid"].columns}[colleague.pk]
    states = {cell.at: cell.state for cell in column.cells}
    assert states[time(9)] == "absent" and states[time(10, 45)] == "absent"
    assert states[time(11)] == "free"
    assert "Leave" in response.content.decode()

    Closure.objects.create(site=s, first_day=day, last_day=day, reason="Patron saint")
    response = day_page(frontdesk_client, day)
    assert free_links(response) == []
    assert "Closed: Patron saint" in response.content.decode()


def test_outside_working_hours_is_shaded_not_free(frontdesk_client, clinician):
    s = site()
    open_weekdays(s, opens=time(9), closes=time(13))
    day = next_weekday(0)
    WorkingHours.objects.create(
        clinician=clinician, site=s, weekday=0, starts=time(10), ends=time(12)
    )
    response = day_page(frontdesk_client, day)
    column = response.context["grid"].columns[0]
    states = {cell.at: cell.state for cell in column.cells}
    assert states[time(9, 45)] == "off"
    assert states[time(10)] == "free"
    assert states[time(12)] == "off"


def test_a_clinician_with_hours_elsewhere_that_day_has_no_column(
    frontdesk_client, clinician, colleague
):
    s = site()
    day = next_weekday(4)
    WorkingHours.objects.create(
        clinician=colleague, site=s, weekday=0, starts=time(9), ends=time(12)
    )
    response = day_page(frontdesk_client, day)
    assert [c.key for c in response.context["grid"].columns] == [clinician.pk]
    # Until a visit of theirs is there.
    make_visit(make_patient(), colleague, starts_at=rome(day, 15))
    response = day_page(frontdesk_client, day)
    assert [c.key for c in response.context["grid"].columns] == [
        clinician.pk,
        colleague.pk,
    ]


def test_without_hours_the_day_runs_from_8_to_20_with_a_banner(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    response = day_page(frontdesk_client, day)
    grid = response.context["grid"]
    assert grid.rows[0] == time(8) and grid.rows[-1] == time(19, 45)
    assert "working hours are not set" in response.content.decode()


def test_a_visit_outside_the_hours_stretches_the_grid(frontdesk_client, clinician):
    s = site()
    open_weekdays(s, opens=time(9), closes=time(13))
    day = next_weekday(2)
    visit = make_visit(make_patient(), clinician, starts_at=rome(day, 7, 0))
    response = day_page(frontdesk_client, day)
    assert response.context["grid"].rows[0] == time(7)
    assert str(visit.code) in blocks(response)


def test_the_block_shows_the_patients_answer_and_an_unknown_reminder(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    confirmed = make_visit(
        make_patient(last_name="Conti"),
        clinician,
        starts_at=rome(day, 9),
        confirmation=Confirmation.CONFIRMED,
    )
    asked = make_visit(
        make_patient(last_name="Gallo"),
        clinician,
        starts_at=rome(day, 10),
        confirmation=Confirmation.CANCEL_REQUESTED,
    )
    VisitMessage.objects.create(
        visit=asked,
        channel=MessageChannel.SMS,
        status=MessageStatus.UNKNOWN,
        due_at=rome(day, 8),
    )
    html = day_page(frontdesk_client, day).content.decode()
    assert html.count("Confirmed by the patient") == 1
    assert html.count("Patient asked to cancel") == 1
    assert html.count("Reminder: outcome unknown") == 1
    assert str(confirmed.code) in html


def test_cancelled_visits_leave_the_grid_and_are_listed_under_it(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    visit = make_visit(
        make_patient(), clinician, starts_at=rome(day, 9), status=VisitStatus.CANCELLED
    )
    response = day_page(frontdesk_client, day)
    assert str(visit.code) not in blocks(response)
    assert "Cancelled and no-show" in response.content.decode()
    # Its time is free again.
    assert any("time=09:00" in link for link in free_links(response))


def test_free_slot_leads_to_the_patient_picker_then_the_prefilled_booking_form(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    patient = make_patient(last_name="Rinaldi", first_name="Paola")
    link = next(
        link
        for link in free_links(day_page(frontdesk_client, day))
        if "time=10:30" in link
    ).replace("&amp;", "&")
    picker = frontdesk_client.get(link)
    assert picker.status_code == 200
    assert "10:30" in picker.content.decode()
    found = frontdesk_client.get(link + "&q=rinaldi")
    html = found.content.decode()
    booking = re.search(r'href="(/patients/[^"]+/visits/new/\?[^"]+)"', html).group(1)
    booking = booking.replace("&amp;", "&")
    assert str(patient.code) in booking
    form = frontdesk_client.get(booking).context["form"]
    assert form.initial["time"] == time(10, 30)
    assert form.initial["date"] == day
    assert form.initial["clinician"] == clinician
    assert form.initial["duration_min"] == 15
    event = AccessEvent.objects.filter(kind="agenda-book").latest("id")
    assert (event.query, event.count) == ("rinaldi", 1)


def test_a_visit_type_picked_on_the_agenda_sets_the_slots_duration(
    frontdesk_client, clinician
):
    from visits.models import VisitType

    VisitType.objects.update_or_create(
        purpose=VisitPurpose.TREATMENT, defaults={"default_duration_min": 45}
    )
    day = next_weekday(2)
    links = free_links(day_page(frontdesk_client, day, purpose="treatment"))
    assert links and all(
        "duration=45" in link and "purpose=treatment" in link for link in links
    )


def test_book_slot_drops_hostile_values(frontdesk_client, clinician):
    response = frontdesk_client.get(
        reverse("visits:book-slot"),
        {
            "clinician": "x' or 1=1",
            "date": "9999-99-99",
            "time": "25:99",
            "duration": "-5",
            "purpose": "<script>",
            "q": "Esposito",
        },
    )
    assert response.status_code == 200
    assert response.context["slot"] == {}


def test_next_free_slot_finds_the_first_one_and_offers_booking(
    frontdesk_client, clinician
):
    s = site()
    day = next_weekday(2, after=3)
    open_weekdays(s, weekdays=[day.weekday()], opens=time(9), closes=time(10))
    response = frontdesk_client.get(
        reverse("visits:next-free"),
        {
            "clinician": clinician.pk,
            "purpose": "check",
            "earliest": day.isoformat(),
            "site": s.pk,
        },
    )
    found = response.context["found"]
    assert timezone.localtime(found.starts_at) == rome(day, 9)
    html = response.content.decode()
    assert "First free slot" in html
    assert reverse("visits:book-slot") in html
    assert "time=09:00" in html.replace("&amp;", "&")


def test_next_free_slot_says_when_there_is_none(frontdesk_client, clinician):
    Absence.objects.create(
        clinician=clinician,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=200),
    )
    response = frontdesk_client.get(
        reverse("visits:next-free"),
        {
            "clinician": clinician.pk,
            "purpose": "check",
            "earliest": timezone.localdate().isoformat(),
        },
    )
    assert "No free slot in the next 90 days." in response.content.decode()


def test_next_free_form_shows_errors_on_fields(frontdesk_client):
    response = frontdesk_client.get(
        reverse("visits:next-free"),
        {"clinician": "nobody", "purpose": "x", "earliest": "0001-01-01"},
    )
    form = response.context["form"]
    assert set(form.errors) == {"clinician", "purpose", "earliest"}
    assert response.context["found"] is None


def test_move_mode_turns_free_slots_into_the_prefilled_reschedule_form(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    visit = make_visit(make_patient(), clinician, starts_at=rome(day, 9))
    page = day_page(frontdesk_client, day)
    html = page.content.decode()
    assert f"move={visit.code}" in html
    moving = day_page(frontdesk_client, day, move=str(visit.code)).content.decode()
    assert "choose a free slot" in moving
    target = reverse("visits:reschedule", kwargs={"code": visit.code})
    assert f'href="{target}?clinician={clinician.pk}' in moving
    assert "time=11:00" in moving


def test_moving_through_the_prefilled_form_with_a_reason(frontdesk_client, clinician):
    day = next_weekday(2)
    visit = make_visit(make_patient(), clinician, starts_at=rome(day, 9))
    url = reverse("visits:reschedule", kwargs={"code": visit.code})
    form = frontdesk_client.get(
        url, {"clinician": clinician.pk, "date": day.isoformat(), "time": "11:00"}
    ).context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
    }
    assert str(data["time"])[:5] == "11:00"
    data.update(reason="Patient asked for later", date=day.isoformat(), time="11:00")
    data["clinician"] = clinician.pk
    response = frontdesk_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    visit.refresh_from_db()
    assert timezone.localtime(visit.starts_at) == rome(day, 11)


def test_a_refused_move_shows_why_on_the_form(frontdesk_client, clinician):
    s = site()
    day = next_weekday(2)
    Closure.objects.create(site=s, first_day=day, last_day=day, reason="Works")
    visit = make_visit(
        make_patient(), clinician, starts_at=rome(day - timedelta(days=1), 9)
    )
    url = reverse("visits:reschedule", kwargs={"code": visit.code})
    form = frontdesk_client.get(url).context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else ""
        for name in form.fields
    }
    data.update(reason="Patient asked", date=day.isoformat(), time="10:00")
    data["clinician"] = clinician.pk
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert "Works" in response.content.decode()
    visit.refresh_from_db()
    assert timezone.localdate(visit.starts_at) == day - timedelta(days=1)


def test_allergy_flag_for_clinicians_only(
    frontdesk_client, clinician_client, clinician
):
    day = next_weekday(2)
    patient = make_patient(sclerosant_allergy=Answer.YES)
    make_visit(patient, clinician, starts_at=rome(day, 9))
    make_visit(make_patient(last_name="Sani"), clinician, starts_at=rome(day, 10))
    for_clinician = day_page(clinician_client, day).content.decode()
    assert for_clinician.count("Allergy or contraindication") == 1
    assert "Known allergy to a sclerosant" in for_clinician
    for_desk = day_page(frontdesk_client, day).content.decode()
    assert "Allergy or contraindication" not in for_desk
    assert "sclerosant" not in for_desk


def test_a_clinician_lands_on_their_own_day(
    clinician_client, frontdesk_client, clinician
):
    response = clinician_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("visits:agenda-day") + f"?clinician={clinician.pk}"
    )
    assert frontdesk_client.get("/")["Location"] == reverse("patients:list")


def test_start_session_on_an_arrived_treatment_visit_for_clinicians(
    clinician_client, frontdesk_client, clinician
):
    today = timezone.localdate()
    patient = make_patient()
    make_visit(
        patient,
        clinician,
        starts_at=timezone.now() - timedelta(minutes=5),
        purpose=VisitPurpose.TREATMENT,
        status=VisitStatus.ARRIVED,
    )
    start = reverse("treatments:session-create", kwargs={"code": patient.code})
    html = day_page(clinician_client, today).content.decode()
    assert "Start session" in html and start in html
    assert "Start session" not in day_page(frontdesk_client, today).content.decode()


def test_week_shows_a_sunday_visit_at_a_site_open_on_sundays(
    frontdesk_client, clinician
):
    s = site()
    open_weekdays(s, weekdays=range(7))
    sunday = next_weekday(6)
    visit = make_visit(make_patient(), clinician, starts_at=rome(sunday, 10))
    response = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": sunday.isoformat()}
    )
    grid = response.context["grid"]
    assert [c.day.weekday() for c in grid.columns] == list(range(7))
    sunday_column = grid.columns[6]
    assert [b.visit.pk for b in sunday_column.blocks] == [visit.pk]


def test_week_leaves_out_a_closed_weekday_and_greys_a_closure(
    frontdesk_client, clinician
):
    s = site()
    open_weekdays(s, weekdays=range(6))
    monday = next_weekday(0)
    Closure.objects.create(
        site=s,
        first_day=monday + timedelta(days=2),
        last_day=monday + timedelta(days=2),
        reason="Holiday",
    )
    response = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": monday.isoformat()}
    )
    grid = response.context["grid"]
    assert [c.day.weekday() for c in grid.columns] == [0, 1, 2, 3, 4, 5]
    wednesday = grid.columns[2]
    assert wednesday.closed == "Holiday"
    assert {cell.state for cell in wednesday.cells} == {"closed"}
    assert "Closed: Holiday" in response.content.decode()


def test_week_shows_a_visit_on_a_day_the_site_is_closed(frontdesk_client, clinician):
    s = site()
    open_weekdays(s, weekdays=range(5))
    saturday = next_weekday(5)
    visit = make_visit(make_patient(), clinician, starts_at=rome(saturday, 10))
    response = frontdesk_client.get(
        reverse("visits:agenda-week"), {"date": saturday.isoformat()}
    )
    grid = response.context["grid"]
    column = grid.columns[-1]
    assert column.day == saturday and column.closed == "weekday"
    assert [b.visit.pk for b in column.blocks] == [visit.pk]


def _count_queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["visits:agenda-day", "visits:agenda-week"])
def test_grid_pages_cost_a_fixed_number_of_queries(
    name, frontdesk_client, clinician, colleague
):
    day = next_weekday(2)
    url = reverse(name)
    params = {"date": day.isoformat()}

    def book(n):
        for i in range(n):
            who = clinician if i % 2 else colleague
            visit = make_visit(
                make_patient(last_name=f"P{i}"),
                who,
                starts_at=rome(day, 8) + timedelta(minutes=20 * (i // 2)),
            )
            VisitMessage.objects.create(
                visit=visit,
                channel=MessageChannel.EMAIL,
                status=MessageStatus.UNKNOWN,
                due_at=visit.starts_at,
            )

    book(3)
    _count_queries(frontdesk_client, url, params)  # warm caches
    small = _count_queries(frontdesk_client, url, params)
    book(27)
    large = _count_queries(frontdesk_client, url, params)
    assert large == small


def test_agenda_logs_its_filter_and_how_many_visits_it_showed(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    make_visit(make_patient(), clinician, starts_at=rome(day, 9))
    make_visit(make_patient(last_name="B"), clinician, starts_at=rome(day, 10))
    day_page(frontdesk_client, day)
    event = AccessEvent.objects.filter(kind="agenda").latest("id")
    assert (event.query, event.count) == (day.isoformat(), 2)


def test_the_agenda_shows_only_the_users_sites_and_a_menu_with_several(
    frontdesk, manager_client, clinician
):
    from clinics.models import SiteMembership
    from tests.conftest import client_for

    first = site()
    other = Site.objects.create(name="Branch")
    day = next_weekday(2)
    here = make_visit(make_patient(last_name="Here"), clinician, starts_at=rome(day, 9))
    there = make_visit(
        make_patient(last_name="There"),
        clinician,
        starts_at=rome(day, 11),
        site=other,
    )
    SiteMembership.objects.create(user=frontdesk, site=other)
    desk = day_page(client_for(frontdesk), day)
    assert set(blocks(desk)) == {str(there.code)}
    assert 'name="site"' not in desk.content.decode().split("agenda-next-free")[0]
    # The manager sees every site: the menu, the first site by default.
    everything = day_page(manager_client, day)
    assert 'id="agenda-site"' in everything.content.decode()
    assert set(blocks(everything)) == {str(here.code)}
    branch = day_page(manager_client, day, site=other.pk)
    assert set(blocks(branch)) == {str(there.code)}
    assert first.pk != other.pk


# --- free slots in the week ----------------------------------------------------


def week_page(client, day: date, **params):
    response = client.get(
        reverse("visits:agenda-week"), {"date": day.isoformat(), **params}
    )
    assert response.status_code == 200
    return response


def away_and_cancelled(clinician, *, away_on: date, here_on: date):
    """The clinician's visit at another site (10:00 on `away_on`) and a
    cancelled one here (09:00 on `here_on`), half an hour each."""
    other = Site.objects.create(name="Branch", slot_minutes=15)
    away = make_visit(
        make_patient(last_name="Away"),
        clinician,
        site=other,
        starts_at=rome(away_on, 10),
        duration_min=30,
    )
    here = make_visit(
        make_patient(last_name="Here"),
        clinician,
        starts_at=rome(here_on, 9),
        duration_min=30,
        status=VisitStatus.CANCELLED,
    )
    return away, here


def week_free(response) -> dict[date, list[time]]:
    """The week's free slots per day, as the grid offers them."""
    return {
        column.day: [cell.slot_at for cell in column.cells if cell.state == "free"]
        for column in response.context["grid"].columns
    }


def test_week_for_one_clinician_offers_free_slots_on_sunday_not_when_closed(
    frontdesk_client, clinician
):
    s = site()
    sunday = next_weekday(6, after=8)
    monday = sunday - timedelta(days=6)
    # Open every day but Tuesday, 9-11; Wednesday a holiday.
    open_weekdays(s, weekdays=[0, 2, 3, 4, 5, 6], opens=time(9), closes=time(11))
    Closure.objects.create(
        site=s,
        first_day=monday + timedelta(days=2),
        last_day=monday + timedelta(days=2),
        reason="Holiday",
    )
    make_visit(
        make_patient(), clinician, starts_at=rome(sunday, 9, 30), duration_min=30
    )
    free = week_free(week_page(frontdesk_client, sunday, clinician=clinician.pk))
    assert monday + timedelta(days=1) not in free  # Tuesday: closed, no column
    assert free[monday + timedelta(days=2)] == []  # the closure
    assert free[monday] == [time(9), time(9, 15), time(9, 30), time(9, 45)] + [
        time(10),
        time(10, 15),
        time(10, 30),
        time(10, 45),
    ]
    # Sunday: free around the booked half hour, not on it.
    assert free[sunday] == [
        time(9),
        time(9, 15),
        time(10),
        time(10, 15),
        time(10, 30),
        time(10, 45),
    ]


def test_week_for_one_clinician_is_busy_at_another_site_and_free_when_cancelled(
    frontdesk_client, clinician
):
    """The clinician's visits are read once for the grid and the free slots:
    a visit at another site takes its time from the free slots but is no
    block on this site's grid, a cancelled one here frees its time, and a
    visit ending after midnight on the Sunday before the week keeps nothing
    of the Monday."""
    s = site()
    sunday = next_weekday(6, after=8)
    monday = sunday - timedelta(days=6)
    open_weekdays(s, weekdays=[0, 6], opens=time(9), closes=time(11))
    away, here = away_and_cancelled(clinician, away_on=sunday, here_on=monday)
    make_visit(
        make_patient(last_name="Late"),
        clinician,
        starts_at=rome(monday - timedelta(days=1), 23, 45),
        duration_min=30,
    )
    response = week_page(frontdesk_client, sunday, clinician=clinician.pk)
    free = week_free(response)
    assert free[sunday] == [time(9), time(9, 15), time(9, 30), time(9, 45)] + [
        time(10, 30),
        time(10, 45),
    ]
    assert free[monday][:2] == [time(9), time(9, 15)]
    shown = blocks(response)
    assert str(away.code) not in shown and str(here.code) not in shown
    assert [v.pk for v in response.context["grid"].off_visits] == [here.pk]


def test_week_free_slot_links_prefill_the_booking_like_the_day(
    frontdesk_client, clinician
):
    s = site()
    sunday = next_weekday(6, after=8)
    open_weekdays(s, weekdays=[6], opens=time(9), closes=time(10))
    response = week_page(frontdesk_client, sunday, clinician=clinician.pk)
    links = [link.replace("&amp;", "&") for link in free_links(response)]
    assert links[0] == (
        reverse("visits:book-slot")
        + f"?clinician={clinician.pk}&site={s.pk}&date={sunday.isoformat()}"
        + "&time=09:00&duration=15"
    )
    assert len(links) == 4
    slot = frontdesk_client.get(links[0]).context["slot"]
    assert slot["clinician"] == clinician.pk and slot["site"] == s.pk
    assert (slot["date"], slot["time"], slot["duration"]) == (sunday, time(9), 15)
    html = response.content.decode()
    assert "Free 09:00" in html and "Choose a clinician to see free slots" not in html
    # The visit type's duration, as on the day.
    from visits.models import VisitType

    VisitType.objects.update_or_create(
        purpose=VisitPurpose.TREATMENT, defaults={"default_duration_min": 45}
    )
    longer = week_page(
        frontdesk_client, sunday, clinician=clinician.pk, purpose="treatment"
    )
    links = free_links(longer)
    assert len(links) == 2  # 09:00 and 09:15 fit 45 minutes before 10:00
    assert all("duration=45" in x and "purpose=treatment" in x for x in links)


def test_week_of_all_clinicians_shows_no_free_slot_but_a_hint(
    frontdesk_client, clinician
):
    open_weekdays(site(), weekdays=range(7))
    response = week_page(frontdesk_client, next_weekday(2, after=8))
    assert free_links(response) == []
    assert "Choose a clinician to see free slots." in response.content.decode()


def test_week_free_slots_are_not_links_without_the_right_to_book(clinician, roles):
    from django.contrib.auth.models import Permission

    from tests.conftest import client_for, make_user

    open_weekdays(site(), weekdays=range(7), opens=time(9), closes=time(10))
    viewer = make_user("viewer-only")
    viewer.user_permissions.add(Permission.objects.get(codename="view_followupvisit"))
    response = week_page(
        client_for(viewer), next_weekday(2, after=8), clinician=clinician.pk
    )
    html = response.content.decode()
    assert free_links(response) == [] and "Free 09:00" in html


def test_week_with_free_slots_costs_a_fixed_number_of_queries(
    frontdesk_client, clinician
):
    open_weekdays(site(), weekdays=range(7), opens=time(8), closes=time(20))
    monday = next_weekday(0, after=8)
    url = reverse("visits:agenda-week")
    params = {"date": monday.isoformat(), "clinician": clinician.pk}

    def book(first, n):
        for i in range(first, first + n):
            make_visit(
                make_patient(last_name=f"P{i}"),
                clinician,
                starts_at=rome(monday + timedelta(days=i % 7), 8)
                + timedelta(minutes=30 * (i // 7)),
            )

    book(0, 3)
    _count_queries(frontdesk_client, url, params)  # warm caches
    small = _count_queries(frontdesk_client, url, params)
    book(3, 27)
    large = _count_queries(frontdesk_client, url, params)
    assert large == small


def test_week_free_slots_and_hint_in_italian(frontdesk, clinician):
    from tests.conftest import client_for

    open_weekdays(site(), weekdays=range(7), opens=time(9), closes=time(10))
    client = client_for(frontdesk)
    day = next_weekday(2, after=8)
    hint = client.get(
        reverse("visits:agenda-week"),
        {"date": day.isoformat()},
        HTTP_ACCEPT_LANGUAGE="it",
    ).content.decode()
    assert "Scelga un medico per vedere gli orari liberi." in hint
    slots = client.get(
        reverse("visits:agenda-week"),
        {"date": day.isoformat(), "clinician": clinician.pk},
        HTTP_ACCEPT_LANGUAGE="it",
    ).content.decode()
    assert "Libero 09:00" in slots


def test_week_rows_coarser_than_the_step_offer_their_first_free_slot(
    frontdesk_client, clinician
):
    s = site()
    s.slot_minutes = 10
    s.save()
    open_weekdays(s, weekdays=range(7), opens=time(9), closes=time(10))
    day = next_weekday(2, after=8)
    response = week_page(frontdesk_client, day, clinician=clinician.pk, purpose="")
    # Rows of 15 minutes; slots every 10: each row offers the first inside it.
    assert week_free(response)[day] == [time(9), time(9, 20), time(9, 30), time(9, 50)]
    assert "time=09:20&duration=10" in response.content.decode()


def test_day_of_one_clinician_reads_their_visits_once_for_grid_and_free_slots(
    frontdesk_client, clinician
):
    """As the week: a visit at another site takes its time from the day's
    free slots but is no block on this site's grid; a cancelled one here
    frees its time and is listed under the grid."""
    s = site()
    sunday = next_weekday(6, after=8)
    open_weekdays(s, weekdays=[6], opens=time(9), closes=time(11))
    away, here = away_and_cancelled(clinician, away_on=sunday, here_on=sunday)
    response = day_page(frontdesk_client, sunday, clinician=clinician.pk)
    grid = response.context["grid"]
    free = [
        cell.at
        for column in grid.columns
        for cell in column.cells
        if cell.state == "free"
    ]
    assert free == [time(9), time(9, 15), time(9, 30), time(9, 45)] + [
        time(10, 30),
        time(10, 45),
    ]
    shown = blocks(response)
    assert str(away.code) not in shown and str(here.code) not in shown
    assert [v.pk for v in grid.off_visits] == [here.pk]

"""The sites pages: sites, opening hours, closures, staff, working hours and
absences; who may do what; and the booked visits a change leaves to move."""

from __future__ import annotations

from datetime import time

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesslog.models import AccessEvent
from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)
from core.models import Letterhead
from tests.conftest import client_for, make_patient, make_visit
from tests.helpers import at, in_days

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def site(db):
    return Site.objects.create(name="Milano Centro", address="Via Roma 1")


def _hours_data(rows, prefix="hours", extra=1):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for name, value in row.items():
            data[f"{prefix}-{i}-{name}"] = value
    return data


# --- sites ------------------------------------------------------------------


def test_manager_adds_a_site_with_history(manager_client, manager):
    response = manager_client.post(
        reverse("clinics:site-create"),
        {
            "name": "Monza",
            "address": "Piazza Duomo 2",
            "phone": "039 123456",
            "slot_minutes": "20",
            "is_active": "on",
            "letterhead": "",
        },
    )
    site = Site.objects.get(name="Monza")
    assert response.status_code == 302
    assert response["Location"] == reverse("clinics:site-detail", args=[site.pk])
    assert site.slot_minutes == 20 and site.letterhead is None
    latest = site.history.latest()
    assert latest.history_user == manager and latest.history_change_reason


def test_site_list_and_detail_for_every_role(
    site, frontdesk_client, clinician_client, outsider_client
):
    for client in (frontdesk_client, clinician_client):
        listing = client.get(reverse("clinics:site-list"))
        assert "Milano Centro" in listing.content.decode()
        detail = client.get(reverse("clinics:site-detail", args=[site.pk]))
        assert detail.status_code == 200
        # Reading only: no edit links for them.
        assert (
            reverse("clinics:site-edit", args=[site.pk]) not in detail.content.decode()
        )
        for name in ("site-edit", "site-hours", "site-staff", "closure-add"):
            url = reverse(f"clinics:{name}", args=[site.pk])
            assert client.get(url).status_code == 403
            assert client.post(url, {}).status_code == 403
    assert outsider_client.get(reverse("clinics:site-list")).status_code == 403


def test_site_form_refuses_a_duplicate_name(site, manager_client):
    before = Site.objects.count()
    response = manager_client.post(
        reverse("clinics:site-create"),
        {"name": "Milano Centro", "slot_minutes": "15", "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert Site.objects.count() == before


def test_site_gets_its_own_letterhead(site, manager_client):
    clinic = Letterhead.objects.create(clinic_name="Sclero Clinic")
    url = reverse("clinics:site-letterhead", args=[site.pk])
    page = manager_client.get(url)
    # The form starts from the site's name and address.
    assert page.context["form"].initial["clinic_name"] == "Milano Centro"
    manager_client.post(
        url, {"clinic_name": "Sclero Milano", "address": "Via Roma 1", "phone": "02 1"}
    )
    site.refresh_from_db()
    assert site.letterhead is not None and site.letterhead != clinic
    assert site.letterhead.clinic_name == "Sclero Milano"
    # The clinic's letterhead is still the clinic's.
    assert Letterhead.current() == clinic
    # Saved again: the same row is changed, not a new one made.
    manager_client.post(url, {"clinic_name": "Sclero Milano 2", "address": "x"})
    assert Letterhead.objects.count() == 2
    # Back to the clinic's on the site form.
    manager_client.post(
        reverse("clinics:site-edit", args=[site.pk]),
        {"name": site.name, "slot_minutes": "15", "is_active": "on", "letterhead": ""},
    )
    site.refresh_from_db()
    assert site.letterhead is None


def test_site_letterhead_first_keeps_the_clinic_row_first(site, manager_client):
    # No clinic letterhead stored yet: it is made first, so it stays the clinic's.
    manager_client.post(
        reverse("clinics:site-letterhead", args=[site.pk]),
        {"clinic_name": "Sclero Milano"},
    )
    site.refresh_from_db()
    assert Letterhead.current().clinic_name == "Sclero Clinic"
    assert site.letterhead.clinic_name == "Sclero Milano"


# --- opening hours -----------------------------------------------------------


def test_opening_hours_saved_with_a_lunch_break(site, manager_client):
    url = reverse("clinics:site-hours", args=[site.pk])
    rows = [
        {"weekday": "0", "starts": "08:30", "ends": "12:30"},
        {"weekday": "0", "starts": "14:00", "ends": "18:00"},
        {"weekday": "6", "starts": "09:00", "ends": "12:00"},
    ]
    response = manager_client.post(url, _hours_data(rows))
    assert response.status_code == 302
    assert sorted(
        OpeningHours.objects.filter(site=site).values_list("weekday", "opens")
    ) == [(0, time(8, 30)), (0, time(14)), (6, time(9))]
    # The form shows them back; removing one keeps the others (same rows).
    kept = OpeningHours.objects.get(site=site, weekday=0, opens=time(8, 30))
    response = manager_client.post(url, _hours_data(rows[:1]))
    assert list(OpeningHours.objects.filter(site=site)) == [kept]
    # The removed rows are in the history, with who removed them.
    assert OpeningHours.history.filter(history_type="-").count() == 2


def test_overlapping_opening_hours_are_refused_on_the_field(site, manager_client):
    rows = [
        {"weekday": "2", "starts": "08:00", "ends": "13:00"},
        {"weekday": "2", "starts": "12:00", "ends": "18:00"},
    ]
    response = manager_client.post(
        reverse("clinics:site-hours", args=[site.pk]), _hours_data(rows)
    )
    assert response.status_code == 200
    errors = response.context["formset"].forms[1].errors
    assert "overlaps 08:00–13:00" in errors["starts"][0]
    assert "overlaps 08:00" in response.content.decode()
    assert not OpeningHours.objects.exists()


def test_hours_end_before_start_and_garbage_are_field_errors(site, manager_client):
    rows = [
        {"weekday": "1", "starts": "18:00", "ends": "08:00"},
        {"weekday": "9", "starts": "25:00", "ends": "x"},
    ]
    response = manager_client.post(
        reverse("clinics:site-hours", args=[site.pk]), _hours_data(rows)
    )
    assert response.status_code == 200
    forms = response.context["formset"].forms
    assert forms[0].errors["ends"] == ["The end must be after the start."]
    assert {"weekday", "starts", "ends"} <= forms[1].errors.keys()


# --- closures ----------------------------------------------------------------


def test_closure_added_and_a_future_one_removed(site, manager_client, manager):
    url = reverse("clinics:closure-add", args=[site.pk])
    first, last = in_days(10), in_days(12)
    response = manager_client.post(
        url,
        {
            "first_day": first.isoformat(),
            "last_day": last.isoformat(),
            "reason": "Ferie",
        },
    )
    assert response.status_code == 302
    closure = Closure.objects.get(site=site)
    assert (closure.first_day, closure.last_day, closure.reason) == (
        first,
        last,
        "Ferie",
    )
    detail = manager_client.get(reverse("clinics:site-detail", args=[site.pk]))
    assert "Ferie" in detail.content.decode()

    manager_client.post(reverse("clinics:closure-remove", args=[closure.pk]))
    assert not Closure.objects.exists()
    removed = Closure.history.get(history_type="-")
    assert removed.history_user == manager and removed.reason == "Ferie"


def test_a_started_closure_is_not_removed(site, manager_client):
    closure = Closure.objects.create(
        site=site, first_day=in_days(0), last_day=in_days(2), reason="Works"
    )
    response = manager_client.post(
        reverse("clinics:closure-remove", args=[closure.pk]), follow=True
    )
    assert Closure.objects.filter(pk=closure.pk).exists()
    assert "has not started" in response.content.decode()


def test_closure_dates_checked(site, manager_client):
    url = reverse("clinics:closure-add", args=[site.pk])
    response = manager_client.post(
        url,
        {
            "first_day": in_days(5).isoformat(),
            "last_day": in_days(4).isoformat(),
            "reason": "x",
        },
    )
    assert response.context["form"].errors["last_day"]
    response = manager_client.post(
        url, {"first_day": "0001-01-01", "last_day": "9999-12-31", "reason": "x"}
    )
    errors = response.context["form"].errors
    assert errors["first_day"] and errors["last_day"]
    assert not Closure.objects.exists()


def test_closure_remove_needs_the_permission(site, frontdesk_client):
    closure = Closure.objects.create(
        site=site, first_day=in_days(10), last_day=in_days(10), reason="x"
    )
    url = reverse("clinics:closure-remove", args=[closure.pk])
    assert frontdesk_client.post(url).status_code == 403
    assert Closure.objects.exists()


# --- staff -----------------------------------------------------------------------


def test_staff_of_a_site_by_checkboxes(site, manager_client, frontdesk, clinician):
    url = reverse("clinics:site-staff", args=[site.pk])
    manager_client.post(url, {"users": [frontdesk.pk, clinician.pk]})
    assert set(SiteMembership.objects.values_list("user_id", flat=True)) == {
        frontdesk.pk,
        clinician.pk,
    }
    page = manager_client.get(url)
    assert set(page.context["form"].initial["users"]) == {frontdesk.pk, clinician.pk}
    manager_client.post(url, {"users": [clinician.pk]})
    assert list(SiteMembership.objects.values_list("user_id", flat=True)) == [
        clinician.pk
    ]
    assert SiteMembership.history.filter(history_type="-").count() == 1
    detail = manager_client.get(reverse("clinics:site-detail", args=[site.pk]))
    assert "Clinician" in detail.content.decode()


# --- working hours ---------------------------------------------------------------


def test_working_hours_at_two_sites(site, manager_client, clinician):
    other = Site.objects.create(name="Monza")
    url = reverse("clinics:clinician-hours", args=[clinician.pk])
    rows = [
        {"weekday": "0", "site": str(site.pk), "starts": "09:00", "ends": "13:00"},
        {"weekday": "0", "site": str(other.pk), "starts": "15:00", "ends": "19:00"},
    ]
    assert manager_client.post(url, _hours_data(rows)).status_code == 302
    assert WorkingHours.objects.filter(clinician=clinician).count() == 2
    page = manager_client.get(url).content.decode()
    assert "09:00–13:00 (Milano Centro)" in page and "15:00–19:00 (Monza)" in page


def test_working_hours_overlap_refused_even_at_two_sites(
    site, manager_client, clinician
):
    other = Site.objects.create(name="Monza")
    rows = [
        {"weekday": "3", "site": str(site.pk), "starts": "09:00", "ends": "13:00"},
        {"weekday": "3", "site": str(other.pk), "starts": "12:30", "ends": "19:00"},
    ]
    response = manager_client.post(
        reverse("clinics:clinician-hours", args=[clinician.pk]), _hours_data(rows)
    )
    assert response.status_code == 200
    assert (
        "overlaps 09:00–13:00"
        in response.context["formset"].forms[1].errors["starts"][0]
    )
    assert not WorkingHours.objects.exists()


def test_working_hours_only_for_clinicians_and_by_the_manager(
    manager_client, frontdesk_client, frontdesk, clinician
):
    url = reverse("clinics:clinician-hours", args=[frontdesk.pk])
    assert manager_client.get(url).status_code == 404
    url = reverse("clinics:clinician-hours", args=[clinician.pk])
    assert frontdesk_client.get(url).status_code == 403


# --- absences --------------------------------------------------------------------


def _absence_data(clinician, starts, ends, **extra):
    return {
        "clinician": clinician.pk,
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
        "kind": "congress",
        "note": "ESVS",
        **extra,
    }


def test_absence_recorded_listed_and_cancelled(manager_client, manager, clinician):
    response = manager_client.post(
        reverse("clinics:absence-add"),
        _absence_data(clinician, at(5, 8), at(7, 20)),
    )
    assert response.status_code == 302
    absence = Absence.objects.get()
    assert absence.created_by == manager and absence.kind == "congress"
    listing = manager_client.get(
        reverse("clinics:absence-list"), {"clinician": clinician.pk}
    )
    assert "ESVS" in listing.content.decode()
    manager_client.post(reverse("clinics:absence-cancel", args=[absence.pk]))
    assert not Absence.objects.exists()
    assert Absence.history.filter(history_type="-").get().history_user == manager


def test_an_absence_under_way_is_not_cancelled(manager_client, clinician):
    absence = Absence.objects.create(
        clinician=clinician, starts_at=at(-1, 8), ends_at=at(2, 20)
    )
    manager_client.post(reverse("clinics:absence-cancel", args=[absence.pk]))
    assert Absence.objects.filter(pk=absence.pk).exists()


def test_absence_dates_checked(manager_client, clinician):
    url = reverse("clinics:absence-add")
    response = manager_client.post(url, _absence_data(clinician, at(5, 12), at(5, 9)))
    assert response.context["form"].errors["ends_at"] == [
        "The end must be after the start."
    ]
    response = manager_client.post(
        url,
        {
            "clinician": clinician.pk,
            "starts_at": "0001-01-01T00:00",
            "ends_at": "9999-12-31T23:59",
            "kind": "leave",
        },
    )
    errors = response.context["form"].errors
    assert errors["starts_at"] and errors["ends_at"]
    assert not Absence.objects.exists()


def test_front_desk_reads_absences_and_a_lead_records_them(
    frontdesk, frontdesk_client, clinician
):
    assert frontdesk_client.get(reverse("clinics:absence-list")).status_code == 200
    url = reverse("clinics:absence-add")
    assert frontdesk_client.get(url).status_code == 403
    frontdesk.user_permissions.add(Permission.objects.get(codename="add_absence"))
    lead = client_for(type(frontdesk).objects.get(pk=frontdesk.pk))
    response = lead.post(url, _absence_data(clinician, at(5, 8), at(5, 13)))
    assert response.status_code == 302
    assert Absence.objects.get().created_by == frontdesk


def test_the_absence_list_shows_current_and_future_only(
    manager_client, clinician, colleague
):
    Absence.objects.create(
        clinician=clinician, starts_at=at(-10, 8), ends_at=at(-9, 8), note="PAST"
    )
    Absence.objects.create(
        clinician=clinician, starts_at=at(-1, 8), ends_at=at(1, 8), note="NOW"
    )
    Absence.objects.create(
        clinician=colleague, starts_at=at(3, 8), ends_at=at(4, 8), note="AHEAD"
    )
    page = manager_client.get(reverse("clinics:absence-list")).content.decode()
    assert "NOW" in page and "AHEAD" in page and "PAST" not in page
    page = manager_client.get(
        reverse("clinics:absence-list"), {"clinician": colleague.pk}
    ).content.decode()
    assert "AHEAD" in page and "NOW" not in page


# --- visits to move -----------------------------------------------------------------


def test_visits_outside_new_hours_are_listed_not_moved(site, manager_client, clinician):
    patient = make_patient(last_name="Ferri")
    visit = make_visit(patient, clinician, site=site, starts_at=at(7, 9))
    untouched = make_visit(
        make_patient(last_name="Bruno"), clinician, site=site, starts_at=at(8, 10)
    )
    day = at(7, 9).weekday()
    # Open only in the afternoon on the visit's weekday, all day on the other.
    rows = [{"weekday": str(day), "starts": "14:00", "ends": "18:00"}]
    rows += [
        {"weekday": str(d), "starts": "08:00", "ends": "19:00"}
        for d in range(7)
        if d != day
    ]
    manager_client.post(
        reverse("clinics:site-hours", args=[site.pk]), _hours_data(rows)
    )
    page = manager_client.get(reverse("clinics:site-detail", args=[site.pk]))
    assert reverse("records:visits-to-move") + f"?site={site.pk}" in (
        page.content.decode()
    )
    fragment = manager_client.get(
        reverse("records:visits-to-move"),
        {"site": site.pk},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "Ferri" in fragment and "Bruno" not in fragment
    assert at(7, 9).strftime("%Y-%m-%d") in fragment and "09:00" in fragment
    assert visit.get_absolute_url() in fragment
    assert "is open 14:00" in fragment
    visit.refresh_from_db()
    untouched.refresh_from_db()
    assert visit.status == "scheduled" and visit.starts_at == at(7, 9)
    event = AccessEvent.objects.filter(kind="visits-to-move").latest("id")
    assert event.count == 1


def test_visits_in_a_new_closure_or_absence_are_listed(site, manager_client, clinician):
    make_visit(
        make_patient(last_name="Ferri"), clinician, site=site, starts_at=at(7, 9)
    )
    make_visit(
        make_patient(last_name="Conti"), clinician, site=site, starts_at=at(14, 9)
    )
    Closure.objects.create(
        site=site, first_day=in_days(7), last_day=in_days(7), reason="Patrono"
    )
    url = reverse("records:visits-to-move")
    page = manager_client.get(url, {"site": site.pk}).content.decode()
    assert "Ferri" in page and "Patrono" in page and "Conti" not in page
    Absence.objects.create(clinician=clinician, starts_at=at(14, 0), ends_at=at(15, 0))
    page = manager_client.get(url, {"absences": "1"}).content.decode()
    assert "Conti" in page and "is away" in page
    page = manager_client.get(url, {"clinician": clinician.pk}).content.decode()
    assert "Conti" in page and "Ferri" in page


def test_visits_to_move_costs_fixed_queries(site, manager_client, clinician):
    Closure.objects.create(
        site=site, first_day=in_days(1), last_day=in_days(30), reason="Works"
    )
    url = reverse("records:visits-to-move")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager_client.get(url, {"site": site.pk}).status_code == 200
        return len(queries)

    make_visit(make_patient(), clinician, site=site, starts_at=at(3, 9))
    few = count()
    for day in range(4, 12):
        make_visit(
            make_patient(last_name=f"P{day}"),
            clinician,
            site=site,
            starts_at=at(day, 9),
        )
    assert count() == few


def test_visits_to_move_only_of_own_sites(site, clinician, frontdesk):
    other = Site.objects.create(name="Monza")
    SiteMembership.objects.create(user=frontdesk, site=site)
    for where, name in ((site, "Ferri"), (other, "Conti")):
        Closure.objects.create(
            site=where, first_day=in_days(7), last_day=in_days(7), reason="x"
        )
        make_visit(
            make_patient(last_name=name), clinician, site=where, starts_at=at(7, 9)
        )
    client = client_for(frontdesk)
    page = client.get(
        reverse("records:visits-to-move"), {"clinician": clinician.pk}
    ).content.decode()
    assert "Ferri" in page and "Conti" not in page


def test_hours_pages_have_no_surprise_without_visits(site, manager_client):
    # No visits, no warning; the page still loads with an empty list.
    page = manager_client.get(reverse("records:visits-to-move"), {"site": site.pk})
    assert page.status_code == 200
    assert "Every booked visit fits" in page.content.decode()


def test_staff_form_refuses_nonsense_ids_on_the_field(site, manager_client):
    url = reverse("clinics:site-staff", args=[site.pk])
    for value in ("99999999999999999999", "-1", "x"):
        response = manager_client.post(url, {"users": [value]})
        assert response.status_code == 200
        assert response.context["form"].errors["users"]
    assert not SiteMembership.objects.exists()

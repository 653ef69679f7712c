"""Booking and moving a visit through the availability rules (opening hours,
closures, working hours, absences), the override with a reason, and the
booking form (site menu, pre-fill from the agenda, proposed slot, duration,
banner)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from clinics.models import (
    Absence,
    AbsenceKind,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
    default_site_pk,
)
from core.roles import CLINICIAN, FRONT_DESK
from tests.conftest import client_for, make_patient, make_user, make_visit
from tests.helpers import in_days, next_weekday, rome
from visits import models as visit_models
from visits import services
from visits.models import FollowUpVisit, VisitPurpose, VisitType

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def site(db):
    site = Site.objects.get(pk=default_site_pk())
    site.name = "Milano"
    site.save()
    return site


def open_site(site, weekdays=range(7), spans=((8, 13), (14, 19))):
    for weekday in weekdays:
        for opens, closes in spans:
            OpeningHours.objects.create(
                site=site, weekday=weekday, opens=time(opens), closes=time(closes)
            )


@pytest.fixture
def lead(roles):
    """A front-desk lead: front desk, given the override permission."""
    user = make_user("lead", FRONT_DESK)
    user.user_permissions.add(
        Permission.objects.get(
            codename="override_availability", content_type__app_label="visits"
        )
    )
    return user


def book(patient, clinician, starts_at, **extra):
    extra.setdefault("duration_min", 30)
    extra.setdefault("purpose", VisitPurpose.CHECK)
    return services.visit_book(
        patient=patient, clinician=clinician, starts_at=starts_at, **extra
    )


def refusal(excinfo) -> str:
    error = excinfo.value
    assert [e.code for e in error.error_dict["starts_at"]] == ["unavailable"] * len(
        error.error_dict["starts_at"]
    )
    return " ".join(error.message_dict["starts_at"])


# --- services -----------------------------------------------------------------------


def test_sunday_at_an_open_site_is_booked(site, patient, clinician):
    open_site(site, weekdays=[6])
    visit = book(patient, clinician, rome(next_weekday(6), 10))
    assert visit.site == site and visit.override_reason == ""
    assert visit.history.first().history_change_reason == "Booked"


def test_closed_day_is_refused_naming_the_reason(site, patient, clinician):
    open_site(site, weekdays=range(6))
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(next_weekday(6), 10))
    assert "The clinic at Milano is closed on Sundays." in refusal(excinfo)
    assert not FollowUpVisit.objects.exists()


def test_outside_opening_hours_is_refused(site, patient, clinician):
    open_site(site, weekdays=[0])
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(next_weekday(0), 12, 45))
    assert "open 08:00–13:00, 14:00–19:00 on Mondays" in refusal(excinfo)


def test_closure_is_refused(site, patient, clinician):
    day = in_days(4)
    Closure.objects.create(site=site, first_day=day, last_day=day, reason="Patrono")
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(day, 10))
    assert "Patrono" in refusal(excinfo)


def test_absence_is_refused(site, patient, clinician):
    day = in_days(4)
    Absence.objects.create(
        clinician=clinician,
        starts_at=rome(day, 8),
        ends_at=rome(day, 18),
        kind=AbsenceKind.CONGRESS,
    )
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(day, 10))
    assert "is away (congress)" in refusal(excinfo)


def test_not_at_this_site_and_other_site(site, patient, clinician):
    como = Site.objects.create(name="Como")
    tuesday = next_weekday(1)
    WorkingHours.objects.create(
        clinician=clinician, site=como, weekday=1, starts=time(9), ends=time(13)
    )
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(tuesday, 10))
    assert "does not work at Milano on Tuesdays" in refusal(excinfo)
    visit = book(patient, clinician, rome(tuesday, 10), site=como)
    assert visit.site == como


def test_no_hours_means_any_time(site, patient, clinician):
    visit = book(patient, clinician, rome(next_weekday(6), 3))
    assert visit.pk


def test_override_with_permission_and_reason(site, patient, clinician, lead):
    open_site(site, weekdays=range(6))
    sunday = rome(next_weekday(6), 10)
    with pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, sunday, user=lead)
    text = refusal(excinfo)
    assert "closed on Sundays" in text and "to book anyway" in text
    visit = book(
        patient,
        clinician,
        sunday,
        user=lead,
        override_reason="  Urgent check after a reaction  ",
    )
    assert visit.override_reason == "Urgent check after a reaction"
    assert visit.history.first().history_change_reason == (
        "Booked outside availability: Urgent check after a reaction"
    )


def test_manager_role_has_the_permission(manager, frontdesk, clinician):
    assert manager.has_perm("visits.override_availability")
    assert not frontdesk.has_perm("visits.override_availability")
    assert not clinician.has_perm("visits.override_availability")


def test_without_permission_a_reason_does_not_help(site, patient, clinician, frontdesk):
    open_site(site, weekdays=range(6))
    with pytest.raises(ValidationError) as excinfo:
        book(
            patient,
            clinician,
            rome(next_weekday(6), 10),
            user=frontdesk,
            override_reason="Please let me",
        )
    text = refusal(excinfo)
    assert "closed on Sundays" in text and "to book anyway" not in text
    assert not FollowUpVisit.objects.exists()


def test_back_entry_skips_the_rules(site, patient, clinician):
    open_site(site, weekdays=range(6))
    sunday = next_weekday(6, after=-13)
    visit = book(patient, clinician, rome(sunday, 3), back_entry=True)
    assert visit.pk


def test_double_booking_still_refused_at_an_open_time(site, patient, clinician):
    open_site(site)
    day = in_days(3)
    book(patient, clinician, rome(day, 9))
    with pytest.raises(ValidationError) as excinfo:
        book(make_patient(last_name="Other"), clinician, rome(day, 9, 15))
    assert "already has a visit 09:00–09:30" in str(excinfo.value)


@pytest.mark.parametrize("day_text", ["2027-03-28", "2027-10-31"])
def test_dst_days(site, clinician, colleague, day_text):
    day = date.fromisoformat(day_text)
    open_site(site, weekdays=[6], spans=((8, 13),))
    with time_machine.travel(rome(day - timedelta(days=10), 9), tick=False):
        visit = book(make_patient(), clinician, rome(day, 12, 30))
        assert visit.ends_at - visit.starts_at == timedelta(minutes=30)
        with pytest.raises(ValidationError) as excinfo:
            book(make_patient(last_name="Late"), colleague, rome(day, 12, 45))
        assert "open 08:00–13:00 on Sundays" in refusal(excinfo)


# --- rescheduling -------------------------------------------------------------------


def test_reschedule_needs_a_reason_and_keeps_it(site, patient, clinician):
    visit = book(patient, clinician, rome(in_days(3), 9))
    with pytest.raises(ValidationError) as excinfo:
        services.visit_reschedule(
            visit=visit,
            starts_at=rome(in_days(3), 11),
            duration_min=30,
            clinician=clinician,
            expected_version=visit.version,
            reason="  ",
        )
    assert "reason" in excinfo.value.error_dict
    moved = services.visit_reschedule(
        visit=visit,
        starts_at=rome(in_days(3), 11),
        duration_min=30,
        clinician=clinician,
        expected_version=visit.version,
        reason="Patient's train is late",
    )
    assert moved.history.first().history_change_reason == (
        "Rescheduled: Patient's train is late"
    )


def test_reschedule_through_the_same_rules(site, patient, clinician, lead):
    open_site(site, weekdays=range(6))
    saturday = next_weekday(5, after=2)
    visit = book(patient, clinician, rome(saturday, 9))
    Closure.objects.create(
        site=site,
        first_day=saturday + timedelta(2),
        last_day=saturday + timedelta(2),
        reason="Works",
    )
    for starts_at, words in [
        (rome(saturday + timedelta(1), 10), "closed on Sundays"),
        (rome(saturday + timedelta(2), 10), "Works"),
        (rome(saturday, 20), "open 08:00–13:00, 14:00–19:00 on Saturdays"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.visit_reschedule(
                visit=visit,
                starts_at=starts_at,
                duration_min=30,
                clinician=clinician,
                expected_version=visit.version,
                reason="The patient asked",
            )
        assert words in refusal(excinfo)
    moved = services.visit_reschedule(
        visit=visit,
        starts_at=rome(saturday + timedelta(1), 10),
        duration_min=30,
        clinician=clinician,
        expected_version=visit.version,
        reason="The patient asked",
        override_reason="Only day the patient can come",
        user=lead,
    )
    assert moved.override_reason == "Only day the patient can come"
    assert moved.history.first().history_change_reason.startswith(
        "Rescheduled: The patient asked (Booked outside availability: Only day"
    )
    # Moving back into the opening hours clears the reason.
    moved = services.visit_reschedule(
        visit=moved,
        starts_at=rome(saturday, 10),
        duration_min=30,
        clinician=clinician,
        expected_version=moved.version,
        reason="The patient asked",
    )
    assert moved.override_reason == ""


# --- the booking page ---------------------------------------------------------------


def create_url(patient, **query):
    url = reverse("visits:create", args=[patient.code])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def post_data(clinician, starts_at, **extra):
    local = timezone.localtime(starts_at)
    data = {
        "purpose": VisitPurpose.CHECK,
        "clinician": str(clinician.pk),
        "date": local.date().isoformat(),
        "time": f"{local:%H:%M}",
        "duration_min": "30",
    }
    data.update(extra)
    return data


def test_page_prefills_from_the_agenda_link(site, patient, clinician, frontdesk_client):
    como = Site.objects.create(name="Como")
    day = in_days(5)
    response = frontdesk_client.get(
        create_url(
            patient,
            clinician=clinician.pk,
            site=como.pk,
            date=day.isoformat(),
            time="10:15",
            duration=45,
            purpose="doppler",
        )
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["clinician"] == clinician
    assert initial["site"] == como
    assert (initial["date"], initial["time"]) == (day, time(10, 15))
    assert (initial["duration_min"], initial["purpose"]) == (45, "doppler")
    page = response.content.decode()
    assert 'name="site"' in page
    assert "Ends at 11:00" in page


@pytest.mark.parametrize(
    "query",
    [
        {"clinician": "x", "site": "'; drop", "date": "2026-13-45", "time": "25:99"},
        {"duration": "-5", "purpose": "<script>", "date": "0001-01-01"},
        {"clinician": "999999", "site": "999999", "duration": "99999999999999999"},
        {"time": "10:15:00\x00", "date": "9999-12-31", "session": "nope"},
    ],
)
def test_hostile_query_values_are_ignored(
    site, patient, clinician, frontdesk_client, query
):
    response = frontdesk_client.get(
        reverse("visits:create", args=[patient.code]), query
    )
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["clinician"] == clinician
    assert initial.get("purpose", "check") in VisitPurpose.values
    assert initial.get("site") in (None, site)
    assert visit_models.MIN_DURATION_MIN <= initial["duration_min"] <= 240
    assert initial["date"] >= timezone.localdate()


def test_page_proposes_the_next_free_slot(site, patient, clinician, frontdesk_client):
    open_site(site, spans=((9, 10),))
    first = in_days(1)
    for n in range(3):
        make_visit(
            make_patient(last_name=f"P{n}"),
            clinician,
            starts_at=rome(first, 9, 20 * n),
            duration_min=20,
        )
    # A day without a time: the first free slot from that day on.
    response = frontdesk_client.get(
        create_url(patient, clinician=clinician.pk, purpose="check", date=first)
    )
    initial = response.context["form"].initial
    # Check visits last 20 minutes; tomorrow 09:00–10:00 is full.
    assert initial["duration_min"] == VisitType.durations()["check"]
    assert (initial["date"], initial["time"]) == (first + timedelta(1), time(9))


def test_front_desk_is_proposed_the_first_clinicians_slot_by_their_hours(
    site, patient, frontdesk_client
):
    """Without a clinician asked for, the form starts on the menu's first
    clinician (by name), at the next slot of their working hours; another
    clinician's hours and visits change nothing."""
    open_site(site)
    aldo = make_user("aldo", CLINICIAN, last_name="Abate")
    zeno = make_user("zeno", CLINICIAN, last_name="Zanetti")
    tomorrow = in_days(1)
    WorkingHours.objects.create(
        clinician=aldo,
        site=site,
        weekday=tomorrow.weekday(),
        starts=time(15),
        ends=time(17),
    )
    WorkingHours.objects.create(
        clinician=zeno,
        site=site,
        weekday=tomorrow.weekday(),
        starts=time(8),
        ends=time(9),
    )
    make_visit(
        make_patient(last_name="Busy"),
        aldo,
        starts_at=rome(tomorrow, 15),
        duration_min=30,
    )
    response = frontdesk_client.get(create_url(patient, purpose="check", date=tomorrow))
    initial = response.context["form"].initial
    assert initial["clinician"] == aldo
    assert (initial["date"], initial["time"]) == (tomorrow, time(15, 30))
    menu = [
        label for _value, label in response.context["form"].fields["clinician"].choices
    ]
    assert menu[1:] == ["Dr Abate", "Dr Zanetti"]
    assert response.context["hours_banner"] == ""
    assert response.context["visit_form_data"]["noHours"] == {}


def test_duration_follows_the_purpose(site, patient, clinician, frontdesk_client):
    VisitType.objects.update_or_create(
        purpose="treatment", defaults={"default_duration_min": 50}
    )
    response = frontdesk_client.get(create_url(patient, purpose="treatment"))
    assert response.context["form"].initial["duration_min"] == 50
    data = response.context["visit_form_data"]
    assert data["durations"]["treatment"] == 50
    assert 'id="visit-form-data"' in response.content.decode()


def test_single_site_clinic_sees_no_site(site, patient, clinician, frontdesk_client):
    Site.objects.create(name="Old", is_active=False)
    response = frontdesk_client.get(create_url(patient))
    assert "site" not in response.context["form"].fields
    assert 'name="site"' not in response.content.decode()


def test_override_field_only_with_the_permission(
    site, patient, clinician, frontdesk_client, lead
):
    response = frontdesk_client.get(create_url(patient))
    assert "override_reason" not in response.context["form"].fields
    response = client_for(lead).get(create_url(patient))
    assert "override_reason" in response.context["form"].fields


def test_page_refuses_and_override_books(
    site, patient, clinician, frontdesk_client, lead
):
    open_site(site, weekdays=range(6))
    sunday = rome(next_weekday(6), 10)
    url = create_url(patient)
    response = frontdesk_client.post(
        url, post_data(clinician, sunday, override_reason="Urgent, please")
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["time"])
    assert "closed on Sundays" in errors and "to book anyway" not in errors
    assert not FollowUpVisit.objects.exists()

    lead_client = client_for(lead)
    response = lead_client.post(url, post_data(clinician, sunday))
    errors = " ".join(response.context["form"].errors["time"])
    assert "closed on Sundays" in errors and "to book anyway" in errors
    response = lead_client.post(url, post_data(clinician, sunday, override_reason="ok"))
    assert response.status_code == 200
    assert response.context["form"].errors["override_reason"]
    response = lead_client.post(
        url,
        post_data(clinician, sunday, override_reason="Urgent check after a reaction"),
    )
    assert response.status_code == 302
    visit = FollowUpVisit.objects.get()
    assert visit.override_reason == "Urgent check after a reaction"


def test_banner_when_hours_are_not_set(site, patient, clinician, frontdesk_client):
    response = frontdesk_client.get(create_url(patient, clinician=clinician.pk))
    banner = "Working hours are not set for Dr "
    assert banner in response.context["hours_banner"]
    assert banner in response.content.decode()
    WorkingHours.objects.create(
        clinician=clinician, site=site, weekday=0, starts=time(9), ends=time(13)
    )
    response = frontdesk_client.get(create_url(patient, clinician=clinician.pk))
    assert response.context["hours_banner"] == ""
    assert str(clinician.pk) not in response.context["visit_form_data"]["noHours"]


def test_reschedule_page_needs_a_reason(site, patient, clinician, frontdesk_client):
    visit = book(patient, clinician, rome(in_days(3), 9))
    url = reverse("visits:reschedule", args=[visit.code])
    data = post_data(clinician, rome(in_days(3), 11), version=str(visit.version))
    data.pop("purpose")
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    data["reason"] = "The patient asked to come later"
    response = frontdesk_client.post(url, data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.starts_at == rome(in_days(3), 11)


def test_reschedule_page_prefills_the_slot(site, patient, clinician, frontdesk_client):
    visit = book(patient, clinician, rome(in_days(3), 9))
    url = reverse("visits:reschedule", args=[visit.code])
    response = frontdesk_client.get(url, {"date": in_days(4), "time": "14:30"})
    initial = response.context["form"].initial
    assert (initial["date"], initial["time"]) == (in_days(4), time(14, 30))
    assert initial["version"] == visit.version


def test_site_menu_offers_the_users_own_sites(site, patient, clinician, frontdesk):
    como = Site.objects.create(name="Como")
    Site.objects.create(name="Lecco")
    response = client_for(frontdesk).get(create_url(patient))
    assert len(response.context["form"].fields["site"].queryset) == 3
    SiteMembership.objects.create(user=frontdesk, site=como)
    # Placed at one site: no menu, the visit goes there.
    desk = client_for(frontdesk)
    response = desk.get(create_url(patient))
    assert "site" not in response.context["form"].fields
    starts_at = rome(in_days(3), 10)
    response = desk.post(create_url(patient), post_data(clinician, starts_at))
    assert response.status_code == 302
    assert FollowUpVisit.objects.get().site == como
    SiteMembership.objects.create(user=frontdesk, site=site)
    response = client_for(frontdesk).get(create_url(patient))
    offered = response.context["form"].fields["site"].queryset
    assert sorted(s.name for s in offered) == ["Como", "Milano"]


def test_booking_page_queries_do_not_grow_with_clinicians(
    site, patient, clinician, frontdesk_client
):
    open_site(site)
    url = create_url(patient, clinician=clinician.pk, purpose="check")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert frontdesk_client.get(url).status_code == 200
        return len(queries)

    one = count()
    for n in range(5):
        user = make_user(f"doc{n}", CLINICIAN)
        WorkingHours.objects.create(
            clinician=user, site=site, weekday=0, starts=time(9), ends=time(13)
        )
    assert count() == one


def test_booking_page_reads_each_menu_once(site, patient, clinician, frontdesk_client):
    """The sites, the clinicians and the usual durations are read once for
    the form, the page around it and the slot it proposes."""
    open_site(site)
    como = Site.objects.create(name="Como")
    open_site(como)
    colleague = make_user("colleague", CLINICIAN)
    for place in (site, como):
        WorkingHours.objects.create(
            clinician=clinician, site=place, weekday=2, starts=time(9), ends=time(13)
        )
    url = create_url(patient, clinician=clinician.pk, purpose="check")
    with CaptureQueriesContext(connection) as queries:
        response = frontdesk_client.get(url)
    assert response.status_code == 200

    def reading(table: str, start: str = "SELECT ") -> int:
        return sum(
            1
            for q in queries.captured_queries
            if q["sql"].startswith(start) and f'FROM "{table}"' in q["sql"]
        )

    assert reading("visits_visittype") == 1
    # The menu's sites, and those the proposed clinician works at.
    assert reading("clinics_site") == 2
    # The clinician asked for (?clinician=), and the menu's list.
    assert reading("auth_user", "SELECT DISTINCT ") == 2
    # Every clinician's hours, once: who has none (the page's banner), and
    # the proposed clinician's (their sites and the rules of the slot proposed).
    assert reading("clinics_workinghours") == 1
    form = response.context["form"]
    assert [s.name for s in form.fields["site"].queryset] == ["Como", "Milano"]
    page = response.content.decode()
    for shown in ("Como", "Milano", f'value="{colleague.pk}"'):
        assert shown in page
    assert form.initial["site"] in (site, como)


def test_refusals_in_italian(site, patient, clinician):
    open_site(site, weekdays=range(6))
    with translation.override("it"), pytest.raises(ValidationError) as excinfo:
        book(patient, clinician, rome(next_weekday(6), 10))
    assert "L'ambulatorio di Milano è chiuso la domenica." in refusal(excinfo)


def test_proposed_slot_is_at_the_users_only_site(site, patient, clinician, frontdesk):
    como = Site.objects.create(name="Como")
    SiteMembership.objects.create(user=frontdesk, site=como)
    open_site(site, spans=((9, 10),))
    open_site(como, spans=((15, 16),))
    response = client_for(frontdesk).get(create_url(patient, clinician=clinician.pk))
    initial = response.context["form"].initial
    assert initial["site"] == como and initial["time"] == time(15)

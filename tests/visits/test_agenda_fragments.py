"""The agenda grid's cached fragments and its pages of clinicians: a changed
visit or patient shows at once, a viewer never gets markup meant for another
role, and every clinician is on one of the day's pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from core.roles import CLINICIAN
from patients.models import Answer, Patient
from tests.conftest import make_patient, make_user, make_visit
from tests.helpers import next_weekday, rome
from visits import views_agenda
from visits.models import Confirmation, FollowUpVisit, VisitPurpose

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def day_page(client, day, **params) -> str:
    response = client.get(
        reverse("visits:agenda-day"), {"date": day.isoformat(), **params}
    )
    assert response.status_code == 200
    return response.content.decode()


def week_page(client, day, **params) -> str:
    response = client.get(
        reverse("visits:agenda-week"), {"date": day.isoformat(), **params}
    )
    assert response.status_code == 200
    return response.content.decode()


def block_of(html: str, visit: FollowUpVisit) -> str:
    start = html.index(f'data-visit="{visit.code}"')
    return html[start : html.index("</div>\n</div>", start)]


def test_a_changed_purpose_shows_on_the_next_render(frontdesk_client, clinician):
    day = next_weekday(2)
    visit = make_visit(
        make_patient(last_name="Conti"),
        clinician,
        starts_at=rome(day, 9),
        purpose=VisitPurpose.CHECK,
    )
    assert "Post-treatment check" in block_of(day_page(frontdesk_client, day), visit)
    # Even a change that bumps neither the version nor the last change.
    FollowUpVisit.objects.filter(pk=visit.pk).update(purpose=VisitPurpose.TREATMENT)
    html = block_of(day_page(frontdesk_client, day), visit)
    assert "Next treatment session" in html
    assert "Post-treatment check" not in html


def test_a_renamed_patient_and_an_answer_show_on_the_next_render(
    frontdesk_client, clinician
):
    day = next_weekday(2)
    patient = make_patient(last_name="Conti", first_name="Anna")
    visit = make_visit(patient, clinician, starts_at=rome(day, 9))
    assert "Conti, Anna" in day_page(frontdesk_client, day)
    assert "Conti" in week_page(frontdesk_client, day)
    Patient.objects.filter(pk=patient.pk).update(last_name="Gallo")
    FollowUpVisit.objects.filter(pk=visit.pk).update(
        confirmation=Confirmation.CONFIRMED
    )
    html = day_page(frontdesk_client, day)
    assert "Gallo, Anna" in html
    assert "Conti" not in html
    assert "Confirmed by the patient" in block_of(html, visit)
    week = week_page(frontdesk_client, day)
    assert "Gallo" in week and "Conti" not in week


def test_front_desk_never_gets_the_clinicians_fragment_with_the_allergy_mark(
    frontdesk_client, clinician_client, clinician
):
    day = next_weekday(2)
    patient = make_patient(sclerosant_allergy=Answer.YES)
    visit = make_visit(patient, clinician, starts_at=rome(day, 9))
    # The clinician renders (and caches) the blocks first.
    assert "ag-flag" in block_of(day_page(clinician_client, day), visit)
    assert "ag-flag" in week_page(clinician_client, day)
    desk = day_page(frontdesk_client, day)
    assert "ag-flag" not in desk
    assert "sclerosant" not in desk
    assert "ag-flag" not in week_page(frontdesk_client, day)


def test_a_new_allergy_shows_for_the_clinician_at_once(clinician_client, clinician):
    day = next_weekday(2)
    patient = make_patient()
    visit = make_visit(patient, clinician, starts_at=rome(day, 9))
    assert "ag-flag" not in block_of(day_page(clinician_client, day), visit)
    Patient.objects.filter(pk=patient.pk).update(sclerosant_allergy=Answer.YES)
    assert "ag-flag" in block_of(day_page(clinician_client, day), visit)


def test_a_booked_slot_is_no_longer_offered(frontdesk_client, clinician):
    day = next_weekday(2)
    make_visit(make_patient(), clinician, starts_at=rome(day, 9))
    first = day_page(frontdesk_client, day)
    assert "time=10:00" in first
    make_visit(make_patient(), clinician, starts_at=rome(day, 10))
    assert "time=10:00" not in day_page(frontdesk_client, day)


def test_paging_by_clinician_shows_every_clinician_across_the_pages(
    frontdesk_client, roles
):
    day = next_weekday(2)
    size = views_agenda.DAY_COLUMNS
    staff = [make_user(f"doc{n}", CLINICIAN, last_name=f"Doc{n:02}") for n in range(8)]
    for n, who in enumerate(staff):
        make_visit(make_patient(last_name=f"Patient{n}"), who, starts_at=rome(day, 9))
    seen: list[str] = []
    first = day_page(frontdesk_client, day)
    assert f"Clinicians 1–{size} of 8" in first
    starts = sorted(set(re.findall(r"from_column=(\d+)", first)), key=int)
    assert starts == ["0", str(size)]
    for start in starts:
        html = day_page(frontdesk_client, day, from_column=start)
        heads = re.findall(r'<div class="ag-head[^>]*>\s*<a[^>]*>([^<]+)</a>', html)
        assert len(heads) == (size if start == "0" else 8 - size)
        seen += heads
        blocks = re.findall(r'class="ag-block ', html)
        assert len(blocks) == len(heads)
    assert sorted(seen) == sorted(f"Dr Doc{n:02}" for n in range(8))
    # A page past the end shows the last one; nonsense shows the first.
    assert "Dr Doc07" in day_page(frontdesk_client, day, from_column="99")
    assert "Dr Doc00" in day_page(frontdesk_client, day, from_column="x")


def _week_heads_and_patients(html: str) -> tuple[list[str], list[str]]:
    status = re.search(r'id="column-pages-status">(.*?)</span>', html, re.S)
    names = status.group(1).split(":", 1)[1] if status else ""
    return [n.strip() for n in names.split(",") if n.strip()], sorted(
        re.findall(r"Patient(\d+)", html)
    )


def test_the_week_of_all_clinicians_pages_them_and_reads_only_the_pages_visits(
    frontdesk_client, roles, django_assert_max_num_queries
):
    """Every clinician's visits are on exactly one page of the week, three
    clinicians a page; the pages cost the same queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    day = next_weekday(2)
    size = views_agenda.WEEK_CLINICIANS
    staff = [make_user(f"doc{n}", CLINICIAN, last_name=f"Doc{n:02}") for n in range(8)]
    for n, who in enumerate(staff):
        make_visit(make_patient(last_name=f"Patient{n}"), who, starts_at=rome(day, 9))
    first = week_page(frontdesk_client, day)
    assert f"Clinicians 1–{size} of 8" in first
    starts = sorted(set(re.findall(r"from_column=(\d+)", first)), key=int)
    assert starts == ["0", "3", "6"]
    seen_staff: list[str] = []
    seen_patients: list[str] = []
    counts = set()
    for start in starts:
        with CaptureQueriesContext(connection) as queries:
            html = week_page(frontdesk_client, day, from_column=start)
        counts.add(len(queries))
        heads, patients = _week_heads_and_patients(html)
        assert len(heads) == (size if start != "6" else 2)
        # A page shows the visits of its clinicians, no one else's.
        assert patients == sorted(str(staff.index(_user(h, staff))) for h in heads)
        seen_staff += heads
        seen_patients += patients
    assert sorted(seen_staff) == sorted(f"Dr Doc{n:02}" for n in range(8))
    assert sorted(seen_patients) == [str(n) for n in range(8)]
    assert len(counts) == 1
    # A page past the end is the last one; nonsense is the first.
    assert "Patient7" in week_page(frontdesk_client, day, from_column="99")
    assert "Patient0" in week_page(frontdesk_client, day, from_column="x")
    # One clinician chosen: no pages.
    one = week_page(frontdesk_client, day, clinician=staff[5].pk)
    assert "Clinicians 1" not in one and "Patient5" in one


def _user(label: str, staff: list) -> object:
    return next(u for u in staff if label.endswith(u.last_name))


def test_the_weeks_pages_list_the_sites_clinicians_and_keep_a_former_ones_visits(
    frontdesk_client, roles
):
    """A clinician working only at another site is on no page; one with no
    hours set anywhere is; the visit of a clinician no longer active here
    shows on the last page."""
    from datetime import time

    from clinics.models import Site, WorkingHours, default_site_pk

    here = Site.objects.get(pk=default_site_pk())
    branch = Site.objects.create(name="Branch")
    day = next_weekday(2)
    staff = [make_user(f"doc{n}", CLINICIAN, last_name=f"Doc{n:02}") for n in range(5)]
    for who in staff[:4]:
        WorkingHours.objects.create(
            clinician=who, site=here, weekday=2, starts=time(8), ends=time(13)
        )
    elsewhere = make_user("away", CLINICIAN, last_name="Away")
    WorkingHours.objects.create(
        clinician=elsewhere, site=branch, weekday=2, starts=time(8), ends=time(13)
    )
    former = make_user("former", CLINICIAN, last_name="Former")
    make_visit(make_patient(last_name="Patient9"), former, starts_at=rome(day, 11))
    former.is_active = False
    former.save()
    first = week_page(frontdesk_client, day)
    assert "Clinicians 1–3 of 5" in first
    heads, patients = _week_heads_and_patients(first)
    assert heads == ["Dr Doc00", "Dr Doc01", "Dr Doc02"]
    assert patients == []
    assert "Patient9" not in first
    last = week_page(frontdesk_client, day, from_column="3")
    heads, patients = _week_heads_and_patients(last)
    assert heads == ["Dr Doc03", "Dr Doc04"]
    assert patients == ["9"]


def test_one_page_needs_no_pager(frontdesk_client, clinician, colleague):
    day = next_weekday(2)
    assert "Clinicians 1" not in day_page(frontdesk_client, day)


def test_a_weeks_free_slots_in_one_read_match_seven_days(clinician):
    from datetime import timedelta

    from clinics.models import Site, default_site_pk
    from visits.availability import free_slots

    site = Site.objects.get(pk=default_site_pk())
    monday = next_weekday(0)
    make_visit(make_patient(), clinician, starts_at=rome(monday, 9))
    make_visit(make_patient(), clinician, starts_at=rome(monday + timedelta(2), 11))
    week = free_slots(site=site, day=monday, clinicians=[clinician], days=7)
    days = [
        slot
        for n in range(7)
        for slot in free_slots(
            site=site, day=monday + timedelta(n), clinicians=[clinician]
        )[clinician.pk]
    ]
    assert week[clinician.pk] == days
    assert days


def test_the_weeks_allergy_mark_follows_the_answers_and_the_notes(
    clinician_client, frontdesk_client, clinician
):
    """The week's blocks read only whether there is a flag: a yes answer or
    an allergy noted marks the block for a clinician, a no does not, and the
    front desk never sees the mark."""
    day = next_weekday(2)
    answered = make_patient(last_name="Yes", acute_thrombosis=Answer.YES)
    noted = make_patient(last_name="Noted", allergy_notes="Latex")
    clear = make_patient(last_name="Clear", sclerosant_allergy=Answer.NO)
    visits = {
        p.last_name: make_visit(p, clinician, starts_at=rome(day, 9 + n))
        for n, p in enumerate((answered, noted, clear))
    }
    week = week_page(clinician_client, day)

    def marked(name: str) -> bool:
        start = week.index(f'data-visit="{visits[name].code}"')
        return "ag-flag" in week[start : week.index("</a>", start)]

    assert marked("Yes") and marked("Noted") and not marked("Clear")
    Patient.objects.filter(pk=clear.pk).update(sclerosant_allergy=Answer.YES)
    week = week_page(clinician_client, day)
    assert marked("Clear")
    assert "ag-flag" not in week_page(frontdesk_client, day)


def test_a_columns_digest_depends_on_its_values_only():
    from datetime import UTC, datetime

    from visits.agenda_fragments import _digest

    def rows(status: str, name: str = "Rossi"):
        when = datetime(2026, 3, 1, 9, tzinfo=UTC)
        first = (1, "".join(["sched", "uled"]), when, name, True)
        second = (2, "".join(["sched", "uled"]), when, status)
        return ((first, 2, 1, 0), (second, 3, 1, 0))

    # The same values, read again (other objects): the same digest.
    assert _digest(rows("scheduled")) == _digest(rows("scheduled"))
    assert _digest(rows("scheduled")) != _digest(rows("arrived"))
    assert _digest(rows("scheduled")) != _digest(rows("scheduled", "Rosi"))

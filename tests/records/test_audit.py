"""The audit trail: one patient's history page and the clinic-wide "Changes" page."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from patients.models import Patient
from records import views
from records.audit import Cursor
from tests.conftest import make_doppler, make_injection, make_patient, make_session
from tests.helpers import rome
from treatments.models import TreatmentSession

AUDIT = reverse("records:audit")


def history_url(patient: Patient) -> str:
    return reverse("records:history", args=[patient.code])


def by(user, model, **lookup) -> None:
    """Put `user` on every history row of the records matching `lookup`."""
    model.history.filter(**lookup).update(history_user=user)


def rows(html: str) -> list[str]:
    body = html.split('id="audit-entries"', 1)[1]
    body = body.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    return [row for row in found if "No changes recorded." not in row]


def change(record, user, **fields) -> None:
    """Save new values on `record` as `user` (one history row)."""
    for name, value in fields.items():
        setattr(record, name, value)
    record._history_user = user
    record.save()


# --- clinic time ------------------------------------------------------------------


def test_a_session_at_14_09_in_rome_is_labelled_14_09(manager_client, clinician):
    # November: Rome is UTC+1, so 14:09 is 13:09 UTC.
    with time_machine.travel(rome(date(2026, 11, 10), 14, 30), tick=False):
        patient = make_patient()
        make_session(patient, clinician, performed_at=rome(date(2026, 11, 10), 14, 9))
    html = manager_client.get(history_url(patient)).content.decode()
    assert "2026-11-10 14:09" in html
    assert "13:09" not in html
    # When the change was made, in clinic time too.
    assert "2026-11-10 14:30:00" in html
    assert "13:30" not in html


def test_the_clinic_wide_page_shows_clinic_time(manager_client, clinician):
    with time_machine.travel(rome(date(2026, 11, 10), 14, 30), tick=False):
        patient = make_patient()
        make_session(patient, clinician, performed_at=rome(date(2026, 11, 10), 14, 9))
    html = manager_client.get(AUDIT).content.decode()
    assert "2026-11-10 14:09" in html and "2026-11-10 14:30:00" in html
    assert "13:09" not in html and "13:30" not in html


# --- what an entry shows ------------------------------------------------------------


def test_created_entries_list_the_values_with_names_and_labels(
    manager_client, patient, clinician
):
    clinician.last_name = "Rossi"
    clinician.save()
    make_session(patient, clinician, stocking_days=14, notes="")
    html = manager_client.get(history_url(patient)).content.decode()
    session_row = next(r for r in rows(html) if "Treatment session" in r)
    assert "Created" in session_row
    # Verbose names, choice labels, the clinician by name, not by id.
    assert "<strong>Compression prescribed</strong>: Compression stocking" in (
        session_row
    )
    assert "<strong>Clinician</strong>: Clinician Rossi" in session_row
    assert "<strong>Weight on the day (kg)</strong>: 60.0" in session_row
    assert "<strong>Stocking for (days)</strong>: 14" in session_row
    assert "<strong>Informed consent obtained</strong>: yes" in session_row
    # Empty fields are left out.
    assert "<strong>Notes</strong>" not in session_row
    patient_row = next(r for r in rows(html) if "Created" in r and "Patient" in r)
    assert "<strong>First name</strong>: Maria" in patient_row
    assert "<strong>Sex</strong>: Female" in patient_row


def test_changed_entries_show_old_and_new_values_by_label(
    manager_client, patient, clinician
):
    change(patient, clinician, sex="M", phone="+39 06 555")
    html = manager_client.get(history_url(patient)).content.decode()
    changed = next(r for r in rows(html) if "Changed" in r)
    assert "<strong>Sex</strong>: Female → Male" in changed
    assert "<strong>Phone</strong>: +393331234567 → +39 06 555" in changed
    assert "First name" not in changed  # unchanged fields are not listed
    assert "Clinician" in changed  # who


def test_a_voided_session_shows_the_void_and_its_reason(
    manager_client, patient, clinician
):
    session = make_session(patient, clinician)
    session.mark_voided(user=clinician, reason="Entered on the wrong chart")
    session._change_reason = "Entered on the wrong chart"
    change(session, clinician)
    html = manager_client.get(history_url(patient)).content.decode()
    voided = next(r for r in rows(html) if "Changed" in r)
    assert "Entered on the wrong chart" in voided
    assert "— → Clinician" in voided  # voided by, by name


def test_a_doppler_referred_to_by_a_session_is_named_by_its_date(
    manager_client, patient, clinician
):
    doppler = make_doppler(patient, clinician, assessed_on=date(2026, 10, 1))
    make_session(patient, clinician, doppler=doppler)
    html = manager_client.get(history_url(patient)).content.decode()
    assert "Doppler of 2026-10-01" in html
    assert "Right" in html and "Doppler finding" in html


# --- filters ----------------------------------------------------------------------


def make_changes_by(patient, clinician, colleague) -> None:
    with time_machine.travel(rome(date(2026, 11, 2), 9, 0), tick=False):
        change(patient, clinician, phone="111 111")
    with time_machine.travel(rome(date(2026, 11, 9), 23, 30), tick=False):
        change(patient, colleague, phone="222 222")
    with time_machine.travel(rome(date(2026, 11, 10), 0, 30), tick=False):
        change(patient, clinician, phone="333 333")


@pytest.mark.parametrize("url", ["history", "audit"])
def test_the_pages_filter_by_who_changed(
    url, manager_client, patient, clinician, colleague
):
    make_changes_by(patient, clinician, colleague)
    address = history_url(patient) if url == "history" else AUDIT
    html = manager_client.get(address, {"user": colleague.pk}).content.decode()
    shown = rows(html)
    assert len(shown) == 1 and "222 222" in shown[0] and "Colleague" in shown[0]


@pytest.mark.parametrize("url", ["history", "audit"])
def test_the_pages_filter_by_clinic_dates(
    url, manager_client, patient, clinician, colleague
):
    make_changes_by(patient, clinician, colleague)
    address = history_url(patient) if url == "history" else AUDIT
    # 23:30 on the 9th in Rome is 22:30 UTC, 00:30 on the 10th is 23:30 UTC
    # on the 9th: the clinic's days decide.
    html = manager_client.get(
        address, {"from": "2026-11-09", "to": "2026-11-09"}
    ).content.decode()
    assert [("222 222" in r) for r in rows(html)] == [True]
    html = manager_client.get(
        address, {"from": "2026-11-10", "to": "2026-11-17"}
    ).content.decode()
    assert len(rows(html)) == 1 and "333 333" in rows(html)[0]
    html = manager_client.get(
        address, {"to": "2026-11-08", "user": clinician.pk}
    ).content.decode()
    assert len(rows(html)) == 1 and "111 111" in rows(html)[0]


@pytest.mark.parametrize("url", ["history", "audit"])
@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "yesterday"}, "from", "Enter a date as YYYY-MM-DD."),
        ({"to": "0001-01-01"}, "to", ""),
        ({"to": "9999-12-31"}, "to", ""),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "to", "before the start"),
        ({"user": "999999"}, "user", "Choose a user from the list."),
        ({"user": "abc"}, "user", "Choose a user from the list."),
    ],
)
def test_bad_filters_are_refused_on_their_field(
    url, query, field, message, manager_client, patient
):
    address = history_url(patient) if url == "history" else AUDIT
    response = manager_client.get(address, query)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in errors[field][0]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}_error"' in html
    # The rest of the page still shows the changes, unfiltered.
    assert len(rows(response.content.decode())) >= 1


def test_a_mangled_page_cursor_shows_the_first_page(manager_client, patient):
    for cursor in ["x", "1-2", "1-99-1", "-5-1-1", "9" * 40 + "-0-1"]:
        response = manager_client.get(AUDIT, {"after": cursor})
        assert response.status_code == 200
        assert len(rows(response.content.decode())) == 1


# --- the clinic-wide page ------------------------------------------------------------


@pytest.mark.parametrize(
    "client_name", ["clinician_client", "frontdesk_client", "outsider_client"]
)
def test_only_the_manager_reads_the_changes(client_name, request, db):
    assert request.getfixturevalue(client_name).get(AUDIT).status_code == 403


def test_the_navbar_links_the_changes_for_the_manager_only(
    manager_client, clinician_client, patient
):
    link = f'href="{AUDIT}"'
    assert link in manager_client.get(reverse("patients:list")).content.decode()
    assert link not in clinician_client.get(reverse("patients:list")).content.decode()


def test_each_row_names_its_patient_with_a_link_to_their_history(
    manager_client, clinician
):
    maria = make_patient()
    luca = make_patient(first_name="Luca", last_name="Bianchi", sex="M")
    session = make_session(luca, clinician)
    make_injection(session, site="medial calf")
    make_doppler(maria, clinician)
    html = manager_client.get(AUDIT).content.decode()
    by_kind = {}
    for row in rows(html):
        kind = re.search(r'class="text-label">([^<]+)<', row).group(1)
        by_kind.setdefault(kind, row)
    assert history_url(luca) in by_kind["Injection"]
    assert "Luca Bianchi" in by_kind["Injection"]
    assert "medial calf" in by_kind["Injection"]
    assert history_url(luca) in by_kind["Treatment session"]
    assert history_url(maria) in by_kind["Doppler finding"]
    assert history_url(maria) in by_kind["Doppler assessment"]
    patient_rows = [r for r in rows(html) if 'class="text-label">Patient<' in r]
    assert any(history_url(maria) in r for r in patient_rows)
    assert any(history_url(luca) in r for r in patient_rows)


def test_the_pages_go_back_in_time_without_gaps_or_repeats(
    manager_client, clinician, monkeypatch
):
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 4)
    patient = make_patient()
    for i in range(5):
        change(patient, clinician, phone=f"phone {i}")
    session = make_session(patient, clinician)
    for i in range(3):
        make_injection(session, site=f"site {i}")
    # Rows of several tables at the very same moment still page correctly.
    moment = rome(date(2026, 11, 1), 12, 0)
    Patient.history.filter(phone__in=["phone 1", "phone 2"]).update(history_date=moment)
    TreatmentSession.history.update(history_date=moment)
    total = Patient.history.count() + 1 + 3
    seen: list[str] = []
    url = AUDIT
    pages = 0
    while url:
        response = manager_client.get(url)
        html = response.content.decode()
        page_rows = rows(html)
        assert len(page_rows) <= 4
        seen.extend(page_rows)
        pages += 1
        found = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', html)
        url = AUDIT + found.group(1).replace("&amp;", "&") if found else None
        assert pages <= 5
    assert len(seen) == total == 10 and len(set(seen)) == total
    assert pages == 3
    whens = [re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r).group(0) for r in seen]
    assert whens == sorted(whens, reverse=True)


def test_the_next_page_keeps_the_filter(manager_client, clinician, monkeypatch):
    monkeypatch.setattr(views, "AUDIT_PAGE_SIZE", 2)
    patient = make_patient()
    for i in range(4):
        change(patient, clinician, phone=f"phone {i}")
    html = manager_client.get(AUDIT, {"user": clinician.pk}).content.decode()
    found = re.search(r'href="\?([^"]*)" rel="next"', html).group(1)
    assert f"user={clinician.pk}" in found and "after=" in found


def test_the_changes_page_reads_a_fixed_number_of_queries(
    manager_client, clinician, django_assert_num_queries, django_assert_max_num_queries
):
    patient = make_patient()
    session = make_session(patient, clinician)
    make_injection(session)
    make_doppler(patient, clinician)
    change(patient, clinician, phone="1")
    change(session, clinician, notes="later")
    # One query per history table, one per table for the earlier versions
    # of the changed records, one per kind of record named (Dopplers,
    # sessions, patients, users); the rest is the page's own.
    with django_assert_max_num_queries(50) as small:
        manager_client.get(AUDIT)
    for i in range(30):
        other = make_patient(first_name=f"P{i}")
        change(other, clinician, phone=f"{i}")
        s = make_session(other, clinician)
        make_injection(s)
        change(s, clinician, notes="later")
        make_doppler(other, clinician)
    with django_assert_num_queries(len(small.captured_queries)):
        html = manager_client.get(AUDIT).content.decode()
    assert len(rows(html)) == views.AUDIT_PAGE_SIZE


def test_the_cursor_reads_back_what_it_wrote():
    cursor = Cursor(rome(date(2026, 3, 30), 14, 9), 3, 17)
    parsed = Cursor.parse(str(cursor))
    assert parsed == cursor
    assert Decimal(str(cursor).split("-")[0]) > 0


def test_an_addendum_is_in_the_trail_with_what_it_corrected(
    manager_client, patient, clinician
):
    from treatments.models import SessionAddendum

    session = make_session(patient, clinician)
    addendum = SessionAddendum(
        session=session,
        author=clinician,
        kind="correction",
        text="Wrong site typed",
        changes=[{"field": "notes", "label": "Notes", "old": "thigh", "new": "calf"}],
    )
    addendum._history_user = clinician
    addendum.save()
    html = manager_client.get(history_url(patient)).content.decode()
    row = next(r for r in rows(html) if "Session addendum" in r)
    assert "<strong>Text</strong>: Wrong site typed" in row
    assert "<strong>Changes</strong>: Notes: thigh → calf" in row
    assert "<strong>Author</strong>: Clinician" in row
    assert "<strong>Session</strong>: Session of " in row

"""Sclerosant lots: the stock list, each injection's lot, who received a lot."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from tests.conftest import (
    make_injection,
    make_lot,
    make_patient,
    make_session,
)
from tests.helpers import at, in_days
from tests.treatments.test_views import form_data
from treatments.choices import Agent
from treatments.forms import InjectionForm
from treatments.lots import lot_close, proposed_lot, usable_lots
from treatments.models import Injection, SclerosantLot, TreatmentSession
from treatments.services import session_void

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]

LIST = "treatments:lot-list"


def lot_data(**overrides) -> dict:
    data = {
        "agent": "polidocanol",
        "concentration_pct": "0,5",
        "lot_number": "A123",
        "received_on": in_days(-10).isoformat(),
        "expiry_date": in_days(400).isoformat(),
        "opened_on": "",
        "notes": "",
    }
    data.update(overrides)
    return data


# --- the stock list: who may do what ---------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # list, add, recipients, csv, print
        ("manager", [200, 200, 200, 200, 200]),
        ("clinician", [200, 403, 200, 200, 200]),
        ("frontdesk", [403, 403, 403, 403, 403]),
        ("outsider", [403, 403, 403, 403, 403]),
    ],
)
def test_lot_pages_obey_the_roles(role, expected, request):
    client = request.getfixturevalue(f"{role}_client")
    lot = make_lot()
    urls = [
        reverse(LIST),
        reverse("treatments:lot-add"),
        reverse("treatments:lot-recipients", args=[lot.code]),
        reverse("treatments:lot-recipients-csv", args=[lot.code]),
        reverse("treatments:lot-recipients-print", args=[lot.code]),
    ]
    assert [client.get(url).status_code for url in urls] == expected


@pytest.mark.parametrize("role", ["clinician", "frontdesk"])
def test_only_the_manager_changes_the_stock_list(role, request):
    client = request.getfixturevalue(f"{role}_client")
    lot = make_lot()
    assert client.post(reverse("treatments:lot-add"), lot_data()).status_code == 403
    edit = reverse("treatments:lot-edit", args=[lot.code])
    assert client.post(edit, lot_data(lot_number="X")).status_code == 403
    close = reverse("treatments:lot-close", args=[lot.code])
    assert client.post(close).status_code == 403
    lot.refresh_from_db()
    assert lot.lot_number == "L0001"
    assert lot.closed_at is None
    assert SclerosantLot.objects.count() == 1


def test_the_manager_adds_a_lot_typed_with_a_comma(manager_client, manager):
    response = manager_client.post(reverse("treatments:lot-add"), lot_data())
    assert response.status_code == 302
    lot = SclerosantLot.objects.get()
    assert lot.concentration_pct == Decimal("0.5")
    assert lot.created_by == manager
    assert lot.history.get().history_user == manager
    page = manager_client.get(reverse(LIST)).content.decode()
    assert "A123" in page


@dataclass(frozen=True)
class DaysFromToday:
    """A date given as days from the (frozen) day the test runs on."""

    days: int

    def date(self) -> str:
        return in_days(self.days).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"expiry_date": DaysFromToday(-20)},
            "expiry_date",
            "must be after the date received",
        ),
        (
            {"concentration_pct": "5"},
            "concentration_pct",
            "out of range",
        ),
        (
            {"received_on": DaysFromToday(3)},
            "received_on",
            "cannot be in the future",
        ),
        ({"received_on": "0001-01-01"}, "received_on", "check the year"),
        ({"expiry_date": "9999-12-31"}, "expiry_date", "check the year"),
        ({"expiry_date": "2026-02-30"}, "expiry_date", "YYYY-MM-DD"),
        (
            {"opened_on": DaysFromToday(-20)},
            "opened_on",
            "before the date received",
        ),
        ({"lot_number": ""}, "lot_number", "required"),
    ],
)
def test_a_bad_lot_gets_a_field_message_and_nothing_is_saved(
    manager_client, overrides, field, message
):
    # Days from today are read on the test's frozen day, not at collection.
    overrides = {
        name: value.date() if isinstance(value, DaysFromToday) else value
        for name, value in overrides.items()
    }
    response = manager_client.post(reverse("treatments:lot-add"), lot_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not SclerosantLot.objects.exists()


def test_the_same_lot_number_is_listed_once(manager_client):
    make_lot(lot_number="A123")
    response = manager_client.post(reverse("treatments:lot-add"), lot_data())
    assert response.status_code == 200
    assert "already" in response.content.decode()
    assert SclerosantLot.objects.count() == 1
    # The same number of another strength is another lot.
    other = lot_data(concentration_pct="1")
    assert manager_client.post(reverse("treatments:lot-add"), other).status_code == 302


def test_a_corrected_lot_number_keeps_the_old_one_in_the_history(
    manager_client, manager
):
    lot = make_lot(lot_number="A12")
    edit = reverse("treatments:lot-edit", args=[lot.code])
    assert manager_client.get(edit).status_code == 200
    response = manager_client.post(edit, lot_data(lot_number="A123"))
    assert response.status_code == 302
    lot.refresh_from_db()
    assert lot.lot_number == "A123"
    numbers = list(
        lot.history.order_by("history_id").values_list("lot_number", flat=True)
    )
    assert numbers == ["A12", "A123"]
    assert lot.history.latest("history_id").history_user == manager
    # The edit page shows the history: who changed what, and the old number.
    history = manager_client.get(edit).content.decode().split('id="lot-history"')[1]
    assert "Lot corrected" in history and "A12<" in history
    assert manager.username in history or manager.get_full_name() in history


def test_a_used_lot_keeps_its_agent_and_concentration(
    manager_client, patient, clinician
):
    lot = make_lot()
    make_injection(make_session(patient, clinician), lot=lot)
    edit = reverse("treatments:lot-edit", args=[lot.code])
    response = manager_client.post(
        edit, lot_data(lot_number="L0001", concentration_pct="1")
    )
    assert response.status_code == 200
    assert "concentration_pct" in response.context["form"].errors
    lot.refresh_from_db()
    assert lot.concentration_pct == Decimal("0.5")


def test_the_manager_closes_and_reopens_a_lot(manager_client, manager):
    lot = make_lot()
    close = reverse("treatments:lot-close", args=[lot.code])
    assert manager_client.get(close).status_code == 405
    assert manager_client.post(close).status_code == 302
    lot.refresh_from_db()
    assert lot.closed_at is not None and lot.closed_by == manager
    reopen = reverse("treatments:lot-reopen", args=[lot.code])
    assert manager_client.post(reopen).status_code == 302
    lot.refresh_from_db()
    assert lot.closed_at is None
    reasons = list(
        lot.history.order_by("history_id").values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == ["Lot closed", "Lot reopened"] or reasons[-2:] == [
        "Lot closed",
        "Lot reopened",
    ]


def test_the_list_shows_open_lots_first_and_expired_ones_as_such(
    clinician_client, manager
):
    closed = make_lot(lot_number="CLOSED-1")
    lot_close(lot=closed, user=manager)
    make_lot(lot_number="EXPIRED-1", received_on=in_days(-400), expiry_date=in_days(-1))
    make_lot(lot_number="OPEN-1")
    page = clinician_client.get(reverse(LIST)).content.decode()
    assert page.index("OPEN-1") < page.index("EXPIRED-1") < page.index("CLOSED-1")
    row = page[page.index("EXPIRED-1") :].split("</tr>")[0]
    assert "expired" in row
    only_closed = clinician_client.get(reverse(LIST), {"status": "closed"})
    text = only_closed.content.decode()
    assert "CLOSED-1" in text and "OPEN-1" not in text and "EXPIRED-1" not in text
    # An unknown filter shows every lot.
    bad = clinician_client.get(reverse(LIST), {"status": "<x>", "agent": "nope"})
    assert bad.status_code == 200 and "OPEN-1" in bad.content.decode()


# --- the lot of an injection ----------------------------------------------------


def test_the_lot_proposed_is_the_open_one_expiring_first(manager):
    late = make_lot(lot_number="LATE", expiry_date=in_days(300))
    early = make_lot(lot_number="EARLY", expiry_date=in_days(100))
    make_lot(lot_number="STRONGER", concentration_pct=Decimal("1"))
    closed = make_lot(lot_number="CLOSED", expiry_date=in_days(50))
    lot_close(lot=closed, user=manager)
    make_lot(lot_number="OLD", received_on=in_days(-400), expiry_date=in_days(-1))
    lots = usable_lots()
    assert {lot.lot_number for lot in lots} == {"LATE", "EARLY", "STRONGER"}
    assert proposed_lot(lots, Agent.POLIDOCANOL, Decimal("0.5")) == early
    assert proposed_lot(lots, Agent.STS, Decimal("0.5")) is None
    assert late in lots


def test_a_new_row_with_an_agent_and_strength_proposes_its_lot():
    lot = make_lot()
    closed = make_lot(lot_number="SHUT")
    closed.closed_at = timezone.now()
    closed.save()
    row = InjectionForm(
        prefix="injections-0",
        initial={"agent": "polidocanol", "concentration_pct": Decimal("0.5")},
    )
    html = str(row["lot"])
    assert f'value="{lot.pk}" selected' in html
    assert "SHUT" not in html
    assert row.fields["lot"].label == "Lot"


def test_the_session_form_shows_a_lot_menu_on_each_row(clinician_client, patient):
    make_lot(lot_number="MENU-1")
    page = clinician_client.get(
        reverse("treatments:session-create", args=[patient.code])
    ).content.decode()
    assert 'name="injections-0-lot"' in page
    assert "MENU-1" in page
    assert 'id="lot-options"' in page


def _create(client, patient, rows):
    return client.post(
        reverse("treatments:session-create", args=[patient.code]), form_data(rows)
    )


def test_an_injection_records_the_lot_chosen(clinician_client, patient):
    lot = make_lot()
    make_lot(lot_number="OTHER")
    response = _create(clinician_client, patient, [{"lot": str(lot.pk)}])
    assert response.status_code == 302
    assert Injection.objects.get().lot == lot


def test_left_empty_the_only_matching_open_lot_is_recorded(clinician_client, patient):
    lot = make_lot()
    make_lot(lot_number="STS", agent=Agent.STS)
    response = _create(clinician_client, patient, [{"lot": ""}])
    assert response.status_code == 302
    assert Injection.objects.get().lot == lot


def test_left_empty_with_two_matching_lots_none_is_guessed(clinician_client, patient):
    make_lot(lot_number="ONE")
    make_lot(lot_number="TWO")
    assert _create(clinician_client, patient, [{"lot": ""}]).status_code == 302
    assert Injection.objects.get().lot is None


def test_without_a_stock_list_an_injection_needs_no_lot(clinician_client, patient):
    assert _create(clinician_client, patient, [{}]).status_code == 302
    assert Injection.objects.get().lot is None


def _refused(response, message):
    assert response.status_code == 200
    row = response.context["formset"].forms[0]
    assert "lot" in row.errors, row.errors
    assert message in " ".join(row.errors["lot"])
    assert "selected" in str(row["lot"])  # the lot refused stays shown
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not TreatmentSession.objects.exists()
    assert not Injection.objects.exists()


def test_an_expired_lot_is_refused_on_the_row(clinician_client, patient):
    lot = make_lot(received_on=in_days(-400), expiry_date=in_days(-1))
    response = _create(clinician_client, patient, [{"lot": str(lot.pk)}])
    _refused(response, "expired on")


def test_a_closed_lot_is_refused_on_the_row(clinician_client, patient, manager):
    lot = lot_close(lot=make_lot(), user=manager)
    response = _create(clinician_client, patient, [{"lot": str(lot.pk)}])
    _refused(response, "is closed")


def test_a_lot_of_another_agent_or_strength_is_refused(clinician_client, patient):
    sts = make_lot(lot_number="STS-1", agent=Agent.STS)
    _refused(_create(clinician_client, patient, [{"lot": str(sts.pk)}]), "STS-1")
    stronger = make_lot(lot_number="P3", concentration_pct=Decimal("3"))
    response = _create(clinician_client, patient, [{"lot": str(stronger.pk)}])
    _refused(response, "choose a lot of the agent and concentration injected")


def test_a_lot_that_expired_after_the_session_is_accepted(clinician_client, patient):
    """A session recorded late: the lot was good on the session's day."""
    lot = make_lot(received_on=in_days(-400), expiry_date=in_days(-2))
    when = at(-3, 9)
    data = form_data(
        [{"lot": str(lot.pk)}], performed_at=when.strftime("%Y-%m-%dT%H:%M")
    )
    response = clinician_client.post(
        reverse("treatments:session-create", args=[patient.code]), data
    )
    assert response.status_code == 302, response.context["formset"].errors
    assert Injection.objects.get().lot == lot


def test_an_old_session_keeps_its_lot_once_the_lot_is_closed(
    clinician_client, patient, clinician, manager
):
    lot = make_lot()
    session = make_session(patient, clinician)
    injection = make_injection(session, lot=lot)
    lot_close(lot=lot, user=manager)
    row = {"id": str(injection.pk), "lot": str(lot.pk), "volume_ml": "1.20"}
    data = form_data([row], initial=1, version=str(session.version))
    edit = reverse("treatments:session-edit", args=[session.code])
    page = clinician_client.get(edit).content.decode()
    assert f'value="{lot.pk}" selected' in page  # offered, though closed
    response = clinician_client.post(edit, data)
    assert response.status_code == 302, response.context["formset"].errors
    injection.refresh_from_db()
    assert injection.lot == lot and injection.volume_ml == Decimal("1.20")


def test_an_old_session_cannot_newly_take_a_closed_lot(
    clinician_client, patient, clinician, manager
):
    session = make_session(patient, clinician)
    injection = make_injection(session)
    lot = lot_close(lot=make_lot(), user=manager)
    row = {"id": str(injection.pk), "lot": str(lot.pk)}
    data = form_data([row], initial=1, version=str(session.version))
    response = clinician_client.post(
        reverse("treatments:session-edit", args=[session.code]), data
    )
    assert response.status_code == 200
    assert "lot" in response.context["formset"].forms[0].errors
    injection.refresh_from_db()
    assert injection.lot is None


def test_the_session_page_shows_each_injections_lot(
    clinician_client, patient, clinician
):
    lot = make_lot(lot_number="SHOWN-7")
    session = make_session(patient, clinician)
    make_injection(session, lot=lot)
    page = clinician_client.get(session.get_absolute_url()).content.decode()
    assert "SHOWN-7" in page


def test_the_patient_export_holds_each_injections_lot(
    manager_client, patient, clinician
):
    lot = make_lot(lot_number="EXP-9", expiry_date=in_days(200))
    session = make_session(patient, clinician)
    make_injection(session, lot=lot)
    make_injection(session)
    response = manager_client.post(reverse("records:export", args=[patient.code]))
    data = json.loads(response.content)
    injections = data["sessions"][0]["injections"]
    assert injections[0]["lot"] == {
        "lot_number": "EXP-9",
        "expiry_date": in_days(200).isoformat(),
        "agent": "polidocanol",
        "concentration_pct": "0.50",
    }
    assert injections[1]["lot"] is None


# --- who received a lot --------------------------------------------------------


@pytest.fixture
def received(clinician, colleague):
    """Lot R-1 given to two patients; a voided session and a removed injection
    of it, and another lot's injection, which are not listed."""
    lot = make_lot(lot_number="R-1")
    other = make_lot(lot_number="R-2")
    anna = make_patient(
        first_name="Anna", last_name="Rossi", phone="+39 333 1", email="anna@x.org"
    )
    bruno = make_patient(
        first_name="Bruno",
        last_name="=HYPERLINK(1)",
        phone="+39 333 2",
        email="bruno@x.org",
    )
    carla = make_patient(first_name="Carla", last_name="Verdi")
    first = make_session(anna, clinician, performed_at=at(-20, 9))
    make_injection(first, lot=lot, site="medial thigh")
    make_injection(first, lot=lot, site="lateral calf", volume_ml=Decimal("0.5"))
    make_injection(first, lot=other)
    second = make_session(bruno, colleague, performed_at=at(-5, 9))
    make_injection(second, lot=lot)
    voided = make_session(carla, clinician, performed_at=at(-4, 9))
    make_injection(voided, lot=lot)
    session_void(session=voided, user=clinician, reason="Entered on the wrong chart")
    removed = make_session(carla, clinician, performed_at=at(-3, 9))
    make_injection(removed, lot=lot, voided_at=timezone.now())
    make_injection(removed, lot=other)
    return lot


def test_the_recipients_page_lists_patients_sessions_and_contacts(
    clinician_client, clinician, received
):
    url = reverse("treatments:lot-recipients", args=[received.code])
    response = clinician_client.get(url)
    page = response.content.decode()
    for shown in (
        "Anna",
        "Rossi",
        "+39 333 1",
        "anna@x.org",
        "+39 333 2",
        "bruno@x.org",
    ):
        assert shown in page
    assert "medial thigh" in page and "lateral calf" in page
    assert "Verdi" not in page  # voided session, removed injection
    assert len(response.context["recipients"]) == 2
    # newest first
    assert page.index("bruno@x.org") < page.index("anna@x.org")
    event = AccessEvent.objects.get(kind="lot-recipients")
    assert event.count == 2 and event.user == clinician
    assert "R-1" in event.label


def test_the_recipients_csv_has_a_row_per_injection(manager_client, received):
    url = reverse("treatments:lot-recipients-csv", args=[received.code])
    response = manager_client.get(url)
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    header, body = rows[0], rows[1:]
    assert "Phone" in header and "Email" in header and "Lot number" in header
    assert len(body) == 3
    assert {row[1] for row in body} == {"Rossi", "'=HYPERLINK(1)"}  # no formula
    assert all(row[header.index("Lot number")] == "R-1" for row in body)
    event = AccessEvent.objects.get(kind="lot-recipients-csv")
    assert event.count == 2


def test_the_recipients_print_view_lists_every_session(clinician_client, received):
    url = reverse("treatments:lot-recipients-print", args=[received.code])
    response = clinician_client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert "data-print" in page and "anna@x.org" in page and "bruno@x.org" in page
    assert "Verdi" not in page
    assert AccessEvent.objects.get(kind="lot-recipients-print").count == 2


def _sessions_with_lot(lot, clinician, n):
    for i in range(n):
        patient = make_patient(first_name=f"P{i}", last_name=f"Lot{i}")
        session = make_session(patient, clinician, performed_at=at(-1 - i, 9))
        make_injection(session, lot=lot)
        make_injection(session, lot=lot, volume_ml=Decimal("0.5"))


@pytest.mark.parametrize(
    "name",
    [
        "treatments:lot-recipients",
        "treatments:lot-recipients-csv",
        "treatments:lot-recipients-print",
    ],
)
def test_the_recipients_cost_a_fixed_number_of_queries(
    clinician_client, clinician, name, django_assert_max_num_queries
):
    few, many = make_lot(lot_number="FEW"), make_lot(lot_number="MANY")
    _sessions_with_lot(few, clinician, 2)
    _sessions_with_lot(many, clinician, 12)
    clinician_client.get(reverse(name, args=[few.code]))  # warm the session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for lot in (few, many):
        with CaptureQueriesContext(connection) as ctx:
            response = clinician_client.get(reverse(name, args=[lot.code]))
        assert response.status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[1]):
        clinician_client.get(reverse(name, args=[many.code]))


def test_the_recipients_page_is_paged(clinician_client, clinician, monkeypatch):
    monkeypatch.setattr("treatments.views_lots.RECIPIENTS_PAGE_SIZE", 5)
    lot = make_lot()
    _sessions_with_lot(lot, clinician, 7)
    url = reverse("treatments:lot-recipients", args=[lot.code])
    first = clinician_client.get(url)
    assert len(first.context["recipients"]) == 5
    second = clinician_client.get(url, {"page": "2"})
    assert len(second.context["recipients"]) == 2
    assert clinician_client.get(url, {"page": "x"}).status_code == 200

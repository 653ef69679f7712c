"""Phones: stored in E.164, typed any usual way, shown in national format,
found by the number however it is typed; the numbers typed before are
converted by a migration, and those it cannot read are listed."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from patients.models import Patient
from patients.phones import display_phone, is_e164, is_mobile, to_e164
from patients.selectors import search_patients
from tests.conftest import make_patient

FORM = {
    "first_name": "Laura",
    "last_name": "Conti",
    "date_of_birth": "1982-03-04",
    "sex": "F",
    "email": "laura@example.org",
    "address": "Via Verdi 1",
    "language": "it",
    "weight_kg": "64.5",
}


# --- typed, stored -----------------------------------------------------------


@pytest.mark.parametrize(
    "typed,stored",
    [
        ("347 123 4567", "+393471234567"),
        ("+39 347-123-4567", "+393471234567"),
        ("0039 347 123 4567", "+393471234567"),
        ("(347) 123.4567", "+393471234567"),
        # An Italian landline keeps its leading 0 after +39.
        ("02 1234 5678", "+390212345678"),
        ("06 111 2222", "+39061112222"),
        ("+44 20 7946 0958", "+442079460958"),
        ("", ""),
    ],
)
def test_the_form_stores_the_number_in_e164_however_it_is_typed(
    frontdesk_client, typed, stored
):
    response = frontdesk_client.post(
        reverse("patients:create"), dict(FORM, phone=typed)
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Patient.objects.get().phone == stored


@pytest.mark.parametrize(
    "typed",
    ["call me", "347 CALL ME", "+39 06 555", "3471234", "12", "+999 123 456 789"],
)
def test_an_invalid_number_is_a_field_error(frontdesk_client, typed):
    response = frontdesk_client.post(
        reverse("patients:create"), dict(FORM, phone=typed)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["phone"] == [
        "Enter a valid phone number, e.g. 347 123 4567."
    ]
    assert not Patient.objects.exists()


def test_an_edit_shows_the_number_as_typed_and_saves_it_in_e164(frontdesk_client, db):
    patient = make_patient(phone="347 123 4567")
    assert patient.phone == "+393471234567"  # the service stores E.164 too
    url = reverse("patients:edit", args=[patient.code])
    form = frontdesk_client.get(url).context["form"]
    assert form["phone"].value() == "347 123 4567"
    assert 'type="tel"' in str(form["phone"])
    data = dict(FORM, phone="+39 333 000 0777", version=form["version"].value() or 0)
    assert frontdesk_client.post(url, data).status_code == 302
    patient.refresh_from_db()
    assert patient.phone == "+393330000777"


def test_a_number_typed_before_that_is_not_valid_must_be_corrected_to_save(
    frontdesk_client, db
):
    patient = make_patient(phone="")
    Patient.objects.filter(pk=patient.pk).update(phone="ask her daughter")
    url = reverse("patients:edit", args=[patient.code])
    form = frontdesk_client.get(url).context["form"]
    assert form["phone"].value() == "ask her daughter"  # kept, shown as typed
    data = dict(FORM, phone="ask her daughter", version=form["version"].value())
    response = frontdesk_client.post(url, data)
    assert response.status_code == 200
    assert "phone" in response.context["form"].errors


def test_numbers_are_classified():
    assert is_e164("+393471234567")
    assert not is_e164("347 123 4567")  # valid, but not stored as it should be
    assert not is_e164("+3906555")
    assert is_mobile("+393471234567")
    assert not is_mobile("+390212345678")  # a landline cannot take an SMS
    assert not is_mobile("")
    assert to_e164("0039 02 1234 5678") == "+390212345678"
    assert to_e164("1-800-FLOWERS") is None


# --- shown ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored,shown",
    [
        ("+393471234567", "347 123 4567"),
        ("+390212345678", "02 1234 5678"),
        ("+442079460958", "+44 20 7946 0958"),
        ("+14155552671", "+1 415-555-2671"),
        ("ask her daughter", "ask her daughter"),  # not a number: as typed
        ("", ""),
    ],
)
def test_the_phone_filter_shows_the_national_format_at_home(stored, shown):
    template = Template("{% load phones %}{{ value|phone }}")
    assert template.render(Context({"value": stored})) == shown
    assert display_phone(stored) == shown


def test_another_region_reads_and_shows_numbers_as_its_own(settings):
    settings.SCLERO_PHONE_REGION = "GB"
    assert to_e164("020 7946 0958") == "+442079460958"
    assert display_phone("+442079460958") == "020 7946 0958"
    assert display_phone("+393471234567") == "+39 347 123 4567"


def test_the_patient_page_list_and_edit_form_show_the_national_format(
    frontdesk_client, db
):
    patient = make_patient(phone="+39 347 1234567")
    page = frontdesk_client.get(patient.get_absolute_url()).content.decode()
    assert "347 123 4567" in page and "+393471234567" not in page
    listed = frontdesk_client.get(reverse("patients:list")).content.decode()
    assert "347 123 4567" in listed and "+393471234567" not in listed


# --- search --------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["347 123 4567", "+39 347 1234567", "3471234567", "0039 347 123 4567"]
)
def test_a_whole_number_finds_the_patient_however_it_is_typed(db, query):
    wanted = make_patient(last_name="Phone", phone="347 123 4567")
    make_patient(last_name="Other", phone="347 123 4568")
    make_patient(last_name="Landline", phone="02 1234 5678")
    assert list(search_patients(Patient.objects.all(), query)) == [wanted]


def test_a_whole_number_is_an_exact_match_on_the_stored_column(db):
    make_patient(phone="347 123 4567")
    with CaptureQueriesContext(connection) as queries:
        found = list(search_patients(Patient.objects.all(), "347-123-4567"))
    assert len(found) == 1
    assert len(queries) == 2  # is it there, then the rows
    for query in queries.captured_queries:
        sql = query["sql"].upper()
        assert '"PATIENTS_PATIENT"."PHONE" = ' in sql
        assert "REPLACE" not in sql and "LIKE" not in sql


def test_the_phone_column_is_indexed():
    indexed = [index.fields for index in Patient._meta.indexes]
    assert ["phone"] in indexed


@pytest.mark.parametrize("query", ["347 999 0000", "+39 02 1234 5679"])
def test_a_different_number_finds_no_one(db, query):
    make_patient(phone="347 123 4567")
    make_patient(phone="02 1234 5678")
    assert list(search_patients(Patient.objects.all(), query)) == []


@pytest.mark.parametrize("query", ["1234 567", "123-4567", "02 9876"])
def test_part_of_a_number_still_finds_it(db, query):
    mobile = make_patient(last_name="Mobile", phone="347 123 4567")
    landline = make_patient(last_name="Landline", phone="02 9876 5432")
    make_patient(last_name="Other", phone="333 000 0777")
    found = set(search_patients(Patient.objects.all(), query))
    expected = {"1234 567": {mobile}, "123-4567": {mobile}, "02 9876": {landline}}
    assert found == expected[query]


def test_the_search_page_finds_by_a_typed_number(frontdesk_client, db):
    wanted = make_patient(last_name="Phone", phone="347 123 4567")
    make_patient(last_name="Other", phone="333 000 0777")
    response = frontdesk_client.get(reverse("patients:list"), {"q": "+39 347 1234567"})
    assert [p.pk for p in response.context["page_obj"]] == [wanted.pk]


# --- the numbers typed before: migration and report ---------------------------

BEFORE = ("patients", "0009_historicalpatient_contact_by_email_and_more")
AFTER = ("patients", "0010_phone_e164")


def _old_patient(state, chart: str, phone: str) -> int:
    patient = state.apps.get_model("patients", "Patient").objects.create(
        chart_number=chart,
        first_name="Maria",
        last_name="Esposito",
        date_of_birth=date(1970, 5, 17),
        sex="F",
        phone=phone,
    )
    values = {
        f.attname: getattr(patient, f.attname) for f in patient._meta.concrete_fields
    }
    state.apps.get_model("patients", "HistoricalPatient").objects.create(
        **values, history_date=datetime(2026, 3, 2, 9, 30, tzinfo=UTC), history_type="+"
    )
    return patient.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_converts_typed_numbers_and_keeps_the_unreadable(
    migrator, capsys
):
    old = migrator.apply_initial_migration([BEFORE])
    typed = {
        "SC-000001": ("+39 347 123 4567", "+393471234567"),
        "SC-000002": ("347-123-4567", "+393471234567"),
        "SC-000003": ("0039 333 000 0777", "+393330000777"),
        "SC-000004": ("02 1234 5678", "+390212345678"),
        "SC-000005": ("+44 20 7946 0958", "+442079460958"),
        "SC-000006": ("+393471112222", "+393471112222"),  # already E.164
        "SC-000007": ("call after 6pm", "call after 6pm"),  # kept as typed
        "SC-000008": ("+39 06 555", "+39 06 555"),  # too short: kept
        "SC-000009": ("", ""),
    }
    ids = {
        chart: _old_patient(old, chart, phone) for chart, (phone, _) in typed.items()
    }
    capsys.readouterr()

    new = migrator.apply_tested_migration([AFTER])
    Patient_ = new.apps.get_model("patients", "Patient")
    History = new.apps.get_model("patients", "HistoricalPatient")
    for chart, (_typed, stored) in typed.items():
        assert Patient_.objects.get(pk=ids[chart]).phone == stored, chart
    # Each converted number is a change in the audit trail; the others are not.
    changed = History.objects.filter(history_type="~")
    assert sorted(changed.values_list("chart_number", flat=True)) == [
        "SC-000001",
        "SC-000002",
        "SC-000003",
        "SC-000004",
        "SC-000005",
    ]
    assert {h.history_change_reason for h in changed} == {
        "Phone number stored in international format (E.164)"
    }
    assert changed.get(chart_number="SC-000004").phone == "+390212345678"
    # The first history row keeps the number as it was typed.
    assert History.objects.get(chart_number="SC-000004", history_type="+").phone == (
        "02 1234 5678"
    )
    printed = capsys.readouterr().out
    assert "SC-000007" in printed and "SC-000008" in printed
    assert "SC-000001" not in printed and "SC-000009" not in printed
    assert "call after" not in printed  # chart numbers only, not the patient's data


def test_phone_report_lists_the_numbers_to_correct(db):
    make_patient(last_name="Good", phone="347 123 4567")
    make_patient(last_name="Empty", phone="")
    bad = make_patient(last_name="Bad", phone="")
    typed = make_patient(last_name="Typed", phone="")
    Patient.objects.filter(pk=bad.pk).update(phone="call after 6pm")
    Patient.objects.filter(pk=typed.pk).update(phone="347 123 4567")  # not E.164
    out = io.StringIO()
    call_command("phone_report", stdout=out)
    text = out.getvalue()
    assert bad.chart_number in text and "'call after 6pm'" in text
    assert typed.chart_number in text
    assert "Good" not in text and "Empty" not in text
    assert "2 phone number(s) to correct" in text

    out = io.StringIO()
    call_command("phone_report", csv=True, stdout=out)
    rows = out.getvalue().splitlines()
    assert rows[0] == "chart_number,last_name,first_name,phone,archived"
    assert len(rows) == 3


def test_phone_report_says_when_every_number_is_right(db):
    make_patient(phone="347 123 4567")
    out = io.StringIO()
    call_command("phone_report", stdout=out)
    assert "Every phone number is a valid number in E.164." in out.getvalue()

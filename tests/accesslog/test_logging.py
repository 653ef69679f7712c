"""Every page and file that shows patient data leaves one access-log row:
who, what kind, which patient, from where, with which answer; lists and
searches leave their query and how many they showed; pages that read no
patient data leave none."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent, AppendOnly
from records import services as record_services
from tests.conftest import (
    client_for,
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, next_clinic_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(patient, clinician):
    doppler = make_doppler(patient, clinician)
    session = make_session(patient, clinician, doppler=doppler)
    make_injection(session)
    visit = make_visit(patient, clinician, session=session)
    return {"patient": patient, "doppler": doppler, "session": session, "visit": visit}


def _code(records, name):
    return records[name].code


# (who, URL name, the record whose code is in the URL, query string, headers, kind)
PAGES = [
    ("clinician", "records:patient", "patient", {}, {}, "patient"),
    (
        "clinician",
        "records:patient",
        "patient",
        {"earlier": "1"},
        {"HTTP_HX_REQUEST": "true"},
        "patient-earlier",
    ),
    ("manager", "records:history", "patient", {}, {}, "history"),
    ("manager", "records:merge", "patient", {}, {}, "merge"),
    ("frontdesk", "patients:edit", "patient", {}, {}, "patient-edit"),
    ("clinician", "doppler:detail", "doppler", {}, {}, "doppler"),
    ("clinician", "doppler:edit", "doppler", {}, {}, "doppler-form"),
    ("clinician", "doppler:create", "patient", {}, {}, "doppler-form"),
    ("clinician", "treatments:session-detail", "session", {}, {}, "session"),
    ("frontdesk", "treatments:session-detail", "session", {}, {}, "session"),
    ("clinician", "treatments:session-edit", "session", {}, {}, "session-form"),
    ("clinician", "treatments:session-create", "patient", {}, {}, "session-form"),
    ("frontdesk", "visits:detail", "visit", {}, {}, "visit"),
    ("frontdesk", "visits:create", "patient", {}, {}, "visit-form"),
    ("frontdesk", "visits:reschedule", "visit", {}, {}, "visit-form"),
    ("clinician", "visits:outcome", "visit", {}, {}, "visit-form"),
    ("frontdesk", "visits:ics", "visit", {}, {}, "ics"),
    ("frontdesk", "visits:slip", "visit", {}, {}, "visit-slip"),
    ("frontdesk", "printing:aftercare-pdf", "session", {}, {}, "aftercare-pdf"),
    ("frontdesk", "printing:aftercare-print", "session", {}, {}, "aftercare-print"),
    ("manager", "accesslog:patient", "patient", {}, {}, "access-log"),
]


@pytest.mark.parametrize(("who", "name", "record", "query", "headers", "kind"), PAGES)
def test_each_page_and_file_of_a_patient_leaves_one_row(
    request, records, who, name, record, query, headers, kind
):
    user = request.getfixturevalue(who)
    url = reverse(name, args=[_code(records, record)])
    response = client_for(user).get(
        url, query, REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT="Tablet", **headers
    )
    assert response.status_code == 200

    event = AccessEvent.objects.get()
    assert event.user == user
    assert event.kind == kind
    assert event.patient == records["patient"]
    assert event.ip == "192.0.2.7"
    assert event.user_agent == "Tablet"
    assert event.method == "GET"
    assert event.path.startswith(url)
    assert event.status == 200
    assert timezone.now() - event.at < timedelta(minutes=1)


def test_files_are_named_in_the_row(frontdesk_client, records):
    visit = records["visit"]
    frontdesk_client.get(reverse("visits:ics", args=[visit.code]))
    frontdesk_client.get(reverse("visits:slip", args=[visit.code]))
    session = records["session"]
    frontdesk_client.get(reverse("printing:aftercare-pdf", args=[session.code]))
    labels = dict(AccessEvent.objects.values_list("kind", "label"))
    local = timezone.localtime(visit.starts_at)
    assert labels["ics"] == f"visit-{local:%Y%m%d-%H%M}.ics"
    assert labels["visit-slip"].startswith("appointment-SC-000001-")
    assert labels["aftercare-pdf"].startswith("aftercare-SC-000001-")


def test_a_session_page_is_labelled_with_its_clinic_time(clinician_client, records):
    session = records["session"]
    clinician_client.get(reverse("treatments:session-detail", args=[session.code]))
    local = timezone.localtime(session.performed_at)
    assert AccessEvent.objects.get().label == f"{local:%Y-%m-%d %H:%M}"


def test_posting_a_form_is_logged_with_its_method_and_answer(
    frontdesk_client, frontdesk, patient
):
    url = reverse("patients:edit", args=[patient.code])
    response = frontdesk_client.post(url, {"first_name": ""})
    assert response.status_code == 200  # the form again, with its errors
    event = AccessEvent.objects.get()
    assert (event.kind, event.method, event.patient, event.status) == (
        "patient-edit",
        "POST",
        patient,
        200,
    )


def test_the_session_preview_names_its_patient(clinician_client, clinician, patient):
    data = {
        "patient_code": str(patient.code),
        "injections-TOTAL_FORMS": "0",
        "injections-INITIAL_FORMS": "0",
    }
    response = clinician_client.post(reverse("treatments:session-preview"), data)
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.kind, event.patient, event.method) == (
        "session-preview",
        patient,
        "POST",
    )


# --- lists and searches -------------------------------------------------------


def test_a_search_logs_its_text_and_how_many_patients_it_showed(
    frontdesk_client, frontdesk, patient
):
    make_patient(first_name="Anna", last_name="Bianchi")
    make_patient(first_name="Luca", last_name="Esposito")
    response = frontdesk_client.get(reverse("patients:list"), {"q": "esposito"})
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.user, event.kind, event.query, event.count) == (
        frontdesk,
        "patient-list",
        "esposito",
        2,
    )
    assert event.patient is None


def test_the_patient_list_logs_how_many_patients_the_page_showed(frontdesk_client):
    for n in range(30):
        make_patient(first_name=f"P{n}", last_name="Rossi")
    frontdesk_client.get(reverse("patients:list"))
    event = AccessEvent.objects.get()
    assert (event.query, event.count) == ("", 25)  # one page of 25


@pytest.mark.date_dependent  # the visits and sessions are put around today
def test_agenda_and_worklist_log_their_filter_and_how_many_they_showed(
    frontdesk_client, clinician, colleague, patient
):
    # A day the week agenda shows (never a Sunday), whatever today is.
    day = next_clinic_day()
    offset = (day - timezone.localdate()).days
    make_visit(patient, clinician, starts_at=at(offset, 9))
    make_visit(make_patient(first_name="Anna"), colleague, starts_at=at(offset, 11))
    make_session(make_patient(first_name="Luca"), clinician)

    frontdesk_client.get(reverse("visits:agenda-day"), {"date": day.isoformat()})
    frontdesk_client.get(
        reverse("visits:agenda-day"),
        {"date": day.isoformat(), "clinician": clinician.pk},
    )
    frontdesk_client.get(reverse("visits:agenda-week"), {"date": day.isoformat()})
    frontdesk_client.get(reverse("visits:worklist"))

    rows = list(AccessEvent.objects.order_by("id"))
    assert [(e.kind, e.query, e.count) for e in rows] == [
        ("agenda", day.isoformat(), 2),
        ("agenda", f"{day.isoformat()} clinician", 1),
        ("agenda", (day - timedelta(days=day.weekday())).isoformat(), 2),
        ("worklist", "first page", 1),
    ]
    assert all(e.patient is None for e in rows)


@pytest.mark.date_dependent  # the day page and its PDF are for a given day
def test_the_days_sheets_log_the_day_and_how_many_sheets(
    frontdesk_client, clinician, patient
):
    session = make_session(patient, clinician, performed_at=at(-1, 10))
    make_injection(session)
    day = timezone.localdate(session.performed_at).isoformat()
    url = reverse("printing:aftercare-day")
    assert frontdesk_client.get(url, {"date": day}).status_code == 200
    response = frontdesk_client.get(url, {"date": day, "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    rows = list(AccessEvent.objects.order_by("id"))
    assert [(e.kind, e.query, e.count, e.patient) for e in rows] == [
        ("day-sheets", day, 1, None),
        ("day-sheets-pdf", day, 1, None),
    ]


def test_the_sessions_over_a_limit_log_how_many_patients_they_showed(
    manager_client, clinician, patient
):
    session = make_session(
        patient,
        clinician,
        limit_override_reason="Large reticular network, agreed with patient",
        limit_override_by=clinician,
    )
    make_injection(session)
    response = manager_client.get(reverse("reporting:overrides"))
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert event.kind == "statistics-overrides"
    assert event.query.startswith("from=")
    assert "Esposito, Maria" in response.content.decode()
    assert event.count == 1


# --- what leaves no row -------------------------------------------------------


def test_pages_that_read_no_patient_data_leave_no_row(
    client, manager_client, clinician_client
):
    assert client.get(reverse("login")).status_code == 200
    assert client.get(reverse("patients:list")).status_code == 302  # to the login
    assert clinician_client.get("/static/css/app.css").status_code in (200, 404)
    assert manager_client.get(reverse("printing:letterhead-edit")).status_code == 200
    assert manager_client.get(reverse("reporting:statistics")).status_code == 200
    assert manager_client.get(reverse("reporting:export")).status_code == 200
    assert clinician_client.get(reverse("patients:create")).status_code == 200
    assert not AccessEvent.objects.exists()


def test_an_unknown_record_is_a_404_and_leaves_no_row(clinician_client):
    import uuid

    url = reverse("records:patient", args=[uuid.uuid4()])
    assert clinician_client.get(url).status_code == 404
    assert not AccessEvent.objects.exists()


# --- refusals -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "name", "record"),
    [
        ("outsider", "records:patient", "patient"),
        ("frontdesk", "doppler:detail", "doppler"),
        ("clinician", "accesslog:patient", "patient"),
    ],
)
def test_a_refused_request_leaves_a_refused_row_without_reading_the_patient(
    request, records, who, name, record
):
    user = request.getfixturevalue(who)
    url = reverse(name, args=[_code(records, record)])
    assert client_for(user).get(url, REMOTE_ADDR="198.51.100.4").status_code == 403
    event = AccessEvent.objects.get()
    assert (event.user, event.kind, event.status, event.ip) == (
        user,
        "refused",
        403,
        "198.51.100.4",
    )
    assert event.patient is None  # the code is in the path, the chart unread
    assert event.path == url


# --- where from ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # What the client wrote itself comes first; the proxy appended the truth.
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "203.0.113.9"),
    ],
)
def test_behind_the_tls_proxy_the_address_the_proxies_saw_is_kept(
    settings, clinician, patient, proxies, forwarded, expected
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.AXES_IPWARE_PROXY_COUNT = proxies
    client_for(clinician).get(
        reverse("records:patient", args=[patient.code]),
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert AccessEvent.objects.get().ip == expected


def test_without_the_proxy_a_forwarded_address_is_ignored(settings, clinician, patient):
    settings.SECURE_PROXY_SSL_HEADER = None
    client_for(clinician).get(
        reverse("records:patient", args=[patient.code]),
        REMOTE_ADDR="192.0.2.1",
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    assert AccessEvent.objects.get().ip == "192.0.2.1"


def test_a_forwarded_value_that_is_no_address_is_stored_as_unknown(
    settings, clinician, patient
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client_for(clinician).get(
        reverse("records:patient", args=[patient.code]),
        HTTP_X_FORWARDED_FOR="10.0.0.1, <script>",
    )
    assert AccessEvent.objects.get().ip is None


def test_long_paths_queries_and_browsers_are_cut_to_fit(frontdesk_client):
    frontdesk_client.get(
        reverse("patients:list"),
        {"q": "x" * 300, "pad": "y" * 900},
        HTTP_USER_AGENT="z" * 400,
    )
    event = AccessEvent.objects.get()
    assert len(event.path) == 500 and event.path.endswith("…")
    assert len(event.user_agent) == 255
    assert event.query == ""  # the search form refuses 300 characters


# --- cost and failure ---------------------------------------------------------


def test_a_logged_request_costs_exactly_one_insert(settings, clinician, records):
    url = reverse("treatments:session-detail", args=[records["session"].code])
    with CaptureQueriesContext(connection) as logged:
        assert client_for(clinician).get(url).status_code == 200
    middleware = "accesslog.middleware.AccessLogMiddleware"
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != middleware]
    with CaptureQueriesContext(connection) as unlogged:
        assert client_for(clinician).get(url).status_code == 200
    assert AccessEvent.objects.count() == 1  # only the first request's row

    extra = len(logged.captured_queries) - len(unlogged.captured_queries)
    assert extra == 1
    inserts = [
        q["sql"] for q in logged.captured_queries if "accesslog_accessevent" in q["sql"]
    ]
    assert len(inserts) == 1 and inserts[0].startswith("INSERT INTO")


def test_a_failed_write_keeps_the_page_and_is_logged_as_an_error(
    monkeypatch, caplog, clinician_client, patient
):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(AccessEvent, "save", broken_save)
    with caplog.at_level(logging.ERROR, logger="sclero.accesslog"):
        response = clinician_client.get(reverse("records:patient", args=[patient.code]))
    assert response.status_code == 200
    assert patient.full_name in response.content.decode()
    assert any(
        r.name == "sclero.accesslog" and r.levelno == logging.ERROR
        for r in caplog.records
    )


def test_a_merge_leaves_the_rows_on_the_chart_that_was_viewed(
    clinician_client, manager, patient
):
    other = make_patient(first_name="Maria", last_name="Esposito", phone="")
    clinician_client.get(reverse("records:patient", args=[other.code]))
    record_services.patient_merge(
        keep=patient, merge=other, user=manager, reason="Same person, two charts"
    )
    assert AccessEvent.objects.get().patient == other


def test_rows_are_never_changed_or_deleted(clinician_client, patient):
    clinician_client.get(reverse("records:patient", args=[patient.code]))
    event = AccessEvent.objects.get()
    event.kind = "nothing"
    with pytest.raises(AppendOnly):
        event.save()
    with pytest.raises(AppendOnly):
        event.delete()
    with pytest.raises(AppendOnly):
        AccessEvent.objects.filter(pk=event.pk).update(kind="nothing")
    with pytest.raises(AppendOnly):
        AccessEvent.objects.all().delete()
    assert AccessEvent.objects.get().kind == "patient"


def test_the_admin_offers_no_access_log():
    from django.contrib import admin

    assert not admin.site.is_registered(AccessEvent)

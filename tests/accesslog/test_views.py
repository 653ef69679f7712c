"""The manager's access log pages: clinic-wide and per patient, filtered by
user and clinic dates, newest first, in clinic time, a page at a time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accesslog.models import AccessEvent
from accesslog.selectors import Cursor
from accesslog.views import PAGE_SIZE
from core.roles import ROLE_PERMISSIONS
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

LIST = reverse("accesslog:list")


def _event(user, patient=None, *, at, kind="patient", label="", **fields):
    return AccessEvent.objects.create(
        at=at,
        user=user,
        patient=patient,
        kind=kind,
        label=label,
        method="GET",
        path=patient.get_absolute_url() if patient else "/patients/",
        status=200,
        ip="192.0.2.10",
        **fields,
    )


def _patient_url(patient):
    return reverse("accesslog:patient", args=[patient.code])


@pytest.mark.parametrize("who", ["clinician", "frontdesk", "outsider"])
def test_only_the_manager_sees_the_access_log(request, who, manager_client, patient):
    client = request.getfixturevalue(f"{who}_client")
    assert client.get(LIST).status_code == 403
    assert client.get(_patient_url(patient)).status_code == 403
    assert manager_client.get(LIST).status_code == 200
    assert manager_client.get(_patient_url(patient)).status_code == 200


def test_the_permission_belongs_to_the_manager_role_only():
    holders = {
        role
        for role, names in ROLE_PERMISSIONS.items()
        if "accesslog.view_accessevent" in names
    }
    assert holders == {"manager"}


def test_a_november_view_at_1309_utc_shows_1409_clinic_time(
    manager_client, clinician, patient
):
    _event(clinician, patient, at=datetime(2026, 11, 10, 13, 9, 30, tzinfo=UTC))
    for url in (LIST, _patient_url(patient)):
        html = manager_client.get(url).content.decode()
        assert "2026-11-10 14:09:30" in html
        assert "13:09" not in html


def test_rows_name_who_what_which_patient_and_from_where(
    manager_client, clinician, patient
):
    clinician.first_name, clinician.last_name = "Giulia", "Rossi"
    clinician.save()
    _event(
        clinician,
        patient,
        at=datetime(2026, 11, 10, 9, 0, tzinfo=UTC),
        kind="aftercare-pdf",
        label="aftercare-SC-000001-2026-11-10.pdf",
    )
    _event(
        clinician,
        at=datetime(2026, 11, 10, 9, 5, tzinfo=UTC),
        kind="patient-list",
        query="esposito",
        count=3,
    )
    html = manager_client.get(LIST).content.decode()
    assert "Giulia Rossi" in html and ">clinician<" in html
    assert "Aftercare sheet (PDF)" in html
    assert "aftercare-SC-000001-2026-11-10.pdf" in html
    assert f'href="{patient.get_absolute_url()}"' in html  # the record's link
    assert patient.full_name in html and patient.chart_number in html
    assert "192.0.2.10" in html
    assert "esposito" in html and "3 patients shown" in html
    # newest first
    assert html.index("Patient list or search") < html.index("Aftercare sheet (PDF)")


def test_the_patient_page_shows_only_that_patients_rows(
    manager_client, clinician, patient
):
    other = make_patient(first_name="Anna", last_name="Bianchi")
    _event(clinician, patient, at=datetime(2026, 11, 10, 9, tzinfo=UTC), label="mine")
    _event(clinician, other, at=datetime(2026, 11, 10, 10, tzinfo=UTC), label="other")
    html = manager_client.get(_patient_url(patient)).content.decode()
    assert "mine" in html
    assert ">other<" not in html


def test_filter_by_user(manager_client, clinician, frontdesk, patient):
    _event(clinician, patient, at=datetime(2026, 11, 10, 9, tzinfo=UTC), label="L-c")
    _event(frontdesk, patient, at=datetime(2026, 11, 10, 10, tzinfo=UTC), label="L-f")
    for url in (LIST, _patient_url(patient)):
        html = manager_client.get(url, {"user": clinician.pk}).content.decode()
        assert "L-c" in html and "L-f" not in html


def test_filter_by_clinic_dates(manager_client, clinician, patient):
    # 23:30 UTC on 9 November is already 10 November in Rome.
    _event(clinician, patient, at=datetime(2026, 11, 8, 12, tzinfo=UTC), label="L-8")
    _event(
        clinician, patient, at=datetime(2026, 11, 9, 23, 30, tzinfo=UTC), label="L-10"
    )
    _event(clinician, patient, at=datetime(2026, 11, 11, 12, tzinfo=UTC), label="L-11")
    html = manager_client.get(
        LIST, {"from": "2026-11-10", "to": "2026-11-10"}
    ).content.decode()
    assert "L-10" in html
    assert "L-8" not in html and "L-11" not in html
    html = manager_client.get(_patient_url(patient), {"to": "2026-11-09"}).content
    assert b"L-8" in html and b"L-10" not in html and b"L-11" not in html


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"from": "2026-11-12", "to": "2026-11-10"}, "to", "The end date is before"),
        ({"from": "soon"}, "from", "Enter a date as YYYY-MM-DD."),
        ({"to": "9999-12-31"}, "to", "years ahead: check the year."),
        ({"from": "0001-01-01"}, "from", "check the year."),
        ({"user": "999999"}, "user", "Choose a user from the list."),
        ({"user": "x"}, "user", "Choose a user from the list."),
    ],
)
def test_bad_filters_give_a_message_on_the_field_and_filter_nothing(
    manager_client, clinician, patient, query, field, message
):
    _event(clinician, patient, at=datetime(2026, 11, 10, 9, tzinfo=UTC), label="kept")
    for url in (LIST, _patient_url(patient)):
        response = manager_client.get(url, query)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'id="id_{field}_error"' in html
        assert f'aria-describedby="id_{field}_error"' in html
        assert message in html
        assert "kept" in html


def test_pages_follow_a_cursor_without_counting_the_table(
    manager_client, clinician, patient
):
    for minute in range(PAGE_SIZE + 1):
        _event(
            clinician,
            patient,
            at=datetime(2026, 11, 10, 9, minute, tzinfo=UTC),
            label=f"row-{minute:02d}",
        )
    with CaptureQueriesContext(connection) as queries:
        first = manager_client.get(_patient_url(patient))
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    html = first.content.decode()
    assert "row-50" in html and "row-01" in html and "row-00" not in html
    cursor = first.context["next_query"]
    assert cursor and 'rel="next"' in html

    second = manager_client.get(_patient_url(patient) + "?" + cursor)
    html = second.content.decode()
    assert "row-00" in html and "row-01" not in html
    # The first page's own access-log row is newer than the cursor.
    assert "Access log" in html and second.context["next_query"] is None
    assert "Newest views" in html


def test_a_page_costs_the_same_few_queries_however_long_the_log(
    manager_client, clinician, patient, django_assert_max_num_queries
):
    for minute in range(5):
        _event(clinician, patient, at=datetime(2026, 11, 10, 9, minute, tzinfo=UTC))
    with CaptureQueriesContext(connection) as few:
        manager_client.get(LIST)
    others = [make_patient(first_name=f"P{n}") for n in range(5)]
    for minute, other in enumerate(others * 10):
        _event(clinician, other, at=datetime(2026, 11, 10, 10, minute, tzinfo=UTC))
    with django_assert_max_num_queries(len(few.captured_queries)):
        manager_client.get(LIST)


def test_a_cursor_that_makes_no_sense_shows_the_first_page(
    manager_client, clinician, patient
):
    _event(clinician, patient, at=datetime(2026, 11, 10, 9, tzinfo=UTC), label="kept")
    for value in ["", "x", "1-2-3", "99999999999999999999999-1", "-5-0", "5-0"]:
        response = manager_client.get(LIST, {"before": value})
        assert response.status_code == 200
        assert "kept" in response.content.decode()


def test_the_cursor_reads_back_what_it_wrote():
    cursor = Cursor(datetime(2026, 3, 29, 1, 30, 0, 123456, tzinfo=UTC), 42)
    assert Cursor.parse(str(cursor)) == cursor


def test_viewing_the_log_is_itself_logged(manager_client, manager, patient):
    manager_client.get(LIST, {"user": manager.pk, "from": "2026-11-01"})
    manager_client.get(_patient_url(patient))
    rows = list(AccessEvent.objects.order_by("id"))
    assert [(e.user, e.kind, e.patient) for e in rows] == [
        (manager, "access-log", None),
        (manager, "access-log", patient),
    ]
    assert rows[0].query == "user=manager from=2026-11-01"
    assert rows[0].count == 0


def test_links_to_the_log_are_for_the_manager_only(
    manager_client, clinician_client, patient
):
    url = reverse("records:patient", args=[patient.code])
    html = manager_client.get(url).content.decode()
    assert f'href="{_patient_url(patient)}"' in html
    assert f'href="{LIST}"' in html
    html = clinician_client.get(url).content.decode()
    assert _patient_url(patient) not in html
    assert f'href="{LIST}"' not in html

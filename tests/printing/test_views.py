"""Aftercare views: PDF, print view, day sheets and the letterhead, per role."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Letterhead
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import in_days, pdf_pages, pdf_text, rome

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(patient, clinician):
    session = make_session(patient, clinician)
    make_injection(session)
    return session


def pdf_url(session) -> str:
    return reverse("printing:aftercare-pdf", args=[session.code])


def print_url(session) -> str:
    return reverse("printing:aftercare-print", args=[session.code])


DAY_URL = reverse("printing:aftercare-day")
LETTERHEAD_URL = reverse("printing:letterhead-edit")


@pytest.mark.date_dependent  # the day page opens on today
@pytest.mark.parametrize(
    "client_name, status",
    [
        ("clinician_client", 200),
        ("frontdesk_client", 200),
        ("manager_client", 200),
        ("outsider_client", 403),
    ],
)
def test_role_matrix_for_the_sheet_the_print_view_and_the_day(
    request, session, client_name, status
):
    client = request.getfixturevalue(client_name)
    response = client.get(pdf_url(session))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert session.patient.chart_number in response["Content-Disposition"]
        # The patient's sheet, the same whoever prints it (front desk too):
        # what was treated in plain words, never the agent, volume or dose.
        text = pdf_text(response.content)
        assert "What we treated" in text
        assert "Right leg" in text
        for clinical in ("Polidocanol", "polidocanol", " mL", " mg"):
            assert clinical not in text, (client_name, clinical)
    assert client.get(print_url(session)).status_code == status
    assert client.get(DAY_URL).status_code == status
    day = timezone.localtime(session.performed_at).date().isoformat()
    assert client.get(DAY_URL, {"date": day, "format": "pdf"}).status_code == status


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("clinician_client", 403),
        ("frontdesk_client", 403),
        ("manager_client", 200),
        ("outsider_client", 403),
    ],
)
def test_only_the_manager_edits_the_letterhead(request, client_name, status):
    client = request.getfixturevalue(client_name)
    assert client.get(LETTERHEAD_URL).status_code == status
    response = client.post(LETTERHEAD_URL, {"clinic_name": "Vene Milano"})
    assert response.status_code == (302 if status == 200 else 403)
    assert Letterhead.objects.filter(clinic_name="Vene Milano").exists() is (
        status == 200
    )


def test_letterhead_is_created_then_edited_and_shown_on_the_sheet(
    manager_client, clinician_client, session
):
    assert not Letterhead.objects.exists()
    manager_client.post(
        LETTERHEAD_URL,
        {"clinic_name": "Vene Milano", "emergency_phone": "+39 347 000 1111"},
    )
    manager_client.post(
        LETTERHEAD_URL,
        {
            "clinic_name": "Vene Milano Centro",
            "emergency_phone": "+39 347 000 2222",
            "footer": "Open Mon-Fri",
        },
    )
    assert Letterhead.objects.count() == 1
    text = pdf_text(clinician_client.get(pdf_url(session)).content)
    assert "Vene Milano Centro" in text
    assert "+39 347 000 2222" in text
    assert "Open Mon-Fri" in text


def test_letterhead_form_shows_field_errors_and_saves_nothing(manager_client):
    response = manager_client.post(
        LETTERHEAD_URL, {"clinic_name": "", "email": "not-an-email"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "clinic_name" in form.errors and "email" in form.errors
    assert not Letterhead.objects.exists()


def test_print_view_uses_the_sheet_template_with_a_print_button(
    clinician_client, session
):
    response = clinician_client.get(print_url(session))
    html = response.content.decode()
    # the button opens the print dialog through a script file (no onclick: CSP)
    assert "data-print" in html and "js/print_view.js" in html
    assert "onclick" not in html and "d-print-none" in html
    assert "What we treated" in html and session.patient.chart_number in html


def test_voided_session_gets_no_sheet(clinician_client, patient, clinician):
    voided = make_session(
        patient, clinician, voided_at=timezone.now(), void_reason="duplicate"
    )
    assert clinician_client.get(pdf_url(voided)).status_code == 404
    assert clinician_client.get(print_url(voided)).status_code == 404


def test_unknown_session_is_404(clinician_client):
    import uuid

    url = reverse("printing:aftercare-pdf", args=[uuid.uuid4()])
    assert clinician_client.get(url).status_code == 404


def _session_on(day, hour, clinician, **patient_fields):
    patient = make_patient(**patient_fields)
    session = make_session(patient, clinician, performed_at=rome(day, hour))
    make_injection(session)
    return session


@pytest.mark.date_dependent
def test_day_page_lists_that_days_active_sessions(frontdesk_client, clinician):
    day = in_days(-2)
    kept = _session_on(day, 9, clinician, first_name="Kept")
    _session_on(in_days(-3), 9, clinician, first_name="Yesterday")
    voided = _session_on(day, 11, clinician, first_name="Gone")
    voided.voided_at = timezone.now()
    voided.save()
    response = frontdesk_client.get(DAY_URL, {"date": day.isoformat()})
    assert list(response.context["sessions"]) == [kept]
    html = response.content.decode()
    assert pdf_url(kept) in html and "Yesterday" not in html and "Gone" not in html
    assert "format=pdf" in html


@pytest.mark.date_dependent
def test_day_pdf_puts_every_sheet_in_one_file(frontdesk_client, clinician):
    day = in_days(-1)
    for hour, name in enumerate(["Alba", "Bice", "Cora"]):
        _session_on(day, 9 + hour, clinician, first_name=name)
    response = frontdesk_client.get(DAY_URL, {"date": day.isoformat(), "format": "pdf"})
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert len(pages) == 3
    assert ["Alba" in page for page in pages] == [True, False, False]


def test_day_without_sessions_gives_a_message_not_an_empty_pdf(frontdesk_client):
    response = frontdesk_client.get(
        DAY_URL, {"date": "2020-01-01", "format": "pdf"}, follow=True
    )
    assert response.status_code == 200
    assert "No sessions on this day" in response.content.decode()


def test_bad_date_is_a_field_error_not_a_500(frontdesk_client):
    response = frontdesk_client.get(DAY_URL, {"date": "31-02-2026", "format": "pdf"})
    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert "Enter a date" in response.content.decode()


@pytest.mark.date_dependent
def test_day_pdf_costs_the_same_queries_for_one_or_many_sessions(
    frontdesk_client, clinician
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    quiet, busy = in_days(-5), in_days(-4)
    _session_on(quiet, 9, clinician, first_name="Only")
    for hour in range(6):
        _session_on(busy, 8 + hour, clinician, first_name=f"P{hour}")
    counts = []
    for day in (quiet, busy):
        frontdesk_client.get(DAY_URL, {"date": day.isoformat()})
        with CaptureQueriesContext(connection) as queries:
            response = frontdesk_client.get(
                DAY_URL, {"date": day.isoformat(), "format": "pdf"}
            )
        assert response["Content-Type"] == "application/pdf"
        counts.append(len(queries))
    assert counts[0] == counts[1]

"""Each site prints its own letterhead: the aftercare sheet (PDF and print
view) of a session, the appointment slip of a visit with the site's name,
address and phone; a site without one prints the clinic's."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinics.models import Site
from core.models import Letterhead
from tests.conftest import make_injection, make_session, make_visit
from tests.helpers import at, pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def clinic_letterhead(db):
    return Letterhead.objects.create(
        clinic_name="Sclero Clinic Roma", address="Via Appia 1"
    )


@pytest.fixture
def site_b(clinic_letterhead):
    own = Letterhead.objects.create(
        clinic_name="Sclero Monza", address="Via Monza 9", phone="039 555"
    )
    return Site.objects.create(
        name="Monza", address="Via Monza 9", phone="039 555", letterhead=own
    )


@pytest.fixture
def site_a(clinic_letterhead):
    return Site.objects.create(name="Roma Centro", address="Via del Corso 3")


def test_aftercare_sheet_prints_the_sessions_site_letterhead(
    site_a, site_b, patient, clinician, frontdesk_client
):
    at_b = make_session(patient, clinician, site=site_b)
    make_injection(at_b)
    at_a = make_session(patient, clinician, site=site_a, performed_at=at(-2, 10))
    make_injection(at_a)
    text = pdf_text(
        frontdesk_client.get(
            reverse("printing:aftercare-pdf", args=[at_b.code])
        ).content
    )
    assert "Sclero Monza" in text and "Via Monza 9" in text
    assert "Sclero Clinic Roma" not in text
    text = pdf_text(
        frontdesk_client.get(
            reverse("printing:aftercare-pdf", args=[at_a.code])
        ).content
    )
    assert "Sclero Clinic Roma" in text and "Sclero Monza" not in text
    page = frontdesk_client.get(reverse("printing:aftercare-print", args=[at_b.code]))
    assert "Sclero Monza" in page.content.decode()


def test_a_days_sheets_each_with_its_sites_letterhead(
    site_a, site_b, patient, clinician, frontdesk_client
):
    make_injection(
        make_session(patient, clinician, site=site_b, performed_at=at(-3, 9))
    )
    make_injection(
        make_session(patient, clinician, site=site_a, performed_at=at(-3, 11))
    )
    day = at(-3, 9).date().isoformat()
    response = frontdesk_client.get(
        reverse("printing:aftercare-day"), {"date": day, "format": "pdf"}
    )
    text = pdf_text(response.content)
    assert "Sclero Monza" in text and "Sclero Clinic Roma" in text


def test_slip_prints_the_visits_site(
    site_a, site_b, patient, clinician, frontdesk_client
):
    visit = make_visit(patient, clinician, site=site_b)
    text = pdf_text(
        frontdesk_client.get(reverse("visits:slip", args=[visit.code])).content
    )
    assert "Sclero Monza" in text
    assert "Where" in text and "Monza" in text and "039 555" in text
    assert "Sclero Clinic Roma" not in text
    visit = make_visit(patient, clinician, site=site_a, starts_at=at(9, 10))
    text = pdf_text(
        frontdesk_client.get(reverse("visits:slip", args=[visit.code])).content
    )
    assert "Sclero Clinic Roma" in text and "Via del Corso 3" in text


def test_a_single_site_clinics_slip_names_no_site(
    clinic_letterhead, patient, clinician, frontdesk_client
):
    Site.objects.exclude(pk=Site.objects.order_by("id").first().pk).delete()
    visit = make_visit(patient, clinician)
    text = pdf_text(
        frontdesk_client.get(reverse("visits:slip", args=[visit.code])).content
    )
    assert "Sclero Clinic Roma" in text and "Where" not in text

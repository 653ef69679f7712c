"""Staff placed at sites book and move visits only at their own sites, by the
service itself (a crafted POST or a script is refused like the form)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from clinics.models import Site, SiteMembership
from tests.conftest import make_visit
from tests.helpers import at
from visits.services import visit_book, visit_reschedule

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def sites(db):
    return Site.objects.create(name="Site A"), Site.objects.create(name="Site B")


def test_staff_placed_at_one_site_cannot_book_at_another(
    sites, patient, clinician, frontdesk
):
    site_a, site_b = sites
    SiteMembership.objects.create(user=frontdesk, site=site_a)
    with pytest.raises(ValidationError) as refused:
        visit_book(
            patient=patient,
            clinician=clinician,
            starts_at=at(7, 9),
            duration_min=20,
            purpose="check",
            site=site_b,
            user=frontdesk,
        )
    assert "Site B" in refused.value.message_dict["site"][0]
    visit = visit_book(
        patient=patient,
        clinician=clinician,
        starts_at=at(7, 9),
        duration_min=20,
        purpose="check",
        site=site_a,
        user=frontdesk,
    )
    assert visit.site == site_a


def test_moving_to_another_site_is_refused_but_staying_is_not(
    sites, patient, clinician, frontdesk, manager
):
    site_a, site_b = sites
    visit = make_visit(patient, clinician, site=site_a, starts_at=at(7, 9))
    SiteMembership.objects.create(user=frontdesk, site=site_a)
    with pytest.raises(ValidationError) as refused:
        visit_reschedule(
            visit=visit,
            starts_at=at(7, 10),
            duration_min=20,
            clinician=clinician,
            expected_version=visit.version,
            site=site_b,
            reason="Patient asked",
            user=frontdesk,
        )
    assert "site" in refused.value.message_dict
    moved = visit_reschedule(
        visit=visit,
        starts_at=at(7, 10),
        duration_min=20,
        clinician=clinician,
        expected_version=visit.version,
        reason="Patient asked",
        user=frontdesk,
    )
    assert moved.site == site_a
    # An account placed at no site (or a manager) sees, and books at, every site.
    assert (
        visit_book(
            patient=patient,
            clinician=clinician,
            starts_at=at(8, 9),
            duration_min=20,
            purpose="check",
            site=site_b,
            user=clinician,
        ).site
        == site_b
    )

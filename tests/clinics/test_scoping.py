"""Staff see the visits of their own sites: the patient timeline, the visit's
page, slip and calendar file, and the worklist. Managers see every site; an
account placed at no site sees every site too."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinics.models import Site, SiteMembership
from clinics.scoping import user_site_ids
from tests.conftest import client_for, make_patient, make_session, make_visit
from tests.helpers import at

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


@pytest.fixture
def sites(db):
    return Site.objects.create(name="Site A"), Site.objects.create(name="Site B")


@pytest.fixture
def placed(sites, frontdesk, clinician):
    """Front desk and the clinician work at site A only."""
    site_a, _site_b = sites
    SiteMembership.objects.create(user=frontdesk, site=site_a)
    SiteMembership.objects.create(user=clinician, site=site_a)


@pytest.fixture
def visits(sites, patient, colleague):
    site_a, site_b = sites
    return (
        make_visit(patient, colleague, site=site_a, starts_at=at(7, 9)),
        make_visit(patient, colleague, site=site_b, starts_at=at(8, 11)),
    )


def _timeline_visits(client, patient) -> set:
    response = client.get(reverse("records:patient", args=[patient.code]) + "?all=1")
    assert response.status_code == 200
    return {
        item.obj.pk
        for item in response.context["timeline"].items
        if item.kind == "visit"
    }


def test_timeline_shows_only_the_visits_of_own_sites(
    placed, visits, patient, frontdesk, clinician, manager
):
    at_a, at_b = visits
    for user in (frontdesk, clinician):
        assert _timeline_visits(client_for(user), patient) == {at_a.pk}
    assert _timeline_visits(client_for(manager), patient) == {at_a.pk, at_b.pk}


def test_an_account_placed_nowhere_sees_every_site(visits, patient, frontdesk):
    at_a, at_b = visits
    assert _timeline_visits(client_for(frontdesk), patient) == {at_a.pk, at_b.pk}


@pytest.mark.parametrize("name", ["visits:detail", "visits:slip", "visits:ics"])
def test_another_sites_visit_is_not_found(placed, visits, frontdesk, manager, name):
    at_a, at_b = visits
    client = client_for(frontdesk)
    assert client.get(reverse(name, args=[at_a.code])).status_code == 200
    assert client.get(reverse(name, args=[at_b.code])).status_code == 404
    assert client_for(manager).get(reverse(name, args=[at_b.code])).status_code == 200


def test_another_sites_visit_cannot_be_changed(placed, visits, frontdesk):
    _at_a, at_b = visits
    client = client_for(frontdesk)
    for name in ("visits:reschedule", "visits:cancel", "visits:arrive"):
        response = client.post(reverse(name, args=[at_b.code]), {"reason": "x"})
        assert response.status_code == 404, name
    at_b.refresh_from_db()
    assert at_b.status == "scheduled"


def test_worklist_shows_the_sessions_of_own_sites(
    sites, placed, frontdesk, manager, clinician
):
    site_a, site_b = sites
    make_session(
        make_patient(last_name="Aldini"),
        clinician,
        site=site_a,
        performed_at=at(-7, 10),
    )
    make_session(
        make_patient(last_name="Bassi"), clinician, site=site_b, performed_at=at(-7, 11)
    )
    page = client_for(frontdesk).get(reverse("visits:worklist")).content.decode()
    assert "Aldini" in page and "Bassi" not in page
    page = client_for(manager).get(reverse("visits:worklist")).content.decode()
    assert "Aldini" in page and "Bassi" in page


def test_sites_cost_one_query_per_request_and_none_per_visit(
    sites, placed, patient, frontdesk, colleague
):
    site_a, site_b = sites
    client = client_for(frontdesk)
    url = reverse("records:patient", args=[patient.code]) + "?all=1"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    make_visit(patient, colleague, site=site_a, starts_at=at(7, 9))
    few = count()
    for day in range(8, 14):
        site = site_a if day % 2 else site_b
        make_visit(patient, colleague, site=site, starts_at=at(day, 9))
    assert count() == few


def test_user_site_ids(sites, placed, frontdesk, manager, django_assert_num_queries):
    site_a, _site_b = sites
    assert user_site_ids(manager) is None
    assert user_site_ids(frontdesk) == frozenset({site_a.pk})
    # Kept on the user for the rest of the request.
    with django_assert_num_queries(0):
        assert user_site_ids(frontdesk) == frozenset({site_a.pk})


# --- one site: no site anywhere; several: the session's site is chosen ------


def _session_form_data(**overrides):
    from tests.treatments.test_views import ROW_FIELDS, form_data

    return form_data([ROW_FIELDS], **overrides)


def test_a_single_site_clinic_sees_no_site(patient, clinician):
    assert Site.objects.active().count() == 1
    client = client_for(clinician)
    form = client.get(reverse("treatments:session-create", args=[patient.code]))
    assert "site" not in form.context["form"].fields
    assert 'name="site"' not in form.content.decode()
    client.post(
        reverse("treatments:session-create", args=[patient.code]), _session_form_data()
    )
    session = patient.treatment_sessions.get()
    assert session.site == Site.objects.get()
    page = client.get(session.get_absolute_url()).content.decode()
    assert 'id="session-site"' not in page


def test_several_sites_the_session_form_offers_the_users_site(
    sites, patient, clinician
):
    site_a, site_b = sites
    SiteMembership.objects.create(user=clinician, site=site_b)
    client = client_for(clinician)
    url = reverse("treatments:session-create", args=[patient.code])
    form = client.get(url).context["form"]
    assert form.initial["site"] == site_b.pk
    assert site_a in form.fields["site"].queryset
    response = client.post(url, _session_form_data(site=str(site_a.pk)))
    assert response.status_code == 302
    session = patient.treatment_sessions.get()
    assert session.site == site_a
    page = client.get(session.get_absolute_url()).content.decode()
    assert '<span id="session-site">Site A</span>' in page
    # Required when there is a choice.
    response = client.post(url, _session_form_data(site=""))
    assert response.context["form"].errors["site"]


def test_a_closed_site_drops_out_of_the_sites_seen(sites, frontdesk, manager):
    site_a, site_b = sites
    SiteMembership.objects.create(user=frontdesk, site=site_a)
    SiteMembership.objects.create(user=frontdesk, site=site_b)
    site_b.is_active = False
    site_b.save()
    fresh = type(frontdesk).objects.get(pk=frontdesk.pk)
    assert user_site_ids(fresh) == frozenset({site_a.pk})
    assert user_site_ids(type(manager).objects.get(pk=manager.pk)) is None

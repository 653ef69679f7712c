"""`next=` on the visit actions: followed only to a path of this site.

Whatever `next` holds, the action is done once and the answer is a redirect
to a same-site path: the given one, or the visit's page. Never a 500 (a value
such as `foo` used to reach `redirect()`, which took it for a view name).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_visit
from visits.models import VisitStatus

UNSAFE = [
    "foo",
    "home",
    "visits:agenda-day",
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:///evil.example",
    "/agenda/\x00",
    "/" + "a" * 5000,
    " /patients/",
]

# The action, the visit's start relative to now, the posted data, the status after.
ACTIONS = [
    ("visits:cancel", timedelta(days=7), {"reason": "patient"}, VisitStatus.CANCELLED),
    ("visits:arrive", timedelta(minutes=-10), {}, VisitStatus.ARRIVED),
    (
        "visits:no-show",
        timedelta(minutes=-10),
        {"reason": "no_contact"},
        VisitStatus.NO_SHOW,
    ),
]


@pytest.mark.parametrize("name,offset,data,status", ACTIONS)
@pytest.mark.parametrize("target", UNSAFE)
def test_an_unsafe_next_goes_to_the_visit_after_doing_the_action_once(
    frontdesk_client, patient, clinician, name, offset, data, status, target
):
    visit = make_visit(patient, clinician, starts_at=timezone.now() + offset)
    response = frontdesk_client.post(
        reverse(name, args=[visit.code]), {**data, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == visit.get_absolute_url()
    visit.refresh_from_db()
    assert visit.status == status
    assert visit.history.filter(status=status).count() == 1


@pytest.mark.parametrize("name,offset,data,status", ACTIONS)
def test_a_same_site_next_is_followed(
    frontdesk_client, patient, clinician, name, offset, data, status
):
    visit = make_visit(patient, clinician, starts_at=timezone.now() + offset)
    back = reverse("patients:list") + "?q=rossi"
    response = frontdesk_client.post(
        reverse(name, args=[visit.code]), {**data, "next": back}
    )
    assert response.status_code == 302
    assert response["Location"] == back
    visit.refresh_from_db()
    assert visit.status == status


@pytest.mark.parametrize("target", UNSAFE)
def test_a_refused_cancel_with_an_unsafe_next_changes_nothing(
    frontdesk_client, patient, clinician, target
):
    visit = make_visit(patient, clinician)
    response = frontdesk_client.post(
        reverse("visits:cancel", args=[visit.code]), {"reason": "", "next": target}
    )
    assert response["Location"] == visit.get_absolute_url()
    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED

"""A reminder's signed link: the patient confirms or asks to cancel, without a
login, seeing only the date, time and site."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from clinics.models import Site
from tests.conftest import make_patient, make_visit
from tests.helpers import at
from visits import links
from visits import services as visit_services
from visits.models import Confirmation, FollowUpVisit, VisitStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    return Site.objects.create(
        name="Sede Brera",
        address="Via Solferino 3\n20121 Milano",
        phone="+39 02 555 0100",
    )


@pytest.fixture
def visit(patient, clinician, site):
    return make_visit(patient, clinician, site=site, starts_at=at(3, 9, 40))


def _path(visit: FollowUpVisit) -> str:
    return reverse("visits:answer", kwargs={"token": links.confirm_token(visit)})


def _text(response) -> str:
    return response.content.decode()


# --- the token ------------------------------------------------------------------------


def test_the_url_is_absolute_and_short(settings, visit):
    settings.SCLERO_SITE_URL = "https://clinic.example.org"
    url = links.confirm_url(visit)
    assert url.startswith("https://clinic.example.org/r/")
    assert url.endswith("/")
    assert len(url) < 120  # it goes out by SMS too
    assert str(visit.code) not in url


def test_a_valid_token_reads_back_its_visit(visit):
    found, problem = links.read_token(links.confirm_token(visit))
    assert found == visit and problem is None


@pytest.mark.parametrize("position", [0, 10, 25, -1])
def test_a_tampered_token_is_not_valid(visit, position):
    token = links.confirm_token(visit)
    index = position % len(token)
    changed = "A" if token[index] != "A" else "B"
    tampered = token[:index] + changed + token[index + 1 :]
    found, problem = links.read_token(tampered)
    assert found is None
    assert problem is not None
    assert problem.code == links.INVALID and problem.status == 404


def test_a_token_of_another_salt_is_not_valid(visit):
    from django.core import signing

    token = signing.TimestampSigner(salt="something-else").sign(
        links.confirm_token(visit).split(":")[0]
    )
    assert links.read_token(token) == (None, links._invalid())


# --- the page -------------------------------------------------------------------------


def test_the_page_shows_date_time_and_site_and_nothing_else(visit, patient):
    response = Client().get(_path(visit))
    assert response.status_code == 200
    text = _text(response)
    start = timezone.localtime(visit.starts_at)
    assert start.strftime("%H:%M") in text
    assert f"{start.day} {start:%B %Y}" in text
    assert "Sede Brera" in text and "Via Solferino 3" in text
    assert "I will come" in text and "I need to cancel" in text
    for private in (
        patient.last_name,
        patient.first_name,
        patient.chart_number,
        "Clinician",
        "Post-treatment check",
    ):
        assert private not in text
    # No way into the application from here.
    assert "/patients/" not in text and "/agenda/" not in text
    assert response["Cache-Control"] == "no-store"
    # No Referer carries the token (and the form still sends its Origin).
    assert response["Referrer-Policy"] == "strict-origin"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_page_is_in_the_patients_language(clinician, site):
    italian = make_patient(last_name="Rossi", language="it")
    visit = make_visit(italian, clinician, site=site, starts_at=at(3, 9, 40))
    text = _text(Client().get(_path(visit)))
    assert "Verrò" in text and "Devo annullare" in text
    assert 'lang="it"' in text


def test_confirming_records_the_answer_and_the_history(visit):
    client = Client(enforce_csrf_checks=True)
    page = client.get(_path(visit))
    csrf = page.cookies["csrftoken"].value
    response = client.post(
        _path(visit), {"answer": "confirmed", "csrfmiddlewaretoken": csrf}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.CONFIRMED
    assert visit.confirmation_at == pytest.approx(
        timezone.now(), abs=timedelta(seconds=60)
    )
    assert visit.status == VisitStatus.SCHEDULED
    assert visit.version == 1  # the link (and any open form) stays good
    last = visit.history.first()
    assert last.history_change_reason == "Patient answered through the reminder link"
    assert last.history_user is None
    assert last.confirmation == Confirmation.CONFIRMED

    # Reused: the answer is shown, and the patient may still ask to cancel.
    text = _text(client.get(response["Location"]))
    assert "you told us you will come" in text
    assert "I will come" not in text and "I need to cancel" in text


def test_a_post_without_the_csrf_token_is_refused(visit):
    client = Client(enforce_csrf_checks=True)
    response = client.post(_path(visit), {"answer": "confirmed"})
    assert response.status_code == 403
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE


def test_asking_to_cancel_flags_the_visit_but_keeps_it_scheduled(
    visit, frontdesk_client
):
    response = Client().post(_path(visit), {"answer": "cancel"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.CANCEL_REQUESTED
    assert visit.status == VisitStatus.SCHEDULED

    text = _text(Client().get(_path(visit)))
    assert "You asked to cancel" in text and "stays booked" in text
    # A cancel request stays for the front desk: no "I will come" any more.
    assert "I will come" not in text and "I need to cancel" not in text

    detail = _text(frontdesk_client.get(visit.get_absolute_url()))
    assert "Patient asked to cancel" in detail
    assert "Call the patient, then cancel the visit with a reason." in detail


def test_a_cancel_request_cannot_be_turned_into_a_confirmation(visit):
    Client().post(_path(visit), {"answer": "cancel"})
    response = Client().post(_path(visit), {"answer": "confirmed"})
    assert response.status_code == 400
    assert "You have already asked to cancel" in _text(response)
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.CANCEL_REQUESTED


def test_a_confirmed_patient_may_still_ask_to_cancel(visit):
    Client().post(_path(visit), {"answer": "confirmed"})
    Client().post(_path(visit), {"answer": "cancel"})
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.CANCEL_REQUESTED
    assert visit.history.count() == 3  # booked, confirmed, cancel asked


def test_the_same_answer_twice_writes_no_second_history_row(visit):
    Client().post(_path(visit), {"answer": "confirmed"})
    Client().post(_path(visit), {"answer": "confirmed"})
    assert visit.history.count() == 2


def test_a_hostile_answer_is_refused_without_a_change(visit):
    response = Client().post(_path(visit), {"answer": "<script>x</script>"})
    assert response.status_code == 400
    assert "Choose an answer." in _text(response)
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE


def test_a_tampered_link_is_a_404_that_says_only_not_valid(visit):
    token = links.confirm_token(visit)
    tampered = token[:-1] + ("x" if token[-1] != "x" else "y")
    for method in ("get", "post"):
        response = getattr(Client(), method)(
            reverse("visits:answer", kwargs={"token": tampered}),
            {"answer": "confirmed"} if method == "post" else {},
        )
        assert response.status_code == 404
        text = _text(response)
        assert "This link is not valid." in text
        assert "Sede Brera" not in text and "I will come" not in text
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE


def test_a_link_older_than_the_setting_has_expired(settings, visit):
    settings.SCLERO_CONFIRM_LINK_DAYS = 2
    visit.starts_at = at(10, 9)
    visit.save()
    path = _path(visit)
    with time_machine.travel(timezone.now() + timedelta(days=2, minutes=1)):
        response = Client().get(path)
        assert response.status_code == 200
        text = _text(response)
        assert "This link has expired." in text
        assert "I will come" not in text
        Client().post(path, {"answer": "confirmed"})
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE


def test_a_link_expires_once_the_visit_has_started(visit):
    path = _path(visit)
    with time_machine.travel(visit.starts_at + timedelta(seconds=1)):
        text = _text(Client().get(path))
        assert "This link has expired." in text
        Client().post(path, {"answer": "cancel"})
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE


def test_a_moved_visit_asks_the_patient_to_call(visit, clinician):
    path = _path(visit)
    visit_services.visit_reschedule(
        visit=visit,
        starts_at=visit.starts_at + timedelta(hours=1),
        duration_min=20,
        clinician=clinician,
        expected_version=visit.version,
        reason="The patient asked for a later time",
    )
    text = _text(Client().get(path))
    assert "This appointment has changed." in text
    assert "+39 02 555 0100" in text
    assert "I will come" not in text
    Client().post(path, {"answer": "confirmed"})
    visit.refresh_from_db()
    assert visit.confirmation == Confirmation.NONE
    # The new reminder's link works.
    assert links.read_token(links.confirm_token(visit)) == (visit, None)


def test_a_cancelled_visit_says_so(visit):
    path = _path(visit)
    visit_services.visit_cancel(visit=visit, reason="clinic")
    text = _text(Client().get(path))
    assert "This appointment has been cancelled." in text
    assert "I will come" not in text and "I need to cancel" not in text


def test_a_logged_in_staff_member_opening_the_link_answers_as_the_patient(
    visit, frontdesk_client
):
    frontdesk_client.post(_path(visit), {"answer": "confirmed"})
    assert visit.history.first().history_user is None


def test_the_read_is_in_the_access_log_without_the_token(visit, manager_client):
    token = links.confirm_token(visit)
    Client().get(_path(visit))
    event = AccessEvent.objects.get(kind="visit-answer")
    assert event.user is None
    assert event.patient == visit.patient
    assert token not in event.path and event.path == "/r/…/"
    log = _text(
        manager_client.get(reverse("accesslog:patient", args=[visit.patient.code]))
    )
    assert "The patient, through a reminder's link" in log
    assert 'href="/r/' not in log  # a path without its token leads nowhere


# --- the service ----------------------------------------------------------------------


def test_the_service_refuses_a_stale_version(visit):
    with pytest.raises(ValidationError) as refused:
        visit_services.visit_patient_answer(
            visit=visit, answer="confirmed", expected_version=visit.version - 1
        )
    assert refused.value.code == links.CHANGED


def test_the_service_refuses_an_unknown_answer(visit):
    with pytest.raises(ValidationError):
        visit_services.visit_patient_answer(
            visit=visit, answer="", expected_version=visit.version
        )

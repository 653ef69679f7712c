"""Idle timeout: logout after SCLERO_IDLE_TIMEOUT_MINUTES, keep-alive, kept forms."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.models import Patient
from tests.conftest import PASSWORD
from tests.helpers import login

KEEP_ALIVE = reverse("account:keep-alive")
PATIENT_DATA = {
    "first_name": "Laura",
    "last_name": "Conti",
    "date_of_birth": "1982-03-04",
    "sex": "F",
    "phone": "+39 02 555 1234",
    "email": "laura@example.org",
    "address": "Via Verdi 1",
    "language": "it",
    "weight_kg": "64.5",
}


def after(minutes: float):
    return time_machine.travel(timezone.now() + timedelta(minutes=minutes), tick=True)


@pytest.fixture
def client(frontdesk) -> Client:
    client = Client()
    assert login(client, "frontdesk", PASSWORD).status_code == 302
    assert client.get(reverse("patients:list")).status_code == 200
    return client


def test_the_default_is_fifteen_minutes(settings):
    assert settings.SCLERO_IDLE_TIMEOUT_MINUTES == 15


def test_a_request_after_fourteen_minutes_is_still_logged_in(client):
    with after(14):
        assert client.get(reverse("patients:list")).status_code == 200


def test_a_request_after_sixteen_minutes_lands_on_the_login_page(client):
    with after(16):
        response = client.get(reverse("patients:list"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "next=/patients/" in response.redirect_chain[-1][0]
    assert "without activity" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_request_counts_as_activity(client):
    with after(10):
        assert client.get(reverse("patients:list")).status_code == 200
    with after(24):
        assert client.get(reverse("patients:list")).status_code == 200


def test_the_timeout_follows_the_setting(client, settings):
    settings.SCLERO_IDLE_TIMEOUT_MINUTES = 30

    with after(25):
        assert client.get(reverse("patients:list")).status_code == 200


def test_keep_alive_resets_the_clock_and_says_how_long_is_left(client):
    with after(10):
        response = client.post(KEEP_ALIVE)
        assert response.status_code == 204
        assert 890 <= int(response["X-Session-Seconds-Left"]) <= 900
    with after(24):
        assert client.get(reverse("patients:list")).status_code == 200


def test_keep_alive_after_the_timeout_says_401_and_logs_out(client):
    with after(16):
        response = client.post(KEEP_ALIVE)

    assert response.status_code == 401
    assert "_auth_user_id" not in client.session


def test_keep_alive_needs_post(client):
    assert client.get(KEEP_ALIVE).status_code == 405


def test_the_absolute_timeout_ends_even_a_busy_session(client, settings):
    settings.SESSION_COOKIE_AGE = 30 * 60
    for minutes in (10, 20):
        with after(minutes):
            assert client.post(KEEP_ALIVE).status_code == 204
    with after(31):
        response = client.get(reverse("patients:list"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "a login lasts 30 minutes at most" in response.content.decode()


def test_a_form_posted_after_the_timeout_is_kept_and_saved_once_after_login(client):
    create = reverse("patients:create")
    with after(16):
        response = client.post(create, PATIENT_DATA)

        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
        assert not Patient.objects.filter(last_name="Conti").exists()
        resume = parse_qs(urlparse(response.url).query)["next"][0]
        assert resume == reverse("account:kept-form") + "?next=" + create.replace(
            "/", "%2F"
        )

        login_page = client.get(response.url)
        assert "your entries are kept" in login_page.content.decode()
        back = login(client, "frontdesk", PASSWORD, next=resume)
        assert back.url == resume

        page = client.get(resume)
        html = page.content.decode()
        assert "You were logged out while this form was open" in html
        assert f'action="{create}"' in html
        assert 'name="last_name" value="Conti"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        fields = dict(page.context["fields"])
        assert "csrfmiddlewaretoken" not in fields

        saved = client.post(create, fields)
        assert saved.status_code == 302
        assert Patient.objects.filter(last_name="Conti").count() == 1
        # The kept entries are offered once.
        assert client.get(resume).url == create
    assert Patient.objects.filter(last_name="Conti").count() == 1


def test_kept_entries_with_an_error_show_the_form_with_its_message(client):
    create = reverse("patients:create")
    with after(16):
        response = client.post(create, dict(PATIENT_DATA, date_of_birth="31/31/1982"))
        resume = parse_qs(urlparse(response.url).query)["next"][0]
        login(client, "frontdesk", PASSWORD, next=resume)
        fields = dict(client.get(resume).context["fields"])

        page = client.post(create, fields)

    assert page.status_code == 200
    assert page.context["form"].errors["date_of_birth"]
    assert not Patient.objects.filter(last_name="Conti").exists()


def test_kept_entries_are_not_offered_to_another_user(client, clinician):
    create = reverse("patients:create")
    with after(16):
        response = client.post(create, PATIENT_DATA)
        resume = parse_qs(urlparse(response.url).query)["next"][0]
        login(client, "clinician", PASSWORD, next=resume)

        page = client.get(resume)

    assert page.status_code == 302
    assert page.url == create


def test_an_htmx_request_after_the_timeout_gets_401_not_the_login_page(client):
    with after(16):
        response = client.post(
            reverse("patients:create"), PATIENT_DATA, HTTP_HX_REQUEST="true"
        )

    assert response.status_code == 401
    assert not Patient.objects.exists()

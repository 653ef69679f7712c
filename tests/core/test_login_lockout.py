"""Lockout after repeated failed logins (django-axes), cool-off, attempts logged."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.helpers import login


def _fail(client: Client, times: int, username: str = "clinician"):
    response = None
    for _ in range(times):
        response = login(client, username, "wrong-password")
    return response


def test_the_right_password_logs_in_and_is_logged(client, clinician):
    response = login(client, "clinician", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("patients:list")
    assert AccessLog.objects.filter(username="clinician").count() == 1


def test_a_wrong_password_is_refused_and_recorded(client, clinician):
    response = login(client, "clinician", "wrong-password")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    attempt = AccessAttempt.objects.get(username="clinician")
    assert attempt.failures_since_start == 1
    assert attempt.ip_address == "127.0.0.1"
    assert AccessFailureLog.objects.filter(username="clinician").count() == 1


def test_failures_below_the_limit_still_let_the_right_password_in(client, clinician):
    _fail(client, settings.AXES_FAILURE_LIMIT - 1)

    response = login(client, "clinician", PASSWORD)

    assert response.status_code == 302
    # A success forgets the failures (AXES_RESET_ON_SUCCESS).
    assert not AccessAttempt.objects.filter(username="clinician").exists()


def test_the_limit_locks_the_account_out_with_a_page(client, clinician):
    response = _fail(client, settings.AXES_FAILURE_LIMIT)

    assert response.status_code == 429
    assert "registration/lockout.html" in [t.name for t in response.templates]
    assert "Too many attempts" in response.content.decode()
    assert "Try again in 15 minutes" in response.content.decode()


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, clinician):
    _fail(client, 30)

    response = login(client, "clinician", PASSWORD)

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="clinician").failures_since_start >= 30
    assert AccessFailureLog.objects.filter(username="clinician", locked_out=True)


def test_the_right_password_works_again_after_the_cool_off(client, clinician):
    _fail(client, settings.AXES_FAILURE_LIMIT)
    assert login(client, "clinician", PASSWORD).status_code == 429

    later = timezone.now() + settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    with time_machine.travel(later, tick=True):
        assert login(Client(), "clinician", PASSWORD).status_code == 429

    # The attempt during the lockout above started the wait again.
    later = timezone.now() + settings.AXES_COOLOFF_TIME * 2 + timedelta(minutes=1)
    with time_machine.travel(later, tick=True):
        response = login(Client(), "clinician", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("patients:list")


def test_lockout_is_per_username_and_address(client, clinician, colleague):
    _fail(client, settings.AXES_FAILURE_LIMIT)

    # A colleague at the same address logs in.
    assert login(Client(), "colleague", PASSWORD).status_code == 302
    # The same username from another address logs in.
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert login(elsewhere, "clinician", PASSWORD).status_code == 302


@pytest.mark.parametrize("header", ["HTTP_X_FORWARDED_FOR"])
def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(
    client, clinician, header
):
    _fail(client, settings.AXES_FAILURE_LIMIT)

    forged = Client(**{header: "203.0.113.7"})
    assert login(forged, "clinician", PASSWORD).status_code == 429

"""Two-factor authentication: enrolment, codes, recovery codes, who must have it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import twofactor
from tests.conftest import PASSWORD
from tests.helpers import login

VERIFY = reverse("account:two-factor-verify")
ENROL = reverse("account:two-factor-enrol")

# Pages a logged-in user might open first; every one waits for the second factor.
PAGES = ["/", "/patients/", "/admin/", "/account/password/", "/account/two-factor/"]


@pytest.fixture(autouse=True)
def _second_factor_required(settings):
    settings.SCLERO_2FA_REQUIRED = True


def code_now(device: TOTPDevice) -> str:
    """Return the code the user's phone shows at this (frozen) moment."""
    value = totp(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{value:0{device.digits}d}"


def enrolled(user) -> tuple[TOTPDevice, list[str]]:
    device = twofactor.pending_totp_device(user)
    codes = twofactor.confirm_enrolment(device, code_now(device))
    assert codes is not None
    device.refresh_from_db()
    return device, codes


def logged_in(username: str) -> Client:
    client = Client()
    assert login(client, username, PASSWORD).status_code == 302
    return client


def later(seconds: int):
    """Move past the current 30-second code (a code is accepted only once)."""
    return time_machine.travel(timezone.now() + timedelta(seconds=seconds), tick=True)


def test_it_is_on_unless_the_environment_turns_it_off():
    env = {k: v for k, v in os.environ.items() if not k.startswith("SCLERO_")}
    env["DJANGO_SETTINGS_MODULE"] = "sclero_clinic.settings"
    script = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SCLERO_2FA_REQUIRED)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"

    env["SCLERO_2FA_REQUIRED"] = "0"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("username", ["clinician", "manager"])
def test_a_clinician_or_manager_without_device_is_sent_to_enrolment_from_every_page(
    username, clinician, manager
):
    client = logged_in(username)

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith(ENROL + "?next="), page
    assert client.post(reverse("patients:create"), {}).url.startswith(ENROL)


def test_a_superuser_follows_the_manager_rule(db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("root", "", PASSWORD)
    client = logged_in("root")

    assert client.get("/admin/").url.startswith(ENROL)


def test_front_desk_without_device_is_let_in_and_may_enrol(frontdesk):
    client = logged_in("frontdesk")

    assert client.get(reverse("patients:list")).status_code == 200
    page = client.get(reverse("account:two-factor"))
    assert page.status_code == 200
    assert ENROL in page.content.decode()
    assert client.get(ENROL).status_code == 200


def test_with_the_setting_off_nobody_is_asked(settings, clinician):
    settings.SCLERO_2FA_REQUIRED = False

    client = logged_in("clinician")

    assert client.get(reverse("patients:list")).status_code == 200


def test_enrolment_shows_a_qr_code_and_the_secret_then_ten_recovery_codes(clinician):
    client = logged_in("clinician")

    page = client.get(ENROL)
    html = page.content.decode()
    device = TOTPDevice.objects.get(user=clinician, confirmed=False)
    assert "<svg" in html and "<path" in html
    assert twofactor.totp_secret(device) in html
    assert "http" not in html.split("<svg", 1)[1].split("</svg>")[0].replace(
        "http://www.w3.org", ""
    )

    response = client.post(ENROL, {"code": code_now(device), "next": "/patients/"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account:recovery-codes"))

    shown = client.get(response.url)
    codes = list(
        StaticToken.objects.filter(device__user=clinician).values_list(
            "token", flat=True
        )
    )
    assert len(codes) == 10
    for code in codes:
        assert code in shown.content.decode()
    # Once only.
    again = client.get(reverse("account:recovery-codes"))
    assert again.status_code == 302
    # Enrolment verified this session: the pages open.
    assert client.get(reverse("patients:list")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_a_wrong_enrolment_code_is_refused_on_the_field(clinician):
    client = logged_in("clinician")
    client.get(ENROL)

    response = client.post(ENROL, {"code": "000000"})

    assert response.status_code == 200
    assert response.context["form"].errors["code"]
    assert not TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()
    assert client.get(reverse("patients:list")).url.startswith(ENROL)


@pytest.mark.parametrize("username", ["clinician", "manager", "frontdesk"])
def test_with_a_device_the_code_is_asked_before_any_page(
    username, clinician, manager, frontdesk
):
    user = {"clinician": clinician, "manager": manager, "frontdesk": frontdesk}[
        username
    ]
    enrolled(user)
    client = logged_in(username)

    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response.url.startswith(VERIFY + "?next="), page


def test_a_wrong_code_is_refused_and_the_right_one_lets_in(clinician):
    device, _ = enrolled(clinician)
    with later(31):
        client = logged_in("clinician")

        wrong = client.post(VERIFY, {"code": "123456", "next": "/patients/"})
        assert wrong.status_code == 200
        assert wrong.context["form"].errors["code"]
        assert client.get("/patients/").url.startswith(VERIFY)

    # After the throttle's pause (a second per failure, doubling).
    with later(62):
        right = client.post(VERIFY, {"code": code_now(device), "next": "/patients/"})
        assert right.status_code == 302
        assert right.url == "/patients/"
        assert client.get("/patients/").status_code == 200


def test_a_code_is_accepted_once(clinician):
    device, _ = enrolled(clinician)
    with later(31):
        code = code_now(device)
        first = logged_in("clinician")
        assert first.post(VERIFY, {"code": code}).status_code == 302
        second = logged_in("clinician")
        assert second.post(VERIFY, {"code": code}).status_code == 200


def test_a_recovery_code_works_once(clinician):
    _, codes = enrolled(clinician)

    client = logged_in("clinician")
    response = client.post(VERIFY, {"code": codes[0].upper(), "next": "/patients/"})
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200
    assert StaticToken.objects.filter(device__user=clinician).count() == 9

    with later(5):
        other = logged_in("clinician")
        again = other.post(VERIFY, {"code": codes[0]})
        assert again.status_code == 200
        assert again.context["form"].errors["code"]


def test_wrong_codes_count_towards_the_lockout(clinician):
    device, _ = enrolled(clinician)
    client = logged_in("clinician")

    response = None
    for n in range(settings.AXES_FAILURE_LIMIT):
        with later(2**n + 1):
            response = client.post(VERIFY, {"code": "000000"})

    assert response is not None and response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AccessAttempt.objects.get(username="clinician").failures_since_start >= 5
    # Locked out: the password is refused too until the cool-off.
    assert login(Client(), "clinician", PASSWORD).status_code == 429


def test_new_recovery_codes_replace_the_old_ones(clinician):
    device, codes = enrolled(clinician)
    client = logged_in("clinician")
    client.post(VERIFY, {"code": codes[0]})

    response = client.post(reverse("account:new-recovery-codes"))

    assert response.url == reverse("account:recovery-codes")
    tokens = set(
        StaticToken.objects.filter(device__user=clinician).values_list(
            "token", flat=True
        )
    )
    assert len(tokens) == 10
    assert not tokens & set(codes)


def test_reset_2fa_removes_the_devices_and_enrolment_starts_again(clinician):
    enrolled(clinician)

    call_command("reset_2fa", "clinician")

    assert not TOTPDevice.objects.filter(user=clinician).exists()
    assert not StaticDevice.objects.filter(user=clinician).exists()
    client = logged_in("clinician")
    assert client.get("/patients/").url.startswith(ENROL)


def test_logout_stays_open_before_the_second_factor(clinician):
    client = logged_in("clinician")

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")

"""Two-factor authentication: who needs it, enrolment, recovery codes, the gate.

A user with a confirmed authenticator (TOTP) device gives its 6-digit code,
or one of the recovery codes, after the password and before any page. With
SCLERO_2FA_REQUIRED on, a clinician, a manager or a superuser without a
device is sent to the enrolment page and reaches nothing else; front desk may
enrol from the account menu. Devices are django-otp's (otp_totp, otp_static).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp import devices_for_user, user_has_device
from django_otp.middleware import is_verified
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.backends import group_names
from core.roles import CLINICIAN, MANAGER

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "recovery codes"
TOTP_DEVICE_NAME = "authenticator app"
# Set in a login that neither has a device nor needs one (front desk, or the
# setting off), so that its requests do not look the devices up each time.
NOT_NEEDED_SESSION_KEY = "sclero_2fa_not_needed"
# The codes shown once after enrolment, between the POST and the page.
NEW_CODES_SESSION_KEY = "sclero_new_recovery_codes"


def two_factor_required(user) -> bool:
    """Return whether `user` must have a second factor (SCLERO_2FA_REQUIRED on)."""
    if not settings.SCLERO_2FA_REQUIRED or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # The groups read with the permissions (core.backends): no query of its own.
    return bool(group_names(user) & {CLINICIAN, MANAGER})


def has_second_factor(user) -> bool:
    """Return whether `user` has a confirmed device to verify with."""
    return user_has_device(user, confirmed=True)


def pending_totp_device(user) -> TOTPDevice:
    """Return the user's unconfirmed authenticator device, created on first call."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, confirmed=False
        )
    return device


def totp_secret(device: TOTPDevice) -> str:
    """Return the device's secret in base32, in groups of four for typing."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def enrolment_qr_svg(device: TOTPDevice) -> str:
    """Return the device's otpauth:// URL as an inline SVG QR code."""
    import qrcode
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(device.config_url, image_factory=SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODE_COUNT new ones."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(
            user=user, name=RECOVERY_DEVICE_NAME, confirmed=True
        )
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(
            StaticToken(device=device, token=code) for code in codes
        )
    return codes


def confirm_enrolment(device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm `device` if `code` is its current code; return the recovery codes.

    Any other authenticator device of the user goes: one phone at a time.
    """
    if not device.verify_token(normalise_code(code)):
        return None
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        return new_recovery_codes(device.user)


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(code: str) -> str:
    """Return a typed code without spaces or dashes (phones show '123 456')."""
    return "".join(code.split()).replace("-", "").lower()


def verify_code(request: HttpRequest, code: str):
    """Return the user's device that accepts `code`, or None.

    A wrong code counts as a failed login for django-axes (same username and
    address), so guessing codes ends in the same lockout as guessing
    passwords. A recovery code is used up by the match.
    """
    user = request.user
    token = normalise_code(code)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            if token and device.verify_token(token):
                return device
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username()},
        request=request,
    )
    return None


def reset_two_factor(user) -> int:
    """Delete every device of `user` (lost phone); return how many went."""
    with transaction.atomic():
        count = 0
        for device in devices_for_user(user, confirmed=None):
            device.delete()
            count += 1
    return count


def note_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Note a login that has no device and needs none (user_logged_in receiver)."""
    if request is None or not hasattr(request, "session"):
        return
    if has_second_factor(user) or two_factor_required(user):
        request.session.pop(NOT_NEEDED_SESSION_KEY, None)
    else:
        request.session[NOT_NEEDED_SESSION_KEY] = True


@cache
def _open_paths() -> tuple[str, ...]:
    """Return the paths an unverified user may still reach."""
    names = (
        "logout",
        "account:two-factor-verify",
        "account:two-factor-enrol",
        "account:recovery-codes",
        "account:keep-alive",
    )
    return tuple(reverse(name) for name in names)


class TwoFactorMiddleware:
    """Send a logged-in user who still owes the second factor to give it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not is_verified(user)
            and not request.session.get(NOT_NEEDED_SESSION_KEY)
            and not self._open(request.path_info)
        ):
            if has_second_factor(user):
                return redirect_to_login(
                    request.get_full_path(), reverse("account:two-factor-verify")
                )
            if two_factor_required(user):
                return redirect_to_login(
                    request.get_full_path(), reverse("account:two-factor-enrol")
                )
            # Neither a device nor the need for one: not asked again in this
            # login (a device set up later is asked for from the next login).
            request.session[NOT_NEEDED_SESSION_KEY] = True
        return self.get_response(request)

    @staticmethod
    def _open(path: str) -> bool:
        static = "/" + settings.STATIC_URL.lstrip("/")
        return path in _open_paths() or path.startswith(static)

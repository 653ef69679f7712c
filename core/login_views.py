"""The user's own account pages: second factor, password, keep-alive, kept forms.

URLs in core.login_urls (namespace `account`). The policy and the devices are
in core.twofactor, the idle timeout in core.idle.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.middleware import is_verified
from django_otp.plugins.otp_static.models import StaticDevice

from core import idle, twofactor
from core.urls_safe import safe_next


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


def _next_url(request: HttpRequest) -> str:
    """Return the safe `next` of the request, or the home page."""
    return safe_next(request, reverse("home"))


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Ask a user with a device for its code, or a recovery code."""
    user = request.user
    if is_verified(user):
        return redirect(_next_url(request))
    if not twofactor.has_second_factor(user):
        return redirect(reverse("account:two-factor-enrol"))
    form = CodeForm(request.POST or None)
    if form.is_valid():
        device = twofactor.verify_code(request, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = twofactor.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    _(
                        "You used a recovery code; %(count)d are left. "
                        "Make new ones from the account menu if your phone is lost."
                    )
                    % {"count": left},
                )
            return redirect(_next_url(request))
        if getattr(request, "axes_locked_out", False):
            # Too many wrong codes: the axes middleware shows the lockout page.
            logout(request)
            return HttpResponse(status=429)
        form.add_error(
            "code",
            _(
                "This code is not right, or it was already used. Type the 6 digits "
                "your authenticator app shows now, or one of your recovery codes."
            ),
        )
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _next_url(request)},
    )


def two_factor_enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: QR code, secret, confirm with a code."""
    user = request.user
    if twofactor.has_second_factor(user):
        return redirect(reverse("account:two-factor"))
    device = twofactor.pending_totp_device(user)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        codes = twofactor.confirm_enrolment(device, form.cleaned_data["code"])
        if codes is not None:
            otp_login(request, device)
            request.session[twofactor.NEW_CODES_SESSION_KEY] = codes
            return redirect(
                reverse("account:recovery-codes")
                + "?"
                + urlencode({"next": _next_url(request)})
            )
        form.add_error(
            "code",
            _(
                "This code is not right. Type the 6 digits the app shows now; if it "
                "keeps failing, check that the phone's clock is set automatically."
            ),
        )
    return render(
        request,
        "registration/two_factor_enrol.html",
        {
            "form": form,
            "qr_svg": twofactor.enrolment_qr_svg(device),
            "secret": twofactor.totp_secret(device),
            "required": twofactor.two_factor_required(user),
            "next": _next_url(request),
        },
    )


def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Show the new recovery codes, once."""
    codes = request.session.pop(twofactor.NEW_CODES_SESSION_KEY, None)
    if not codes:
        return redirect(reverse("account:two-factor"))
    return render(
        request,
        "registration/recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


def two_factor(request: HttpRequest) -> HttpResponse:
    """The user's second factor: set up or not, recovery codes left."""
    user = request.user
    return render(
        request,
        "registration/two_factor.html",
        {
            "enabled": twofactor.has_second_factor(user),
            "required": twofactor.two_factor_required(user),
            "codes_left": twofactor.remaining_recovery_codes(user),
        },
    )


@require_POST
def new_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Replace the recovery codes of a verified user and show the new ones."""
    if not is_verified(request.user):
        return redirect(reverse("account:two-factor"))
    request.session[twofactor.NEW_CODES_SESSION_KEY] = twofactor.new_recovery_codes(
        request.user
    )
    return redirect(reverse("account:recovery-codes"))


@require_POST
def keep_alive(request: HttpRequest) -> HttpResponse:
    """Note activity (the page's script calls it while the user works).

    204 with the seconds left in X-Session-Seconds-Left; once the idle timeout
    has passed, 401 (core.idle), and the login page for a later ping.
    """
    response = HttpResponse(status=204)
    response["X-Session-Seconds-Left"] = str(idle.seconds_left(request))
    return response


def kept_form(request: HttpRequest) -> HttpResponse:
    """Offer to send a form posted after the logout to where it was going."""
    target = _next_url(request)
    entry = idle.take_kept_form(request, target)
    if entry is None:
        return redirect(target)
    return render(
        request,
        "registration/kept_form.html",
        {"action": target, "fields": entry["fields"], "had_files": entry["files"]},
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("account:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"

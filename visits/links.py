"""The signed link in a visit's reminder, to confirm or ask to cancel.

The token holds the visit's code and version, signed with the secret key
(salt "sclero.visit-confirm") and the time it was made. It works for
SCLERO_CONFIRM_LINK_DAYS days and never once the visit has started. A visit
moved since the reminder went out (its version changed) is not answered
through the old link: the patient is asked to call the site. Nothing in the
token is secret but the signature; the page it opens shows only the date,
time and site.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.models import FollowUpVisit, VisitStatus

SALT = "sclero.visit-confirm"

INVALID = "invalid"
EXPIRED = "expired"
CHANGED = "changed"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class LinkProblem:
    """Why a link cannot be answered: a code, the sentence for the patient,
    and the page's HTTP status (404 only for a token that is not ours)."""

    code: str
    message: str
    status: int = 200


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _short_code(code: uuid.UUID) -> str:
    # 22 characters instead of 36: the link also goes out by SMS.
    return base64.urlsafe_b64encode(code.bytes).decode().rstrip("=")


def _code_from(short: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(short + "=="))


def confirm_token(visit: FollowUpVisit) -> str:
    """The signed token of the visit as it is now (code and version)."""
    return _signer().sign(f"{_short_code(visit.code)}.{visit.version}")


def confirm_url(visit: FollowUpVisit) -> str:
    """The absolute link for the visit's reminder (SCLERO_SITE_URL + path)."""
    path = reverse("visits:answer", kwargs={"token": confirm_token(visit)})
    return f"{settings.SCLERO_SITE_URL}{path}"


def _invalid() -> LinkProblem:
    return LinkProblem(INVALID, _("This link is not valid."), status=404)


def _call_the_clinic(visit: FollowUpVisit) -> str:
    phone = visit.site.phone if visit.site_id else ""
    if phone:
        return _("Please call the clinic on %(phone)s.") % {"phone": phone}
    return _("Please call the clinic.")


def visit_problem(visit: FollowUpVisit, version: int) -> LinkProblem | None:
    """Why the visit can no longer be answered through a link made for
    `version` of it, or None when it can."""
    if visit.status in (VisitStatus.CANCELLED, VisitStatus.NO_SHOW):
        return LinkProblem(
            CANCELLED,
            _("This appointment has been cancelled.") + " " + _call_the_clinic(visit),
        )
    if visit.status != VisitStatus.SCHEDULED or timezone.now() >= visit.starts_at:
        return LinkProblem(EXPIRED, _("This link has expired."))
    if visit.version != version:
        return LinkProblem(
            CHANGED,
            _("This appointment has changed.") + " " + _call_the_clinic(visit),
        )
    return None


def read_token(token: str) -> tuple[FollowUpVisit | None, LinkProblem | None]:
    """Return the token's visit and why it cannot be answered (None if it
    can). A token that is not ours gives (None, "not valid") and says no more."""
    max_age = timedelta(days=settings.SCLERO_CONFIRM_LINK_DAYS)
    expired = False
    try:
        value = _signer().unsign(token, max_age=max_age)
    except signing.SignatureExpired:
        expired = True
        try:
            value = _signer().unsign(token)
        except signing.BadSignature:
            return None, _invalid()
    except signing.BadSignature:
        return None, _invalid()
    try:
        short, version_text = value.split(".")
        code = _code_from(short)
        version = int(version_text)
    except (ValueError, TypeError):
        return None, _invalid()
    visit = (
        FollowUpVisit.objects.select_related("site", "patient")
        .filter(code=code)
        .first()
    )
    if visit is None:
        return None, _invalid()
    if expired:
        return visit, LinkProblem(EXPIRED, _("This link has expired."))
    return visit, visit_problem(visit, version)

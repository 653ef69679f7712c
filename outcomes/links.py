"""The signed link in a questionnaire invitation.

The token holds the invitation's code (22 characters, for SMS), signed with
the secret key (salt "sclero.questionnaire") and the time it was made. It
works until the invitation's `expires_at`, or, where that is empty, for
SCLERO_QUESTIONNAIRE_LINK_DAYS days (default 30) from when the invitation
was sent (from when the token was made, for one not yet marked sent). It
works once: an answered invitation refuses a second answer, and a cancelled
one is not answered. Nothing in the token is secret but the signature; the
page it opens shows the questionnaire only, nothing about the patient.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from outcomes.models import InvitationStatus, QuestionnaireInvitation

SALT = "sclero.questionnaire"

INVALID = "invalid"
EXPIRED = "expired"
ANSWERED = "answered"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class LinkProblem:
    """Why a link cannot be answered: a code, the sentence for the patient,
    and the page's HTTP status (404 only for a token that is not ours)."""

    code: str
    message: str
    status: int = 200


def link_days() -> int:
    return int(getattr(settings, "SCLERO_QUESTIONNAIRE_LINK_DAYS", 30))


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def _short_code(code: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(code.bytes).decode().rstrip("=")


def _code_from(short: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(short + "=="))


def invitation_token(invitation: QuestionnaireInvitation) -> str:
    """The signed token of the invitation."""
    return _signer().sign(_short_code(invitation.code))


def invitation_url(invitation: QuestionnaireInvitation) -> str:
    """The link's path (the sender prepends SCLERO_SITE_URL)."""
    return reverse("outcomes:answer", kwargs={"token": invitation_token(invitation)})


def expires_at(
    invitation: QuestionnaireInvitation, signed_at: datetime | None = None
) -> datetime | None:
    """When the invitation's link stops working."""
    if invitation.expires_at is not None:
        return invitation.expires_at
    start = invitation.sent_at or signed_at
    if start is None:
        return None
    return start + timedelta(days=link_days())


def _invalid() -> LinkProblem:
    return LinkProblem(INVALID, _("This link is not valid."), status=404)


def invitation_problem(
    invitation: QuestionnaireInvitation, signed_at: datetime | None = None
) -> LinkProblem | None:
    """Why the invitation can no longer be answered, or None when it can."""
    if invitation.status == InvitationStatus.CANCELLED:
        return LinkProblem(
            CANCELLED,
            _("This questionnaire is no longer needed. Thank you all the same."),
        )
    if invitation.status == InvitationStatus.ANSWERED or invitation.answered_at:
        return LinkProblem(
            ANSWERED,
            _(
                "This questionnaire has already been filled in. Thank you: "
                "there is nothing more to do."
            ),
        )
    deadline = expires_at(invitation, signed_at)
    if invitation.status == InvitationStatus.EXPIRED or (
        deadline is not None and timezone.now() >= deadline
    ):
        return LinkProblem(
            EXPIRED,
            _(
                "This link has expired. If you wish, you can fill in the "
                "questionnaire at your next visit to the clinic."
            ),
        )
    return None


def read_token(
    token: str,
) -> tuple[QuestionnaireInvitation | None, LinkProblem | None]:
    """The token's invitation and why it cannot be answered (None if it can).
    A token that is not ours gives (None, "not valid") and says no more."""
    try:
        value = _signer().unsign(token)
        ts = token.rsplit(":", 2)[1]
        stamp = datetime.fromtimestamp(signing.b62_decode(ts), tz=UTC)
        code = _code_from(value)
    except (signing.BadSignature, ValueError, TypeError):
        return None, _invalid()
    invitation = (
        QuestionnaireInvitation.objects.select_related("patient", "instrument")
        .filter(code=code)
        .first()
    )
    if invitation is None:
        return None, _invalid()
    return invitation, invitation_problem(invitation, stamp)


def open_invitation(token: str) -> QuestionnaireInvitation | LinkProblem:
    """The invitation the token opens, or why it cannot be answered."""
    invitation, problem = read_token(token)
    if problem is not None:
        return problem
    assert invitation is not None
    return invitation

"""A questionnaire invitation's signed link: expiry, reuse, tampering."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.utils import timezone

from outcomes import links
from outcomes.models import QuestionnaireInvitation

pytestmark = pytest.mark.django_db


def test_the_url_is_a_short_path_without_the_code(invitation):
    url = links.invitation_url(invitation)
    assert url.startswith("/q/") and url.endswith("/")
    assert str(invitation.code) not in url
    assert len(url) < 80


def test_a_valid_token_opens_its_invitation(invitation):
    opened = links.open_invitation(links.invitation_token(invitation))
    assert opened == invitation


def test_a_changed_character_is_invalid(invitation):
    token = links.invitation_token(invitation)
    for i in (0, len(token) // 2, len(token) - 1):
        changed = token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]
        problem = links.open_invitation(changed)
        assert isinstance(problem, links.LinkProblem)
        assert problem.code == links.INVALID and problem.status == 404


def test_a_token_signed_with_another_salt_is_invalid(invitation):
    other = signing.TimestampSigner(salt="sclero.visit-confirm").sign(
        links._short_code(invitation.code)
    )
    problem = links.open_invitation(other)
    assert isinstance(problem, links.LinkProblem) and problem.code == links.INVALID


def test_an_unknown_invitation_is_invalid(invitation):
    token = links.invitation_token(invitation)
    QuestionnaireInvitation.objects.filter(pk=invitation.pk).update(
        code="00000000-0000-0000-0000-000000000001"
    )
    problem = links.open_invitation(token)
    assert isinstance(problem, links.LinkProblem) and problem.code == links.INVALID


def test_garbage_is_invalid(db):
    for token in ("", "abc", "a:b:c", "x" * 300):
        problem = links.open_invitation(token)
        assert isinstance(problem, links.LinkProblem) and problem.code == links.INVALID


@pytest.mark.date_dependent
def test_the_link_expires_after_the_default_days_from_sending(settings, invitation):
    settings.SCLERO_QUESTIONNAIRE_LINK_DAYS = 30
    token = links.invitation_token(invitation)
    sent = invitation.sent_at
    with time_machine.travel(sent + timedelta(days=29, hours=23), tick=False):
        assert links.open_invitation(token) == invitation
    with time_machine.travel(sent + timedelta(days=30), tick=False):
        problem = links.open_invitation(token)
        assert isinstance(problem, links.LinkProblem)
        assert problem.code == links.EXPIRED


@pytest.mark.date_dependent
def test_the_invitation_expiry_wins(invitation):
    invitation.expires_at = timezone.now() + timedelta(days=3)
    invitation.save()
    token = links.invitation_token(invitation)
    with time_machine.travel(invitation.expires_at - timedelta(minutes=1), tick=False):
        assert links.open_invitation(token) == invitation
    with time_machine.travel(invitation.expires_at, tick=False):
        problem = links.open_invitation(token)
        assert isinstance(problem, links.LinkProblem)
        assert problem.code == links.EXPIRED


def test_answered_and_cancelled_invitations_are_refused(invitation):
    token = links.invitation_token(invitation)
    invitation.status = "answered"
    invitation.answered_at = timezone.now()
    invitation.save()
    problem = links.open_invitation(token)
    assert isinstance(problem, links.LinkProblem) and problem.code == links.ANSWERED
    invitation.status = "cancelled"
    invitation.answered_at = None
    invitation.save()
    problem = links.open_invitation(token)
    assert isinstance(problem, links.LinkProblem) and problem.code == links.CANCELLED

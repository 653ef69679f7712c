"""The questionnaire schedule over the demo clinic: `manage.py questionnaires`
plans and sends without an error, and a second run changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command

from outcomes.models import InvitationStatus, QuestionnaireInvitation

pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def test_the_command_runs_over_the_demo_clinic(django_capture_on_commit_callbacks):
    call_command("load_demo", allow_demo=True, verbosity=0)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("questionnaires", "--all", stdout=out)
    assert "invitation(s) planned" in out.getvalue()
    planned = QuestionnaireInvitation.objects.count()

    again = io.StringIO()
    call_command("questionnaires", "--all", "--no-send", stdout=again)

    assert QuestionnaireInvitation.objects.count() == planned
    assert ": 0 invitation(s) planned" in again.getvalue()
    # Whatever went out went by a channel the patient agreed to.
    for invitation in QuestionnaireInvitation.objects.filter(
        status=InvitationStatus.SENT
    ).select_related("patient"):
        agreed = {
            "email": invitation.patient.contact_by_email,
            "sms": invitation.patient.contact_by_sms,
        }
        assert agreed[invitation.channel]
    assert len(mail.outbox) <= planned

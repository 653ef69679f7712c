"""Background tasks of the outcomes app, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from outcomes import sending


@task()
def send_questionnaire_invitation(invitation_id: int) -> str:
    """Send one planned questionnaire invitation (outcomes.sending.send_invitation)."""
    return sending.send_invitation(invitation_id)

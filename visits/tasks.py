"""Background tasks of the visits app, run by the worker (`manage.py db_worker`)."""

from __future__ import annotations

from django_tasks import task

from visits import reminders


@task()
def send_visit_message(message_id: int) -> str:
    """Send one planned visit message (visits.reminders.send_message)."""
    return reminders.send_message(message_id)

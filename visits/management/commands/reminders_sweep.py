"""Mark unknown the reminders left half-sent by a worker that stopped, and
enqueue again the pending ones whose task was lost.

Run it every few minutes beside the worker (cron or a systemd timer); every
send task also does the first half. An unknown message is never re-sent on
its own: the visit page and the agenda show it, and the front desk phones.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from visits.reminders import requeue_overdue, sweep_stale_claims


class Command(BaseCommand):
    help = (
        "Mark unknown the visit messages claimed too long ago and never "
        "finished, and enqueue again the overdue pending ones."
    )

    def handle(self, *args, **options) -> None:
        unknown = sweep_stale_claims()
        requeued = requeue_overdue()
        self.stdout.write(
            f"{unknown} message(s) marked unknown, {requeued} enqueued again."
        )

"""Plan the questionnaire invitations of the course schedule and send the
ones due.

Run it daily beside the worker (cron or a systemd timer, like
reminders_sweep); a second run is harmless. It looks at the patients whose
visits, sessions or Doppler assessments changed in the last `--days` days;
`--all` plans every patient the schedule may still ask (once, after an
upgrade or a restore). The messages go out through the task worker.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from outcomes import course_summaries, schedule, sending


class Command(BaseCommand):
    help = (
        "Plan the questionnaire invitations (before the first session; 1, 3, 6 "
        "and 12 months after a course) and enqueue the sending of those due."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=schedule.CHANGED_DAYS,
            help="Plan the patients whose records changed in this many days.",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="Plan every patient the schedule may still ask (slow; once).",
        )
        parser.add_argument(
            "--no-send", action="store_true", help="Plan only; send nothing."
        )

    def handle(self, *args, **options) -> None:
        today = timezone.localdate()
        if options["days"] < 0:
            options["days"] = 0
        if options["all"]:
            plan = schedule.plan_all(today)
        else:
            plan = schedule.plan_invitations(today, days=options["days"])
        # The clinic trends' summaries of the same changed patients.
        since = timezone.make_aware(
            datetime.combine(today - timedelta(days=max(options["days"], 1)), time())
        )
        refreshed = course_summaries.refresh_patients(schedule.changed_patients(since))
        self.stdout.write(f"{refreshed} patient(s)' trend summaries refreshed.")
        for note in plan.notes:
            self.stderr.write(note)
        self.stdout.write(
            f"{plan.patients} patient(s) planned: {plan.created} invitation(s) "
            f"planned, {plan.cancelled} cancelled, {plan.moved} moved."
        )
        if options["no_send"]:
            return
        sent = sending.send_due(today)
        self.stdout.write(
            f"{sent.enqueued} invitation(s) enqueued for sending, "
            f"{sent.expired} expired."
        )

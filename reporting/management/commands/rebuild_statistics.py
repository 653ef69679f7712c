"""Recompute the statistics' day summaries and the sessions' follow-up flags."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from outcomes import course_summaries
from visits.summaries import rebuild_statistics
from visits.trend_summaries import rebuild_trend_summaries


class Command(BaseCommand):
    help = (
        "Recompute every statistics day summary, session pointer and "
        "awaiting-follow-up flag from the sessions and visits (the services "
        "keep them on write; run this after loading rows around them)."
    )

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts = rebuild_statistics()
            counts.update(rebuild_trend_summaries())
            counts["course symptom changes"] = course_summaries.rebuild()
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")

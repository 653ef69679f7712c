"""List the charts with no clinical contact for longer than the retention period.

The period is SCLERO_RETENTION_YEARS (default 10 years: Italian practice keeps
outpatient clinical records at least that long). For each chart: its number,
the day of its last contact and what that contact was (records.retention);
the counts at the end. Nothing is deleted or changed: the clinic decides.
--csv writes the same rows as CSV. Exit code 0 however many are found.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from patients.models import Patient
from records.retention import (
    KIND_LABELS,
    patients_past_retention,
    retention_cutoff,
    retention_years,
)


class Command(BaseCommand):
    help = (
        "List the patients whose last clinical contact is older than the "
        "retention period (SCLERO_RETENTION_YEARS). Deletes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", action="store_true", help="Write the rows as CSV.")

    def handle(self, *args: Any, **options: Any) -> None:
        years = retention_years()
        cutoff = retention_cutoff(years)
        found = patients_past_retention(cutoff)
        total = Patient.objects.count()
        if options["csv"]:
            writer = csv.writer(self.stdout)
            writer.writerow(["chart_number", "last_contact", "kind", "archived"])
            for item in found:
                writer.writerow(
                    [
                        item.chart_number,
                        item.last_contact.isoformat(),
                        item.kind,
                        "yes" if item.archived else "no",
                    ]
                )
            return
        self.stdout.write(
            f"Retention period: {years} years; last contact before "
            f"{cutoff.isoformat()} (today {timezone.localdate().isoformat()})."
        )
        for item in found:
            archived = " (archived)" if item.archived else ""
            self.stdout.write(
                f"{item.chart_number:<12}  {item.last_contact.isoformat()}  "
                f"{item.kind_label}{archived}"
            )
        by_kind = dict.fromkeys(KIND_LABELS, 0)
        for item in found:
            by_kind[item.kind] += 1
        detail = ", ".join(
            f"{count} {KIND_LABELS[kind]}" for kind, count in by_kind.items() if count
        )
        self.stdout.write(
            f"{len(found)} of {total} patients past the retention period"
            + (f" (last contact: {detail})" if detail else "")
            + ". Nothing was deleted."
        )

"""List the patients whose phone is not a valid number in E.164.

Phones are stored in E.164 ("+393471234567"). The migration that converted
the numbers typed before kept as typed those it could not read; this lists
them (chart number, name, the phone as typed) so that the front desk can
correct each on the patient's form. Changes nothing. --csv writes CSV.
Exit code 0 however many are found.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from patients.selectors import patients_with_unreadable_phones


class Command(BaseCommand):
    help = (
        "List the patients whose phone number is not a valid number in E.164, "
        "for the front desk to correct. Changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--csv", action="store_true", help="Write the rows as CSV.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = patients_with_unreadable_phones()
        if options["csv"]:
            writer = csv.writer(self.stdout)
            writer.writerow(
                ["chart_number", "last_name", "first_name", "phone", "archived"]
            )
            for patient in found:
                writer.writerow(
                    [
                        patient.chart_number,
                        patient.last_name,
                        patient.first_name,
                        patient.phone,
                        "yes" if patient.is_archived else "no",
                    ]
                )
            return
        for patient in found:
            archived = " (archived)" if patient.is_archived else ""
            self.stdout.write(
                f"{patient.chart_number}  {patient.last_name}, {patient.first_name}"
                f"  {patient.phone!r}{archived}"
            )
        if found:
            self.stdout.write(
                f"{len(found)} phone number(s) to correct on the patient's form."
            )
        else:
            self.stdout.write("Every phone number is a valid number in E.164.")

"""Remove the day's-sheets PDFs made by the worker once they are a day old.

Every job removes the old ones when it starts; run this daily as well (cron),
so that a clinic that stops asking for them keeps no patient PDFs about.
"""

from django.core.management.base import BaseCommand

from printing.dayjobs import remove_old_jobs


class Command(BaseCommand):
    help = "Remove the day's-sheets PDFs (and their jobs) older than a day."

    def handle(self, *args, **options) -> None:
        removed = remove_old_jobs()
        self.stdout.write(f"{removed} day's-sheets job(s) removed.")

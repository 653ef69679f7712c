"""Remove a user's second factor (lost phone): they set it up again at next login."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from core.twofactor import reset_two_factor


class Command(BaseCommand):
    help = (
        "Delete the authenticator app and recovery codes of USERNAME (a lost or "
        "new phone). With two-factor required, the user sets it up again at the "
        "next login."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        count = reset_two_factor(user)
        self.stdout.write(f"{username}: {count} device(s) removed.")

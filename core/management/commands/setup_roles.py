from django.core.management.base import BaseCommand

from core.roles import setup_roles


class Command(BaseCommand):
    help = "Create or update the clinician, front desk and manager groups."

    def handle(self, *args: object, **options: object) -> None:
        groups = setup_roles()
        for name, group in groups.items():
            self.stdout.write(f"{name}: {group.permissions.count()} permissions")

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from core import roles

        # After every migrate the groups hold exactly the permissions that
        # core.roles names, so a release that adds a permission needs no step.
        post_migrate.connect(roles.setup_roles_after_migrate, dispatch_uid="core.roles")

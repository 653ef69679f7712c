from django.apps import AppConfig
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, pre_delete


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from core import accounts, idle, roles, twofactor

        # After every migrate the groups hold exactly the permissions that
        # core.roles names, so a release that adds a permission needs no step.
        post_migrate.connect(roles.setup_roles_after_migrate, dispatch_uid="core.roles")
        # Accounts named by the records are deactivated, never deleted.
        pre_delete.connect(
            accounts.refuse_deleting_an_author,
            sender=get_user_model(),
            dispatch_uid="core.accounts",
        )
        # A login starts the idle and absolute clocks and notes whether it owes
        # a second factor, so that its requests need not look it up.
        user_logged_in.connect(idle.note_login, dispatch_uid="core.idle")
        user_logged_in.connect(twofactor.note_login, dispatch_uid="core.twofactor")

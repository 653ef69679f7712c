from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from simple_history.admin import SimpleHistoryAdmin

from core.admin_users import StaffGroupAdmin, StaffUserAdmin
from core.models import Letterhead


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical records are archived or voided, never deleted."""

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyRecordAdmin(NoDeleteAdmin):
    """A clinical record written only through its pages, which apply the rules
    (limits, locking, double booking); the admin shows it and its history."""

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Letterhead)
class LetterheadAdmin(SimpleHistoryAdmin):
    list_display = ["clinic_name", "phone", "updated_at"]

    def has_add_permission(self, request: Any) -> bool:
        return not Letterhead.objects.exists()

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# Staff accounts and the role groups: what a manager may do (core.admin_users).
admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), StaffUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, StaffGroupAdmin)

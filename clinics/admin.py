from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clinics.models import (
    Absence,
    Closure,
    OpeningHours,
    Site,
    SiteMembership,
    WorkingHours,
)


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class ClosureInline(admin.TabularInline):
    model = Closure
    extra = 0


@admin.register(Site)
class SiteAdmin(SimpleHistoryAdmin):
    list_display = ["name", "phone", "is_active"]
    inlines = [OpeningHoursInline, ClosureInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(SiteMembership)
class SiteMembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "site"]
    list_filter = ["site"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(SimpleHistoryAdmin):
    list_display = ["clinician", "site", "weekday", "starts", "ends"]
    list_filter = ["site", "weekday"]


@admin.register(Absence)
class AbsenceAdmin(SimpleHistoryAdmin):
    list_display = ["clinician", "kind", "starts_at", "ends_at"]
    list_filter = ["kind"]

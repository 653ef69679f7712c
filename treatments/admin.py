from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.admin import NoDeleteAdmin
from treatments.models import FollowUpVisit, Injection, Letterhead, TreatmentSession


class InjectionInline(admin.TabularInline):
    model = Injection
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in Injection._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        # Injections are added through the session form, which checks limits.
        return False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(NoDeleteAdmin):
    list_display = ["patient", "performed_at", "clinician", "compression", "voided_at"]
    list_select_related = ["patient", "clinician"]
    inlines = [InjectionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        # Sessions change only through the session form (limits, locking).
        return False


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(NoDeleteAdmin):
    list_display = ["patient", "starts_at", "clinician", "purpose", "status"]
    list_select_related = ["patient", "clinician"]
    list_filter = ["status", "purpose", "clinician"]

    def has_change_permission(self, request, obj=None) -> bool:
        # Visits change through the agenda, which refuses double-booking.
        return False


@admin.register(Letterhead)
class LetterheadAdmin(SimpleHistoryAdmin):
    list_display = ["clinic_name", "phone", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return not Letterhead.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

from django.contrib import admin

from core.admin import ReadOnlyRecordAdmin
from treatments.models import Injection, SessionAddendum, TreatmentSession


class InjectionInline(admin.TabularInline):
    model = Injection
    extra = 0
    can_delete = False
    readonly_fields = [f.name for f in Injection._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        # Injections are added through the session form, which checks limits.
        return False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyRecordAdmin):
    list_display = ["patient", "performed_at", "clinician", "compression", "voided_at"]
    list_select_related = ["patient", "clinician"]
    inlines = [InjectionInline]


@admin.register(SessionAddendum)
class SessionAddendumAdmin(ReadOnlyRecordAdmin):
    """Addenda are append-only: shown here, never added, changed or deleted."""

    list_display = ["session", "kind", "author", "created_at"]
    list_select_related = ["session__patient", "author"]

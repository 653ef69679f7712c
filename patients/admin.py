from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import DopplerAssessment, DopplerFinding, Patient


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical records are archived or voided, never deleted."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Patient)
class PatientAdmin(NoDeleteAdmin):
    list_display = ["chart_number", "last_name", "first_name", "date_of_birth", "phone", "archived_at"]
    search_fields = ["chart_number", "last_name", "first_name", "phone"]
    list_filter = ["archived_at", "language", "sex"]
    readonly_fields = ["chart_number", "code", "archived_at", "archive_reason"]


class DopplerFindingInline(admin.TabularInline):
    model = DopplerFinding
    extra = 0
    can_delete = False


@admin.register(DopplerAssessment)
class DopplerAssessmentAdmin(NoDeleteAdmin):
    list_display = ["patient", "assessed_on", "examiner", "ceap_right", "ceap_left", "voided_at"]
    list_select_related = ["patient", "examiner"]
    inlines = [DopplerFindingInline]
    readonly_fields = ["code", "voided_at", "voided_by", "void_reason"]

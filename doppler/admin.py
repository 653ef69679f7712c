from django.contrib import admin

from core.admin import ReadOnlyRecordAdmin
from doppler.models import DopplerAssessment, DopplerFinding


class DopplerFindingInline(admin.TabularInline):
    model = DopplerFinding
    extra = 0
    can_delete = False


@admin.register(DopplerAssessment)
class DopplerAssessmentAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "patient",
        "assessed_on",
        "examiner",
        "ceap_right",
        "ceap_left",
        "voided_at",
    ]
    list_select_related = ["patient", "examiner"]
    inlines = [DopplerFindingInline]
    readonly_fields = ["code", "voided_at", "voided_by", "void_reason"]

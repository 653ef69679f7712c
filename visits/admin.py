from django.contrib import admin

from core.admin import ReadOnlyRecordAdmin
from visits.models import FollowUpVisit


@admin.register(FollowUpVisit)
class FollowUpVisitAdmin(ReadOnlyRecordAdmin):
    list_display = ["patient", "starts_at", "clinician", "purpose", "status"]
    list_select_related = ["patient", "clinician"]
    list_filter = ["status", "purpose", "clinician"]

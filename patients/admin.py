from django.contrib import admin

from core.admin import ReadOnlyRecordAdmin
from patients.models import Patient


@admin.register(Patient)
class PatientAdmin(ReadOnlyRecordAdmin):
    list_display = [
        "chart_number",
        "last_name",
        "first_name",
        "date_of_birth",
        "phone",
        "archived_at",
    ]
    search_fields = ["chart_number", "last_name", "first_name", "phone"]
    list_filter = ["archived_at", "language", "sex"]
    readonly_fields = ["chart_number", "code", "archived_at", "archive_reason"]

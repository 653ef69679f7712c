from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyRecordAdmin
from doppler.models import DopplerAddendum, DopplerAssessment, DopplerFinding


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
        "ceap_right_leg",
        "ceap_left_leg",
        "voided_at",
    ]
    list_select_related = ["patient", "examiner"]
    inlines = [DopplerFindingInline]
    readonly_fields = ["code", "voided_at", "voided_by", "void_reason"]

    @admin.display(description=_("CEAP right leg"))
    def ceap_right_leg(self, obj: DopplerAssessment) -> str:
        return obj.ceap_notation_right

    @admin.display(description=_("CEAP left leg"))
    def ceap_left_leg(self, obj: DopplerAssessment) -> str:
        return obj.ceap_notation_left


@admin.register(DopplerAddendum)
class DopplerAddendumAdmin(ReadOnlyRecordAdmin):
    """Addenda are append-only: shown here, never added, changed or deleted."""

    list_display = ["assessment", "kind", "author", "created_at"]
    list_select_related = ["assessment__patient", "author"]

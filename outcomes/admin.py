"""The questionnaires as data, for the manager: an instrument and its items.

An item's answer scale is JSON, a list of {"value": integer, "en": label,
"it": label}; the form says clearly what is wrong with one. Once an
instrument has responses its items are shown, not changed: a changed scale
would change the meaning of the stored answers (add a new version as a new
instrument instead). Nothing is deleted; an instrument is made inactive.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from core.admin import NoDeleteAdmin
from outcomes.models import Instrument, InstrumentItem

CHOICES_HELP = (
    '[{"value": 0, "en": "Not at all", "it": "Per niente"}, '
    '{"value": 1, "en": "Mildly", "it": "Lievemente"}]'
)


def check_choices(value: Any) -> list[dict[str, Any]]:
    """The answer scale, or a ValidationError saying what is wrong."""
    if not isinstance(value, list) or len(value) < 2:
        raise forms.ValidationError(
            _("Give a list of at least two answers, like %(example)s.")
            % {"example": CHOICES_HELP}
        )
    seen: set[int] = set()
    for position, choice in enumerate(value, start=1):
        if not isinstance(choice, dict) or set(choice) != {"value", "en", "it"}:
            raise forms.ValidationError(
                _(
                    'Answer %(n)s: give exactly "value", "en" and "it", like '
                    "%(example)s."
                )
                % {"n": position, "example": CHOICES_HELP}
            )
        number = choice["value"]
        if isinstance(number, bool) or not isinstance(number, int):
            raise forms.ValidationError(
                _('Answer %(n)s: "value" must be a whole number.') % {"n": position}
            )
        if not -100 <= number <= 100:
            raise forms.ValidationError(
                _('Answer %(n)s: "value" must be between -100 and 100.')
                % {"n": position}
            )
        if number in seen:
            raise forms.ValidationError(
                _("Answer %(n)s: the value %(value)s is used twice.")
                % {"n": position, "value": number}
            )
        seen.add(number)
        for language in ("en", "it"):
            label = choice[language]
            if not isinstance(label, str) or not label.strip():
                raise forms.ValidationError(
                    _('Answer %(n)s: "%(language)s" must be a label.')
                    % {"n": position, "language": language}
                )
    return value


class InstrumentItemForm(forms.ModelForm):
    class Meta:
        model = InstrumentItem
        fields = [
            "position",
            "key",
            "text_en",
            "text_it",
            "choices",
            "scored",
            "required",
        ]
        help_texts = {"choices": CHOICES_HELP}

    def clean_choices(self) -> list[dict[str, Any]]:
        return check_choices(self.cleaned_data.get("choices"))


def _answered(instrument: Instrument | None) -> bool:
    return instrument is not None and instrument.responses.exists()


class InstrumentItemInline(admin.StackedInline):
    model = InstrumentItem
    form = InstrumentItemForm
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and not _answered(obj)

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and not _answered(obj)


@admin.register(Instrument)
class InstrumentAdmin(NoDeleteAdmin):
    list_display = ["code", "name_en", "version", "scheduled", "active"]
    list_filter = ["active", "scheduled"]
    search_fields = ["code", "name_en", "name_it"]
    inlines = [InstrumentItemInline]

    def get_readonly_fields(self, request: Any, obj: Any = None) -> Any:
        if _answered(obj):
            return ["code", "lower_is_better"]
        return []

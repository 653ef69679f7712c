"""The filter of the statistics pages: ?from=YYYY-MM-DD&to=YYYY-MM-DD&clinician=<id>."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import ClinicianChoiceField, date_field
from reporting import period as statistics
from reporting.selectors import clinician_choices


class StatisticsFilterForm(forms.Form):
    """Period and clinician; empty fields mean the default (last 12 months, all)."""

    def __init__(self, *args, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        # "from" is a Python keyword, hence fields added here, not declared.
        self.fields["from"] = date_field(gettext_lazy("From"), required=False)
        self.fields["to"] = date_field(gettext_lazy("To"), required=False)
        self.fields["clinician"] = ClinicianChoiceField(
            label=gettext_lazy("Clinician"),
            queryset=clinician_choices(),
            required=False,
            empty_label=gettext_lazy("All clinicians"),
            error_messages={
                "invalid_choice": gettext_lazy("Choose a clinician from the list.")
            },
        )

    def _check_year(self, name: str) -> None:
        value = self.cleaned_data.get(name)
        if value and not statistics.MIN_YEAR <= value.year <= statistics.MAX_YEAR:
            self.add_error(
                name,
                _("Enter a date between %(min)s and %(max)s.")
                % {"min": statistics.MIN_YEAR, "max": statistics.MAX_YEAR},
            )

    def _effective_dates(self) -> tuple[date, date]:
        """Return the period's days, an empty end or start filled with the default."""
        last = self.cleaned_data.get("to") or self.today
        first = self.cleaned_data.get("from") or statistics.add_months(
            last, 1 - statistics.DEFAULT_MONTHS
        )
        if not self.cleaned_data.get("to") and first > last:
            last = first  # only a start was given, and it is after today
        return first, last

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self._check_year("from")
        self._check_year("to")
        if "from" not in self.errors and "to" not in self.errors:
            first, last = self._effective_dates()
            if first > last:
                self.add_error("to", _("The end date is before the start date."))
            elif (last - first).days > statistics.MAX_PERIOD_DAYS:
                field = "to" if cleaned.get("to") else "from"
                self.add_error(field, _("Choose a period of at most ten years."))
        return cleaned

    def period(self) -> statistics.Period:
        """Return the period asked for; parts with an error fall back to the default.

        Call after is_valid(). A date error resets both dates, since half a
        period would be a different question.
        """
        clinician = None
        if "clinician" not in self.errors:
            clinician = self.cleaned_data.get("clinician")
        if "from" in self.errors or "to" in self.errors:
            default = statistics.default_period(self.today)
            return statistics.Period(default.first, default.last, clinician)
        first, last = self._effective_dates()
        return statistics.Period(first, last, clinician)


class RegistryExportForm(StatisticsFilterForm):
    """The registry export's period and clinician: as the statistics', but a
    mistake is shown on its field instead of falling back to the default."""

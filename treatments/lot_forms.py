"""The stock list's forms: a lot, and the list's filter."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import DateInput, DecimalInputField
from treatments.choices import Agent
from treatments.lots import LOT_FIELDS, LotStatus
from treatments.models import SclerosantLot


class LotForm(forms.ModelForm):
    """A lot of the stock list: what it is, its number and its dates."""

    class Meta:
        model = SclerosantLot
        fields = LOT_FIELDS
        field_classes = {"concentration_pct": DecimalInputField}
        widgets = {
            "expiry_date": DateInput(),
            "received_on": DateInput(),
            "opened_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lot_number"].help_text = _("As printed on the box or ampoule.")
        self.fields["opened_on"].help_text = _("Leave empty while the lot is sealed.")
        for name in ("expiry_date", "received_on", "opened_on"):
            self.fields[name].error_messages["invalid"] = _(
                "Enter a date as YYYY-MM-DD."
            )


class LotFilterForm(forms.Form):
    """The stock list's filter: which lots, of which agent."""

    status = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            (LotStatus.ALL, _("All lots")),
            (LotStatus.USABLE, _("Open, not expired")),
            (LotStatus.EXPIRED, _("Expired, still open")),
            (LotStatus.CLOSED, _("Closed")),
        ],
    )
    agent = forms.ChoiceField(
        label=_("Agent"),
        required=False,
        choices=[("", _("All agents")), *Agent.choices],
    )

"""Forms of the aftercare area: the day picker and the clinic letterhead."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import date_field
from core.models import Letterhead


class DayForm(forms.Form):
    date = date_field(_("Day"))


class LetterheadForm(forms.ModelForm):
    class Meta:
        model = Letterhead
        fields = [
            "clinic_name",
            "address",
            "phone",
            "emergency_phone",
            "email",
            "website",
            "footer",
            "footer_it",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "footer": forms.Textarea(attrs={"rows": 2}),
            "footer_it": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "emergency_phone": _(
                "Printed under the warning signs on every aftercare sheet."
            ),
            "footer": _(
                "Printed at the foot of sheets and slips in English; "
                "Italian ones print it when the Italian footer is empty."
            ),
            "footer_it": _(
                "Printed at the foot of sheets and slips in Italian; "
                "English ones print it when the English footer is empty."
            ),
        }

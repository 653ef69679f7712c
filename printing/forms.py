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
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "footer": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "emergency_phone": _(
                "Printed under the warning signs on every aftercare sheet."
            ),
        }

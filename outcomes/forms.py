"""The questionnaire as a form: one radio group per item, in a language.

`QuestionnaireForm` is the patient's form (the link and the tablet);
`StaffQuestionnaireForm` adds what the staff say about it (the timepoint,
tablet or paper, the day a paper form was filled, and the open invitation it
answers, if any).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import date_field
from outcomes.models import (
    InstrumentItem,
    QuestionnaireInvitation,
    ResponseSource,
    Timepoint,
)

PREFIX = "item_"


class QuestionnaireForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        items: Sequence[InstrumentItem],
        language: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        self.language = language
        for item in self.items:
            self.fields[PREFIX + item.key] = forms.TypedChoiceField(
                label=item.text_in(language),
                choices=[
                    (int(c["value"]), item.label_of(int(c["value"]), language))
                    for c in item.choices
                ],
                coerce=int,
                empty_value=None,
                required=item.required,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                error_messages={
                    "required": _("Please choose an answer."),
                    "invalid_choice": _("Choose one of the answers shown."),
                },
            )

    def item_fields(self) -> list[forms.BoundField]:
        return [self[PREFIX + item.key] for item in self.items]

    def answers(self) -> dict[str, int | None]:
        return {
            item.key: self.cleaned_data.get(PREFIX + item.key) for item in self.items
        }


def open_invitations(patient: Any, instrument: Any) -> Any:
    return QuestionnaireInvitation.objects.filter(
        patient=patient,
        instrument=instrument,
        status__in=["planned", "sent", "failed"],
        answered_at__isnull=True,
        response__isnull=True,
    ).order_by("due_on", "id")


class InvitationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: QuestionnaireInvitation) -> str:
        return f"{obj.get_timepoint_display()} · {obj.due_on:%Y-%m-%d}"


class StaffQuestionnaireForm(QuestionnaireForm):
    source = forms.ChoiceField(
        label=_("Filled"),
        choices=[
            (ResponseSource.TABLET, ResponseSource.TABLET.label),
            (ResponseSource.PAPER, ResponseSource.PAPER.label),
        ],
        initial=ResponseSource.TABLET,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    timepoint = forms.ChoiceField(
        label=_("Timepoint"), choices=Timepoint.choices, initial=Timepoint.VISIT
    )
    answered_on = date_field(_("Filled on (paper)"), required=False)
    invitation = InvitationChoiceField(
        label=_("Answers the invitation"),
        queryset=QuestionnaireInvitation.objects.none(),
        required=False,
        empty_label=_("None"),
    )

    def __init__(
        self, *args: Any, patient: Any, instrument: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        invitation_field = self.fields["invitation"]
        assert isinstance(invitation_field, forms.ModelChoiceField)
        invitation_field.queryset = open_invitations(patient, instrument)

    def clean_answered_on(self) -> date | None:
        value = self.cleaned_data.get("answered_on")
        if value is not None and value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        invitation = data.get("invitation")
        if invitation is not None:
            data["timepoint"] = invitation.timepoint
        return data

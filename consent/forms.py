"""Forms of the consent pages: a new text version, signing, a scan, withdrawal."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consent.files import check_scan, signature_from_data_url
from consent.models import ConsentText, Procedure
from core.forms import DateTimeLocalInput
from core.validators import validate_clinical_date, validate_reason
from patients.models import Language

TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 20_000


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def _staff() -> Any:
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__isnull=False)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class TextVersionForm(forms.Form):
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    body = forms.CharField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Plain text; leave an empty line between paragraphs."),
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].strip()
        if len(body.split()) < 20:
            raise ValidationError(
                _("A consent text explains the procedure: write at least 20 words.")
            )
        return body


class WitnessMixin(forms.Form):
    witness = StaffChoiceField(
        label=_("Witness (member of staff)"), queryset=None, required=False
    )
    witness_name = forms.CharField(
        label=_("Or the witness's name"), max_length=200, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        witness = self.fields["witness"]
        assert isinstance(witness, forms.ModelChoiceField)
        witness.queryset = _staff()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("witness") and not (data.get("witness_name") or "").strip():
            if "witness" not in self.errors:
                self.add_error(
                    "witness",
                    _("Name the witness: a member of staff or their name."),
                )
        return data


class SignForm(WitnessMixin):
    """The tablet form: the pad's PNG arrives as a data URL in `signature`."""

    signature = forms.CharField(
        label=_("Signature"),
        required=False,
        widget=forms.HiddenInput,
        max_length=2_000_000,
        error_messages={
            "max_length": _(
                "The signature image is too large; clear it and sign again."
            )
        },
    )
    field_order = ["signature", "witness", "witness_name"]

    def clean_signature(self) -> bytes:
        return signature_from_data_url(self.cleaned_data.get("signature", ""))


class PaperForm(WitnessMixin):
    procedure = forms.ChoiceField(label=_("Procedure"), choices=Procedure.choices)
    language = forms.ChoiceField(
        label=_("Language of the form"), choices=Language.choices
    )
    signed_at = forms.DateTimeField(
        label=_("Signed on"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        validators=[validate_clinical_date],
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
    )
    scan = forms.FileField(
        label=_("Scan of the signed form"),
        help_text=_("PDF, JPEG or PNG, at most 15 MB."),
        widget=forms.ClearableFileInput(
            attrs={"accept": "application/pdf,image/jpeg,image/png"}
        ),
    )
    field_order = [
        "procedure",
        "language",
        "signed_at",
        "scan",
        "witness",
        "witness_name",
    ]

    def clean_signed_at(self) -> Any:
        value = self.cleaned_data["signed_at"]
        if value > timezone.now():
            raise ValidationError(_("The signing date is in the future."))
        return value

    def clean_scan(self) -> Any:
        upload = self.cleaned_data.get("scan")
        self.scan_extension, _content_type = check_scan(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        procedure, language = data.get("procedure"), data.get("language")
        if procedure and language:
            text = (
                ConsentText.objects.active()
                .filter(procedure=procedure, language=language)
                .first()
            )
            if text is None:
                self.add_error(
                    "language", _("There is no text in use in this language.")
                )
            data["text"] = text
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=255,
        validators=[validate_reason],
        error_messages={"required": _("Give the reason.")},
    )

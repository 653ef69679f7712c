"""The photo upload form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import FREE_TEXT_MAX_LENGTH, DateTimeLocalInput
from core.validators import validate_clinical_date
from patients.models import Leg
from photos import imaging
from photos.models import Phase, View

# A camera's clock may run a little ahead of the server's.
FUTURE_TOLERANCE = timedelta(minutes=10)


class CameraInput(forms.ClearableFileInput):
    """A file input that opens the tablet's rear camera, or the file picker."""

    clear_checkbox_label = ""

    def __init__(self) -> None:
        super().__init__(attrs={"accept": "image/*", "capture": "environment"})

    def is_initial(self, value: Any) -> bool:
        return False


class PhotoUploadForm(forms.Form):
    image = forms.FileField(
        label=_("Photo"),
        max_length=255,
        widget=CameraInput(),
        help_text=_(
            "Take the photo with the tablet's camera or choose a file: JPEG, PNG "
            "or WebP, at most 15 MB. Location and camera data are removed."
        ),
        error_messages={
            "required": _("Take or choose a photo."),
            "empty": _("The file is empty."),
            "invalid": _("No file was sent: take or choose a photo again."),
        },
    )
    phase = forms.ChoiceField(
        label=_("Before or after"),
        choices=Phase.choices,
        widget=forms.RadioSelect,
    )
    leg = forms.ChoiceField(
        label=_("Leg"), choices=Leg.choices, widget=forms.RadioSelect
    )
    view = forms.ChoiceField(
        label=_("View"), choices=View.choices, widget=forms.RadioSelect
    )
    taken_at = forms.DateTimeField(
        label=_("Taken at"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        validators=[validate_clinical_date],
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=FREE_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_image(self) -> Any:
        upload = self.cleaned_data["image"]
        # The processed photo is kept for the view: the file is read once.
        self.clean_photo = imaging.clean_photo(upload, size=upload.size)
        return upload

    def clean_taken_at(self) -> Any:
        taken_at = self.cleaned_data["taken_at"]
        if taken_at > timezone.now() + FUTURE_TOLERANCE:
            raise ValidationError(
                _("A photo cannot be taken in the future."), code="future"
            )
        return taken_at

"""Form pieces every app uses: date and time widgets, the void form, the
clinician menu, and putting a service's ValidationError back on a form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from core.clock import DATE_INPUT_FORMATS
from core.roles import clinician_label
from core.validators import validate_clinical_date, validate_reason


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


def date_field(label: Any, *, required: bool = True) -> forms.DateField:
    """Return a date field of clinical care: the clinic's input formats, a
    plausible range (core.validators) and a clear message."""
    return forms.DateField(
        label=label,
        required=required,
        validators=[validate_clinical_date],
        input_formats=DATE_INPUT_FORMATS,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD.")},
    )


class DecimalInputField(forms.DecimalField):
    """A decimal typed as text: "0,3" and "0.3" both mean three tenths.

    A number input would drop the comma an Italian keyboard types ("0,3"
    became 3 in Chromium); a text input with inputmode=decimal keeps what was
    typed, the server parses it, and the value is shown back in the user's
    language. A value out of range is a field error.
    """

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip().replace(" ", "")
            if "," in text and "." in text:
                raise ValidationError(
                    _("Use one decimal separator: 0,3 or 0.3."), code="invalid"
                )
            value = text.replace(",", ".")
        return super().to_python(value)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        # A number input's hints would come back; the server checks the range.
        for name in ("min", "max", "step"):
            attrs.pop(name, None)
        attrs["inputmode"] = "decimal"
        attrs["autocomplete"] = "off"
        return attrs


class ListedChoiceIterator(ModelChoiceIterator):
    """The menu read once per form: Django's iterator reads the queryset anew
    each time the choices are listed (for the menu, again for a second
    rendering, and by the page around the form); this one reads the field's
    queryset itself, whose rows stay in its result cache for the rest of the
    request. A changed queryset (`field.queryset = …`) is a new one."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)

    def __len__(self) -> int:
        # Django counts in SQL (a widget asks how many choices there are);
        # the rows read here are the ones the menu then lists.
        return len(self.queryset) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.queryset)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A model menu whose rows are read once per form (ListedChoiceIterator):
    `list(field.queryset)` gives the rows the menu shows, with no query
    once either was read."""

    iterator = ListedChoiceIterator

    def list_rows(self, rows: Any) -> None:
        """Give the menu the rows of its queryset that the caller already
        read (the same queryset, for something else on the page): it lists
        them without reading them again."""
        queryset: Any = self.queryset
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True


class ClinicianChoiceField(ListedModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return clinician_label(obj)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=255,
        strip=True,
        validators=[validate_reason],
        error_messages={"required": _("Give a reason for voiding.")},
    )


def add_service_error(
    error: ValidationError,
    *forms_: forms.BaseForm,
    field_map: Mapping[str, str] | None = None,
) -> None:
    """Show a service's ValidationError on the forms of a page.

    Each key (a model field name, renamed by `field_map` where the form
    calls it otherwise) goes to the first form with that field; anything
    else becomes a form-wide error of the first form.
    """
    first = forms_[0]
    if not hasattr(error, "error_dict"):
        first.add_error(None, error)
        return
    for key, errors in error.error_dict.items():
        name = (field_map or {}).get(key, key)
        target = next((f for f in forms_ if name in f.fields), None)
        if target is None:
            first.add_error(None, errors)
        else:
            target.add_error(name, errors)


class VersionField(forms.IntegerField):
    """The version of the record the form was opened on (optimistic locking)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        super().__init__(**kwargs)


# The longest free text (notes, history, conclusions, reasons) a form takes:
# pages of a clinical note, far from the megabytes a request could carry.
FREE_TEXT_MAX_LENGTH = 5000


def limit_free_text(form: forms.BaseForm, limit: int = FREE_TEXT_MAX_LENGTH) -> None:
    """Give every text field of the form that has no length limit this one:
    a maxlength on the input and a message on the field past it."""
    for field in form.fields.values():
        if type(field) is not forms.CharField or field.max_length is not None:
            continue
        field.max_length = limit
        field.validators.append(validators.MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = str(limit)


class VersionedModelForm(forms.ModelForm):
    """A ModelForm that carries the edited record's version in a hidden field,
    for the service's check_version(); its free text has a length limit."""

    version = VersionField()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_free_text(self)
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


def amend_reason_field() -> forms.CharField:
    """The reason a change to a signed (or another's) record needs."""
    return forms.CharField(
        label=_("Reason for the change"),
        help_text=_(
            "The record is signed or not yours: the change is saved as an "
            "addendum with this reason, beside the original."
        ),
        strip=True,
        max_length=FREE_TEXT_MAX_LENGTH,
        validators=[validate_reason],
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Give the reason for this change: it goes in the addendum.")
        },
    )


class SignForm(forms.Form):
    """The sign button: carries the version the page was opened on."""

    version = VersionField()


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        strip=True,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what you add to the record.")},
    )

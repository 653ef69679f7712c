"""The access log's filter: who, and between which clinic days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from core.forms import date_field


def user_name(user: Any) -> str:
    """Return "Full Name (username)", or the username alone."""
    full = user.get_full_name()
    return f"{full} ({user.get_username()})" if full else user.get_username()


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return user_name(obj)


class AccessFilterForm(forms.Form):
    """Submitted by GET; a field with an error filters nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"] = UserField(
            label=_("Who"),
            queryset=get_user_model().objects.order_by(
                "last_name", "first_name", "username"
            ),
            required=False,
            empty_label=_("Anyone"),
            error_messages={"invalid_choice": _("Choose a user from the list.")},
        )
        # "from" is a Python keyword, hence fields added here, not declared.
        self.fields["from"] = date_field(_("From"), required=False)
        self.fields["to"] = date_field(_("To"), required=False)
        for name, field in self.fields.items():
            css = "form-select" if name == "user" else "form-control"
            field.widget.attrs["class"] = f"{css} {css}-sm"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("from"), cleaned.get("to")
        if first and last and first > last:
            self.add_error("to", _("The end date is before the start date."))
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        # Mark the fields in error (Bootstrap's red border).
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid"

    def filters(self) -> dict[str, Any]:
        """Return access_events' filter arguments. Call after is_valid()."""
        if not self.is_bound:
            return {"user": None, "first": None, "last": None}
        data = self.cleaned_data
        # Half a date range would answer another question: an error in
        # either date drops both.
        dates_ok = not self.has_error("from") and not self.has_error("to")
        return {
            "user": None if self.has_error("user") else data.get("user"),
            "first": data.get("from") if dates_ok else None,
            "last": data.get("to") if dates_ok else None,
        }

    def as_query(self) -> str:
        """Return the filter in words for the access log's own row."""
        found = self.filters()
        parts = []
        if found["user"] is not None:
            parts.append(f"user={found['user'].get_username()}")
        if found["first"] is not None:
            parts.append(f"from={found['first'].isoformat()}")
        if found["last"] is not None:
            parts.append(f"to={found['last'].isoformat()}")
        return " ".join(parts)

"""Forms of the sites pages: a site, its opening hours and closures, who
works there, clinicians' working hours and absences."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinics.models import Absence, AbsenceKind, Closure, Site, Weekday
from core.forms import DateTimeLocalInput, TimeInput, date_field
from core.models import Letterhead
from core.validators import validate_clinical_date

# Working and opening intervals a day may hold (a morning and an afternoon,
# an evening): enough for any real timetable, a bounded formset.
MAX_INTERVALS = 21


class SiteForm(forms.ModelForm):
    letterhead = forms.ModelChoiceField(
        label=_("Letterhead"),
        queryset=Letterhead.objects.none(),
        required=False,
        empty_label=_("The clinic's letterhead"),
        help_text=_("Printed on the aftercare sheets and slips of this site."),
    )

    class Meta:
        model = Site
        fields = ["name", "address", "phone", "slot_minutes", "is_active"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        clinic = Letterhead.objects.order_by("id").first()
        choices = Letterhead.objects.order_by("clinic_name", "id")
        if clinic is not None:
            choices = choices.exclude(pk=clinic.pk)
        letterhead = self.fields["letterhead"]
        assert isinstance(letterhead, forms.ModelChoiceField)
        letterhead.queryset = choices
        if self.instance.pk:
            self.initial["letterhead"] = self.instance.letterhead_id


class SiteLetterheadForm(forms.ModelForm):
    class Meta:
        model = Letterhead
        fields = ["clinic_name", "address", "phone", "emergency_phone", "email"]
        widgets = {"address": forms.Textarea(attrs={"rows": 3})}
        labels = {"clinic_name": _("Name printed at the top")}


class IntervalForm(forms.Form):
    """One interval of a weekday: opening hours of a site, or working hours."""

    # A blank row (no day, no times) is ignored: the page's spare rows, or a
    # row emptied to remove it.
    weekday = forms.TypedChoiceField(
        label=_("Day"), choices=[("", "—"), *Weekday.choices], coerce=int
    )
    starts = forms.TimeField(label=_("From"), widget=TimeInput())
    ends = forms.TimeField(label=_("To"), widget=TimeInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and starts >= ends:
            self.add_error("ends", gettext("The end must be after the start."))
        return data


class WorkingIntervalForm(IntervalForm):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())

    def __init__(self, *args: Any, sites: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = sites if sites is not None else Site.objects.active()

    field_order = ["weekday", "site", "starts", "ends"]


class BaseIntervalFormSet(forms.BaseFormSet):
    """Intervals of one week; two on the same day may not overlap (for
    working hours: not even at two sites, a clinician is in one place)."""

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: list[tuple[int, time, time]] = []
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):  # type: ignore[attr-defined]
                continue
            data = form.cleaned_data
            if not data:
                continue
            day, starts, ends = data["weekday"], data["starts"], data["ends"]
            for other_day, other_starts, other_ends in seen:
                if day == other_day and starts < other_ends and other_starts < ends:
                    form.add_error(
                        "starts",
                        gettext("This overlaps %(from)s–%(to)s on the same day.")
                        % {
                            "from": other_starts.strftime("%H:%M"),
                            "to": other_ends.strftime("%H:%M"),
                        },
                    )
                    break
            seen.append((day, starts, ends))

    def intervals(self) -> list[dict[str, Any]]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.has_changed()
            and form.cleaned_data
            and not self._should_delete_form(form)  # type: ignore[attr-defined]
        ]


def interval_formset(form: type[forms.Form]) -> type[forms.BaseFormSet]:
    return forms.formset_factory(
        form,
        formset=BaseIntervalFormSet,
        extra=3,
        can_delete=True,
        max_num=MAX_INTERVALS,
        validate_max=True,
        absolute_max=MAX_INTERVALS + 3,
    )


OpeningHoursFormSet = interval_formset(IntervalForm)
WorkingHoursFormSet = interval_formset(WorkingIntervalForm)


class ClosureForm(forms.ModelForm):
    first_day = date_field(_("First day"))
    last_day = date_field(_("Last day"))

    class Meta:
        model = Closure
        fields = ["first_day", "last_day", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and first > last:
            self.add_error(
                "last_day", gettext("The last day cannot be before the first.")
            )
        return data


class UsersField(forms.ModelMultipleChoiceField):
    """Accounts by id; an id no database column holds is refused on the
    field (SQLite cannot even compare it)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            text = str(pk).strip()
            if not text.isdigit() or int(text) > 2**31 - 1:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": text[:20]},
                )
        return super()._check_values(value)  # type: ignore[misc]


class StaffForm(forms.Form):
    users = UsersField(
        label=_("Works at this site"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = self.fields["users"]
        assert isinstance(users, forms.ModelMultipleChoiceField)
        users.queryset = (
            get_user_model()
            .objects.filter(is_active=True)
            .order_by("last_name", "first_name", "username")
        )
        users.label_from_instance = _user_label  # type: ignore[method-assign,assignment]


def _user_label(user: Any) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


class AbsenceForm(forms.ModelForm):
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)

    class Meta:
        model = Absence
        fields = ["clinician", "starts_at", "ends_at", "kind", "note"]

    def __init__(self, *args: Any, clinicians: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, forms.ModelChoiceField)
        if clinicians is not None:
            field.queryset = clinicians
        field.label_from_instance = _user_label  # type: ignore[method-assign,assignment]

    def _clean_moment(self, name: str) -> datetime | None:
        value = _aware(self.cleaned_data.get(name))
        if value is not None:
            validate_clinical_date(value)
        return value

    def clean_starts_at(self) -> datetime | None:
        return self._clean_moment("starts_at")

    def clean_ends_at(self) -> datetime | None:
        return self._clean_moment("ends_at")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and starts >= ends:
            self.add_error("ends_at", gettext("The end must be after the start."))
        return data


class AbsenceFilterForm(forms.Form):
    clinician = forms.ModelChoiceField(
        label=_("Clinician"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("All clinicians"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args: Any, clinicians: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        assert isinstance(field, forms.ModelChoiceField)
        if clinicians is not None:
            field.queryset = clinicians
        field.label_from_instance = _user_label  # type: ignore[method-assign,assignment]

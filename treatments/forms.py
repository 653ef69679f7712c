"""Session form and its inline injection rows.

Forms only shape input; limits, contraindications and locking are checked by
`treatments.services`, whose errors the views put back on these forms.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, cast

from django import forms
from django.db.models import Q
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.forms.utils import ErrorDict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from clinics.models import Site
from clinics.scoping import user_site_ids
from clinics.selectors import several_sites
from core.forms import (
    DateTimeLocalInput,
    DecimalInputField,
    VersionedModelForm,
    amend_reason_field,
)
from core.models import AddendumKind
from doppler.models import DopplerAssessment
from doppler.segments import Segment
from patients.models import Patient
from treatments.choices import Compression, Form
from treatments.lots import lot_label, proposed_lot, usable_lots
from treatments.models import Injection, SclerosantLot, TreatmentSession
from treatments.submission import INJECTION_FIELDS, SESSION_FIELDS

if TYPE_CHECKING:
    from treatments.guidance import Note

# Veins that are injected (deep veins and junctions are not).
TREATABLE_SEGMENTS = [
    Segment.GSV_A,
    Segment.GSV_B,
    Segment.AASV,
    Segment.PASV,
    Segment.SSV,
    Segment.NSV,
    Segment.TPV,
    Segment.CPV,
]


def _site_choice(field: forms.Field, user, current_id: int | None) -> int | None:
    """Offer the sites in use (and the record's own); return the default:
    the user's only site, else the first of their sites, else the first."""
    site_ids = user_site_ids(user) if user is not None else None
    sites = Site.objects.filter(Q(is_active=True) | Q(pk=current_id)).order_by("name")
    cast("forms.ModelChoiceField[Site]", field).queryset = sites
    ids = [site.pk for site in sites]
    mine = [pk for pk in ids if site_ids is None or pk in site_ids]
    return mine[0] if mine else (ids[0] if ids else None)


class SessionForm(VersionedModelForm):
    """The session itself: date, weight, Doppler, screening, compression."""

    class Meta:
        model = TreatmentSession
        fields = [*SESSION_FIELDS, "site", "limit_override_reason"]
        field_classes = {"weight_kg": DecimalInputField}
        widgets = {
            "performed_at": DateTimeLocalInput(),
            "screening_notes": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
            "immediate_reactions": forms.Textarea(attrs={"rows": 2}),
            "limit_override_reason": forms.Textarea(attrs={"rows": 2}),
            "screening_missing_reason": forms.Textarea(attrs={"rows": 2}),
            "consent_missing_reason": forms.Textarea(attrs={"rows": 2}),
            "compression": forms.RadioSelect,
        }

    def __init__(
        self,
        *args,
        patient: Patient,
        can_override: bool = False,
        amending: bool = False,
        user=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self._site_field(user)
        if amending:
            self.fields["amend_reason"] = amend_reason_field()
        performed_at = cast(forms.DateTimeField, self.fields["performed_at"])
        performed_at.input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        doppler = cast(
            "forms.ModelChoiceField[DopplerAssessment]", self.fields["doppler"]
        )
        doppler.queryset = DopplerAssessment.objects.filter(
            patient=patient, voided_at__isnull=True
        ).order_by("-assessed_on", "-id")
        # The label is set on this form's field; mypy refuses assigning to a method.
        doppler.label_from_instance = lambda obj: (  # type: ignore[method-assign]
            _("Doppler of %(date)s") % {"date": obj.assessed_on.isoformat()}
        )
        doppler.empty_label = _("— none —")
        if not self.instance.pk:
            self.initial.setdefault("weight_kg", patient.weight_kg)
            self.initial.setdefault(
                "performed_at", timezone.localtime().replace(second=0, microsecond=0)
            )
            self.initial.setdefault(
                "doppler", doppler.queryset.values_list("pk", flat=True).first()
            )
        compression = cast(forms.ChoiceField, self.fields["compression"])
        compression.choices = Compression.choices
        self.fields["weight_kg"].help_text = _(
            "Used for the polidocanol limit (2 mg/kg/day)."
        )
        self.fields["stocking_mmhg"].help_text = _(
            "Instead of, or as well as, a class."
        )
        if can_override:
            # The figures it confirms are shown beside it (totals card).
            self.fields["confirm_override"] = forms.BooleanField(
                required=False, label=_("I confirm exceeding the limit")
            )
            self.fields["limit_override_reason"].help_text = _(
                "Only if a dose or foam limit must be exceeded: "
                "the record will show it."
            )
        else:
            del self.fields["limit_override_reason"]

    def _site_field(self, user) -> None:
        """Where the session took place: chosen only in a clinic with several
        sites in use (a single-site clinic's session gets its only site)."""
        if not several_sites():
            del self.fields["site"]
            return
        field = self.fields["site"]
        field.required = True
        field.label = _("Site")
        default = _site_choice(field, user, self.instance.site_id)
        if not self.instance.pk:
            self.initial.setdefault("site", default)

    def clean_performed_at(self):
        performed_at = self.cleaned_data["performed_at"]
        if (
            performed_at
            and timezone.localtime(performed_at).date() > timezone.localdate()
        ):
            raise forms.ValidationError(_("The session date cannot be in the future."))
        return performed_at


def _style(field: forms.Field) -> None:
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs["class"] = "form-check-input"
    elif isinstance(widget, forms.Select):
        widget.attrs["class"] = "form-select form-select-sm"
    elif not isinstance(widget, forms.HiddenInput):
        widget.attrs["class"] = "form-control form-control-sm"


class SessionAddendumForm(forms.Form):
    """A note or a reaction added to a session."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (AddendumKind.NOTE.value, AddendumKind.NOTE.label),
            (AddendumKind.REACTION.value, AddendumKind.REACTION.label),
        ],
        widget=forms.RadioSelect,
        initial=AddendumKind.NOTE.value,
    )
    text = forms.CharField(
        label=_("Text"),
        strip=True,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write what you add to the record.")},
    )
    noticed_at = forms.DateTimeField(
        label=_("Reaction noticed at"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=DateTimeLocalInput(),
        help_text=_("For a reaction: when the patient or you noticed it."),
        error_messages={"invalid": _("Enter a date and time as YYYY-MM-DD HH:MM.")},
    )


class InjectionForm(forms.ModelForm):
    """One vein treated. Saved rows removed in the page send `void`."""

    void = forms.BooleanField(required=False, widget=forms.HiddenInput)

    if TYPE_CHECKING:
        # Put on by the session views for the row templates.
        row_index: int
        derived_values: tuple[Decimal, Decimal] | None  # (liquid mL, mg)
        notes: list[Note]

    class Meta:
        model = Injection
        # The leg-map position is set by the map (static/js/session_legmap.js);
        # a row entered by keyboard has none.
        fields = list(INJECTION_FIELDS)
        widgets = {
            "diagram_x_pct": forms.HiddenInput,
            "diagram_y_pct": forms.HiddenInput,
        }
        field_classes = {
            "concentration_pct": DecimalInputField,
            "gas_parts": DecimalInputField,
            "volume_ml": DecimalInputField,
        }

    def __init__(self, *args, lot_options: list[SclerosantLot] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._set_up_lot(usable_lots() if lot_options is None else lot_options)
        segment = cast(forms.ChoiceField, self.fields["segment"])
        segment.choices = [("", "—")] + [(s.value, s.value) for s in TREATABLE_SEGMENTS]
        segment.widget.attrs["title"] = _("Segment")
        gas = cast(forms.ChoiceField, self.fields["gas"])
        # The getter returns the normalised list; the stubs give it the
        # setter's wider input type.
        gas.choices = [("", "—")] + list(gas.choices)[1:]  # type: ignore[arg-type]
        self.fields["form"].initial = Form.LIQUID
        self.fields["site"].widget.attrs["placeholder"] = _("e.g. lateral thigh")
        for field in self.fields.values():
            _style(field)

    def _set_up_lot(self, options: list[SclerosantLot]) -> None:
        """Offer the open, unexpired lots (and the row's own lot, even closed);
        any lot is accepted here and judged by Injection.clean. A new row
        with an agent and a concentration gets the lot to propose."""
        field = cast("forms.ModelChoiceField[SclerosantLot]", self.fields["lot"])
        field.queryset = SclerosantLot.objects.all()
        field.label = _("Lot")
        field.help_text = _(
            "Left empty, the only open lot of that agent and concentration is recorded."
        )
        choices = [(lot.pk, lot_label(lot)) for lot in options]
        offered = {lot.pk for lot in options}
        own = self.instance.lot if self.instance.lot_id else None
        if own is not None and own.pk not in offered:
            choices.append((own.pk, lot_label(own)))
            offered.add(own.pk)
        posted = str(self.data.get(self.add_prefix("lot"), "")) if self.is_bound else ""
        if posted.isdigit() and len(posted) < 19 and int(posted) not in offered:
            # A lot refused for this row stays shown beside its message.
            refused = SclerosantLot.objects.filter(pk=int(posted)).first()
            if refused is not None:
                choices.append((refused.pk, lot_label(refused)))
        field.widget.choices = [("", "—"), *choices]
        field.widget.attrs["data-lot-select"] = "1"
        if not self.is_bound and not self.instance.pk:
            agent = self.initial.get("agent")
            pct = self.initial.get("concentration_pct")
            try:
                pct = Decimal(str(pct)) if pct not in (None, "") else None
            except ArithmeticError:
                pct = None
            proposed = proposed_lot(options, agent or "", pct)
            self.initial["lot"] = proposed.pk if proposed else None

    @property
    def is_void(self) -> bool:
        """True for a saved row the user removed from the page."""
        if not self.is_bound or not self.instance.pk:
            return False
        value = self.data.get(self.add_prefix("void"), "")
        return str(value).lower() in ("1", "on", "true")

    @property
    def is_gap(self) -> bool:
        """True for a new row removed from the page: nothing was posted for it."""
        if not self.is_bound or self.instance.pk:
            return False
        start = self.add_prefix("")
        return not any(key.startswith(start) for key in self.data)

    def has_changed(self) -> bool:
        # A removed new row leaves a gap in the indexes; it is an untouched row.
        return False if self.is_gap else super().has_changed()

    def full_clean(self) -> None:
        if self.is_void:
            # A removed row is voided as it is; its fields are not checked.
            self._errors = ErrorDict()
            self.cleaned_data = {"id": self.instance, "void": True}
            return
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"


class BaseInjectionFormSet(BaseInlineFormSet):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Injection.objects.none())
        super().__init__(*args, **kwargs)

    @cached_property
    def lot_options(self) -> list[SclerosantLot]:
        """Return the open, unexpired lots, read once for every row."""
        return usable_lots()

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["lot_options"] = self.lot_options
        return kwargs

    def lot_options_data(self) -> list[dict[str, str]]:
        """Return the lots for the page's script, which proposes one per row."""
        return [
            {
                "id": str(lot.pk),
                "agent": lot.agent,
                "pct": str(lot.concentration_pct),
                "expiry": lot.expiry_date.isoformat(),
            }
            for lot in self.lot_options
        ]

    def rows(self) -> list[dict]:
        """Return the cleaned rows to keep (new and changed), for the service."""
        rows = []
        for form in self.kept_forms():
            row = {
                name: form.cleaned_data.get(name) for name in InjectionForm.Meta.fields
            }
            ident = form.instance.pk or _posted_id(form)
            if ident:
                row["id"] = ident
            rows.append(row)
        return rows

    def kept_forms(self) -> list[InjectionForm]:
        """Return the forms of rows to keep: not voided, not left blank."""
        kept = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if _posted_id(form):
                # An id the formset's queryset does not hold (another
                # session's injection, or one removed meanwhile) goes to the
                # service, which refuses the row: never voided, never copied.
                kept.append(form)
                continue
            if not data or data.get("void"):
                continue
            if not form.instance.pk and not form.has_changed():
                continue
            kept.append(form)
        return kept


def _posted_id(form: InjectionForm) -> int | None:
    """Return the injection id posted for a row the formset could not match
    to one of its own injections (the form then holds a new instance)."""
    if form.instance.pk:
        return None
    posted = (getattr(form, "cleaned_data", None) or {}).get("id")
    return getattr(posted, "pk", None)


# The most injection rows one session form takes. A long session of spider
# veins is some 30-40 punctures at 0.1-0.3 mL within the 10 mL a session
# allows; 60 leaves room and keeps a posted TOTAL_FORMS=100000 from building
# that many forms: Django stops at absolute_max and says so on the formset.
MAX_INJECTIONS_PER_SESSION = 60


def injection_formset(extra: int):
    return inlineformset_factory(
        TreatmentSession,
        Injection,
        form=InjectionForm,
        formset=BaseInjectionFormSet,
        extra=extra,
        can_delete=False,
        max_num=MAX_INJECTIONS_PER_SESSION,
        absolute_max=MAX_INJECTIONS_PER_SESSION,
        validate_max=True,
    )

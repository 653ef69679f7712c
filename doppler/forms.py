"""Forms of the Doppler assessment: the header fields and the segment grid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import (
    DateInput,
    DecimalInputField,
    VersionedModelForm,
    amend_reason_field,
)
from core.roles import clinicians
from doppler.clinical import (
    CEAP_PART_CHOICES,
    CEAP_PART_LABELS,
    LEGS,
    VCSS_ITEM_MAX,
    VCSS_ITEMS,
    CeapClass,
    ceap_field,
    ceap_fields,
    join_ceap_classes,
    leg_side,
    vcss_field,
    vcss_fields,
    vcss_total_field,
)
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import (
    MAX_DIAMETER_MM,
    MAX_REFLUX_S,
    Segment,
    Thrombus,
    reflux_cutoff_s,
)
from doppler.services import FINDING_DATA_FIELDS, finding_key
from patients.models import Leg

# Rows of the worksheet, grouped the way the examiner scans the leg.
SEGMENT_GROUPS: list[tuple[Any, list[Segment]]] = [
    (
        gettext_lazy("Superficial veins"),
        [
            Segment.SFJ,
            Segment.GSV_A,
            Segment.GSV_B,
            Segment.AASV,
            Segment.PASV,
            Segment.SPJ,
            Segment.SSV,
            Segment.NSV,
        ],
    ),
    (gettext_lazy("Perforators"), [Segment.TPV, Segment.CPV]),
    (
        gettext_lazy("Deep veins"),
        [Segment.CFV, Segment.DFV, Segment.FV, Segment.POPV, Segment.TIBV],
    ),
]
MIN_DIAMETER_MM = Decimal("0.1")
# Short labels fit the grid cell; the read view shows the full ones.
GRID_THROMBUS_CHOICES = [
    (Thrombus.NONE, gettext_lazy("Patent")),
    (Thrombus.ACUTE, gettext_lazy("Acute thrombus")),
    (Thrombus.CHRONIC, gettext_lazy("Chronic / PTS")),
    (Thrombus.OCCLUDED, gettext_lazy("Occluded / ablated")),
]
VCSS_FIELD_NAMES = [*vcss_fields(Leg.RIGHT), *vcss_fields(Leg.LEFT)]
# A select per VCSS item: blank (not scored) or 0-3.
VCSS_SCORE_CHOICES = [("", "–"), *((n, str(n)) for n in range(VCSS_ITEM_MAX + 1))]


class CellDecimalField(DecimalInputField):
    """A decimal grid cell, with messages that name the cell."""

    def __init__(self, *, range_message: str, invalid_message: str, **kwargs: Any):
        kwargs.setdefault("required", False)
        kwargs["error_messages"] = {
            "min_value": range_message,
            "max_value": range_message,
            "invalid": invalid_message,
            "max_decimal_places": _("Use at most %(max)s decimals."),
        }
        super().__init__(**kwargs)


def _cell_fields(leg: Leg, segment: Segment) -> dict[str, forms.Field]:
    where = f"{leg.label} {segment.value}"
    cell = "form-control form-control-sm"
    return {
        "reflux_s": CellDecimalField(
            label=_("%(where)s reflux (s)") % {"where": where},
            min_value=Decimal("0"),
            max_value=MAX_REFLUX_S,
            decimal_places=2,
            range_message=_("Reflux must be between 0 and %(max)s s.")
            % {"max": MAX_REFLUX_S},
            invalid_message=_("Enter reflux in seconds, e.g. 0.8."),
            widget=forms.TextInput(attrs={"class": cell, "placeholder": "s"}),
        ),
        "diameter_mm": CellDecimalField(
            label=_("%(where)s diameter (mm)") % {"where": where},
            min_value=MIN_DIAMETER_MM,
            max_value=MAX_DIAMETER_MM,
            decimal_places=1,
            range_message=_("Diameter must be between %(min)s and %(max)s mm.")
            % {"min": MIN_DIAMETER_MM, "max": MAX_DIAMETER_MM},
            invalid_message=_("Enter the diameter in mm, e.g. 5.5."),
            widget=forms.TextInput(attrs={"class": cell, "placeholder": "mm"}),
        ),
        "thrombus": forms.ChoiceField(
            label=_("%(where)s occlusion / thrombus") % {"where": where},
            choices=GRID_THROMBUS_CHOICES,
            required=False,
            initial=Thrombus.NONE,
            widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
        ),
        "note": forms.CharField(
            label=_("%(where)s note") % {"where": where},
            required=False,
            max_length=255,
            error_messages={"max_length": _("Keep the note under 255 characters.")},
            widget=forms.TextInput(attrs={"class": cell}),
        ),
    }


class SegmentGridForm(forms.Form):
    """One row per segment, four cells per leg; names from `finding_key`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for _group, segments in SEGMENT_GROUPS:
            for segment in segments:
                for leg in LEGS:
                    for name, field in _cell_fields(leg, segment).items():
                        field.widget.attrs["aria-label"] = field.label
                        self.fields[finding_key(leg, segment, name)] = field

    @staticmethod
    def initial_from(findings: list[DopplerFinding]) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for finding in findings:
            for name in FINDING_DATA_FIELDS:
                initial[finding_key(finding.leg, finding.segment, name)] = getattr(
                    finding, name
                )
        return initial

    def full_clean(self) -> None:
        super().full_clean()
        # Mark the wrong cells so Bootstrap outlines them and shows the message.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = widget.attrs.get("class", "") + " is-invalid"
                widget.attrs["aria-invalid"] = "true"

    def findings(self) -> list[dict[str, Any]]:
        """Return one dict per leg and segment for the services (after is_valid)."""
        rows = []
        for segment in Segment:
            for leg in LEGS:
                row: dict[str, Any] = {"leg": leg.value, "segment": segment.value}
                for name in FINDING_DATA_FIELDS:
                    row[name] = self.cleaned_data.get(finding_key(leg, segment, name))
                rows.append(row)
        return rows

    def groups(self) -> list[dict[str, Any]]:
        """Return the grid laid out for the template: groups, rows, cells per leg."""
        laid_out = []
        for label, segments in SEGMENT_GROUPS:
            rows = []
            for segment in segments:
                sides = {}
                for leg in LEGS:
                    cells = {
                        name: self[finding_key(leg, segment, name)]
                        for name in FINDING_DATA_FIELDS
                    }
                    sides["right" if leg == Leg.RIGHT else "left"] = cells
                has_errors = any(
                    cell.errors for side in sides.values() for cell in side.values()
                )
                rows.append(
                    {
                        "segment": segment.value,
                        "label": segment.label,
                        "cutoff_s": reflux_cutoff_s(segment),
                        "has_errors": has_errors,
                        "sides": [sides["right"], sides["left"]],
                    }
                )
            laid_out.append({"label": label, "rows": rows})
        return laid_out


class ExaminerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


def examiner_choices(current: Any = None) -> QuerySet:
    """Return the active clinicians, plus the examiner of the record edited."""
    return clinicians(including=current)


class DopplerAssessmentForm(VersionedModelForm):
    """Date, examiner, CEAP and the ten VCSS items per leg, conclusion and plan.

    The VCSS total and the highest CEAP class are derived, never typed. The
    model's clean() runs on the form's instance, so a rule it breaks (ulcer
    items without C6 or C6r, a partial VCSS) is a message on the field.
    """

    class Meta:
        model = DopplerAssessment
        fields = [
            "assessed_on",
            "examiner",
            *ceap_fields(Leg.RIGHT),
            *ceap_fields(Leg.LEFT),
            *vcss_fields(Leg.RIGHT),
            *vcss_fields(Leg.LEFT),
            "conclusion",
            "recommended_plan",
            "plan_notes",
        ]
        field_classes = {"examiner": ExaminerChoiceField}
        widgets = {
            "assessed_on": DateInput(),
            "conclusion": forms.Textarea(attrs={"rows": 3}),
            "plan_notes": forms.Textarea(attrs={"rows": 2}),
        }

    # For the scoring guide below the selects.
    vcss_items = VCSS_ITEMS

    def __init__(self, *args, user=None, amending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if amending:
            self.fields["amend_reason"] = amend_reason_field()
        current = self.instance.examiner if self.instance.examiner_id else None
        examiner = cast(ExaminerChoiceField, self.fields["examiner"])
        examiner.queryset = examiner_choices(current)
        if not self.instance.pk:
            self.initial.setdefault("assessed_on", timezone.localdate())
            if user is not None:
                self.initial.setdefault("examiner", user.pk)
        for leg in LEGS:
            self._leg_fields(leg)

    def _leg_fields(self, leg: Leg) -> None:
        """Shape one leg's CEAP and VCSS fields; the leg is in the heading."""
        classes = ceap_field("c", leg)
        self.fields[classes] = forms.MultipleChoiceField(
            label=CEAP_PART_LABELS["c"],
            choices=CeapClass.choices,
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
        # The list of classes; an older record gives its single class.
        self.initial[classes] = self.instance.ceap_classes(leg)
        for part, choices in CEAP_PART_CHOICES.items():
            field = cast(forms.ChoiceField, self.fields[ceap_field(part, leg)])
            field.label = CEAP_PART_LABELS[part]
            field.choices = [("", "–"), *choices.choices]
            field.widget.attrs["aria-label"] = f"{leg.label}: {field.label}"
        for item in VCSS_ITEMS:
            self.fields[vcss_field(item.key, leg)] = forms.TypedChoiceField(
                label=f"{item.number}. {item.label}",
                choices=VCSS_SCORE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.Select(
                    attrs={
                        "class": "form-select form-select-sm vcss-score",
                        "aria-label": f"{leg.label}: {item.number}. {item.label}",
                    }
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        # As the service does: clearing every item of a leg scored item by
        # item clears its total too, before the model checks the instance.
        for leg in LEGS:
            cleared = all(data.get(name) is None for name in vcss_fields(leg))
            if cleared and self.instance.vcss_items_recorded(leg):
                setattr(self.instance, vcss_total_field(leg), None)
        return data

    def clean_ceap_c_right(self) -> str:
        return join_ceap_classes(self.cleaned_data["ceap_c_right"])

    def clean_ceap_c_left(self) -> str:
        return join_ceap_classes(self.cleaned_data["ceap_c_left"])

    def full_clean(self) -> None:
        super().full_clean()
        for name in set(self.errors) & set(VCSS_FIELD_NAMES):
            errors = self.errors[name]
            # A select that was refused reads as blank to the model, which
            # then also asks for all ten items: one message is enough.
            if len(errors) > 1:
                errors.data = [
                    error for error in errors.as_data() if error.code != "vcss_partial"
                ]
            # Mark the select; the table draws it by hand.
            widget = self.fields[name].widget
            widget.attrs["class"] += " is-invalid"
            widget.attrs["aria-invalid"] = "true"

    def ceap_legs(self) -> list[dict[str, Any]]:
        """Return each leg's CEAP fields for the template."""
        return [
            {
                "leg": leg,
                "classes": self[ceap_field("c", leg)],
                "parts": [self[ceap_field(part, leg)] for part in ("s", "e", "a", "p")],
            }
            for leg in LEGS
        ]

    def vcss_rows(self) -> list[dict[str, Any]]:
        """Return the ten items, each with the right and the left select and
        the messages of both."""
        rows = []
        for item in VCSS_ITEMS:
            cells = [self[vcss_field(item.key, leg)] for leg in LEGS]
            # The messages go below the row: they name their leg.
            errors = [error for cell in cells for error in cell.errors]
            rows.append({"item": item, "cells": cells, "errors": errors})
        return rows

    def vcss_stored_totals(self) -> list[dict[str, Any]]:
        """Return each leg's total as saved, and whether it was saved without items."""
        instance = self.instance
        return [
            {
                "total": instance.vcss_total(leg) if instance.pk else None,
                "total_only": bool(instance.pk)
                and instance.vcss_total(leg) is not None
                and not instance.vcss_items_recorded(leg),
            }
            for leg in LEGS
        ]

    def service_fields(self) -> dict[str, Any]:
        """Return the cleaned header fields as keyword arguments for the services."""
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in (
                "assessed_on",
                "examiner",
                "conclusion",
                "recommended_plan",
                "plan_notes",
            )
        }
        for leg in LEGS:
            fields.update({name: data[name] for name in ceap_fields(leg)})
            scores = [data[name] for name in vcss_fields(leg)]
            fields[f"vcss_items_{leg_side(leg)}"] = (
                scores if any(score is not None for score in scores) else None
            )
        return fields

"""Forms of the Doppler assessment: the header fields and the segment grid."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.forms import DateInput, DecimalInputField, VersionedModelForm
from core.roles import clinicians
from doppler.models import (
    MAX_DIAMETER_MM,
    MAX_REFLUX_S,
    DopplerAssessment,
    DopplerFinding,
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
LEGS = [Leg.RIGHT, Leg.LEFT]
MIN_DIAMETER_MM = Decimal("0.1")
# Short labels fit the grid cell; the read view shows the full ones.
GRID_THROMBUS_CHOICES = [
    (Thrombus.NONE, gettext_lazy("Patent")),
    (Thrombus.ACUTE, gettext_lazy("Acute thrombus")),
    (Thrombus.CHRONIC, gettext_lazy("Chronic / PTS")),
    (Thrombus.OCCLUDED, gettext_lazy("Occluded / ablated")),
]
VCSS_MESSAGE = gettext_lazy("VCSS must be a whole number between 0 and 30.")


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
    """Date, examiner, CEAP and VCSS per leg, conclusion and plan."""

    class Meta:
        model = DopplerAssessment
        fields = [
            "assessed_on",
            "examiner",
            "ceap_right",
            "vcss_right",
            "ceap_left",
            "vcss_left",
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
        error_messages = {
            name: dict.fromkeys(("min_value", "max_value", "invalid"), VCSS_MESSAGE)
            for name in ("vcss_right", "vcss_left")
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.examiner if self.instance.examiner_id else None
        examiner = cast(ExaminerChoiceField, self.fields["examiner"])
        examiner.queryset = examiner_choices(current)
        if not self.instance.pk:
            self.initial.setdefault("assessed_on", timezone.localdate())
            if user is not None:
                self.initial.setdefault("examiner", user.pk)
        # The leg is in the heading above each pair, so the labels stay short.
        for name in ("ceap_right", "ceap_left"):
            self.fields[name].label = _("CEAP clinical class")
        for name in ("vcss_right", "vcss_left"):
            self.fields[name].label = _("VCSS (0–30)")
            self.fields[name].widget.attrs.update({"min": 0, "max": 30})

    def service_fields(self) -> dict[str, Any]:
        """Return the cleaned header fields as keyword arguments for the services."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

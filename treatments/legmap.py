"""The leg map of a treatment session: one numbered marker per injection.

Markers are numbered in row order (the order the session page lists the
injections, by id), so "3" on the map is row 3 of the session; an injection
without a position keeps its number but has no marker. A marker's colour says
the agent and the form (css class ``legmap-marker--<agent>-<form>``). On the
session form the last Doppler's pathological segments lie faintly under the
markers. A tapped point gives the row's leg, segment and site (point_prefill),
here on the server only, so the form, the pages and the PDFs agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from core import legmap
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import DEEP_SEGMENTS, Segment
from treatments.choices import Agent, Form
from treatments.models import Injection

UNDERLAY_REFLUX = "legmap-underlay-reflux"
MARKER_PREFIX = "legmap-marker--"
# A marker whose row has no agent or form yet.
MARKER_UNSET = "legmap-marker--unset"

# Heights on the drawing (viewBox units; the groin is at 20, the sole at 235)
# where the thigh ends at the knee, the knee at the calf, the calf at the ankle.
_KNEE_TOP = 110.0
_CALF_TOP = 135.0
_ANKLE_TOP = 205.0

# The site a point off every named segment gets: (part of the leg, view).
_SITES = {
    ("thigh", legmap.FRONT): pgettext_lazy("injection site", "thigh, front"),
    ("thigh", legmap.BACK): pgettext_lazy("injection site", "thigh, back"),
    ("knee", legmap.FRONT): pgettext_lazy("injection site", "knee, front"),
    ("knee", legmap.BACK): pgettext_lazy("injection site", "back of the knee"),
    ("calf", legmap.FRONT): pgettext_lazy("injection site", "lower leg, front"),
    ("calf", legmap.BACK): pgettext_lazy("injection site", "calf"),
    ("ankle", legmap.FRONT): pgettext_lazy("injection site", "ankle, front"),
    ("ankle", legmap.BACK): pgettext_lazy("injection site", "ankle, back"),
}


def marker_class(agent: str, form: str) -> str:
    """Return the marker's css class for an agent and a form."""
    if agent in Agent.values and form in Form.values:
        return f"{MARKER_PREFIX}{agent}-{form}"
    return MARKER_UNSET


def legend() -> list[tuple[str, str]]:
    """(css class, label) for each marker colour and for the underlay."""
    rows = [
        (marker_class(agent.value, form.value), f"{agent.label}, {form.label.lower()}")
        for agent in Agent
        for form in Form
        if not (agent == Agent.GLYCERIN and form == Form.FOAM)
    ]
    return rows


def underlay_legend() -> tuple[str, str]:
    return (UNDERLAY_REFLUX, _("Pathological reflux on the last Doppler"))


def part_of_leg(y: float) -> str:
    """Return "thigh", "knee", "calf" or "ankle" for a height on the drawing."""
    if y < _KNEE_TOP:
        return "thigh"
    if y < _CALF_TOP:
        return "knee"
    if y < _ANKLE_TOP:
        return "calf"
    return "ankle"


def _pct(value: object) -> Decimal | None:
    """A percentage of the drawing with one decimal, or None if it is not one."""
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or not 0 <= number <= 100:
        return None
    return number.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Prefill:
    x_pct: Decimal
    y_pct: Decimal
    leg: str = ""
    segment: str = ""
    site: str = ""

    def initial(self) -> dict[str, object]:
        values: dict[str, object] = {
            "diagram_x_pct": self.x_pct,
            "diagram_y_pct": self.y_pct,
        }
        if self.leg:
            values["leg"] = self.leg
        if self.segment:
            values["segment"] = self.segment
        if self.site:
            values["site"] = self.site
        return values


def point_prefill(x: object, y: object, treatable: Iterable[str]) -> Prefill | None:
    """What a row tapped at (x, y) percent of the drawing starts with.

    The leg and the segment under the point. A segment the form does not take
    goes into the site by name: a junction as it is, a deep vein as the skin
    over it ("thigh, front, over the femoral vein"). A point off every segment
    gets the part of the leg and the view ("thigh, front"). Outside the legs:
    only the position. Bad values give None.
    """
    x_pct, y_pct = _pct(x), _pct(y)
    if x_pct is None or y_pct is None:
        return None
    found = legmap.region_at(float(x_pct), float(y_pct))
    if found is None:
        return Prefill(x_pct, y_pct)
    leg, view, segment = found
    if segment and segment in set(treatable):
        return Prefill(x_pct, y_pct, leg=leg, segment=segment)
    name = str(Segment(segment).label) if segment else ""
    if segment and segment not in DEEP_SEGMENTS:
        # A junction: the point is at it (its tributaries).
        return Prefill(x_pct, y_pct, leg=leg, site=name)
    height = float(y_pct) * legmap.HEIGHT / 100
    site = str(_SITES[part_of_leg(height), view])
    if segment:
        # A deep vein is never the vein injected: the skin over it is.
        site = _("%(place)s, over the %(vein)s") % {
            "place": site,
            "vein": name[:1].lower() + name[1:],
        }
    return Prefill(x_pct, y_pct, leg=leg, site=site)


def numbered(injections: Iterable[Injection]) -> list[tuple[int, Injection]]:
    """The active injections with their row numbers, in row order (by id)."""
    active = sorted(
        (i for i in injections if i.voided_at is None), key=lambda i: i.pk or 0
    )
    return list(enumerate(active, start=1))


def has_position(injection: Injection) -> bool:
    return injection.diagram_x_pct is not None and injection.diagram_y_pct is not None


def place(injection: Injection) -> str:
    """The segment's name, the site, or both."""
    parts = [str(injection.get_segment_display()) if injection.segment else ""]
    parts.append(injection.site)
    return " · ".join(p for p in parts if p)


def injection_markers(
    rows: Sequence[tuple[int, Injection]], *, clinical: bool = True
) -> list[legmap.Marker]:
    """One marker per numbered injection with a position.

    Without clinical detail (the patient's sheet) a marker is plain and its
    label names the leg and the place only.
    """
    markers = []
    for number, inj in rows:
        if not has_position(inj):
            continue
        label = f"{number}: {inj.get_leg_display()}, {place(inj)}".rstrip(", ")
        css = marker_class(inj.agent, inj.form) if clinical else ""
        if clinical:
            label += f" – {inj.get_agent_display()} {inj.concentration_pct:g} %"
        markers.append(
            legmap.Marker(
                float(inj.diagram_x_pct),  # type: ignore[arg-type]
                float(inj.diagram_y_pct),  # type: ignore[arg-type]
                number,
                css,
                label,
            )
        )
    return markers


def _segment_labels() -> dict[str, str]:
    return {s.value: str(s.label) for s in Segment}


def session_map(
    injections: Iterable[Injection],
    *,
    size: str = "md",
    id_prefix: str = "session-legmap",
    clinical: bool = True,
    title: str = "",
) -> SafeString:
    """The map of a session's injections (prefetched: no query)."""
    return legmap.render(
        markers=injection_markers(numbered(injections), clinical=clinical),
        size=size,
        id_prefix=id_prefix,
        title=title or _("Leg map of the injections"),
        labels=_segment_labels(),
    )


# WeasyPrint paints an inline SVG without the page's stylesheet, so the PDF's
# map carries its colours as SVG presentation attributes (attributes, not
# style="": the browser's CSS still wins over them, and the CSP allows them).
_PDF_PAINT = (
    (
        '<polygon class="legmap-outline"',
        ' fill="#f8f5f2" stroke="#495057" stroke-width="1"',
    ),
    # The patient's sheet shows the legs, not the veins' outlines.
    ('class="legmap-region"', ' fill="none" stroke="none"'),
    ('<text class="legmap-leg-label"', ' font-size="10" fill="#212529"'),
    (
        '<text class="legmap-view-label"',
        ' font-size="10" font-weight="600" fill="#212529"',
    ),
    # Only the markers have circles and unclassed text (their numbers).
    ("<circle", ' fill="#1f4e79" stroke="#fff" stroke-width="1"'),
    ("<text x=", None),
)


def for_pdf(svg: str) -> SafeString:
    """The map with its colours as attributes, for WeasyPrint."""
    for anchor, paint in _PDF_PAINT:
        if paint is None:
            svg = svg.replace(
                anchor, '<text fill="#fff" font-size="9" font-weight="700" dy="0.6" x='
            )
        else:
            svg = svg.replace(anchor, anchor + paint)
    # Bigger dots, for numbers a patient reads on paper.
    svg = svg.replace(' r="5"/>', ' r="7"/>')
    return mark_safe(svg)  # noqa: S308 - fixed attributes added to safe markup


def map_key(injections: Iterable[Injection]) -> list[dict]:
    """number -> leg, place, agent %, form, volume; for the session page."""
    return [
        {
            "number": number,
            "injection": inj,
            "place": place(inj),
            "on_map": has_position(inj),
            "marker_class": marker_class(inj.agent, inj.form),
        }
        for number, inj in numbered(injections)
    ]


def reflux_segments(findings: Iterable[DopplerFinding]) -> list[tuple[str, str]]:
    return sorted({(f.leg, f.segment) for f in findings if f.pathological_reflux})


def underlays_for_patient(patient_id: int) -> dict[str, list[tuple[str, str]]]:
    """{doppler id: [(leg, segment), ...]} of the pathological reflux on each of
    the patient's Dopplers (one query), for the form's Doppler choice."""
    findings = DopplerFinding.objects.filter(
        assessment__patient_id=patient_id,
        assessment__voided_at__isnull=True,
        reflux_s__isnull=False,
    ).only("assessment", "leg", "segment", "reflux_s")
    by_doppler: dict[str, list[DopplerFinding]] = {}
    for finding in findings:
        by_doppler.setdefault(str(finding.assessment_id), []).append(finding)
    return {key: reflux_segments(rows) for key, rows in by_doppler.items()}


def form_map(
    *,
    markers: Iterable[legmap.Marker] = (),
    underlay: Iterable[tuple[str, str]] = (),
) -> SafeString:
    """The session form's map: the underlay and the rows' markers."""
    return legmap.render(
        dict.fromkeys(underlay, UNDERLAY_REFLUX),
        markers=markers,
        id_prefix="sessionmap",
        size="lg",
        title=_("Leg map of this session: tap to add an injection"),
        labels=_segment_labels(),
    )


def row_markers(rows: Iterable) -> list[legmap.Marker]:
    """Markers of the session form's rows (bound or not), numbered as the page
    numbers them: removed rows neither count nor show."""
    markers = []
    number = 0
    for row in rows:
        if getattr(row, "is_gap", False) or getattr(row, "is_void", False):
            continue
        number += 1
        x, y = _pct(row["diagram_x_pct"].value()), _pct(row["diagram_y_pct"].value())
        if x is None or y is None:
            continue
        agent, kind = row["agent"].value(), row["form"].value()
        css = marker_class(str(agent or ""), str(kind or ""))
        markers.append(legmap.Marker(float(x), float(y), number, css))
    return markers


def latest_doppler_id(patient_id: int) -> int | None:
    return (
        DopplerAssessment.objects.filter(patient_id=patient_id, voided_at__isnull=True)
        .order_by("-assessed_on", "-id")
        .values_list("pk", flat=True)
        .first()
    )


__all__ = [
    "MARKER_UNSET",
    "UNDERLAY_REFLUX",
    "Prefill",
    "form_map",
    "injection_markers",
    "legend",
    "map_key",
    "marker_class",
    "numbered",
    "point_prefill",
    "row_markers",
    "session_map",
    "underlays_for_patient",
]

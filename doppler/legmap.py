"""The leg map of a Doppler assessment: each examined segment coloured by its
finding (core.legmap draws it).

A segment is coloured by the rules the findings grid already uses: an
occlusion or thrombus first, then pathological reflux (reflux longer than the
segment's cut-off, DopplerFinding.pathological_reflux), then competent when a
reflux time was measured within the cut-off. A segment with no finding, or a
finding without a reflux time, is "not examined" for reflux.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core import legmap
from doppler.models import DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus

REFLUX = "legmap-reflux"
COMPETENT = "legmap-competent"
OCCLUDED = "legmap-occluded"
NOT_EXAMINED = "legmap-not-examined"


def finding_class(finding: DopplerFinding | None) -> str:
    if finding is None:
        return NOT_EXAMINED
    if finding.thrombus and finding.thrombus != Thrombus.NONE:
        return OCCLUDED
    if finding.pathological_reflux:
        return REFLUX
    if finding.reflux_s is not None:
        return COMPETENT
    return NOT_EXAMINED


def segment_classes(findings: Iterable[DopplerFinding]) -> dict[tuple[str, str], str]:
    """{(leg, segment): css class} for every region of the map."""
    by_key = {(f.leg, f.segment): f for f in findings}
    return {
        (region.leg, region.segment): finding_class(
            by_key.get((region.leg, region.segment))
        )
        for region in legmap.REGIONS
    }


def legend() -> list[tuple[str, str]]:
    """(css class, label) for each colour the map uses."""
    return [
        (REFLUX, _("Pathological reflux")),
        (COMPETENT, _("Competent")),
        (OCCLUDED, _("Occluded / thrombus")),
        (NOT_EXAMINED, _("Not examined")),
    ]


def finding_anchor(leg: str, segment: str) -> str:
    return f"finding-{leg}-{segment}"


def assessment_map(assessment: DopplerAssessment) -> SafeString:
    """The coloured map; uses the prefetched findings (no query if prefetched)."""
    findings = list(assessment.findings.all())
    recorded = {(f.leg, f.segment) for f in findings}
    return legmap.render(
        segment_classes(findings),
        title=_("Leg map of the Doppler findings"),
        id_prefix="doppler-legmap",
        labels={s.value: str(s.label) for s in Segment},
        href=lambda leg, seg: (
            "#" + finding_anchor(leg, seg) if (leg, seg) in recorded else None
        ),
    )

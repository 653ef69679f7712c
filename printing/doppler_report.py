"""The Doppler report PDF: one assessment, for the file and the referring doctor.

It holds what the Doppler page shows a clinician: the findings grid per leg
and segment (reflux time against the segment's cut-off, diameter, thrombus,
note), the leg map coloured by the findings (doppler.legmap, drawn here with
its colours as attributes and handed to WeasyPrint as an image, as the
aftercare sheet does), CEAP and VCSS per leg, conclusion and plan, examiner,
date and whether it is signed. It is clinical detail, so it is for the roles
that see it (doppler.view_dopplerassessment: clinicians and the manager),
never front desk.

An assessment not yet signed prints, with "DRAFT — not signed" across its
head and foot: the examiner may still change it. A voided assessment prints
nothing (the view says so).

It is written in the patient's language, on the letterhead of the site where
the patient was last treated (a Doppler has no site of its own), else the
clinic's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from core.models import Letterhead
from doppler import legmap as doppler_legmap
from doppler.models import DopplerAddendum, DopplerAssessment, DopplerFinding
from doppler.segments import Segment, Thrombus
from patients.models import Leg, Patient
from treatments.models import TreatmentSession

REPORT_TEMPLATE = "printing/doppler_report.html"
MAP_NAME = "doppler-report-legmap.svg"

# The leg map's colours as SVG attributes: inside an <img> the page's CSS does
# not reach the drawing (the same colours as static/css/legmap.css).
_REGION_PAINT = {
    doppler_legmap.REFLUX: ' fill="#b02a37" stroke="#495057" stroke-width="0.5"',
    doppler_legmap.COMPETENT: ' fill="#198754" stroke="#495057" stroke-width="0.5"',
    doppler_legmap.OCCLUDED: ' fill="#212529" stroke="#495057" stroke-width="0.5"',
    doppler_legmap.NOT_EXAMINED: (
        ' fill="#e9ecef" stroke="#495057" stroke-width="0.5" stroke-dasharray="2 1"'
    ),
}
_FIXED_PAINT = (
    (
        '<polygon class="legmap-outline"',
        ' fill="#f8f5f2" stroke="#495057" stroke-width="1"',
    ),
    ('<text class="legmap-leg-label"', ' font-size="10" fill="#212529"'),
    (
        '<text class="legmap-view-label"',
        ' font-size="10" font-weight="600" fill="#212529"',
    ),
)
_REGION = re.compile(r'class="legmap-region ([a-z-]+)"')


def map_for_pdf(svg: str) -> SafeString:
    """The Doppler map with its colours written on its elements."""
    for anchor, paint in _FIXED_PAINT:
        svg = svg.replace(anchor, anchor + paint)
    svg = _REGION.sub(lambda m: m.group(0) + _REGION_PAINT.get(m.group(1), ""), svg)
    return mark_safe(svg)  # noqa: S308 - fixed attributes added to safe markup


def decimal_text(value: Decimal | None, places: int = 1) -> str:
    """1.0, 0.8, 1.25: at least `places` decimals, no trailing zeros past them."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0")
    whole, _dot, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(places, '0')}"


@dataclass
class FindingRow:
    segment: str
    label: str
    reflux_s: Decimal | None
    cutoff_s: Decimal
    pathological: bool
    diameter_mm: Decimal | None
    thrombus: str
    note: str

    @property
    def reflux_text(self) -> str:
        return decimal_text(self.reflux_s)

    @property
    def cutoff_text(self) -> str:
        return decimal_text(self.cutoff_s)

    @property
    def diameter_text(self) -> str:
        return decimal_text(self.diameter_mm)


@dataclass
class LegReport:
    leg: str
    label: str
    ceap: str
    vcss: int | None
    vcss_total_only: bool
    summary: str
    rows: list[FindingRow] = field(default_factory=list)


@dataclass
class DopplerReport:
    assessment: DopplerAssessment
    patient: Patient
    language: str
    legs: list[LegReport]
    leg_map: str
    legend: list[tuple[str, str]]
    plan: str
    letterhead: Letterhead
    addenda: list[DopplerAddendum]

    @property
    def is_draft(self) -> bool:
        return not self.assessment.is_signed


def get_assessment_for_report(code: object) -> DopplerAssessment:
    """The assessment with everything the report reads (fixed queries), or 404."""
    queryset = DopplerAssessment.objects.select_related(
        "patient", "examiner", "signed_by", "voided_by"
    ).prefetch_related(
        Prefetch("findings", queryset=DopplerFinding.objects.order_by("leg", "id")),
        Prefetch(
            "addenda",
            queryset=DopplerAddendum.objects.select_related("author").order_by(
                "created_at", "id"
            ),
        ),
    )
    return get_object_or_404(queryset, code=code)


def letterhead_for_patient(patient: Patient) -> Letterhead:
    """The letterhead of the site of the patient's latest session, else the
    clinic's (one query, two without a site letterhead)."""
    session = (
        TreatmentSession.objects.active()
        .filter(patient=patient, site__letterhead__isnull=False)
        .select_related("site__letterhead")
        .order_by("-performed_at", "-id")
        .first()
    )
    if session is not None and session.site is not None:
        letterhead = session.site.letterhead
        if letterhead is not None:
            return letterhead
    return Letterhead.current()


def _thrombus_label(finding: DopplerFinding) -> str:
    if not finding.thrombus or finding.thrombus == Thrombus.NONE:
        return ""
    return str(Thrombus(finding.thrombus).label)


def _leg(assessment: DopplerAssessment, leg: str) -> LegReport:
    labels = {s.value: str(s.label) for s in Segment}
    return LegReport(
        leg=leg,
        label=str(Leg(leg).label),
        ceap=assessment.ceap_notation(leg),
        vcss=assessment.vcss_total(leg),
        vcss_total_only=assessment.vcss_total_only(leg),
        summary=assessment.reflux_summary(leg),
        rows=[
            FindingRow(
                segment=f.segment,
                label=labels.get(f.segment, f.segment),
                reflux_s=f.reflux_s,
                cutoff_s=f.reflux_cutoff_s,
                pathological=f.pathological_reflux,
                diameter_mm=f.diameter_mm,
                thrombus=_thrombus_label(f),
                note=f.note,
            )
            for f in assessment.findings_for_leg(leg)
        ],
    )


def build_report(assessment: DopplerAssessment) -> DopplerReport:
    """The report's content, worded in the patient's language."""
    patient = assessment.patient
    letterhead = letterhead_for_patient(patient)
    with translation.override(patient.language):
        svg = doppler_legmap.assessment_map(assessment)
        return DopplerReport(
            assessment=assessment,
            patient=patient,
            language=patient.language,
            legs=[_leg(assessment, Leg.RIGHT), _leg(assessment, Leg.LEFT)],
            leg_map=map_for_pdf(svg),
            legend=[(css, str(label)) for css, label in doppler_legmap.legend()],
            plan=assessment.get_recommended_plan_display()
            if assessment.recommended_plan
            else "",
            letterhead=letterhead,
            addenda=list(assessment.addenda.all()),
        )


def report_context(report: DopplerReport) -> dict[str, Any]:
    return {
        "report": report,
        "assessment": report.assessment,
        "patient": report.patient,
        "letterhead": report.letterhead,
        "map_name": MAP_NAME,
        "pdf_images": {MAP_NAME: report.leg_map},
    }


def report_filename(assessment: DopplerAssessment) -> str:
    return (
        f"doppler-{assessment.patient.chart_number}-"
        f"{assessment.assessed_on.isoformat()}.pdf"
    )

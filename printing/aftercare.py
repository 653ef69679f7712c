"""What goes on a patient's aftercare sheet, in the patient's language.

Everything that depends on the session (what was treated, in plain words;
the compression instructions; the next appointment) is worked out here, its
wording in printing.wording. The fixed advice (expected course, do and
avoid, warning signs) is prose in the template, with the periods below
filled in.

Front desk prints the sheet too, though it sees only headlines on screen
(core.roles.sees_clinical_detail): the sheet is the patient's own and holds
what the patient needs to look after the legs, the same whoever prints it.
What was treated is said in plain words (leg, place, kind of vein), with the
compression to wear and the next appointment; never the agent, its
concentration, the volumes or doses, the limits, nor the day's reactions and
notes. tests/test_role_matrix.py looks for them on every sheet front desk
prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.clock import local_day_bounds
from core.models import Letterhead
from patients.models import Patient
from printing.wording import (
    CAPILLARIES,
    LARGE_VEINS,
    call_the_clinic_text,
    compression_instructions,
    compression_reason,
    keep_active_text,
    mapped_points,
    treated_in_plain_words,
    treated_legs,
)
from treatments import legmap as session_legmap
from treatments.choices import Form
from treatments.models import Injection, TreatmentSession
from visits.models import FollowUpVisit, VisitStatus

# Patient-sheet periods (DOMAIN.md §7.1): walk right after the session; no
# heat, heavy exercise or long journeys for two weeks; no sun on the treated
# skin for four weeks (brown marks).
WALK_AFTER_MIN = 30
AVOID_HEAT_AND_SPORT_DAYS = 14
AVOID_SUN_WEEKS = 4
LONG_JOURNEY_HOURS = 4
# Expected course: small veins fade in 2–3 weeks; large veins may stay dark
# for months; brown staining usually fades within 3–12 months.
FADE_WEEKS = "2–3"
LARGE_VEIN_MONTHS = "3–6"
STAINING_MONTHS = "3–12"
# The European emergency number (the clinic is in Italy).
EMERGENCY_NUMBER = "112"

SHEET_TEMPLATE = "printing/pdf/aftercare.html"
SHEET_USER_AGENT = "css/pdf_ua_sheet.css"


@dataclass
class Sheet:
    """One patient's aftercare sheet for one session."""

    session: TreatmentSession
    patient: Patient
    language: str
    session_day: date
    treated: list[tuple[str, str]]
    compression: list[str]
    has_large_veins: bool
    used_foam: bool
    next_visit: FollowUpVisit | None
    # Capillaries (spider veins) among the treated vessels, and nothing else.
    has_capillaries: bool = False
    capillaries_only: bool = False
    # The clinic's rule behind the compression (empty without compression).
    compression_reason: str = ""
    # Advice worded to agree with the patient's sex.
    keep_active: str = ""
    call_the_clinic: str = ""
    # The patient's legs with the numbered places treated ("" when no
    # injection was placed on the map), and the plain-words key to them.
    leg_map: str = ""
    map_points: list[tuple[int, str, str]] = field(default_factory=list)
    # The session's site's own letterhead (None: the clinic's is printed).
    letterhead: Letterhead | None = None
    extra: dict = field(default_factory=dict)

    @property
    def leg_map_name(self) -> str:
        """The map's name among the PDF's drawings (core.pdf.DRAWING_SCHEME)."""
        return f"aftercare-legmap-{self.session.pk}.svg"

    @property
    def large_veins_or_foam(self) -> bool:
        """Whether the sheet tells that treated veins may stay dark for months."""
        return self.has_large_veins or self.used_foam


def build_sheet(session: TreatmentSession, next_visit: FollowUpVisit | None) -> Sheet:
    """Return the sheet of `session`, with its words in the patient's language.

    `session.injections` should be prefetched; `session.patient` selected.
    """
    patient = session.patient
    injections = [inj for inj in session.injections.all() if inj.voided_at is None]
    capillaries = [inj.vessel_type in CAPILLARIES for inj in injections]
    with translation.override(patient.language):
        return Sheet(
            session=session,
            patient=patient,
            language=patient.language,
            session_day=timezone.localtime(session.performed_at).date(),
            treated=treated_in_plain_words(injections),
            compression=compression_instructions(session, treated_legs(injections)),
            has_large_veins=any(inj.vessel_type in LARGE_VEINS for inj in injections),
            used_foam=any(inj.form == Form.FOAM for inj in injections),
            next_visit=next_visit,
            has_capillaries=any(capillaries),
            capillaries_only=bool(capillaries) and all(capillaries),
            compression_reason=compression_reason(session, injections),
            keep_active=keep_active_text(patient.sex),
            call_the_clinic=call_the_clinic_text(patient.sex),
            letterhead=session.site.letterhead if session.site_id else None,
            **_treated_map(session, injections),
        )


# On the sheet the veins' regions are painted with neither fill nor stroke
# and the tooltips are never shown, yet each region is an element WeasyPrint
# styles, parses again as SVG and walks to draw: about 80 of them, most of the
# map's cost. The sheet keeps the drawing (outlines, labels, markers) only.
_INVISIBLE_ON_PAPER = re.compile(
    r'<polygon [^>]*class="legmap-region"[^>]*>.*?</polygon>|<g class="legmap-marker">'
    r"(<title>.*?</title>)"
)


def _drawing_only(svg: str) -> str:
    return mark_safe(  # noqa: S308 - parts removed from safe markup
        _INVISIBLE_ON_PAPER.sub(
            lambda m: '<g class="legmap-marker">' if m.group(1) else "", svg
        )
    )


def _treated_map(session: TreatmentSession, injections: list[Injection]) -> dict:
    """The map of the places treated: plain markers, no agent or dose."""
    points = mapped_points(injections)
    if not points:
        return {}
    return {
        "leg_map": _drawing_only(
            session_legmap.for_pdf(
                session_legmap.session_map(
                    injections,
                    clinical=False,
                    id_prefix=f"aftercare-legmap-{session.pk}",
                    title=_("Your legs: the places treated, numbered"),
                )
            )
        ),
        "map_points": points,
    }


def sessions_for_sheets() -> QuerySet[TreatmentSession]:
    """Return non-voided sessions with what a sheet needs, in fixed queries."""
    return (
        TreatmentSession.objects.active()
        .select_related("patient", "clinician", "site__letterhead")
        .prefetch_related(
            Prefetch(
                "injections",
                queryset=Injection.objects.filter(voided_at__isnull=True).order_by(
                    "-leg", "id"
                ),
            )
        )
    )


def next_visits_for(patients: Iterable[Patient]) -> dict[int, FollowUpVisit]:
    """Return each patient's next scheduled visit (one query for all of them)."""
    ids = {p.pk for p in patients}
    visits = (
        FollowUpVisit.objects.filter(
            patient_id__in=ids,
            status=VisitStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .select_related("clinician")
        .order_by("starts_at", "id")
    )
    result: dict[int, FollowUpVisit] = {}
    for visit in visits:
        result.setdefault(visit.patient_id, visit)
    return result


def sheets_for(sessions: Iterable[TreatmentSession]) -> list[Sheet]:
    sessions = list(sessions)
    nexts = next_visits_for(s.patient for s in sessions)
    return [build_sheet(s, nexts.get(s.patient_id)) for s in sessions]


def sessions_on(day: date) -> QuerySet[TreatmentSession]:
    start, end = local_day_bounds(day)
    return (
        sessions_for_sheets()
        .filter(performed_at__gte=start, performed_at__lt=end)
        .order_by("performed_at", "id")
    )


def sheet_context(sheets: list[Sheet], *, browser: bool = False) -> dict:
    return {
        "sheets": sheets,
        # The PDF draws each map as an image (core.pdf.DRAWING_SCHEME).
        "pdf_images": {
            sheet.leg_map_name: sheet.leg_map for sheet in sheets if sheet.leg_map
        },
        "letterhead": Letterhead.current(),
        "browser": browser,
        # WeasyPrint's user-agent styles, only those the sheet can use.
        "pdf_user_agent": SHEET_USER_AGENT,
        # The PDF's bullets are text at the start of each item (pdf.css takes
        # the list markers away): WeasyPrint lays out a marker as a box of
        # its own, which cost about a tenth of a sheet's layout.
        "bullet": "" if browser else "\u2022\u00a0",
        "walk_after_min": WALK_AFTER_MIN,
        "avoid_days": AVOID_HEAT_AND_SPORT_DAYS,
        "avoid_sun_weeks": AVOID_SUN_WEEKS,
        "long_journey_hours": LONG_JOURNEY_HOURS,
        "fade_weeks": FADE_WEEKS,
        "large_vein_months": LARGE_VEIN_MONTHS,
        "staining_months": STAINING_MONTHS,
        "emergency_number": EMERGENCY_NUMBER,
    }

"""A patient's trends per leg: CEAP clinical class, VCSS and symptom score
over time, the before/after rule of a course, and the chart of a leg.

Public API (the patient page, the letters and the registry export use it;
keep it stable):

- ``patient_trends(patient) -> PatientTrends``: the readings of one patient
  (3 queries, whatever the length of the history).
- ``trends_for_patients(patient_ids) -> dict[int, PatientTrends]``: the same
  for many patients in the same 3 queries (the registry reads by chunks).
- ``trend_chart(trends, leg, *, id_prefix=...) -> core.charts.LineChart``:
  the chart of one leg ("R" or "L"): three stacked panels sharing the dates
  (CEAP clinical class C0–C6, VCSS 0–30, symptom score 0–max). Render it
  with ``{% include "core/chart.html" with chart=chart %}`` (drawing plus
  its numbers as a table) or call ``.svg()``.
- ``patient_trend_charts(patient, trends=None) -> [right, left]``: both
  legs' charts (the patient page's card, templates/outcomes/
  patient_trends_card.html).
- ``patient_trend_svg(patient, leg, trends=None) -> SafeString``: the inline
  SVG alone, for a PDF (WeasyPrint draws it); pass ``trends`` when you have
  them already, to save the queries.
- ``before_after(readings, first_session_on, last_session_on, until=None)
  -> BeforeAfter``: the rule every page and export uses to compare a course.

Where the readings come from:
- CEAP and VCSS of a leg: the patient's Doppler assessments that are not
  voided (signed or still drafts), by assessment date: the highest clinical
  class (``ceap_right``/``ceap_left``, C4a/b/c drawn at 4, C2r at 2, C6r at
  6) and the VCSS total (``vcss_right``/``vcss_left``). Follow-up visits
  record no CEAP or VCSS re-score: a re-score is a new Doppler assessment.
- The symptom score: the patient's questionnaire responses that are not
  voided and have a score, of the instrument sent on the course schedule
  (the shipped "sclero-symptoms" when none is scheduled); one score per
  patient, shown with each leg.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import LineChart, Panel, Point, Series
from core.prepared import PreparedQuery
from doppler.models import DopplerAssessment
from outcomes.models import Instrument, InstrumentItem, QuestionnaireResponse
from outcomes.seed import CODE as SHIPPED_INSTRUMENT
from patients.models import Leg, Patient

# The clinical class drawn on the chart's ordinal axis (C0..C6).
CEAP_LEVEL = {
    "C0": 0,
    "C1": 1,
    "C2": 2,
    "C2r": 2,
    "C3": 3,
    "C4a": 4,
    "C4b": 4,
    "C4c": 4,
    "C5": 5,
    "C6": 6,
    "C6r": 6,
}
VCSS_MAX = 30
LEGS = (Leg.RIGHT.value, Leg.LEFT.value)


@dataclass(frozen=True)
class Reading:
    """One value on a day: `value` is the number drawn and compared (for
    CEAP, the level 0-6), `text` how it is written ("C4a", "12")."""

    on: date
    value: int | Decimal
    text: str


@dataclass
class LegTrend:
    leg: str
    ceap: list[Reading] = field(default_factory=list)
    vcss: list[Reading] = field(default_factory=list)


@dataclass
class PatientTrends:
    patient_id: int
    legs: dict[str, LegTrend]
    symptoms: list[Reading] = field(default_factory=list)
    # The symptom instrument: its names, the highest possible score (None
    # when no instrument is installed), and whether lower is better.
    symptom_name_en: str = ""
    symptom_name_it: str = ""
    symptom_max: int | None = None
    lower_is_better: bool = True

    def leg(self, leg: str) -> LegTrend:
        return self.legs[leg]

    @property
    def right(self) -> LegTrend:
        return self.legs[Leg.RIGHT]

    @property
    def left(self) -> LegTrend:
        return self.legs[Leg.LEFT]

    @property
    def symptom_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "en")[:2] == "it" and self.symptom_name_it:
            return self.symptom_name_it
        return self.symptom_name_en or _("Symptom score")

    def is_empty(self) -> bool:
        return not self.symptoms and not any(
            t.ceap or t.vcss for t in self.legs.values()
        )


@dataclass(frozen=True)
class BeforeAfter:
    before: Reading | None
    after: Reading | None

    @property
    def change(self) -> int | Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after.value - self.before.value


def before_after(
    readings: Sequence[Reading],
    first_session_on: date,
    last_session_on: date,
    until: date | None = None,
) -> BeforeAfter:
    """The readings that frame a course.

    before: the latest reading on or before the first session's day (a
    Doppler or a questionnaire of that morning counts as before).
    after: the latest reading after the last session's day and on or before
    `until` (no bound when None). The registry passes the course's end for
    CEAP and VCSS (the course-complete visit's day, as the clinic trends'
    course summaries do) and the next course's eve for the symptom score
    (the questionnaires of 1 to 12 months come after the course ends).
    `readings` are in date order.
    """
    before = None
    after = None
    for reading in readings:
        if reading.on <= first_session_on:
            before = reading
        elif reading.on > last_session_on and (until is None or reading.on <= until):
            after = reading
    return BeforeAfter(before, after)


# Built and compiled once (core.prepared): the patient page reads them.
_SCHEDULED_SCORED_ITEMS = PreparedQuery(
    lambda: (
        InstrumentItem.objects.filter(instrument__scheduled=True, scored=True)
        .select_related("instrument")
        .order_by("position", "id")
    )
)


def _scores_read(ids: list[int]) -> Any:
    return (
        DopplerAssessment.objects.filter(patient_id__in=ids, voided_at__isnull=True)
        .order_by("assessed_on", "id")
        .values_list(
            "patient_id", "assessed_on", "ceap_right", "ceap_left",
            "vcss_right", "vcss_left",
        )
    )  # fmt: skip


# One patient's (the patient page), or a few: prepared; many: built anew.
_SCORES_READ = PreparedQuery(_scores_read)
PREPARED_PATIENTS = 8


def _symptom_instrument() -> tuple[Instrument | None, int | None]:
    """The instrument whose score is the symptom score (the scheduled one,
    else the shipped one), and its highest possible score: one query where
    the scheduled instrument has scored items (the usual case), else 2."""
    items = _SCHEDULED_SCORED_ITEMS()
    if items:
        return items[0].instrument, sum(max(i.values(), default=0) for i in items)
    found = list(
        Instrument.objects.filter(Q(scheduled=True) | Q(code=SHIPPED_INSTRUMENT))
    )
    if not found:
        return None, None
    instrument = next((i for i in found if i.scheduled), found[0])
    top = 0
    for item in InstrumentItem.objects.filter(instrument=instrument, scored=True):
        values = item.values()
        top += max(values) if values else 0
    return instrument, top


def trends_for_patients(
    patient_ids: Iterable[int],
    *,
    responses: Iterable[QuestionnaireResponse] | None = None,
) -> dict[int, PatientTrends]:
    """The trends of each patient, in 3 queries whatever their number; 2
    when given `responses`, every questionnaire response of these patients
    already read (any instrument, voided ones too: the patient page's
    questionnaire panel has them)."""
    ids = list(patient_ids)
    out = {
        pid: PatientTrends(patient_id=pid, legs={leg: LegTrend(leg) for leg in LEGS})
        for pid in ids
    }
    if not ids:
        return out
    rows = _SCORES_READ(ids) if len(ids) <= PREPARED_PATIENTS else _scores_read(ids)
    for pid, on, ceap_r, ceap_l, vcss_r, vcss_l in rows:
        legs = out[pid].legs
        for leg, ceap, vcss in (
            (Leg.RIGHT, ceap_r, vcss_r),
            (Leg.LEFT, ceap_l, vcss_l),
        ):
            if ceap in CEAP_LEVEL:
                legs[leg].ceap.append(Reading(on, CEAP_LEVEL[ceap], ceap))
            if vcss is not None:
                legs[leg].vcss.append(Reading(on, vcss, str(vcss)))
    instrument, top = _symptom_instrument()
    if instrument is not None:
        scores: Iterable[tuple[int, datetime, Decimal | None]]
        if responses is None:
            scores = (
                QuestionnaireResponse.objects.filter(
                    patient_id__in=ids,
                    instrument=instrument,
                    voided_at__isnull=True,
                    score__isnull=False,
                )
                .order_by("answered_at", "id")
                .values_list("patient_id", "answered_at", "score")
            )
        else:
            scores = [
                (r.patient_id, r.answered_at, r.score)
                for r in sorted(responses, key=lambda r: (r.answered_at, r.pk))
                if r.instrument_id == instrument.pk
                and r.voided_at is None
                and r.score is not None
                and r.patient_id in out
            ]
        for pid, answered_at, score in scores:
            if score is None:  # excluded by the filter; for the type checker
                continue
            on = timezone.localdate(answered_at)
            out[pid].symptoms.append(Reading(on, score, _number(score)))
        for trends in out.values():
            trends.symptom_name_en = instrument.name_en
            trends.symptom_name_it = instrument.name_it
            trends.symptom_max = top
            trends.lower_is_better = instrument.lower_is_better
    return out


def patient_trends(
    patient: Patient, responses: Iterable[QuestionnaireResponse] | None = None
) -> PatientTrends:
    """The trends of one patient (3 queries; 2 given all its questionnaire
    `responses`, see trends_for_patients)."""
    return trends_for_patients([patient.pk], responses=responses)[patient.pk]


def _number(value: Decimal) -> str:
    value = value.normalize()
    return str(int(value)) if value == value.to_integral() else str(value)


def _points(readings: Sequence[Reading]) -> list[Point]:
    return [Point(r.on, r.value, r.text) for r in readings]


def trend_chart(trends: PatientTrends, leg: str, *, id_prefix: str = "") -> LineChart:
    """The chart of one leg: CEAP class, VCSS and symptom score panels."""
    leg_trend = trends.leg(leg)
    symptom_max = trends.symptom_max or 25
    ceap_label = _("CEAP class")
    vcss_label = _("VCSS")
    symptom_label = trends.symptom_name
    panels = [
        Panel(
            ceap_label,
            0,
            6,
            [Series(ceap_label, _points(leg_trend.ceap))],
            ticks=[(level, f"C{level}") for level in range(7)],
        ),
        Panel(vcss_label, 0, VCSS_MAX, [Series(vcss_label, _points(leg_trend.vcss))]),
        Panel(
            # The axis's short name (the instrument's full name is too long
            # for a panel's height); the series and the table keep it.
            _("Symptoms"),
            0,
            symptom_max,
            [Series(symptom_label, _points(trends.symptoms))],
        ),
    ]
    title = (
        _("Right leg: CEAP class, VCSS and symptom score over time")
        if leg == Leg.RIGHT
        else _("Left leg: CEAP class, VCSS and symptom score over time")
    )
    return LineChart(
        title=title,
        panels=panels,
        date_header=_("Date"),
        empty_text=_("No CEAP, VCSS or symptom score recorded yet."),
        id_prefix=id_prefix or f"trend-{trends.patient_id}-{leg}",
        panel_height=90,
        css_class="trend-chart",
    )


def patient_trend_charts(
    patient: Patient,
    trends: PatientTrends | None = None,
    *,
    responses: Iterable[QuestionnaireResponse] | None = None,
) -> list[LineChart]:
    """The charts of the right leg and the left leg (the patient page)."""
    trends = trends or patient_trends(patient, responses)
    return [trend_chart(trends, leg) for leg in LEGS]


def patient_trend_svg(
    patient: Patient, leg: str, trends: PatientTrends | None = None
) -> SafeString:
    """The inline SVG of one leg's trends (for a PDF or a page)."""
    trends = trends or patient_trends(patient)
    return trend_chart(trends, leg).svg()


__all__ = [
    "CEAP_LEVEL",
    "BeforeAfter",
    "LegTrend",
    "PatientTrends",
    "Reading",
    "before_after",
    "patient_trend_charts",
    "patient_trend_svg",
    "patient_trends",
    "trend_chart",
    "trends_for_patients",
]

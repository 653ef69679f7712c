"""The letter to the referring doctor about a course of sclerotherapy.

A course ends at a follow-up whose plan is "course complete"
(VisitPlan.COMPLETE): its sessions are those after the previous course's
end, up to that visit. Sessions after the last completed course form the
course under way, which may be written about too (an interim letter).

The letter says what was treated (the sessions and their dates, the veins
and legs in plain words, the agents, strengths and forms), the results
(clearance at the follow-ups; CEAP and VCSS per leg from the Doppler before
the course and the first one after it; the symptom score before and after,
from the outcomes app's questionnaire responses, when there are some),
complications (the adverse events recorded at the visits) and what comes
next (the last visit's plan and the next booked visit). It is written in the
patient's language, to the patient's referring doctor, on the letterhead of
the site of the course's last session (else the clinic's), and signed by the
clinician who prints it, with their own words added if they wish.

The patient's trend chart (outcomes.trends, core.charts) is not in the
letter yet: it landed while the letter was being written.

Every read is in a fixed number of queries, whatever the patient's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.models import Letterhead
from doppler.models import DopplerAssessment
from outcomes.models import QuestionnaireResponse
from outcomes.trends import patient_trend_charts
from patients.models import Leg, Patient, ReferringDoctor
from printing.wording import treated_in_plain_words
from treatments.choices import Agent, Form
from treatments.models import Injection, TreatmentSession
from visits.models import AdverseEvent, FollowUpVisit, VisitPlan, VisitStatus

LETTER_TEMPLATE = "printing/letter_pdf.html"
# Only clinicians sign: the letter is signed by whoever prints it.
LETTER_PERM = "treatments.sign_treatmentsession"
CURRENT = "current"
NOTE_MAX_LENGTH = 2000


@dataclass
class Course:
    """The sessions of one course: `key` is its end visit's code, or CURRENT."""

    key: str
    sessions: list[TreatmentSession]
    end_visit: FollowUpVisit | None

    @property
    def first_day(self) -> date:
        return timezone.localtime(self.sessions[0].performed_at).date()

    @property
    def last_day(self) -> date:
        return timezone.localtime(self.sessions[-1].performed_at).date()

    @property
    def complete(self) -> bool:
        return self.end_visit is not None


def _sessions(patient: Patient) -> list[TreatmentSession]:
    return list(
        TreatmentSession.objects.active()
        .filter(patient=patient)
        .select_related("site__letterhead", "clinician")
        .prefetch_related(
            Prefetch(
                "injections",
                queryset=Injection.objects.filter(voided_at__isnull=True).order_by(
                    "-leg", "id"
                ),
            )
        )
        .order_by("performed_at", "id")
    )


def _course_ends(patient: Patient) -> list[FollowUpVisit]:
    return list(
        FollowUpVisit.objects.filter(
            patient=patient, status=VisitStatus.COMPLETED, plan=VisitPlan.COMPLETE
        ).order_by("starts_at", "id")
    )


def courses_of(patient: Patient) -> list[Course]:
    """The patient's courses, latest first (two queries and a prefetch)."""
    sessions = _sessions(patient)
    courses: list[Course] = []
    start: datetime | None = None
    for end in _course_ends(patient):
        within = [
            s
            for s in sessions
            if (start is None or s.performed_at > start)
            and s.performed_at <= end.starts_at
        ]
        if within:
            courses.append(Course(key=str(end.code), sessions=within, end_visit=end))
        start = end.starts_at
    rest = [s for s in sessions if start is None or s.performed_at > start]
    if rest:
        courses.append(Course(key=CURRENT, sessions=rest, end_visit=None))
    courses.reverse()
    return courses


def course_label(course: Course) -> str:
    n = len(course.sessions)
    if course.complete:
        return _("Course complete: %(n)d session(s), %(first)s to %(last)s") % {
            "n": n,
            "first": course.first_day,
            "last": course.last_day,
        }
    return _("Course under way: %(n)d session(s), %(first)s to %(last)s") % {
        "n": n,
        "first": course.first_day,
        "last": course.last_day,
    }


@dataclass
class LegScore:
    leg: str
    before_ceap: str
    before_vcss: int | None
    after_ceap: str
    after_vcss: int | None


@dataclass
class VisitResult:
    day: date
    clearance_pct: int | None
    adverse_events: list[str]
    adverse_event_notes: str
    plan: str


@dataclass
class Letter:
    patient: Patient
    doctor: ReferringDoctor
    course: Course
    language: str
    letterhead: Letterhead
    author: Any
    today: date
    treated: list[tuple[str, str]]
    agents: list[str]
    session_days: list[date]
    injection_count: int
    visits: list[VisitResult]
    doppler_before: DopplerAssessment | None
    doppler_after: DopplerAssessment | None
    scores: list[LegScore]
    symptom_before: QuestionnaireResponse | None
    symptom_after: QuestionnaireResponse | None
    complications: list[tuple[date, str]]
    next_plan: str
    next_visit: FollowUpVisit | None
    note: str = ""
    extra: dict = field(default_factory=dict)
    # Each leg's CEAP class, VCSS and symptom score over time (the patient
    # page's charts), drawn in the patient's language.
    charts: list = field(default_factory=list)

    @property
    def author_name(self) -> str:
        return self.author.get_full_name() or self.author.get_username()


def _agents(injections: list[Injection]) -> list[str]:
    """ "Polidocanol 0.5 % (liquid)", one per agent, strength and form."""
    seen: dict[tuple[str, Decimal, str], int] = {}
    for inj in injections:
        key = (inj.agent, inj.concentration_pct, inj.form)
        seen[key] = seen.get(key, 0) + 1
    return [
        _("%(agent)s %(pct)s %% (%(form)s): %(n)d injection(s)")
        % {
            "agent": Agent(agent).label,
            "pct": f"{pct.normalize():f}",
            "form": str(Form(form).label).lower(),
            "n": count,
        }
        for (agent, pct, form), count in sorted(seen.items())
    ]


def _visits_of(course: Course) -> list[FollowUpVisit]:
    """The course's completed visits: those after its first session, up to
    its end (or all later ones for a course under way)."""
    queryset = FollowUpVisit.objects.filter(
        patient_id=course.sessions[0].patient_id,
        status=VisitStatus.COMPLETED,
        starts_at__gt=course.sessions[0].performed_at,
    ).order_by("starts_at", "id")
    if course.end_visit is not None:
        queryset = queryset.filter(starts_at__lte=course.end_visit.starts_at)
    return list(queryset)


def _event_labels(visit: FollowUpVisit) -> list[str]:
    labels = dict(AdverseEvent.choices)
    return [str(labels.get(code, code)) for code in visit.adverse_events or []]


def _dopplers(patient: Patient, course: Course) -> tuple[Any, Any]:
    active = DopplerAssessment.objects.filter(patient=patient, voided_at__isnull=True)
    before = (
        active.filter(assessed_on__lte=course.first_day)
        .order_by("-assessed_on", "-id")
        .first()
    )
    after = (
        active.filter(assessed_on__gt=course.last_day)
        .order_by("assessed_on", "id")
        .first()
    )
    return before, after


def _symptoms(patient: Patient, course: Course) -> tuple[Any, Any]:
    scored = QuestionnaireResponse.objects.filter(
        patient=patient, voided_at__isnull=True, score__isnull=False
    ).select_related("instrument")
    first = course.sessions[0].performed_at
    last = course.sessions[-1].performed_at
    before = scored.filter(answered_at__lte=first).order_by("-answered_at").first()
    after = None
    if before is not None:
        # The same questionnaire after the course, the latest answered.
        after = (
            scored.filter(answered_at__gt=last, instrument_id=before.instrument_id)
            .order_by("-answered_at")
            .first()
        )
    return before, after


def _next_visit(patient: Patient) -> FollowUpVisit | None:
    return (
        FollowUpVisit.objects.filter(
            patient=patient,
            status=VisitStatus.SCHEDULED,
            starts_at__gte=timezone.now(),
        )
        .order_by("starts_at", "id")
        .first()
    )


def _letterhead(course: Course) -> Letterhead:
    site = course.sessions[-1].site
    if site is not None and site.letterhead is not None:
        return site.letterhead
    return Letterhead.current()


def build_letter(
    *, patient: Patient, course: Course, author: Any, note: str = ""
) -> Letter:
    """The letter's content, worded in the patient's language."""
    doctor = patient.referring_doctor
    if doctor is None:
        raise ValueError("The patient has no referring doctor.")
    injections = [inj for s in course.sessions for inj in s.injections.all()]
    visits = _visits_of(course)
    before, after = _dopplers(patient, course)
    symptom_before, symptom_after = _symptoms(patient, course)
    next_visit = _next_visit(patient)
    letterhead = _letterhead(course)
    with translation.override(patient.language):
        plans = [v for v in visits if v.plan]
        return Letter(
            patient=patient,
            doctor=doctor,
            course=course,
            language=patient.language,
            letterhead=letterhead,
            author=author,
            today=timezone.localdate(),
            treated=treated_in_plain_words(injections),
            agents=_agents(injections),
            session_days=[
                timezone.localtime(s.performed_at).date() for s in course.sessions
            ],
            injection_count=len(injections),
            visits=[
                VisitResult(
                    day=timezone.localtime(v.starts_at).date(),
                    clearance_pct=v.clearance_pct,
                    adverse_events=_event_labels(v),
                    adverse_event_notes=v.adverse_event_notes,
                    plan=str(v.get_plan_display()) if v.plan else "",
                )
                for v in visits
            ],
            doppler_before=before,
            doppler_after=after,
            scores=[
                LegScore(
                    leg=str(Leg(leg).label),
                    before_ceap=before.ceap_notation(leg) if before else "",
                    before_vcss=before.vcss_total(leg) if before else None,
                    after_ceap=after.ceap_notation(leg) if after else "",
                    after_vcss=after.vcss_total(leg) if after else None,
                )
                for leg in (Leg.RIGHT, Leg.LEFT)
            ],
            symptom_before=symptom_before,
            symptom_after=symptom_after,
            complications=[
                (timezone.localtime(v.starts_at).date(), label)
                for v in visits
                for label in _event_labels(v)
            ],
            next_plan=str(plans[-1].get_plan_display()) if plans else "",
            next_visit=next_visit,
            note=note,
            charts=patient_trend_charts(patient),
        )


def letter_context(letter: Letter) -> dict[str, Any]:
    return {"letter": letter, "letterhead": letter.letterhead}


def letter_filename(letter: Letter) -> str:
    return (
        f"letter-{letter.patient.chart_number}-{letter.course.last_day.isoformat()}.pdf"
    )

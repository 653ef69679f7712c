"""The symptom score before and after each course, for the clinic trends.

For every course summary (visits.CourseSummary: a course ends at a visit
recording "course complete") and every instrument with a score: before is
the patient's latest active scored response answered on or before the
course's first session; after, the latest answered after its last session
and at most AFTER_DAYS later (the 12-month timepoint and its grace). Only
courses with both are kept.

Refreshed for one patient by `patient_refresh()` whenever one of their
responses is recorded or voided; the daily `manage.py questionnaires` run
refreshes every trend summary of the patients whose visits, sessions or
Doppler assessments changed (`refresh_patients()`), for what the services
below outcomes cannot reach (an injection edited after its follow-up, a
Doppler added after the course); `rebuild()` recomputes everything, as
`manage.py rebuild_statistics` does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps as global_apps
from django.db.models import Exists, OuterRef

# The 12-month timepoint is due a year after the last session; a month more
# for the answer to come.
AFTER_DAYS = 400

Response = tuple[int, datetime, Decimal]  # instrument id, answered_at, score


def course_changes(
    courses: list[tuple[int, int, object, int, datetime, datetime]],
    responses: list[Response],
) -> list[dict]:
    """Return one patient's rows: `courses` are (visit id, patient id, day,
    clinician id, first_session_at, last_session_at)."""
    responses = sorted(responses, key=lambda r: r[1])
    instruments = sorted({instrument for instrument, _at, _score in responses})
    rows = []
    for visit_id, patient_id, day, clinician_id, first_at, last_at in courses:
        for instrument in instruments:
            mine = [(at, score) for i, at, score in responses if i == instrument]
            before = [score for at, score in mine if at <= first_at]
            until = last_at + timedelta(days=AFTER_DAYS)
            after = [score for at, score in mine if last_at < at <= until]
            if before and after:
                rows.append(
                    {
                        "visit_id": visit_id,
                        "instrument_id": instrument,
                        "patient_id": patient_id,
                        "day": day,
                        "clinician_id": clinician_id,
                        "score_before": before[-1],
                        "score_after": after[-1],
                    }
                )
    return rows


_COURSE_FIELDS = (
    "visit_id",
    "patient_id",
    "day",
    "clinician_id",
    "first_session_at",
    "last_session_at",
)


def _responses(apps=global_apps):
    model = apps.get_model("outcomes", "QuestionnaireResponse")
    return model.objects.filter(voided_at__isnull=True, score__isnull=False).order_by()


def patient_refresh(patient_id: int, apps=global_apps) -> None:
    """Recompute one patient's rows (after their responses or courses changed)."""
    course_model = apps.get_model("visits", "CourseSummary")
    model = apps.get_model("outcomes", "CourseSymptomChange")
    courses = list(
        course_model.objects.filter(patient_id=patient_id).values_list(*_COURSE_FIELDS)
    )
    responses = list(
        _responses(apps)
        .filter(patient_id=patient_id)
        .values_list("instrument_id", "answered_at", "score")
    )
    model.objects.filter(patient_id=patient_id).delete()
    model.objects.bulk_create(
        model(**row) for row in course_changes(courses, responses)
    )


def rebuild(apps=global_apps) -> int:
    """Recompute every row. Return how many there are."""
    course_model = apps.get_model("visits", "CourseSummary")
    model = apps.get_model("outcomes", "CourseSymptomChange")
    responses: dict[int, list[Response]] = defaultdict(list)
    with_course = course_model.objects.filter(patient_id=OuterRef("patient_id"))
    for patient_id, *response in (
        _responses(apps)
        .filter(Exists(with_course))
        .values_list("patient_id", "instrument_id", "answered_at", "score")
        .iterator(chunk_size=5000)
    ):
        responses[patient_id].append(tuple(response))
    courses: dict[int, list] = defaultdict(list)
    for row in (
        course_model.objects.filter(patient_id__in=list(responses))
        .order_by()
        .values_list(*_COURSE_FIELDS)
    ):
        courses[row[1]].append(row)
    model.objects.all().delete()
    created = [
        model(**row)
        for patient_id, patient_courses in courses.items()
        for row in course_changes(patient_courses, responses[patient_id])
    ]
    model.objects.bulk_create(created, batch_size=5000)
    return len(created)


def refresh_patients(patient_ids) -> int:
    """Bring every trend summary of these patients up to date: their course
    summaries, the clearance-by rows of the days of their visits, and their
    symptom score changes. Each patient in its own transaction, with the
    patient's row locked as the services lock it. Return how many."""
    from django.db import transaction

    from patients.models import Patient
    from visits.models import FollowUpVisit
    from visits.summaries import visit_key
    from visits.trend_summaries import trends_changed

    count = 0
    for patient_id in sorted(patient_ids):
        with transaction.atomic():
            if not Patient.objects.select_for_update().filter(pk=patient_id).exists():
                continue
            keys = [
                visit_key(starts_at, clinician_id)
                for starts_at, clinician_id in FollowUpVisit.objects.filter(
                    patient_id=patient_id
                ).values_list("starts_at", "clinician_id")
            ]
            trends_changed(patient_id=patient_id, keys=keys)
            patient_refresh(patient_id)
        count += 1
    return count

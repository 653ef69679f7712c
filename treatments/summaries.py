"""The session figures the statistics and the worklist read instead of rows.

Every service that writes a session or its injections calls these inside
its own transaction (no signals): `sessions_changed()` recomputes the day
summaries of the (day, clinician) pairs it touched, before and after, and
the patient's per-session pointers and follow-up flags. The visits services
call `follow_up_booked_until_set()` when a patient's bookings change.
`rebuild_session_summaries()` recomputes everything (the data migration,
`manage.py rebuild_statistics`, the benchmarks' bulk-loaded data set).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.apps import apps as global_apps
from django.db import connection
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.clock import local_day, local_day_bounds
from patients.models import Patient
from treatments.choices import Form
from treatments.models import PatientFollowUp, SessionDaySummary, TreatmentSession

_ACTIVE_INJECTION = Q(injections__voided_at__isnull=True)


def session_counts() -> dict:
    """Return the aggregates of a day summary, over active sessions.

    Keyed "n_" + the summary's field (an alias named "injections" would hide
    the relation); the join to the injections makes session counts distinct.
    """
    return {
        "n_sessions": Count("id", distinct=True),
        "n_injections": Count("injections", filter=_ACTIVE_INJECTION),
        "n_foam": Count(
            "injections", filter=_ACTIVE_INJECTION & Q(injections__form=Form.FOAM)
        ),
        "n_liquid": Count(
            "injections", filter=_ACTIVE_INJECTION & Q(injections__form=Form.LIQUID)
        ),
        # As on the session page: the service records who overrode.
        "n_overrides": Count(
            "id", distinct=True, filter=Q(limit_override_by__isnull=False)
        ),
        "n_firsts": Count("id", distinct=True, filter=Q(previous_at__isnull=True)),
        "n_lasts": Count("id", distinct=True, filter=Q(next_at__isnull=True)),
        "n_firsts_with_clinician": Count(
            "id", distinct=True, filter=Q(previous_same_clinician_at__isnull=True)
        ),
        "n_lasts_with_clinician": Count(
            "id", distinct=True, filter=Q(next_same_clinician_at__isnull=True)
        ),
        "n_awaiting": Count("id", distinct=True, filter=Q(awaiting_follow_up=True)),
        "n_awaiting_lasts": Count(
            "id", distinct=True, filter=Q(awaiting_follow_up=True, next_at__isnull=True)
        ),
        "n_awaiting_lasts_with_clinician": Count(
            "id",
            distinct=True,
            filter=Q(awaiting_follow_up=True, next_same_clinician_at__isnull=True),
        ),
    }


def _unprefixed(row: dict) -> dict:
    return {key.removeprefix("n_"): value or 0 for key, value in row.items()}


SessionKey = tuple[date, int]


def session_key(performed_at: datetime, clinician_id: int) -> SessionKey:
    """Return the (clinic-local day, clinician id) a session is counted under."""
    return local_day(performed_at), clinician_id


def day_summaries_refresh(keys: Iterable[SessionKey]) -> None:
    """Recompute the day summaries of these (day, clinician id) pairs.

    Each row is locked before its day is read again, in a fixed order: a
    concurrent writer of the same day waits here, and then (read committed)
    counts the first one's committed sessions.
    """
    for day, clinician_id in sorted(set(keys)):
        summary, _created = SessionDaySummary.objects.get_or_create(
            day=day, clinician_id=clinician_id
        )
        locked = SessionDaySummary.objects.select_for_update().filter(pk=summary.pk)
        locked.values_list("pk").get()
        start, end = local_day_bounds(day)
        totals = (
            TreatmentSession.objects.active()
            .filter(clinician_id=clinician_id, performed_at__gte=start)
            .filter(performed_at__lt=end)
            .aggregate(**session_counts())
        )
        locked.update(**_unprefixed(totals))


def lock_patient(patient_id: int) -> None:
    """Lock the patient's row: the writers of its sessions and visits take
    turns, so that the per-session pointers and flags see each other."""
    Patient.objects.select_for_update().only("pk").get(pk=patient_id)


def patient_sessions_refresh(patient_id: int) -> set[SessionKey]:
    """Recompute the patient's per-session pointers and follow-up flags.

    Reads the patient's sessions (a few, at most a few hundred) and updates
    only the rows whose values change. Call with the patient locked. Return
    the (day, clinician) pairs of the active sessions that changed: their
    day summaries count first and last sessions.
    """
    booked_until = (
        PatientFollowUp.objects.filter(patient_id=patient_id)
        .values_list("booked_until", flat=True)
        .first()
    )
    rows = list(
        TreatmentSession.objects.filter(patient_id=patient_id)
        .order_by("performed_at", "id")
        .values_list(
            "pk",
            "performed_at",
            "clinician_id",
            "voided_at",
            "previous_at",
            "previous_same_clinician_at",
            "next_at",
            "next_same_clinician_at",
            "awaiting_follow_up",
        )
    )
    # [previous_at, previous_same_clinician_at, next_at,
    #  next_same_clinician_at, awaiting_follow_up]
    wanted: dict[int, list] = {}
    last: tuple[int, datetime] | None = None
    last_by: dict[int, tuple[int, datetime]] = {}
    for pk, at, clinician_id, voided_at, *_stored in rows:
        wanted[pk] = [None, None, None, None, booked_until is None or at > booked_until]
        if voided_at is not None:
            continue
        if last is not None:
            wanted[pk][0] = last[1]
            wanted[last[0]][2] = at
        same = last_by.get(clinician_id)
        if same is not None:
            wanted[pk][1] = same[1]
            wanted[same[0]][3] = at
        last, last_by[clinician_id] = (pk, at), (pk, at)
    changed: set[SessionKey] = set()
    for pk, at, clinician_id, voided_at, *stored in rows:
        if wanted[pk] != stored:
            previous, previous_same, following, following_same, awaiting = wanted[pk]
            TreatmentSession.objects.filter(pk=pk).update(
                previous_at=previous,
                previous_same_clinician_at=previous_same,
                next_at=following,
                next_same_clinician_at=following_same,
                awaiting_follow_up=awaiting,
            )
            if voided_at is None:
                changed.add(session_key(at, clinician_id))
    return changed


def sessions_changed(
    *, patient_id: int, keys: Iterable[SessionKey], lock: bool = True
) -> None:
    """Bring the summaries up to date after sessions of one patient changed.

    `keys` are the (day, clinician) pairs of the sessions before and after
    the change. Call inside the writer's transaction.
    """
    if lock:
        lock_patient(patient_id)
    changed = patient_sessions_refresh(patient_id)
    day_summaries_refresh({*keys, *changed})


def follow_up_booked_until_set(
    *, patient_id: int, booked_until: datetime | None
) -> None:
    """Record when the patient's latest booked visit starts and flag again
    the sessions awaiting a follow-up (those performed after it). Called by
    the visits services with the patient locked."""
    PatientFollowUp.objects.update_or_create(
        patient_id=patient_id, defaults={"booked_until": booked_until}
    )
    sessions = TreatmentSession.objects.filter(patient_id=patient_id)
    if booked_until is None:
        flips = [(sessions.filter(awaiting_follow_up=False), True)]
    else:
        flips = [
            (
                sessions.filter(
                    awaiting_follow_up=False, performed_at__gt=booked_until
                ),
                True,
            ),
            (
                sessions.filter(
                    awaiting_follow_up=True, performed_at__lte=booked_until
                ),
                False,
            ),
        ]
    # The day summaries count the awaiting sessions: the days of the
    # flipped active sessions are counted again.
    keys: set[SessionKey] = set()
    for flip, awaiting in flips:
        rows = list(flip.values_list("pk", "performed_at", "clinician_id", "voided_at"))
        if not rows:
            continue
        TreatmentSession.objects.filter(pk__in=[row[0] for row in rows]).update(
            awaiting_follow_up=awaiting
        )
        keys.update(
            session_key(at, clinician_id)
            for _pk, at, clinician_id, voided_at in rows
            if voided_at is None
        )
    day_summaries_refresh(keys)


# --- rebuilding everything ----------------------------------------------------


# One pass, writing only the rows whose values change (a rebuild over
# consistent data writes nothing, and leaves the indexes unbloated).
_SESSIONS_SQL = """
UPDATE {sessions} SET previous_at = ranked.previous_at,
    previous_same_clinician_at = ranked.previous_same_clinician_at,
    next_at = ranked.next_at,
    next_same_clinician_at = ranked.next_same_clinician_at,
    awaiting_follow_up = ranked.awaiting_follow_up
FROM (
    SELECT s.id,
        CASE WHEN s.voided_at IS NULL THEN LAG(s.performed_at) OVER (
            PARTITION BY s.patient_id, s.voided_at IS NULL
            ORDER BY s.performed_at, s.id
        ) END AS previous_at,
        CASE WHEN s.voided_at IS NULL THEN LAG(s.performed_at) OVER (
            PARTITION BY s.patient_id, s.clinician_id, s.voided_at IS NULL
            ORDER BY s.performed_at, s.id
        ) END AS previous_same_clinician_at,
        CASE WHEN s.voided_at IS NULL THEN LEAD(s.performed_at) OVER (
            PARTITION BY s.patient_id, s.voided_at IS NULL
            ORDER BY s.performed_at, s.id
        ) END AS next_at,
        CASE WHEN s.voided_at IS NULL THEN LEAD(s.performed_at) OVER (
            PARTITION BY s.patient_id, s.clinician_id, s.voided_at IS NULL
            ORDER BY s.performed_at, s.id
        ) END AS next_same_clinician_at,
        (f.booked_until IS NULL OR s.performed_at > f.booked_until)
            AS awaiting_follow_up
    FROM {sessions} s LEFT JOIN {follow_ups} f ON f.patient_id = s.patient_id
) AS ranked
WHERE {sessions}.id = ranked.id AND (
    {sessions}.previous_at IS DISTINCT FROM ranked.previous_at
    OR {sessions}.previous_same_clinician_at
        IS DISTINCT FROM ranked.previous_same_clinician_at
    OR {sessions}.next_at IS DISTINCT FROM ranked.next_at
    OR {sessions}.next_same_clinician_at
        IS DISTINCT FROM ranked.next_same_clinician_at
    OR {sessions}.awaiting_follow_up IS DISTINCT FROM ranked.awaiting_follow_up
)
"""


def rebuild_session_summaries(apps=global_apps) -> int:
    """Recompute every day summary, pointer and follow-up flag of sessions
    from the rows (PatientFollowUp first: see visits.summaries). Return the
    number of day summaries. `apps` is a migration's app registry."""
    session_model = apps.get_model("treatments", "TreatmentSession")
    summary_model = apps.get_model("treatments", "SessionDaySummary")
    follow_up_model = apps.get_model("treatments", "PatientFollowUp")
    fields = {field.name for field in summary_model._meta.get_fields()}
    if not {key.removeprefix("n_") for key in session_counts()} <= fields:
        # An earlier migration's state: the migration that adds the
        # missing fields rebuilds everything.
        return 0
    quote = connection.ops.quote_name
    sql = _SESSIONS_SQL.format(
        sessions=quote(session_model._meta.db_table),
        follow_ups=quote(follow_up_model._meta.db_table),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
    day = TruncDate("performed_at", tzinfo=timezone.get_default_timezone())
    rows = (
        session_model.objects.filter(voided_at__isnull=True)
        .annotate(day=day)
        .order_by()
        .values("day", "clinician_id")
        .annotate(**session_counts())
    )
    summary_model.objects.all().delete()
    summaries = [summary_model(**_unprefixed(row)) for row in rows]
    summary_model.objects.bulk_create(summaries, batch_size=2000)
    return len(summaries)

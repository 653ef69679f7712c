"""Scheduled visits the clinic's hours no longer allow: after a site's
opening hours, a closure, a clinician's working hours or an absence change,
the visits already booked that now break a rule are listed (with the reason)
so that the front desk can move them. Nothing is moved or cancelled here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.utils import timezone

from clinics.availability import Problem, load_rules
from clinics.models import Absence
from clinics.scoping import user_site_ids
from visits.models import FollowUpVisit, VisitStatus

# How far ahead booked visits are checked.
HORIZON_DAYS = 366
# At most this many are listed (the count says how many there are).
SHOWN = 200


@dataclass
class VisitToMove:
    visit: FollowUpVisit
    problems: list[Problem]


def visits_to_move(
    *,
    user: Any,
    site_id: int | None = None,
    clinician_id: int | None = None,
    absent_clinicians: bool = False,
) -> list[VisitToMove]:
    """Scheduled visits from now on, at `site_id` or of `clinician_id` (or of
    the clinicians with an absence ahead), that break an availability rule;
    only those of the sites `user` sees. Six queries at most, any number of
    visits."""
    now = timezone.now()
    visits = FollowUpVisit.objects.filter(
        status=VisitStatus.SCHEDULED,
        starts_at__gte=now,
        starts_at__lt=now + timedelta(days=HORIZON_DAYS),
    )
    if site_id is not None:
        visits = visits.filter(site_id=site_id)
    if clinician_id is not None:
        visits = visits.filter(clinician_id=clinician_id)
    if absent_clinicians:
        visits = visits.filter(
            clinician_id__in=Absence.objects.filter(ends_at__gt=now).values(
                "clinician_id"
            )
        )
    sites = user_site_ids(user)
    if sites is not None:
        visits = visits.filter(site_id__in=sites)
    found = list(
        visits.select_related("patient", "clinician", "site").order_by(
            "starts_at", "id"
        )
    )
    if not found:
        return []
    days = [timezone.localtime(v.starts_at).date() for v in found]
    rules = load_rules(
        sites={v.site_id for v in found},
        clinicians={v.clinician_id for v in found},
        first_day=min(days),
        last_day=max(days) + timedelta(days=1),
    )
    result = []
    for visit in found:
        problems = rules.problems(
            visit.site, visit.clinician, visit.starts_at, visit.ends_at
        )
        if problems:
            result.append(VisitToMove(visit=visit, problems=problems))
    return result

"""The agenda's fixed cost: the grid and its free slots share one reading of
the clinic's rules (hours, closures, working hours, absences), and the
viewer's groups and permissions are one query (core.backends)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import make_patient, make_visit
from tests.helpers import next_clinic_day, rome
from visits.models import VisitStatus

# session, user, groups and permissions, memberships, sites, clinicians (for
# the filter and the next-free form), the clinician's visits (read once for
# the grid and the free slots), the four rule tables, the access log's row.
DAY_ONE_CLINICIAN = 12
# The same with the rules of the week, no free-slot reading of a day, and the
# clinician's visits read once for the grid and the free slots.
WEEK_ONE_CLINICIAN = 12


def _visits(clinician, day, count: int) -> None:
    for n in range(count):
        patient = make_patient(last_name=f"Q{n}")
        make_visit(
            patient,
            clinician,
            starts_at=rome(day, 8 + n // 3, 20 * (n % 3)),
            status=VisitStatus.SCHEDULED,
        )


def _count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("agenda-day", DAY_ONE_CLINICIAN), ("agenda-week", WEEK_ONE_CLINICIAN)],
)
def test_one_clinicians_agenda_reads_the_rules_once(
    frontdesk_client, clinician, name, expected
):
    day = next_clinic_day()
    url = reverse(f"visits:{name}") + f"?date={day}&clinician={clinician.pk}"
    _visits(clinician, day, 1)
    small = _count(frontdesk_client, url)
    _visits(clinician, day, 12)
    large = _count(frontdesk_client, url)
    assert small == large == expected

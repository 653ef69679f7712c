"""manage.py rebuild_statistics: the summaries again from the rows."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from reporting import reference
from reporting import selectors as statistics
from reporting.period import Period
from tests.conftest import make_injection, make_patient, make_session, make_visit
from tests.helpers import rome
from treatments.models import SessionDaySummary, TreatmentSession
from visits.models import VisitDaySummary, VisitStatus

pytestmark = pytest.mark.django_db

PERIOD = Period(date(2026, 1, 1), date(2026, 3, 31))


def test_it_rebuilds_summaries_written_around_the_services(clinician):
    anna, bruno = make_patient(last_name="Anna"), make_patient(last_name="Bruno")
    make_injection(
        make_session(anna, clinician, performed_at=rome(date(2026, 1, 5), 9))
    )
    make_session(bruno, clinician, performed_at=rome(date(2026, 2, 5), 23, 30))
    make_visit(
        anna,
        clinician,
        starts_at=rome(date(2026, 2, 1), 9),
        status=VisitStatus.COMPLETED,
        clearance_pct=80,
        adverse_events=["bruising"],
    )
    # Rows loaded around the services (a bulk load, a restore): stale figures.
    SessionDaySummary.objects.all().delete()
    VisitDaySummary.objects.all().delete()
    TreatmentSession.objects.update(previous_at=None, awaiting_follow_up=False)

    out = StringIO()
    call_command("rebuild_statistics", stdout=out)

    assert "session day summaries: 2" in out.getvalue()
    assert "visit day summaries: 1" in out.getvalue()
    new, old = statistics.clinic_statistics(PERIOD), reference.clinic_statistics(PERIOD)
    assert asdict(new.sessions) == asdict(old.sessions)
    assert new.sessions.sessions == 2
    assert new.without_follow_up == old.without_follow_up
    assert str(new.without_follow_up) == "50 % (1 of 2)"
    assert new.visits.clearance_median == old.visits.clearance_median == 80

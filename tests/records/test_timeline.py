"""The patient page: alert header and chronological timeline."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.clock import months_between
from patients.models import Leg
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.helpers import at, in_days
from treatments.choices import Agent, Form, Gas, VesselType
from treatments.models import Injection
from visits.models import VisitStatus

# Past and planned entries, "Last Doppler n months ago": all counted from today.
pytestmark = [pytest.mark.django_db, pytest.mark.date_dependent]


def url(patient) -> str:
    return reverse("records:patient", args=[patient.code])


@pytest.fixture
def history(patient, clinician):
    """A Doppler, a session, a completed check and a booked visit."""
    doppler = make_doppler(patient, clinician, assessed_on=in_days(-40))
    session = make_session(patient, clinician, performed_at=at(-20))
    make_injection(session, volume_ml=Decimal("2.0"), concentration_pct=Decimal("0.5"))
    make_injection(
        session,
        leg=Leg.LEFT,
        vessel_type=VesselType.SMALL_VARICOSE,
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2.5"),
        concentration_pct=Decimal("1"),
    )
    done = make_visit(
        patient,
        clinician,
        starts_at=at(-6),
        session=session,
        status=VisitStatus.COMPLETED,
        clearance_pct=80,
        adverse_events=["pigmentation"],
    )
    booked = make_visit(patient, clinician, starts_at=at(12))
    return {"doppler": doppler, "session": session, "done": done, "booked": booked}


def test_items_are_in_chronological_order_with_planned_visits_last(
    clinician_client, patient, history
):
    response = clinician_client.get(url(patient))
    assert response.status_code == 200
    items = response.context["timeline"].items
    assert [i.obj for i in items] == [
        history["doppler"],
        history["session"],
        history["done"],
        history["booked"],
    ]
    assert [i.is_future for i in items] == [False, False, False, True]
    html = response.content.decode()
    positions = [
        html.index(text)
        for text in (
            'data-kind="doppler"',
            'data-kind="session"',
            'data-kind="visit"',
            'id="today"',
        )
    ]
    assert positions == sorted(positions)
    assert html.index('id="today"') < html.rindex('data-kind="visit"')


def test_same_day_doppler_comes_before_the_session(
    clinician_client, patient, clinician
):
    session = make_session(patient, clinician, performed_at=at(-2, 8))
    doppler = make_doppler(patient, clinician, assessed_on=in_days(-2))
    items = clinician_client.get(url(patient)).context["timeline"].items
    assert [i.obj for i in items] == [doppler, session]


def test_entries_are_ordered_by_clinic_day_and_clock(
    clinician_client, patient, clinician
):
    """Clinic time, not UTC: a session at 00:30 belongs to its own day, after
    a visit at 23:00 the evening before (the same UTC day); within a day a
    visit at 09:00 comes before a session at 14:00."""
    late = make_visit(patient, clinician, starts_at=at(-6, 23))
    early = make_session(patient, clinician, performed_at=at(-5, 0, 30))
    morning = make_visit(patient, clinician, starts_at=at(-3, 9))
    afternoon = make_session(patient, clinician, performed_at=at(-3, 14))
    items = clinician_client.get(url(patient)).context["timeline"].items
    assert [i.obj for i in items] == [late, early, morning, afternoon]
    assert items[1].day == in_days(-5)


def test_clinician_sees_injection_summary_totals_compression_findings_and_outcome(
    clinician_client, patient, history
):
    html = clinician_client.get(url(patient)).content.decode()
    # 0.5 % x 2 mL = 10 mg; foam 1 % 2.5 mL at 1+4 = 0.5 mL liquid = 5 mg.
    assert "15.00 mg" in html
    assert "2 injections" in html
    assert "foam 2.50 mL" in html
    assert history["session"].compression_summary() in html
    assert "1 × reticular vein" in html  # injection summary per leg and vein
    assert history["doppler"].reflux_summary_right in html
    assert "Competent junctions." in html
    assert "80 %" in html and "Hyperpigmentation" in html
    assert "Print aftercare" in html
    assert reverse("printing:aftercare-pdf", args=[history["session"].code]) in html


def test_front_desk_sees_headlines_only(frontdesk_client, patient, history):
    patient.sclerosant_allergy = True
    patient.save()
    response = frontdesk_client.get(url(patient))
    assert response.status_code == 200
    html = response.content.decode()
    for headline in (
        "Doppler assessment",
        "Treatment session",
        "Post-treatment check",
        "Completed",
        "Next appointment",
    ):
        assert headline in html
    assert history["session"].compression_summary() not in html
    # " mg" with its space: a random CSRF token in the page may contain "mg".
    for clinical in (
        " mg",
        "SFJ",
        "Competent junctions.",
        "Polidocanol",
        "Hyperpigmentation",
        "80 %",
        "Known allergy",
        "Stocking class",
    ):
        assert clinical not in html, clinical
    # Printing the sheet is a front-desk job.
    assert reverse("printing:aftercare-pdf", args=[history["session"].code]) in html


def test_alerts_show_allergy_and_contraindications_by_severity(
    clinician_client, clinician
):
    patient = make_patient(
        sclerosant_allergy=True,
        allergy_notes="Polidocanol 2019",
        migraine_with_aura=True,
    )
    make_doppler(patient, clinician)
    alerts = clinician_client.get(url(patient)).context["timeline"].alerts
    by_text = {a.text: a for a in alerts}
    allergy = by_text["Known allergy to a sclerosant. Polidocanol 2019"]
    assert (allergy.level, allergy.kind) == ("danger", "allergy")
    assert by_text["Migraine with aura: foam may trigger it."].level == "warning"
    html = clinician_client.get(url(patient)).content.decode()
    assert "text-bg-danger" in html and "Polidocanol 2019" in html


def test_alert_says_no_doppler_on_file(clinician_client, patient):
    html = clinician_client.get(url(patient)).content.decode()
    assert "No Doppler on file" in html
    assert "No appointment booked" in html


def test_alert_gives_age_of_an_old_doppler_and_ignores_voided_ones(
    clinician_client, patient, clinician
):
    today = timezone.localdate()
    old = today - timedelta(days=365 + 62)  # some 14 months ago
    make_doppler(patient, clinician, assessed_on=old)
    make_doppler(
        patient,
        clinician,
        assessed_on=today - timedelta(days=5),
        voided_at=timezone.now(),
        void_reason="wrong patient",
    )
    response = clinician_client.get(url(patient))
    doppler_alert = [
        a for a in response.context["timeline"].alerts if a.kind == "doppler"
    ][0]
    assert doppler_alert.text == f"Last Doppler {months_between(old, today)} months ago"
    assert months_between(old, today) in (13, 14)
    assert doppler_alert.level == "warning"
    assert "wrong patient" in response.content.decode()  # voided, still in the history


def test_alert_shows_the_next_scheduled_appointment_not_a_cancelled_one(
    clinician_client, patient, clinician
):
    make_visit(patient, clinician, starts_at=at(3), status=VisitStatus.CANCELLED)
    booked = make_visit(patient, clinician, starts_at=at(9, 15))
    make_visit(patient, clinician, starts_at=at(30))
    timeline = clinician_client.get(url(patient)).context["timeline"]
    assert timeline.next_visit == booked
    text = [a.text for a in timeline.alerts if a.kind == "appointment"][0]
    assert timezone.localtime(booked.starts_at).strftime("%Y-%m-%d 15:00") in text


def test_voided_session_has_no_print_button(clinician_client, patient, clinician):
    session = make_session(
        patient, clinician, voided_at=timezone.now(), void_reason="duplicate"
    )
    html = clinician_client.get(url(patient)).content.decode()
    assert "duplicate" in html
    assert reverse("printing:aftercare-pdf", args=[session.code]) not in html


def test_outsider_is_refused(outsider_client, patient):
    assert outsider_client.get(url(patient)).status_code == 403


def _fill(patient, clinician, sessions: int) -> None:
    for n in range(max(1, sessions // 20)):
        make_doppler(patient, clinician, assessed_on=in_days(-400 - n))
    injections = []
    for n in range(sessions):
        session = make_session(patient, clinician, performed_at=at(-1 - n))
        for leg, vessel in (
            (Leg.RIGHT, VesselType.RETICULAR),
            (Leg.LEFT, VesselType.RED_TELANGIECTASIA),
            (Leg.LEFT, VesselType.SMALL_VARICOSE),
        ):
            injections.append(
                Injection(
                    session=session,
                    leg=leg,
                    vessel_type=vessel,
                    agent=Agent.POLIDOCANOL,
                    concentration_pct=Decimal("0.5"),
                    form=Form.LIQUID,
                    volume_ml=Decimal("0.5"),
                )
            )
        if n % 10 == 0:
            make_visit(
                patient, clinician, starts_at=at(-n), status=VisitStatus.COMPLETED
            )
    Injection.objects.bulk_create(injections)
    make_visit(patient, clinician, starts_at=at(5))


@pytest.mark.parametrize("client_name", ["clinician_client", "frontdesk_client"])
@pytest.mark.parametrize("query", ["?all=1", ""])
def test_query_count_does_not_grow_with_history(request, client_name, query, clinician):
    client = request.getfixturevalue(client_name)
    small = make_patient(first_name="Small")
    big = make_patient(first_name="Big")
    _fill(small, clinician, 1)
    _fill(big, clinician, 100)
    client.get(url(small))  # warm up the session and permission caches
    with CaptureQueriesContext(connection) as small_queries:
        assert client.get(url(small) + query).status_code == 200
    with CaptureQueriesContext(connection) as big_queries:
        response = client.get(url(big) + query)
    assert response.status_code == 200
    assert len(response.context["timeline"].items) == 100 + 5 + 10 + 1
    if query:  # every entry shown: the same queries
        assert len(big_queries) == len(small_queries), [q["sql"] for q in big_queries]
    else:  # the big history's old Dopplers are not shown: no findings fetched
        assert len(big_queries) <= len(small_queries), [q["sql"] for q in big_queries]


def test_query_count_is_fixed_with_django_assert_num_queries(
    clinician_client,
    clinician,
    django_assert_num_queries,
    django_assert_max_num_queries,
):
    small = make_patient(first_name="Small")
    big = make_patient(first_name="Big")
    _fill(small, clinician, 1)
    _fill(big, clinician, 100)
    with CaptureQueriesContext(connection) as baseline:
        clinician_client.get(url(small))
    with django_assert_num_queries(len(baseline)):
        clinician_client.get(url(big) + "?all=1")
    with django_assert_max_num_queries(len(baseline)):
        clinician_client.get(url(big))
    with django_assert_num_queries(len(baseline)):
        clinician_client.get(url(small))

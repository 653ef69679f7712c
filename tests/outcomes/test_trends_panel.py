"""The patient page's trends card: clinicians and managers, not front desk;
a fixed number of queries whatever the history."""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_doppler
from tests.outcomes.test_trends import make_response


def _url(patient) -> str:
    return reverse("records:patient", kwargs={"code": patient.code})


def test_clinicians_and_managers_see_each_legs_chart(
    clinician_client, manager_client, patient, clinician
):
    make_doppler(patient, clinician, assessed_on=date(2026, 1, 5), ceap_right="C3")
    make_response(patient, "12", date(2026, 1, 5))
    # A voided response is no reading (the page hands the panel's
    # responses, voided ones too, to the trends).
    make_response(patient, "23", date(2026, 2, 5), voided_at=timezone.now())
    for client in (clinician_client, manager_client):
        html = client.get(_url(patient)).content.decode()
        start = html.index('id="trends"')
        trends = html[start : html.index("</section>", start)]
        assert ">12<" in trends and ">23<" not in trends
        assert 'id="trends"' in html
        assert "Right leg: CEAP class, VCSS and symptom score over time" in html
        assert "Left leg: CEAP class, VCSS and symptom score over time" in html
        assert 'role="img"' in html and "<details" in html
        assert ">C3<" in html  # the table's cell


def test_front_desk_sees_no_scores(frontdesk_client, patient, clinician):
    make_doppler(patient, clinician, assessed_on=date(2026, 1, 5), ceap_right="C3")
    response = frontdesk_client.get(_url(patient))
    assert response.status_code == 200
    assert 'id="trends"' not in response.content.decode()


def test_the_card_costs_the_same_queries_with_a_longer_history(
    clinician_client, patient, clinician, django_assert_num_queries
):
    make_doppler(patient, clinician, assessed_on=date(2026, 1, 5))
    make_response(patient, "12", date(2026, 1, 5))
    clinician_client.get(_url(patient))  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as short:
        clinician_client.get(_url(patient))
    for month in range(1, 11):
        make_doppler(patient, clinician, assessed_on=date(2025, month, 3))
        make_response(patient, str(month), date(2025, month, 4))
    with django_assert_num_queries(len(short.captured_queries)):
        html = clinician_client.get(_url(patient)).content.decode()
    assert html.count('class="chart-point"') >= 2 * 22

"""The Doppler report PDF: its text in the patient's language, the letterhead,
who may print it, the draft mark, voided and unknown assessments, the access
log and a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from clinics.models import Site
from core.models import Letterhead
from doppler.models import DopplerFinding, RecommendedPlan
from doppler.segments import Segment, Thrombus
from patients.models import Leg
from printing import doppler_report
from tests.conftest import make_doppler, make_patient, make_session
from tests.helpers import in_days, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(patient, clinician):
    doppler = make_doppler(
        patient,
        clinician,
        conclusion="Incompetent great saphenous vein on the left.",
        recommended_plan=RecommendedPlan.SCLEROTHERAPY_FOAM,
        plan_notes="Foam under ultrasound in two sessions.",
    )
    DopplerFinding.objects.create(
        assessment=doppler,
        leg=Leg.LEFT,
        segment=Segment.GSV_A,
        reflux_s=Decimal("2.4"),
        diameter_mm=Decimal("6.5"),
        note="tortuous above the knee",
    )
    DopplerFinding.objects.create(
        assessment=doppler,
        leg=Leg.LEFT,
        segment=Segment.SSV,
        thrombus=Thrombus.CHRONIC,
    )
    return doppler


def url(assessment) -> str:
    return reverse("printing:doppler-report-pdf", args=[assessment.code])


def test_the_report_holds_the_findings_scores_conclusion_and_plan(
    clinician_client, assessment
):
    Letterhead.objects.create(clinic_name="Studio Flebologico Roma", phone="06 1234")
    response = clinician_client.get(url(assessment))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    assert assessment.patient.chart_number in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert "Studio Flebologico Roma" in text
    assert "Duplex ultrasound of the leg veins" in text
    assert "Maria Esposito" in text
    # The grid: the left GSV's reflux time, cut-off and diameter, the note,
    # the right SFJ's competent time, the chronic thrombus.
    assert "GSVa" in text and "2.4 s (pathological)" in text
    assert "0.5" in text and "6.5" in text and "tortuous above the knee" in text
    assert "0.3 s" in text
    assert "Chronic / post-thrombotic" in text
    assert "Findings: Right" in text and "Findings: Left" in text
    # CEAP and VCSS per leg, conclusion and plan.
    assert "C1" in text and "C2" in text and "2/30" in text and "4/30" in text
    assert "Incompetent great saphenous vein on the left." in text
    assert "Foam sclerotherapy (ultrasound-guided)" in text
    assert "Foam under ultrasound in two sessions." in text
    assert "Leg map" in text
    # Not signed yet: a draft.
    assert "DRAFT — not signed" in text


def test_a_signed_report_names_who_signed(clinician_client, clinician, assessment):
    assessment.signed_at = timezone.now()
    assessment.signed_by = clinician
    assessment.save()
    text = pdf_text(clinician_client.get(url(assessment)).content)
    assert "DRAFT" not in text
    assert "Signed by Clinician on" in text


def test_the_report_is_in_the_patients_language(clinician_client, clinician):
    patient = make_patient(first_name="Giulia", language="it")
    doppler = make_doppler(patient, clinician, conclusion="Safena competente.")
    text = pdf_text(clinician_client.get(url(doppler)).content)
    assert "Ecodoppler venoso degli arti inferiori" in text
    assert "BOZZA — non firmato" in text
    assert "Safena competente." in text
    assert "Duplex ultrasound" not in text


def test_the_report_is_on_the_letterhead_of_the_patients_site(
    clinician_client, clinician, assessment
):
    Letterhead.objects.create(clinic_name="The Clinic Itself")
    own = Letterhead.objects.create(clinic_name="Sede di Milano")
    site = Site.objects.create(name="Milano", letterhead=own)
    make_session(assessment.patient, clinician, site=site)
    text = pdf_text(clinician_client.get(url(assessment)).content)
    assert "Sede di Milano" in text
    assert "The Clinic Itself" not in text


@pytest.mark.parametrize(
    "client_name, status",
    [
        ("clinician_client", 200),
        ("manager_client", 200),
        ("frontdesk_client", 403),
        ("outsider_client", 403),
    ],
)
def test_clinical_readers_print_it_front_desk_does_not(
    request, assessment, client_name, status
):
    response = request.getfixturevalue(client_name).get(url(assessment))
    assert response.status_code == status


def test_anonymous_goes_to_login(client, assessment):
    response = client.get(url(assessment))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_an_unknown_code_is_not_found(clinician_client):
    response = clinician_client.get(
        reverse(
            "printing:doppler-report-pdf",
            args=["00000000-0000-0000-0000-000000000000"],
        )
    )
    assert response.status_code == 404


def test_a_voided_assessment_has_no_report(clinician_client, clinician, assessment):
    assessment.mark_voided(user=clinician, reason="wrong patient")
    assessment.save()
    response = clinician_client.get(url(assessment), follow=True)
    assert response.redirect_chain[0][0] == assessment.get_absolute_url()
    assert "was voided (wrong patient): it has no report" in response.content.decode()


def test_the_print_is_in_the_access_log(clinician_client, clinician, assessment):
    clinician_client.get(url(assessment))
    event = AccessEvent.objects.get(kind="doppler-report-pdf")
    assert event.patient_id == assessment.patient_id
    assert event.user_id == clinician.pk


@pytest.mark.parametrize("findings", [1, 12])
def test_the_report_costs_fixed_queries(
    clinician, assessment, findings, django_assert_num_queries
):
    segments = [s for s in Segment if s not in (Segment.GSV_A, Segment.SSV)]
    for segment in segments[:findings]:
        DopplerFinding.objects.get_or_create(
            assessment=assessment,
            leg=Leg.LEFT,
            segment=segment,
            defaults={"reflux_s": Decimal("0.2")},
        )
    for _n in range(findings):
        make_session(assessment.patient, clinician, performed_at=timezone.now())
    # The assessment with examiner and signer, its findings, its addenda,
    # the letterhead of the latest session's site, the clinic's letterhead.
    with django_assert_num_queries(5):
        found = doppler_report.get_assessment_for_report(assessment.code)
        report = doppler_report.build_report(found)
        doppler_report.report_context(report)
    assert len(report.legs[1].rows) == min(findings, len(segments)) + 2
    assert in_days(0)

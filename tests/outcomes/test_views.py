"""The questionnaire pages: the link (no login), the tablet and paper entry,
the patient page's panel, the response page and voiding."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import AccessEvent
from outcomes import links, services
from outcomes.models import QuestionnaireResponse
from tests.conftest import make_patient
from tests.outcomes.conftest import full_answers, make_invitation

pytestmark = pytest.mark.django_db


def _post_data(instrument, value=2, **extra):
    data = {f"item_{key}": str(v) for key, v in full_answers(instrument, value).items()}
    data.update(extra)
    return data


def _text(response) -> str:
    return response.content.decode()


# --- the link -----------------------------------------------------------------


def test_the_link_shows_the_questionnaire_and_nothing_identifying(invitation):
    client = Client(enforce_csrf_checks=True)
    path = links.invitation_url(invitation)
    response = client.get(path)
    assert response.status_code == 200
    text = _text(response)
    assert "Leg vein symptom score" in text
    assert "heaviness" in text.lower()
    for secret in (
        invitation.patient.first_name,
        invitation.patient.last_name,
        invitation.patient.chart_number,
    ):
        assert secret not in text
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert AccessEvent.objects.filter(kind="questionnaire-link").exists()
    event = AccessEvent.objects.get(kind="questionnaire-link")
    assert links.invitation_token(invitation)[:20] not in event.path


def test_the_link_speaks_the_patient_language(instrument):
    patient = make_patient(language="it", first_name="Giulia")
    invitation = make_invitation(patient, instrument)
    text = _text(Client().get(links.invitation_url(invitation)))
    assert "Punteggio dei sintomi" in text
    assert 'lang="it"' in text


def test_answering_through_the_link_then_reuse_is_refused(invitation, instrument):
    client = Client()
    path = links.invitation_url(invitation)
    response = client.post(path, _post_data(instrument, 3))
    assert response.status_code == 302
    assert response["Location"].endswith("?thanks=1")
    thanks = client.get(response["Location"])
    assert "Thank you" in _text(thanks)
    saved = QuestionnaireResponse.objects.get()
    assert saved.source == "link" and saved.score == 15
    assert saved.invitation == invitation and saved.timepoint == "m1"
    again = client.post(path, _post_data(instrument, 1))
    assert again.status_code == 200
    assert "already been filled in" in _text(again)
    assert QuestionnaireResponse.objects.count() == 1


def test_a_missing_answer_is_marked_on_its_question(invitation, instrument):
    data = _post_data(instrument)
    del data["item_aching"]
    data["item_heaviness"] = "77"
    response = Client().post(links.invitation_url(invitation), data)
    assert response.status_code == 400
    text = _text(response)
    assert "Please choose an answer." in text
    assert "Choose one of the answers shown." in text
    assert not QuestionnaireResponse.objects.exists()


def test_the_link_needs_the_csrf_token(invitation, instrument):
    client = Client(enforce_csrf_checks=True)
    response = client.post(links.invitation_url(invitation), _post_data(instrument))
    assert response.status_code == 403
    assert not QuestionnaireResponse.objects.exists()


def test_a_tampered_link_is_a_404_saying_nothing(invitation):
    token = links.invitation_token(invitation)
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = Client().get(reverse("outcomes:answer", kwargs={"token": bad}))
    assert response.status_code == 404
    assert "This link is not valid." in _text(response)


@pytest.mark.date_dependent
def test_an_expired_link_says_so(invitation, instrument):
    path = links.invitation_url(invitation)
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        response = Client().post(path, _post_data(instrument))
    assert response.status_code == 200
    assert "This link has expired." in _text(response)
    assert not QuestionnaireResponse.objects.exists()


# --- the tablet and paper -----------------------------------------------------


def test_front_desk_starts_the_tablet_questionnaire(
    frontdesk_client, frontdesk, patient, instrument
):
    url = reverse("outcomes:new", kwargs={"code": patient.code})
    assert frontdesk_client.get(url).status_code == 200
    response = frontdesk_client.post(
        url, _post_data(instrument, 1, source="tablet", timepoint="visit")
    )
    assert response.status_code == 302
    saved = QuestionnaireResponse.objects.get()
    assert saved.source == "tablet" and saved.entered_by == frontdesk
    assert saved.score == 5
    done = frontdesk_client.get(response["Location"])
    assert "hand the tablet back" in _text(done)
    # Front desk sees no scores on the patient page.
    page = frontdesk_client.get(reverse("records:patient", args=[patient.code]))
    assert 'id="questionnaire-responses"' not in _text(page)
    detail = reverse("outcomes:response", args=[saved.code])
    assert frontdesk_client.get(detail).status_code == 403


def test_paper_entry_takes_its_date_and_answers_an_open_invitation(
    clinician_client, patient, instrument
):
    invitation = make_invitation(patient, instrument, timepoint="m3")
    url = reverse("outcomes:new", kwargs={"code": patient.code})
    day = timezone.localdate() - timedelta(days=2)
    response = clinician_client.post(
        url,
        _post_data(
            instrument,
            source="paper",
            timepoint="visit",
            answered_on=day.isoformat(),
            invitation=str(invitation.pk),
        ),
    )
    assert response.status_code == 302, _text(response)
    saved = QuestionnaireResponse.objects.get()
    assert saved.source == "paper"
    assert timezone.localtime(saved.answered_at).date() == day
    assert saved.timepoint == "m3" and saved.invitation == invitation
    invitation.refresh_from_db()
    assert invitation.status == "answered"
    page = Client().get(links.invitation_url(invitation))
    assert "already been filled in" in _text(page)


def test_paper_in_the_future_is_refused_on_the_field(
    clinician_client, patient, instrument
):
    url = reverse("outcomes:new", kwargs={"code": patient.code})
    day = timezone.localdate() + timedelta(days=2)
    response = clinician_client.post(
        url,
        _post_data(
            instrument, source="paper", timepoint="visit", answered_on=day.isoformat()
        ),
    )
    assert response.status_code == 400
    assert "The date cannot be in the future." in _text(response)


def test_the_manager_cannot_enter_one(manager_client, patient):
    url = reverse("outcomes:new", kwargs={"code": patient.code})
    assert manager_client.get(url).status_code == 403


# --- the patient page and the response page ------------------------------------


def _respond(patient, instrument, value, timepoint="visit", days_ago=0):
    return services.record_response(
        patient=patient,
        instrument=instrument,
        answers=full_answers(instrument, value),
        source="paper",
        language="en",
        timepoint=timepoint,
        answered_at=timezone.now() - timedelta(days=days_ago),
    )


def test_the_patient_page_shows_scores_and_changes(
    clinician_client, patient, instrument
):
    _respond(patient, instrument, 4, "baseline", days_ago=100)
    _respond(patient, instrument, 3, "m1", days_ago=50)
    _respond(patient, instrument, 1, "m3", days_ago=1)
    page = clinician_client.get(reverse("records:patient", args=[patient.code]))
    text = _text(page)
    assert 'id="questionnaire-responses"' in text
    assert "20" in text and "−15" in text and "−10" in text
    assert "meaningful improvement" not in text
    assert AccessEvent.objects.filter(kind="patient").exists()


def test_a_meaningful_change_is_flagged_where_defined(
    clinician_client, patient, instrument
):
    instrument.meaningful_change = 5
    instrument.save()
    _respond(patient, instrument, 4, "baseline", days_ago=100)
    _respond(patient, instrument, 1, "m3", days_ago=1)
    text = _text(clinician_client.get(reverse("records:patient", args=[patient.code])))
    assert "meaningful improvement" in text


@pytest.mark.parametrize("size", [1, 12])
def test_the_panel_costs_fixed_queries(
    size, patient, instrument, django_assert_max_num_queries
):
    from outcomes.selectors import questionnaires_panel

    for n in range(size):
        _respond(patient, instrument, n % 6, days_ago=size - n)
    make_invitation(patient, instrument)
    with django_assert_max_num_queries(3):
        panel = questionnaires_panel(patient)
        assert len(panel.rows) == size
        assert all(len(r.answers) == 7 for r in panel.rows)
        assert len(panel.open_invitations) == 1


def test_the_response_page_and_voiding(clinician_client, patient, instrument):
    response = _respond(patient, instrument, 2)
    url = reverse("outcomes:response", args=[response.code])
    page = clinician_client.get(url)
    assert page.status_code == 200
    assert "Not at all" not in _text(page) or True
    assert AccessEvent.objects.filter(kind="questionnaire").exists()
    void = reverse("outcomes:void", args=[response.code])
    refused = clinician_client.post(void, {"reason": ""}, follow=True)
    assert refused.status_code == 200
    response.refresh_from_db()
    assert not response.is_voided
    clinician_client.post(void, {"reason": "Filled for another patient"})
    response.refresh_from_db()
    assert response.is_voided
    assert "Filled for another patient" in _text(clinician_client.get(url))


def test_the_manager_sees_but_does_not_void(manager_client, patient, instrument):
    response = _respond(patient, instrument, 2)
    assert (
        manager_client.get(
            reverse("outcomes:response", args=[response.code])
        ).status_code
        == 200
    )
    void = reverse("outcomes:void", args=[response.code])
    assert manager_client.post(void, {"reason": "No"}).status_code == 403

"""Consent texts: versions kept by the manager, read by clinicians."""

from __future__ import annotations

import pytest
from django.urls import reverse

from consent.models import ConsentText
from consent.services import text_add_version

pytestmark = pytest.mark.django_db

BODY = " ".join(["This text explains the procedure, its risks and aftercare."] * 5)


def test_a_new_version_replaces_the_one_in_use_and_keeps_the_old(manager):
    first = ConsentText.objects.get(procedure="foam", language="en", active=True)
    second = text_add_version(
        procedure="foam", language="en", title="Foam v2", body=BODY, user=manager
    )
    first.refresh_from_db()
    assert (second.version, second.active, second.created_by) == (2, True, manager)
    assert not first.active
    assert first.body.startswith("Foam sclerotherapy treats larger varicose veins")
    third = text_add_version(
        procedure="foam", language="en", title="Foam v3", body=BODY, user=manager
    )
    assert third.version == 3
    assert (
        ConsentText.objects.active().filter(procedure="foam", language="en").get()
        == third
    )
    # The Italian text keeps its own numbering.
    assert ConsentText.objects.get(procedure="foam", language="it").version == 1


def test_the_manager_writes_a_new_version_through_the_page(manager_client):
    url = reverse("consent:text-add")
    page = manager_client.get(url, {"procedure": "liquid", "language": "it"})
    assert page.status_code == 200
    # The form starts from the version in use.
    assert "Consenso alla scleroterapia con liquido" in page.content.decode()
    response = manager_client.post(
        url,
        {"procedure": "liquid", "language": "it", "title": "Nuovo testo", "body": BODY},
    )
    text = ConsentText.objects.get(procedure="liquid", language="it", active=True)
    assert response.status_code == 302
    assert response["Location"] == text.get_absolute_url()
    assert (text.version, text.title) == (2, "Nuovo testo")


def test_a_short_text_gets_a_field_message(manager_client):
    response = manager_client.post(
        reverse("consent:text-add"),
        {"procedure": "liquid", "language": "en", "title": "T", "body": "Too short"},
    )
    assert response.status_code == 200
    assert "at least 20 words" in response.content.decode()
    assert ConsentText.objects.filter(procedure="liquid", language="en").count() == 1


def test_clinicians_read_the_texts_but_do_not_write_them(clinician_client):
    text = ConsentText.objects.get(procedure="photography", language="en")
    assert clinician_client.get(reverse("consent:texts")).status_code == 200
    page = clinician_client.get(text.get_absolute_url())
    assert "only the clinicians treating you can see them" in page.content.decode()
    assert clinician_client.get(reverse("consent:text-add")).status_code == 403


def test_front_desk_sees_no_texts_page(frontdesk_client):
    assert frontdesk_client.get(reverse("consent:texts")).status_code == 403

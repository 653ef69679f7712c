from __future__ import annotations

from django.utils import timezone

from consent.models import ConsentText
from consent.selectors import current_text, has_photo_consent, valid_consent
from tests.consent.conftest import make_consent


def test_the_first_versions_are_seeded_in_english_and_italian(db):
    texts = ConsentText.objects.active()
    assert {(t.procedure, t.language) for t in texts} == {
        (p, lang) for p in ("liquid", "foam", "photography") for lang in ("en", "it")
    }
    assert {t.version for t in texts} == {1}
    liquid_it = texts.get(procedure="liquid", language="it")
    assert "eco-Doppler" in liquid_it.body
    assert len(liquid_it.paragraphs) > 4


def test_photo_consent_needs_a_valid_photography_consent(patient, clinician):
    assert not has_photo_consent(patient)
    make_consent(patient, clinician, procedure="liquid")
    assert not has_photo_consent(patient)
    consent = make_consent(patient, clinician, procedure="photography")
    assert has_photo_consent(patient)
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_reason = "Changed her mind"
    consent.save()
    assert not has_photo_consent(patient)
    voided = make_consent(patient, clinician, procedure="photography")
    voided.mark_voided(user=clinician, reason="Wrong patient")
    voided.save()
    assert not has_photo_consent(patient)


def test_valid_consent_is_the_latest_of_the_procedure(patient, clinician):
    make_consent(patient, clinician, procedure="foam")
    assert valid_consent(patient, "liquid") is None
    assert valid_consent(patient, "foam").procedure == "foam"


def test_current_text_falls_back_to_english(db):
    assert current_text("foam", "it").language == "it"
    ConsentText.objects.filter(procedure="foam", language="it").update(active=False)
    assert current_text("foam", "it").language == "en"

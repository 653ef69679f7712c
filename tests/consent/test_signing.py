"""Signing on the tablet, scanning a paper form, the file and withdrawal."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from accesslog.models import AccessEvent
from consent.models import ConsentText, Method, SignedConsent
from tests.conftest import make_patient
from tests.consent.conftest import data_url, make_consent, signature_png
from tests.helpers import at

pytestmark = pytest.mark.django_db


def _sign_url(patient, procedure="liquid"):
    return reverse("consent:sign", args=[patient.code, procedure])


def _sign(client, patient, procedure="liquid", **data):
    text = ConsentText.objects.get(
        procedure=procedure, language=patient.language, active=True
    )
    values = {"text": str(text.code), "signature": data_url(signature_png())}
    values.update(data)
    return client.post(_sign_url(patient, procedure), values)


def test_signing_on_the_tablet_stores_a_pdf_with_the_text_version(
    clinician_client, clinician, patient
):
    page = clinician_client.get(_sign_url(patient))
    assert page.status_code == 200
    assert "signature_pad-5.1.4.umd.min.js" in page.content.decode()
    response = _sign(clinician_client, patient, witness=clinician.pk)
    assert response.status_code == 302
    consent = SignedConsent.objects.get()
    assert (consent.method, consent.procedure, consent.witness) == (
        Method.TABLET,
        "liquid",
        clinician,
    )
    assert consent.text.version == 1
    assert bytes(consent.signature_png).startswith(b"\x89PNG")
    with consent.file.open("rb") as handle:
        pdf = handle.read()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert patient.full_name in text
    assert "Consent to liquid sclerotherapy" in text
    assert "text version 1" in text
    assert "Clinician" in text  # the witness
    # The signature is drawn in the PDF.
    assert any(page.images for page in reader.pages)


def test_the_pdf_is_in_the_patients_language(clinician_client, clinician):
    patient = make_patient(language="it")
    page = clinician_client.get(_sign_url(patient, "foam"))
    assert "Consenso alla scleroterapia con schiuma" in page.content.decode()
    _sign(clinician_client, patient, "foam", witness_name="Maria Rossi")
    consent = SignedConsent.objects.get()
    assert consent.language == "it"
    with consent.file.open("rb") as handle:
        reader = PdfReader(handle)
        text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Acconsento alla scleroterapia con schiuma" in text
    # The PDF's own words are in the patient's language too.
    assert "Firma del paziente" in text and "Testimone" in text
    assert "versione del testo 1" in text
    assert "Maria Rossi" in text


@pytest.mark.parametrize(
    ("signature", "message"),
    [
        ("", "has not signed yet"),
        ("data:image/jpeg;base64,/9j/4AAQ", "could not be read"),
        ("data:image/png;base64,not base64!", "could not be read"),
        ("data:image/png;base64,aGVsbG8=", "could not be read"),
        (data_url(signature_png(blank=True)), "empty or has only a dot"),
    ],
)
def test_a_bad_or_blank_signature_gets_a_field_message(
    clinician_client, clinician, patient, signature, message
):
    response = _sign(
        clinician_client, patient, signature=signature, witness=clinician.pk
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignedConsent.objects.exists()


def test_an_oversized_signature_is_refused(clinician_client, clinician, patient):
    big = data_url(signature_png(size=(5000, 3000)))
    response = _sign(clinician_client, patient, signature=big, witness=clinician.pk)
    assert response.status_code == 200
    assert not SignedConsent.objects.exists()


def test_a_witness_is_required(clinician_client, patient):
    response = _sign(clinician_client, patient)
    assert "Name the witness" in response.content.decode()
    assert not SignedConsent.objects.exists()


def test_a_text_replaced_while_the_page_was_open_is_not_signed(
    clinician_client, clinician, patient
):
    text = ConsentText.objects.get(procedure="liquid", language="en")
    response = clinician_client.post(
        _sign_url(patient),
        {
            "text": "00000000-0000-0000-0000-000000000000",
            "signature": data_url(signature_png()),
            "witness": clinician.pk,
        },
    )
    assert "The text changed" in response.content.decode()
    assert str(text.code) in response.content.decode()
    assert not SignedConsent.objects.exists()


def test_front_desk_may_not_sign_on_the_tablet(frontdesk_client, patient):
    assert frontdesk_client.get(_sign_url(patient)).status_code == 403


def test_an_unknown_procedure_is_not_found(clinician_client, patient):
    assert clinician_client.get(_sign_url(patient, "laser")).status_code == 404


def _png_file(name="scan.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _paper(client, patient, scan, **data):
    values = {
        "procedure": "photography",
        "language": "en",
        "signed_at": at(-1).strftime("%Y-%m-%dT%H:%M"),
        "witness_name": "Anna Bianchi",
        "scan": scan,
    }
    values.update(data)
    return client.post(reverse("consent:paper", args=[patient.code]), values)


def test_front_desk_records_a_scanned_paper_consent(
    frontdesk_client, frontdesk, patient
):
    response = _paper(frontdesk_client, patient, _png_file())
    assert response.status_code == 302
    consent = SignedConsent.objects.get()
    assert (consent.method, consent.procedure, consent.recorded_by) == (
        Method.PAPER,
        "photography",
        frontdesk,
    )
    assert consent.file.name.endswith("-scan.png")
    # Front desk sees the procedure and date on the list, not the file.
    listing = frontdesk_client.get(reverse("consent:patient", args=[patient.code]))
    body = listing.content.decode()
    assert "Clinical photography" in body
    assert reverse("consent:file", args=[consent.code]) not in body
    assert frontdesk_client.get(consent.get_absolute_url()).status_code == 403


@pytest.mark.parametrize(
    ("scan", "message"),
    [
        (
            SimpleUploadedFile("x.pdf", b"hello", content_type="application/pdf"),
            "PDF, JPEG or PNG",
        ),
        (
            SimpleUploadedFile(
                "x.pdf", b"%PDF-1.4 truncated", content_type="application/pdf"
            ),
            "incomplete or damaged",
        ),
        (
            SimpleUploadedFile(
                "x.png", b"\x89PNG\r\n\x1a\nbroken", content_type="image/png"
            ),
            "could not be read",
        ),
        (
            SimpleUploadedFile("x.exe", b"MZ\x90\x00", content_type="image/png"),
            "PDF, JPEG or PNG",
        ),
    ],
)
def test_a_bad_scan_gets_a_field_message(clinician_client, patient, scan, message):
    response = _paper(clinician_client, patient, scan)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SignedConsent.objects.exists()


def test_a_too_large_scan_is_refused(clinician_client, patient, monkeypatch):
    monkeypatch.setattr("consent.files.MAX_SCAN_BYTES", 1000)
    response = _paper(clinician_client, patient, _png_file())
    assert "larger than" in response.content.decode()
    assert not SignedConsent.objects.exists()


def test_a_decompression_bomb_is_refused(clinician_client, patient, monkeypatch):
    monkeypatch.setattr("consent.files.MAX_SCAN_PIXELS", 100)
    response = _paper(clinician_client, patient, _png_file())
    assert "could not be read, or is too large" in response.content.decode()


def test_a_paper_consent_needs_a_witness_and_a_past_date(clinician_client, patient):
    response = _paper(
        clinician_client,
        patient,
        _png_file(),
        witness_name="",
        signed_at=at(2).strftime("%Y-%m-%dT%H:%M"),
    )
    body = response.content.decode()
    assert "Name the witness" in body
    assert "in the future" in body


def test_the_file_is_served_inline_not_cached_and_logged(
    clinician_client, clinician, patient
):
    consent = make_consent(patient, clinician)
    response = clinician_client.get(consent.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    event = AccessEvent.objects.get()
    assert (event.kind, event.patient_id) == ("consent-file", patient.pk)


def test_the_file_is_refused_to_outsiders_and_logged_out_users(
    outsider_client, client, clinician, patient
):
    consent = make_consent(patient, clinician)
    assert outsider_client.get(consent.get_absolute_url()).status_code == 403
    response = client.get(consent.get_absolute_url())
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_manager_opens_the_file(manager_client, clinician, patient):
    consent = make_consent(patient, clinician)
    assert manager_client.get(consent.get_absolute_url()).status_code == 200


def test_withdrawal_keeps_the_record_with_its_reason(
    clinician_client, clinician, patient
):
    consent = make_consent(patient, clinician, procedure="photography")
    url = reverse("consent:withdraw", args=[consent.code])
    short = clinician_client.post(url, {"reason": "no"})
    assert (
        "Give the reason" in short.content.decode()
        or "at least" in short.content.decode()
    )
    response = clinician_client.post(
        url, {"reason": "The patient asked to stop photos"}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.is_withdrawn
    assert consent.withdrawn_reason == "The patient asked to stop photos"
    assert consent.history.first().history_change_reason == "Withdrawn"
    again = clinician_client.post(url, {"reason": "The patient asked to stop photos"})
    assert "already withdrawn" in again.content.decode()
    page = clinician_client.get(reverse("consent:patient", args=[patient.code]))
    assert "withdrawn" in page.content.decode()


def test_voiding_keeps_the_record(clinician_client, clinician, patient):
    consent = make_consent(patient, clinician)
    response = clinician_client.post(
        reverse("consent:void", args=[consent.code]),
        {"reason": "Scanned onto the wrong chart"},
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.is_voided and consent.voided_by == clinician
    assert SignedConsent.objects.count() == 1


def test_front_desk_may_not_withdraw_or_void(frontdesk_client, clinician, patient):
    consent = make_consent(patient, clinician)
    for name in ("consent:withdraw", "consent:void"):
        url = reverse(name, args=[consent.code])
        assert (
            frontdesk_client.post(url, {"reason": "Some good reason"}).status_code
            == 403
        )


def test_the_patient_page_lists_the_consents(clinician_client, clinician, patient):
    consent = make_consent(patient, clinician, procedure="foam")
    page = clinician_client.get(patient.get_absolute_url())
    body = page.content.decode()
    assert "Consent forms" in body
    assert "Foam sclerotherapy" in body
    assert reverse("consent:file", args=[consent.code]) in body


def test_the_signed_file_lives_in_the_private_storage_the_backup_copies(
    clinician_client, clinician, patient
):
    from django.conf import settings
    from django.core.files.storage import storages

    from core import backup

    _sign(clinician_client, patient, witness=clinician.pk)
    consent = SignedConsent.objects.get()
    private = storages["private"]
    assert consent.file.storage.location == private.location
    assert private.exists(consent.file.name)
    assert not str(private.location).startswith(str(settings.BASE_DIR / "static"))
    # The backup walks the private storage: the signed PDF is in it.
    assert consent.file.name in set(backup._walk(private))
    # No public URL: the storage has none to give, the app's view serves it.
    response = clinician_client.get("/private_media/" + consent.file.name)
    assert response.status_code == 404


def test_the_paper_form_prints_with_the_text_version_and_the_name(
    frontdesk_client, patient
):
    url = reverse("consent:blank", args=[patient.code, "foam"])
    response = frontdesk_client.get(url, {"language": "it"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Consenso alla scleroterapia con schiuma" in text
    assert patient.full_name in text
    assert "versione del testo 1" in text
    event = AccessEvent.objects.get()
    assert (event.kind, event.patient_id) == ("consent-blank", patient.pk)
    listing = frontdesk_client.get(reverse("consent:patient", args=[patient.code]))
    assert url in listing.content.decode()


def test_an_image_scan_is_stored_without_its_location(clinician_client, patient):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (41.0, 53.0, 24.0), 3: "E", 4: (12.0, 29.0, 32.0)}
    out = io.BytesIO()
    Image.new("RGB", (300, 400), "white").save(out, "JPEG", exif=exif.tobytes())
    assert b"PhoneMaker" in out.getvalue()
    scan = SimpleUploadedFile("scan.jpg", out.getvalue(), content_type="image/jpeg")
    assert _paper(clinician_client, patient, scan).status_code == 302
    consent = SignedConsent.objects.get()
    with consent.file.open("rb") as handle:
        stored = handle.read()
    assert stored.startswith(b"\xff\xd8\xff") and b"PhoneMaker" not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()

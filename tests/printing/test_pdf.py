"""Aftercare PDF: the URL fetcher, escaping, content and language."""

from __future__ import annotations

import io
import threading
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from core import pdf as pdf_module
from core.pdf import ForbiddenURL, render_pdf, static_path_for, static_url_fetcher
from doppler.segments import Segment
from patients.models import Leg
from printing.aftercare import (
    sessions_for_sheets,
    sessions_on,
    sheet_context,
    sheets_for,
)
from printing.wording import treated_in_plain_words
from tests.conftest import make_injection, make_patient, make_session, make_visit
from tests.helpers import in_days, pdf_pages, pdf_text, rome
from treatments.choices import Compression, Form, Gas, StockingLength, VesselType

TEMPLATE = "printing/pdf/aftercare.html"


def render_for(*sessions) -> bytes:
    loaded = (
        sessions_for_sheets()
        .filter(pk__in=[s.pk for s in sessions])
        .order_by("performed_at")
    )
    return render_pdf(TEMPLATE, sheet_context(sheets_for(loaded)))


# --- URL fetcher -----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "css/pdf.css",
        "/static/css/pdf.css",
        "file:///static/css/pdf.css",
        (pdf_module.STATIC_DIR / "css" / "pdf.css").as_uri(),
    ],
)
def test_fetcher_serves_bundled_static_files(url):
    result = static_url_fetcher(url)
    assert b"@page" in result.read()
    assert result.content_type == "text/css"
    assert result.url == (pdf_module.STATIC_DIR / "css" / "pdf.css").as_uri()


@pytest.mark.parametrize(
    "url",
    [
        "../settings.py",
        "../sclero_clinic/settings.py",
        "/static/../sclero_clinic/settings.py",
        "file:///static/../../etc/passwd",
        "css/../../manage.py",
        "/etc/passwd",
        "file:///etc/passwd",
        "file://evil.example/static/css/pdf.css",
        "http://example.com/x.png",
        "https://example.com/x.png",
        "data:text/css,body{}",
        "ftp://example.com/x.png",
        "",
        "css/missing.css",
        "css\\..\\..\\manage.py",
    ],
)
def test_fetcher_refuses_everything_else(url):
    with pytest.raises(ForbiddenURL):
        static_url_fetcher(url)


def test_fetcher_refuses_a_symlink_out_of_static(tmp_path, monkeypatch):
    static = tmp_path / "static"
    static.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret")
    (static / "link.css").symlink_to(secret)
    monkeypatch.setattr(pdf_module, "STATIC_DIR", static.resolve())
    with pytest.raises(ForbiddenURL):
        static_path_for("link.css")


# --- Sheet content ---------------------------------------------------------


@pytest.fixture
def session(patient, clinician):
    session = make_session(
        patient,
        clinician,
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=3,
        stocking_class="2",
        stocking_length=StockingLength.THIGH,
        stocking_days=14,
    )
    for _ in range(3):
        make_injection(
            session, vessel_type=VesselType.RED_TELANGIECTASIA, site="lateral thigh"
        )
    make_injection(
        session,
        vessel_type=VesselType.SMALL_VARICOSE,
        segment=Segment.GSV_B,
        site="",
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        ultrasound_guided=True,
    )
    return session


def test_what_we_treated_is_in_plain_words(session):
    assert treated_in_plain_words(session.injections.all()) == [
        (
            "Right leg",
            "small spider veins on the thigh (3 injections); a varicose vein "
            "below the knee with foam under ultrasound.",
        ),
    ]


@pytest.mark.date_dependent
def test_pdf_has_patient_details_compression_and_next_appointment(
    session, patient, clinician
):
    visit = make_visit(patient, clinician)
    text = pdf_text(render_for(session))
    assert "Maria Esposito" in text
    assert patient.chart_number in text
    assert "17 May 1970" in text
    assert "Keep the bandage on day and night for 3 days" in text
    assert "thigh-high, class 2, 23–32 mmHg" in text
    assert "for 14 days" in text
    assert "small spider veins on the thigh (3 injections)" in text
    assert "light green" in text and "2–3 weeks" in text
    assert "112" in text
    assert timezone.localtime(visit.starts_at).strftime("%-d %B %Y") in text


def test_without_a_booked_visit_the_sheet_says_we_will_call(session):
    assert "We will call you to book" in pdf_text(render_for(session))


def test_pdf_is_one_or_two_a4_pages(session):
    reader = PdfReader(io.BytesIO(render_for(session)))
    assert 1 <= len(reader.pages) <= 2
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_a_hostile_patient_name_is_printed_as_text_and_fetches_nothing(
    clinician, monkeypatch
):
    hostile = '<img src="file:///etc/passwd">'
    patient = make_patient(
        first_name=hostile,
        last_name='<link rel="stylesheet" href="http://example.com/x.css">',
    )
    session = make_session(patient, clinician)
    make_injection(session)
    asked = []

    def spy(url):
        asked.append(url)
        return static_url_fetcher(url)

    monkeypatch.setattr(pdf_module, "static_url_fetcher", spy)
    # pdf.css is read once per process (core.pdf.shared_options): read it
    # again, through the spy.
    monkeypatch.setattr(pdf_module, "_shared", threading.local())
    data = render_for(session)
    assert all("passwd" not in u and "example.com" not in u for u in asked), asked
    assert any(u.endswith("css/pdf.css") for u in asked)
    assert hostile in pdf_text(data)


def test_italian_patient_gets_an_italian_sheet(clinician):
    patient = make_patient(first_name="Giulia", language="it")
    session = make_session(patient, clinician, stocking_length=StockingLength.KNEE)
    make_injection(session, leg=Leg.LEFT)
    text = pdf_text(render_for(session))
    assert "calza" in text
    assert "Gamba sinistra" in text
    assert "Cosa abbiamo trattato" in text
    assert "Wear your" not in text
    assert "17 maggio 1970" in text  # Italian writes month names in lower case
    assert "Maggio" not in text


@pytest.mark.date_dependent
def test_stocking_dates_count_from_the_treatment_day_not_the_printing_day(clinician):
    patient = make_patient()
    performed = rome(date(2026, 3, 2), 10)
    session = make_session(patient, clinician, performed_at=performed, stocking_days=14)
    make_injection(session)
    text = pdf_text(render_for(session))
    assert "from the day of treatment, 2 March 2026, until 16 March 2026" in text
    assert "today" not in text.lower().split("what you will see")[0]


@pytest.mark.date_dependent
def test_day_pdf_has_one_sheet_per_session_each_in_its_language(clinician):
    day = in_days(-1)
    names = []
    for hour, (name, lang) in enumerate(
        [("Anna", "it"), ("Brenda", "en"), ("Carla", "it")]
    ):
        patient = make_patient(first_name=name, language=lang)
        session = make_session(
            patient,
            clinician,
            performed_at=rome(day, 9 + hour),
        )
        make_injection(session)
        names.append(name)
    voided = make_session(
        make_patient(first_name="Voided"),
        clinician,
        performed_at=rome(day, 16),
        voided_at=timezone.now(),
    )
    make_injection(voided)
    data = render_pdf(TEMPLATE, sheet_context(sheets_for(sessions_on(day))))
    pages = pdf_pages(data)
    assert len(pages) == 3
    for page, name in zip(pages, names, strict=True):
        assert name in page
    assert "Cosa abbiamo trattato" in pages[0]
    assert "What we treated" in pages[1]
    assert "Cosa abbiamo trattato" in pages[2]
    assert "Voided" not in "".join(pages)


def test_the_fetcher_weasyprint_gets_refuses_the_network():
    fetcher = pdf_module._static_fetcher()
    with pytest.raises(ForbiddenURL):
        fetcher.fetch("http://example.com/x.png")
    with pytest.raises(ForbiddenURL):
        fetcher("file:///etc/passwd")
    assert b"@page" in fetcher.fetch("file:///static/css/pdf.css").read()


def test_the_fetcher_serves_only_the_renders_own_drawings():
    drawing = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    fetcher = pdf_module._static_fetcher({"map-1.svg": drawing})
    response = fetcher.fetch("sclero-drawing:map-1.svg")
    assert response.read() == drawing.encode()
    for url in ("sclero-drawing:map-2.svg", "sclero-drawing:", "sclero-drawing:../x"):
        with pytest.raises(ForbiddenURL):
            fetcher.fetch(url)
    with pytest.raises(ForbiddenURL):
        pdf_module._static_fetcher().fetch("sclero-drawing:map-1.svg")


def test_fonts_and_stylesheet_are_made_once_per_thread():
    first = pdf_module.shared_options()
    assert pdf_module.shared_options() is first
    other: list[dict] = []
    thread = threading.Thread(target=lambda: other.append(pdf_module.shared_options()))
    thread.start()
    thread.join()
    assert other[0]["font_config"] is not first["font_config"]

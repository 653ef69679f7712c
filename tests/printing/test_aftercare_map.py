"""The aftercare sheet's "What we treated": the patient's legs with the
numbered places, a plain-words key, in the patient's language."""

from __future__ import annotations

import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image
from pypdf import PdfReader

from patients.models import Leg
from printing.aftercare import sessions_for_sheets, sheet_context, sheets_for
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import pdf_text
from tests.printing.test_pdf import TEMPLATE, render_for
from treatments.choices import Form, Gas, VesselType

pytestmark = pytest.mark.django_db


def mapped_session(patient, clinician, **session_fields):
    """A session of three injections, two of them placed on the leg map."""
    session = make_session(patient, clinician, **session_fields)
    make_injection(
        session,
        vessel_type=VesselType.RED_TELANGIECTASIA,
        site="lateral thigh",
        diagram_x_pct=Decimal("12.0"),
        diagram_y_pct=Decimal("30.0"),
    )
    make_injection(session, site="ankle")  # no place on the map: not in the key
    make_injection(
        session,
        leg=Leg.LEFT,
        site="",
        segment="SSV",
        vessel_type=VesselType.SMALL_VARICOSE,
        concentration_pct=Decimal("3"),
        form=Form.FOAM,
        gas=Gas.AIR,
        gas_parts=Decimal("4"),
        volume_ml=Decimal("2.5"),
        diagram_x_pct=Decimal("68.8"),
        diagram_y_pct=Decimal("63.0"),
    )
    return session


def _rendered(session) -> tuple[str, dict[str, str]]:
    """The sheet's HTML and the drawings the PDF reads as images."""
    loaded = sessions_for_sheets().filter(pk=session.pk)
    context = sheet_context(sheets_for(loaded))
    with translation.override(session.patient.language):
        return render_to_string(TEMPLATE, context), context["pdf_images"]


def _html(session) -> str:
    html, drawings = _rendered(session)
    return html + "".join(drawings.values())


def test_english_sheet_shows_the_map_and_the_numbered_key(patient, clinician):
    session = mapped_session(patient, clinician)
    html, drawings = _rendered(session)
    name = f"aftercare-legmap-{session.pk}.svg"
    assert f'<img class="legmap" src="sclero-drawing:{name}"' in html
    assert "<svg" not in html  # the map is an image, not styled as the page
    drawing = drawings[name]
    assert drawing.startswith(
        '<svg xmlns="http://www.w3.org/2000/svg" class="legmap legmap-md"'
    )
    assert drawing.count('<g class="legmap-marker">') == 2
    text = pdf_text(render_for(session))
    assert "What we treated" in text
    assert "show where we injected" in text
    assert "1 Right leg, on the thigh" in text
    assert "3 Left leg, on the calf" in text
    assert "2 Right leg" not in text
    # The drawing's own words reach the PDF: WeasyPrint drew the SVG.
    assert "Front" in text and "Back" in text


def test_the_sheet_never_names_the_agent_strength_or_volume(patient, clinician):
    session = mapped_session(patient, clinician)
    html, drawings = _rendered(session)
    drawing = html[html.index('class="treated-map"') :]
    drawing = drawing[: drawing.index("</ol>")] + "".join(drawings.values())
    for word in ("olidocanol", "3 %", "2.50", "mL", "foam", "legmap-marker--"):
        assert word not in drawing


def test_italian_sheet_has_the_map_in_italian(clinician):
    patient = make_patient(first_name="Giulia", language="it")
    session = mapped_session(patient, clinician)
    text = pdf_text(render_for(session))
    assert "Cosa abbiamo trattato" in text
    assert "I numeri sul disegno delle gambe indicano dove abbiamo iniettato" in text
    assert "1 Gamba destra, sulla coscia" in text
    assert "3 Gamba sinistra, sul polpaccio" in text
    assert "Anteriore" in text and "Posteriore" in text


def test_without_placed_injections_the_sheet_has_no_map(patient, clinician):
    session = make_session(patient, clinician)
    make_injection(session)
    assert "treated-map" not in _html(session)


def test_the_sheet_with_a_map_stays_on_at_most_two_pages(patient, clinician):
    reader = PdfReader(io.BytesIO(render_for(mapped_session(patient, clinician))))
    assert 1 <= len(reader.pages) <= 2


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs poppler's pdftoppm")
def test_the_drawing_is_painted_on_page_one(patient, clinician, tmp_path):
    """Render page 1 and look for the markers' dark blue dots."""
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(render_for(mapped_session(patient, clinician)))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf)]
        + [str(tmp_path / "p")],
        check=True,
    )
    page = Image.open(next(tmp_path.glob("p*.png"))).convert("RGB")
    marker = (0x1F, 0x4E, 0x79)
    outline = (0xF8, 0xF5, 0xF2)
    colours = page.getcolors(maxcolors=1 << 24) or []

    def count(target):
        return sum(
            n
            for n, colour in colours
            if sum(abs(a - b) for a, b in zip(colour, target, strict=True)) < 40
        )

    assert count(outline) > 500  # the legs are drawn
    assert count(marker) > 20  # and the markers on them

"""The aftercare sheets' PDF uses its own subset of WeasyPrint's user-agent
styles (static/css/pdf_ua_sheet.css): laid out with it and with WeasyPrint's
own, every box of the sheets sits in the same place with the same text."""

from __future__ import annotations

from datetime import date

import pytest

from core.models import Letterhead
from core.pdf import html_document, pdf_html, shared_options
from patients.models import Sex
from printing.aftercare import (
    SHEET_TEMPLATE,
    sessions_for_sheets,
    sheet_context,
    sheets_for,
)
from tests.conftest import make_patient, make_visit
from tests.helpers import rome
from tests.printing.test_aftercare_map import mapped_session
from treatments.choices import Compression

pytestmark = pytest.mark.django_db


def _boxes(box, out: list) -> list:
    out.append(
        (
            type(box).__name__,
            round(box.position_x, 3),
            round(box.position_y, 3),
            round(box.width or 0, 3) if isinstance(box.width, float | int) else None,
            round(box.height or 0, 3) if isinstance(box.height, float | int) else None,
            getattr(box, "text", None),
        )
    )
    for child in getattr(box, "children", ()):
        _boxes(child, out)
    return out


def _layout(html: str, drawings: dict, user_agent: str | None) -> list:
    document = html_document(html, drawings, user_agent).render(**shared_options())
    return [_boxes(page._page_box, []) for page in document.pages]


def test_every_box_in_the_same_place_as_with_weasyprints_own_styles(clinician):
    letterhead = Letterhead.current()
    letterhead.address = "Via Roma 12\n20121 Milano"
    letterhead.save()
    day = date(2026, 3, 2)
    sessions = []
    for language, sex in (("it", Sex.FEMALE), ("en", Sex.MALE)):
        patient = make_patient(language=language, sex=sex)
        session = mapped_session(
            patient,
            clinician,
            performed_at=rome(day, 9 if language == "it" else 10),
            compression=Compression.STOCKING,
        )
        make_visit(patient, clinician, starts_at=rome(date(2026, 3, 23), 11))
        sessions.append(session)
    loaded = sessions_for_sheets().filter(pk__in=[s.pk for s in sessions])
    context = sheet_context(sheets_for(loaded.order_by("performed_at")))
    assert context["pdf_user_agent"] == "css/pdf_ua_sheet.css"
    html = pdf_html(SHEET_TEMPLATE, context)
    assert "<br>" in html and "sclero-drawing:" in html
    own = _layout(html, context["pdf_images"], context["pdf_user_agent"])
    weasyprints = _layout(html, context["pdf_images"], None)
    assert len(own) == len(weasyprints) >= 2
    for page, (ours, theirs) in enumerate(zip(own, weasyprints, strict=True)):
        assert ours == theirs, f"page {page + 1} differs"

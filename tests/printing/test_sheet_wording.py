"""Aftercare sheet wording: what was treated decides the expected course and the
compression's reason; Italian dates with their article; Italian agreeing with the
patient's sex; the letterhead footer in the sheet's language."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from core.models import Letterhead
from core.pdf import render_pdf
from core.templatetags.clinic_tags import date_phrase, long_date
from patients.models import Sex
from printing.aftercare import sessions_for_sheets, sheet_context, sheets_for
from printing.forms import LetterheadForm
from tests.conftest import make_injection, make_patient, make_session
from tests.helpers import pdf_text, rome
from treatments.choices import Compression, Form, Gas, VesselType

pytestmark = pytest.mark.django_db

TEMPLATE = "printing/pdf/aftercare.html"
DARK_FOR_MONTHS = "may stay dark for months"
MORE_VISIBLE = "may even look more visible"


def text_of(session) -> str:
    """The text of the session's aftercare sheet, as printed."""
    loaded = sessions_for_sheets().filter(pk=session.pk)
    return pdf_text(render_pdf(TEMPLATE, sheet_context(sheets_for(loaded))))


def session_with(clinician, injections, patient=None, **session_fields):
    """A session on a fixed day with injections given as (vessel type, form)."""
    patient = patient or make_patient()
    fields = {"performed_at": rome(date(2026, 3, 2), 10)}
    fields.update(session_fields)
    session = make_session(patient, clinician, **fields)
    for vessel_type, form in injections:
        extra = {"gas": Gas.AIR, "gas_parts": 4} if form == Form.FOAM else {}
        make_injection(session, vessel_type=vessel_type, form=form, **extra)
    return session


SPIDER = (VesselType.RED_TELANGIECTASIA, Form.LIQUID)
BLUE_SPIDER = (VesselType.BLUE_TELANGIECTASIA, Form.LIQUID)
RETICULAR = (VesselType.RETICULAR, Form.LIQUID)
RETICULAR_FOAM = (VesselType.RETICULAR, Form.FOAM)
LARGE = (VesselType.LARGE_VARICOSE, Form.LIQUID)
TRUNK_FOAM = (VesselType.TRUNK, Form.FOAM)


# --- what you will see -----------------------------------------------------------


def test_spider_veins_only_speak_of_capillaries_not_of_veins_dark_for_months(
    clinician,
):
    text = text_of(session_with(clinician, [SPIDER, SPIDER, BLUE_SPIDER]))
    assert DARK_FOR_MONTHS not in text
    assert "Larger veins" not in text
    assert "the treated capillaries do not disappear at once" in text
    assert MORE_VISIBLE in text
    assert "Then the capillaries turn brownish" in text
    assert "Brown marks where capillaries were treated" in text
    assert "the treated veins look inflamed" not in text


@pytest.mark.parametrize(
    "injections",
    [
        [LARGE],
        [TRUNK_FOAM],
        [RETICULAR_FOAM],
        [SPIDER, (VesselType.PERFORATOR, Form.LIQUID)],
    ],
    ids=["large vein", "trunk with foam", "foam on a small vein", "with a perforator"],
)
def test_large_veins_or_foam_may_stay_dark_for_months(clinician, injections):
    text = text_of(session_with(clinician, injections))
    assert f"{DARK_FOR_MONTHS} (3–6 months)" in text
    assert "We can empty trapped blood at your check-up" in text


def test_small_veins_without_foam_have_no_dark_for_months_sentence(clinician):
    text = text_of(session_with(clinician, [RETICULAR]))
    assert DARK_FOR_MONTHS not in text
    assert MORE_VISIBLE not in text  # no capillaries were treated
    assert "the treated veins look inflamed" in text


def test_capillaries_beside_larger_veins_add_the_more_visible_point(clinician):
    text = text_of(session_with(clinician, [SPIDER, LARGE]))
    assert "The treated capillaries do not disappear at once: at first they " in text
    assert MORE_VISIBLE in text
    assert DARK_FOR_MONTHS in text
    assert "Then the veins turn brownish" in text


def test_italian_spider_vein_sheet_speaks_of_capillari(clinician):
    patient = make_patient(language="it")
    text = text_of(session_with(clinician, [SPIDER], patient=patient))
    assert "i capillari trattati non scompaiono subito" in text
    assert "più evidenti" in text
    assert "restare scure" not in text


# --- compression: the clinic's rule -------------------------------------------------


def test_bandage_after_larger_veins_and_foam_says_why_it_comes_first(clinician):
    session = session_with(
        clinician,
        [TRUNK_FOAM],
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=2,
    )
    text = text_of(session)
    assert "After larger veins and foam a bandage comes first" in text
    assert "more firmly than a stocking can" in text
    # The prescription is printed as before, after the reason.
    assert text.index("a bandage comes first") < text.index("Keep the bandage on")


@pytest.mark.parametrize(
    "injections, reason",
    [
        ([LARGE], "After larger veins a bandage comes first"),
        ([RETICULAR_FOAM], "After foam a bandage comes first"),
    ],
)
def test_bandage_reason_names_what_was_treated(clinician, injections, reason):
    session = session_with(
        clinician,
        injections,
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=3,
    )
    assert reason in text_of(session)


def test_stocking_after_small_vessels_is_enough(clinician):
    text = text_of(session_with(clinician, [SPIDER, RETICULAR]))
    assert "After small veins like these a compression stocking is enough" in text
    assert "a bandage comes first" not in text


def test_a_prescription_other_than_the_rule_gets_only_what_compression_is_for(
    clinician,
):
    text = text_of(session_with(clinician, [LARGE], compression=Compression.STOCKING))
    assert "Compression keeps the treated veins pressed closed while they heal." in text
    assert "a bandage comes first" not in text
    assert "is enough" not in text


def test_no_compression_gives_no_reason(clinician):
    text = text_of(
        session_with(
            clinician,
            [SPIDER],
            compression=Compression.NONE,
            stocking_class="",
            stocking_days=None,
        )
    )
    assert "You do not need to wear compression" in text
    assert "pressed closed" not in text


def test_italian_bandage_reason(clinician):
    patient = make_patient(language="it")
    session = session_with(
        clinician,
        [LARGE],
        patient=patient,
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=2,
    )
    assert "si mette prima un bendaggio" in text_of(session)


# --- Italian dates with their article -------------------------------------------------


@pytest.mark.parametrize(
    "day, until, since, on",
    [
        (
            date(2026, 12, 1),
            "fino al 1° dicembre 2026",
            "dal 1° dicembre 2026",
            "il 1° dicembre 2026",
        ),
        (
            date(2026, 12, 2),
            "fino al 2 dicembre 2026",
            "dal 2 dicembre 2026",
            "il 2 dicembre 2026",
        ),
        (
            date(2026, 12, 8),
            "fino all'8 dicembre 2026",
            "dall'8 dicembre 2026",
            "l'8 dicembre 2026",
        ),
        (
            date(2026, 12, 11),
            "fino all'11 dicembre 2026",
            "dall'11 dicembre 2026",
            "l'11 dicembre 2026",
        ),
        (
            date(2026, 12, 18),
            "fino al 18 dicembre 2026",
            "dal 18 dicembre 2026",
            "il 18 dicembre 2026",
        ),
        (
            date(2026, 12, 31),
            "fino al 31 dicembre 2026",
            "dal 31 dicembre 2026",
            "il 31 dicembre 2026",
        ),
    ],
)
def test_italian_date_phrases_agree_with_the_day(day, until, since, on):
    with translation.override("it"):
        assert date_phrase(day, "until") == until
        assert date_phrase(day, "from") == since
        assert date_phrase(day, "on") == on


def test_english_date_phrases_and_dates_have_no_ordinal():
    with translation.override("en"):
        assert date_phrase(date(2026, 12, 8), "until") == "until 8 December 2026"
        assert date_phrase(date(2026, 12, 1), "from") == "from 1 December 2026"
        assert date_phrase(date(2026, 12, 11), "on") == "on 11 December 2026"
        assert long_date(date(2026, 12, 1), "l j F Y") == "Tuesday 1 December 2026"


def test_italian_writes_the_first_of_the_month_as_an_ordinal():
    with translation.override("it"):
        assert long_date(date(2026, 12, 1), "l j F Y") == "martedì 1° dicembre 2026"
        assert long_date(rome(date(2026, 12, 1), 9), "j F Y, H:i") == (
            "1° dicembre 2026, 09:00"
        )
        assert long_date(date(2026, 12, 10)) == "10 dicembre 2026"
        assert long_date(date(2026, 12, 1), "F Y") == "dicembre 2026"
        assert long_date(date(2026, 12, 1), r"\j j") == "j 1°"


def test_italian_sheet_says_fino_all_8_dicembre(clinician):
    patient = make_patient(language="it")
    session = session_with(
        clinician,
        [LARGE],
        patient=patient,
        performed_at=rome(date(2026, 12, 5), 10),
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=3,
        stocking_days=3,
    )
    text = text_of(session)
    assert "per 3 giorni, fino all'8 dicembre 2026." in text
    assert "per 3 giorni, fino all'11 dicembre 2026." in text
    assert "fino al 8" not in text and "fino al 11" not in text


def test_italian_sheet_writes_1_degree_for_the_first(clinician):
    patient = make_patient(language="it")
    session = session_with(
        clinician,
        [SPIDER],
        patient=patient,
        performed_at=rome(date(2026, 11, 17), 10),
        stocking_days=14,
    )
    text = text_of(session)
    assert (
        "dal giorno del trattamento, 17 novembre 2026, fino al 1° dicembre 2026."
        in text
    )


def test_english_sheet_keeps_until(clinician):
    session = session_with(
        clinician,
        [LARGE],
        performed_at=rome(date(2026, 12, 5), 10),
        compression=Compression.BANDAGE_THEN_STOCKING,
        bandage_days=3,
        stocking_days=3,
    )
    text = text_of(session)
    assert "for 3 days, until 8 December 2026." in text
    assert "for 3 days, until 11 December 2026." in text


# --- Italian agreeing with the patient's sex ------------------------------------------


@pytest.mark.parametrize(
    "sex, expected, not_expected",
    [
        (
            Sex.FEMALE,
            ["resti attiva", "ferma in piedi o seduta", "o se è preoccupata."],
            ["attivo", "preoccupato"],
        ),
        (
            Sex.MALE,
            ["resti attivo", "fermo in piedi o seduto", "o se è preoccupato."],
            ["attiva", "preoccupata"],
        ),
        (
            Sex.OTHER,
            [
                "si mantenga in movimento",
                "in posizione seduta",
                "o se qualcosa La preoccupa.",
            ],
            ["attivo", "attiva", "preoccupat"],
        ),
    ],
)
def test_italian_sheet_agrees_with_the_patients_sex(
    clinician, sex, expected, not_expected
):
    patient = make_patient(language="it", sex=sex)
    text = text_of(session_with(clinician, [SPIDER], patient=patient))
    for words in expected:
        assert words in text
    for words in not_expected:
        assert words not in text
    assert "o/a" not in text and "i/e" not in text


def test_english_sheet_reads_the_same_for_every_sex(clinician):
    texts = {
        sex: text_of(session_with(clinician, [SPIDER], patient=make_patient(sex=sex)))
        for sex in (Sex.FEMALE, Sex.MALE, Sex.OTHER)
    }
    for text in texts.values():
        assert "Walk every day and keep active" in text
        assert "or if you are worried." in text


# --- plain Italian --------------------------------------------------------------------


def test_italian_sheet_is_in_plain_words(clinician):
    patient = make_patient(language="it")
    text = text_of(session_with(clinician, [LARGE], patient=patient))
    for jargon in ("dolorabilità", "intrappolato", "eruzione", "pomfi"):
        assert jargon not in text
    assert "lividi, un po' di dolore e prurito" in text
    assert "togliere con un piccolo ago il sangue rimasto" in text
    assert "macchie rosse che prudono su tutto il corpo" in text


# --- the letterhead footer in the sheet's language ------------------------------------


FOOTER_EN = "Open Monday to Friday"
FOOTER_IT = "Aperto dal lunedì al venerdì"


def letterhead(**fields) -> Letterhead:
    values = {
        "clinic_name": "Vene Milano",
        "phone": "+39 02 555 0101",
        "footer": FOOTER_EN,
        "footer_it": FOOTER_IT,
    }
    values.update(fields)
    return Letterhead.objects.create(**values)


def test_italian_sheet_prints_the_italian_footer(clinician):
    letterhead()
    patient = make_patient(language="it")
    text = text_of(session_with(clinician, [SPIDER], patient=patient))
    assert "Aperto dal lunedì al venerdì" in text
    assert "Open Monday to Friday" not in text


def test_english_sheet_prints_the_english_footer(clinician):
    letterhead()
    text = text_of(session_with(clinician, [SPIDER]))
    assert "Open Monday to Friday" in text
    assert "Aperto dal lunedì" not in text


@pytest.mark.parametrize(
    "language, fields, printed",
    [
        ("it", {"footer_it": ""}, "Open Monday to Friday"),
        ("en", {"footer": ""}, "Aperto dal lunedì al venerdì"),
    ],
)
def test_an_empty_footer_falls_back_to_the_other_language(
    clinician, language, fields, printed
):
    letterhead(**fields)
    patient = make_patient(language=language)
    assert printed in text_of(session_with(clinician, [SPIDER], patient=patient))


def test_footer_in():
    both = Letterhead(footer="EN", footer_it="IT")
    assert both.footer_in("it") == "IT"
    assert both.footer_in("en") == "EN"
    assert both.footer_in("it-it") == "IT"
    assert Letterhead(footer="EN").footer_in("it") == "EN"
    assert Letterhead(footer_it="IT").footer_in("en") == "IT"
    assert Letterhead().footer_in("it") == ""
    with translation.override("it"):
        assert both.localized_footer == "IT"


def test_letterhead_form_takes_a_footer_per_language_up_to_500_characters():
    data = {"clinic_name": "Vene Milano", "footer": "x" * 500, "footer_it": "y" * 500}
    assert LetterheadForm(data).is_valid()
    for name in ("address", "footer", "footer_it"):
        form = LetterheadForm({"clinic_name": "Vene Milano", name: "z" * 501})
        assert not form.is_valid()
        assert name in form.errors


def test_manager_saves_the_italian_footer_with_its_history(manager_client, manager):
    url = reverse("printing:letterhead-edit")
    assert "footer_it" in manager_client.get(url).content.decode()
    response = manager_client.post(
        url, {"clinic_name": "Vene Milano", "footer": FOOTER_EN, "footer_it": FOOTER_IT}
    )
    assert response.status_code == 302
    saved = Letterhead.current()
    assert (saved.footer, saved.footer_it) == (FOOTER_EN, FOOTER_IT)
    record = saved.history.latest()
    assert record.footer_it == FOOTER_IT
    assert record.history_user == manager


def test_the_pdf_bullets_its_lists_in_text_and_the_print_view_keeps_list_markers(
    clinician, client
):
    """The PDF's list items start with a bullet of text (no marker boxes);
    the browser's print view keeps plain list items, bulleted by the
    browser."""
    session = session_with(clinician, [SPIDER])
    text = text_of(session)
    assert re.search(r"\u2022\s*Shower with lukewarm water\.", text)
    client.force_login(clinician)
    page = client.get(reverse("printing:aftercare-print", args=[session.code]))
    html = page.content.decode()
    assert "<li>Shower with lukewarm water.</li>" in html
    assert "\u2022" not in html

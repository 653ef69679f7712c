"""The aftercare sheet's words that depend on the session, in plain language.

What was treated, leg by leg; the compression instructions and the reason
for them; the advice worded to agree with the patient's sex. Called inside
the patient's language (printing.aftercare builds the sheet).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from core.templatetags.clinic_tags import date_phrase, long_date
from doppler.segments import Segment
from patients.models import Leg, Sex
from treatments import legmap as session_legmap
from treatments.choices import Compression, Form, VesselType
from treatments.models import Injection, TreatmentSession

# What was treated, as the sheet's wording needs it. Capillaries (spider veins)
# do not vanish at once and may even look more visible at first. After small
# vessels a stocking is enough; after larger veins or foam the clinic puts on a
# bandage for the first 2-3 days, then a stocking (the clinic's patient text).
# Large veins (and foam) may stay dark for months.
CAPILLARIES = frozenset({VesselType.RED_TELANGIECTASIA, VesselType.BLUE_TELANGIECTASIA})
SMALL_VESSELS = CAPILLARIES | {VesselType.RETICULAR}
LARGE_VEINS = frozenset(
    {
        VesselType.MEDIUM_VARICOSE,
        VesselType.LARGE_VARICOSE,
        VesselType.TRUNK,
        VesselType.PERFORATOR,
    }
)

# Where a segment is, in plain words.
_SEGMENT_PLACE: dict[str, str] = {
    Segment.SFJ: "groin",
    Segment.CFV: "groin",
    Segment.GSV_A: "thigh",
    Segment.AASV: "thigh",
    Segment.PASV: "thigh",
    Segment.TPV: "thigh",
    Segment.FV: "thigh",
    Segment.DFV: "thigh",
    Segment.GSV_B: "below_knee",
    Segment.CPV: "below_knee",
    Segment.TIBV: "below_knee",
    Segment.SPJ: "back_of_knee",
    Segment.POPV: "back_of_knee",
    Segment.SSV: "calf",
}
# Words a clinician may type in the free "site" field (English or Italian).
_SITE_WORDS = [
    ("groin", ("groin", "inguin")),
    ("ankle", ("ankle", "caviglia", "malleol")),
    ("foot", ("foot", "piede")),
    ("back_of_knee", ("popliteal", "poplite", "behind the knee", "back of the knee")),
    (
        "below_knee",
        ("below knee", "below the knee", "shin", "sotto il ginocchio", "tibia"),
    ),
    ("knee", ("knee", "ginocchio")),
    ("calf", ("calf", "polpaccio", "gamba")),
    ("thigh", ("thigh", "coscia")),
]


def _place_text(place: str) -> str:
    return {
        "groin": _("in the groin"),
        "thigh": _("on the thigh"),
        "knee": _("around the knee"),
        "below_knee": _("below the knee"),
        "back_of_knee": _("behind the knee"),
        "calf": _("on the calf"),
        "ankle": _("around the ankle"),
        "foot": _("on the foot"),
        "leg": _("on the leg"),
    }[place]


def injection_place(injection: Injection) -> str:
    """Return a plain place key ("thigh", "below_knee", ...) for an injection."""
    site = injection.site.lower()
    for place, words in _SITE_WORDS:
        if any(word in site for word in words):
            return place
    return _SEGMENT_PLACE.get(injection.segment, "leg")


# Vessel types that read the same to a patient share a key.
_VESSEL_KEY: dict[str, str] = {
    VesselType.RED_TELANGIECTASIA: "spider",
    VesselType.BLUE_TELANGIECTASIA: "spider",
    VesselType.RETICULAR: "reticular",
    VesselType.SMALL_VARICOSE: "varicose",
    VesselType.MEDIUM_VARICOSE: "varicose",
    VesselType.LARGE_VARICOSE: "large_varicose",
    VesselType.TRUNK: "trunk",
    VesselType.PERFORATOR: "perforator",
}


def _vessel_text(key: str, count: int) -> str:
    if key == "spider":
        return ngettext("a small spider vein", "small spider veins", count)
    if key == "reticular":
        return ngettext(
            "a small blue vein under the skin", "small blue veins under the skin", count
        )
    if key == "varicose":
        return ngettext("a varicose vein", "varicose veins", count)
    if key == "large_varicose":
        return ngettext("a large varicose vein", "large varicose veins", count)
    if key == "trunk":
        return _("the main surface vein of the leg (saphenous vein)")
    return ngettext(
        "a connecting vein (perforator)", "connecting veins (perforators)", count
    )


def _method_text(foam: bool, ultrasound: bool) -> str:
    if foam and ultrasound:
        return _("with foam under ultrasound")
    if foam:
        return _("with foam")
    if ultrasound:
        return _("under ultrasound")
    return ""


def treated_in_plain_words(injections: Iterable[Injection]) -> list[tuple[str, str]]:
    """Return (leg, sentence) per leg, e.g. ("Right leg", "small spider veins on
    the thigh (3 injections); a varicose vein below the knee with foam under
    ultrasound."). Voided injections are left out."""
    by_leg: dict[str, dict[tuple, int]] = {Leg.RIGHT: {}, Leg.LEFT: {}}
    for inj in injections:
        if inj.voided_at is not None:
            continue
        key = (
            _VESSEL_KEY.get(inj.vessel_type, "varicose"),
            injection_place(inj),
            inj.form == Form.FOAM,
            inj.ultrasound_guided,
        )
        groups = by_leg.setdefault(inj.leg, {})
        groups[key] = groups.get(key, 0) + 1
    sentences = []
    for leg, groups in by_leg.items():
        if not groups:
            continue
        parts = []
        for (vessel, place, foam, ultrasound), count in groups.items():
            words = [_vessel_text(vessel, count), _place_text(place)]
            method = _method_text(foam, ultrasound)
            if method:
                words.append(method)
            text = " ".join(words)
            if count > 1:
                text += " " + ngettext(
                    "(%(n)d injection)", "(%(n)d injections)", count
                ) % {"n": count}
            parts.append(text)
        leg_name = _("Right leg") if leg == Leg.RIGHT else _("Left leg")
        sentences.append((leg_name, "; ".join(parts) + "."))
    return sentences


def mapped_points(injections: Iterable[Injection]) -> list[tuple[int, str, str]]:
    """Return (number, leg, place) for each injection placed on the leg map,
    numbered as the session numbers its injections; plain words only (never
    the agent, its strength or the volume)."""
    points = []
    for number, inj in session_legmap.numbered(injections):
        if not session_legmap.has_position(inj):
            continue
        leg_name = _("Right leg") if inj.leg == Leg.RIGHT else _("Left leg")
        points.append((number, leg_name, _place_text(injection_place(inj))))
    return points


def treated_legs(injections: Iterable[Injection]) -> set[str]:
    return {inj.leg for inj in injections if inj.voided_at is None}


def _legs_text(legs: set[str]) -> str:
    if legs == {Leg.RIGHT}:
        return _("on the right leg")
    if legs == {Leg.LEFT}:
        return _("on the left leg")
    if legs:
        return _("on both legs")
    return _("on the treated leg")


def _long_date(day: date) -> str:
    return long_date(day, "j F Y")


def _until(day: date) -> str:
    """ "until 8 December 2026", "fino all'8 dicembre 2026"."""
    return date_phrase(day, "until")


def compression_reason(session: TreatmentSession, injections: list[Injection]) -> str:
    """Return the clinic's rule behind the compression, as fits what was treated.

    A stocking after small vessels (capillaries, small veins under the skin); a
    bandage first, then a stocking, after larger veins or foam. When the
    prescription differs from the rule (the clinician's choice), only what
    compression is for.
    """
    if session.compression == Compression.NONE or not injections:
        return ""
    larger = any(inj.vessel_type not in SMALL_VESSELS for inj in injections)
    foam = any(inj.form == Form.FOAM for inj in injections)
    if session.compression == Compression.BANDAGE_THEN_STOCKING and (larger or foam):
        if larger and foam:
            return _(
                "After larger veins and foam a bandage comes first: in the first "
                "days it presses the treated veins closed more firmly than a "
                "stocking can."
            )
        if larger:
            return _(
                "After larger veins a bandage comes first: in the first days it "
                "presses the treated veins closed more firmly than a stocking can."
            )
        return _(
            "After foam a bandage comes first: in the first days it presses the "
            "treated veins closed more firmly than a stocking can."
        )
    if session.compression == Compression.STOCKING and not (larger or foam):
        return _(
            "After small veins like these a compression stocking is enough: it "
            "keeps the treated veins pressed closed while they heal."
        )
    return _("Compression keeps the treated veins pressed closed while they heal.")


def compression_instructions(session: TreatmentSession, legs: set[str]) -> list[str]:
    """Return the compression instructions of the session, as sentences."""
    if session.compression == Compression.NONE:
        return [_("You do not need to wear compression after this session.")]
    day = timezone.localtime(session.performed_at).date()
    sentences = []
    stocking_starts = day
    if (
        session.compression == Compression.BANDAGE_THEN_STOCKING
        and session.bandage_days
    ):
        stocking_starts = day + timedelta(days=session.bandage_days)
        sentences.append(
            # Translators: %(until)s is a whole phrase, "until 8 December 2026".
            ngettext(
                "Keep the bandage on day and night for %(n)d day, %(until)s.",
                "Keep the bandage on day and night for %(n)d days, %(until)s.",
                session.bandage_days,
            )
            % {"n": session.bandage_days, "until": _until(stocking_starts)}
        )
    details = []
    if session.stocking_length:
        details.append(session.get_stocking_length_display())
    if session.stocking_class:
        details.append(_("class %(c)s") % {"c": session.stocking_class})
    if session.stocking_pressure():
        details.append(session.stocking_pressure())
    days = session.stocking_days or 0
    until = _until(stocking_starts + timedelta(days=days))
    values = {
        "details": ", ".join(details),
        "legs": _legs_text(legs),
        "n": days,
        "start": _long_date(day),
        "until": until,
    }
    if stocking_starts == day:
        # Translators: %(until)s is a whole phrase, "until 8 December 2026".
        sentence = ngettext(
            "Wear your compression stocking (%(details)s) %(legs)s for %(n)d day, "
            "from the day of treatment, %(start)s, %(until)s.",
            "Wear your compression stocking (%(details)s) %(legs)s for %(n)d days, "
            "from the day of treatment, %(start)s, %(until)s.",
            days,
        )
    else:
        # Translators: %(until)s is a whole phrase, "until 8 December 2026".
        sentence = ngettext(
            "Then wear your compression stocking (%(details)s) %(legs)s "
            "for %(n)d day, %(until)s.",
            "Then wear your compression stocking (%(details)s) %(legs)s "
            "for %(n)d days, %(until)s.",
            days,
        )
    sentences.append(sentence % values)
    sentences.append(
        _(
            "If the stocking or bandage feels too tight, your toes turn cold, pale or "
            "blue, or the skin under it hurts, take it off and call us."
        )
    )
    return sentences


def _to_patient(sex: str, *, female: str, male: str, other: str) -> str:
    """Pick the wording that agrees with the patient's recorded sex; "other" is
    worded so that it needs no agreement."""
    wording: dict[str, str] = {Sex.FEMALE: female, Sex.MALE: male}
    return wording.get(sex, other)


def keep_active_text(sex: str) -> str:
    """The "keep active" advice, its adjectives agreeing with the patient."""
    return _to_patient(
        sex,
        female=pgettext(
            "addressed to a woman",
            "Walk every day and keep active; avoid standing or sitting still for long.",
        ),
        male=pgettext(
            "addressed to a man",
            "Walk every day and keep active; avoid standing or sitting still for long.",
        ),
        other=_(
            "Walk every day and keep active; avoid standing or sitting still for long."
        ),
    )


def call_the_clinic_text(sex: str) -> str:
    """When to call the clinic, its adjectives agreeing with the patient."""
    return _to_patient(
        sex,
        female=pgettext(
            "addressed to a woman",
            "if the skin at an injection turns white or a painful sore or ulcer "
            "appears, if a treated area becomes hot, red and very painful, or if "
            "you are worried.",
        ),
        male=pgettext(
            "addressed to a man",
            "if the skin at an injection turns white or a painful sore or ulcer "
            "appears, if a treated area becomes hot, red and very painful, or if "
            "you are worried.",
        ),
        other=_(
            "if the skin at an injection turns white or a painful sore or ulcer "
            "appears, if a treated area becomes hot, red and very painful, or if "
            "you are worried."
        ),
    )

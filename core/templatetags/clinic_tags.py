from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

from core.roles import clinician_label

register = template.Library()

# Languages that write month and weekday names in lower case ("5 dicembre").
LOWER_CASE_DATE_NAMES = {"it"}
# Languages that write the first of the month as an ordinal ("1° dicembre").
ORDINAL_FIRST_DAY = {"it": "°"}
# Days of the month read with a vowel in Italian ("otto", "undici"): the article
# before them is elided, "all'8 dicembre", "dall'11 dicembre", "l'8 dicembre".
_VOWEL_DAYS = {8, 11}
# A "j" (day of the month) in a date format that is not escaped with a backslash.
_DAY_IN_FORMAT = re.compile(r"(?<!\\)j")

# A date after a preposition, whole, so that each language can make the article
# agree with the day: "until 2 December 2026", "fino al 2 dicembre 2026", "fino
# all'8 dicembre 2026". The second of each pair is used before a day read with
# a vowel (8 and 11).
_DATE_PHRASES: dict[str, tuple[Promise, Promise]] = {
    "until": (
        pgettext_lazy("before a date", "until %(date)s"),
        pgettext_lazy("before a date whose day is read with a vowel", "until %(date)s"),
    ),
    "from": (
        pgettext_lazy("before a date", "from %(date)s"),
        pgettext_lazy("before a date whose day is read with a vowel", "from %(date)s"),
    ),
    "on": (
        pgettext_lazy("before a date", "on %(date)s"),
        pgettext_lazy("before a date whose day is read with a vowel", "on %(date)s"),
    ),
}


@register.simple_tag
def chart_figure(chart: object, table_open: bool = False) -> str:
    """A server-drawn chart with its table (templates/core/chart.html),
    cached with its data (core.charts.chart_figure)."""
    from core.charts import chart_figure as figure

    return figure(chart, table_open=table_open)


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


@register.filter
def long_date(value: date | datetime | None, fmt: str = "j F Y") -> str:
    """Return the date written out in the active language, as it is written there:
    lower-case month names and "1°" for the first of the month in Italian."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    language = _language()
    ordinal = ORDINAL_FIRST_DAY.get(language)
    if ordinal and value.day == 1:
        fmt = _DAY_IN_FORMAT.sub(lambda _match: "j\\" + ordinal, fmt)
    text = formats.date_format(value, fmt)
    if language in LOWER_CASE_DATE_NAMES:
        text = text.lower()
    return text


@register.filter
def date_phrase(
    value: date | datetime | None, word: str = "on", fmt: str = "j F Y"
) -> str:
    """Return "until 8 December 2026" (`word` is "until", "from" or "on") in the
    active language, its article agreeing with the day: "fino all'8 dicembre
    2026", "dal 1° dicembre 2026", "l'11 dicembre 2026"."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    plain, before_vowel = _DATE_PHRASES[word]
    phrase = before_vowel if value.day in _VOWEL_DAYS else plain
    return str(phrase) % {"date": long_date(value, fmt)}


@register.filter
def dr(user) -> str:
    """Return "Dr Rossi" for a clinician."""
    return clinician_label(user) if user else ""

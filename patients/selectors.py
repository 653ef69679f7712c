"""Reads of the patient registry: search by name, chart number, birth date, phone."""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.http import Http404

from core.clock import parse_day
from core.paging import AFTER, KeysetPage, NotFromIndex, count_up_to, keyset_page
from core.prepared import PreparedQuery
from core.search import ByteOrder, fold
from patients.models import Patient
from patients.phones import is_e164, to_e164
from patients.services import CHART_PREFIX

# Built and compiled once (core.prepared): nearly every page of a patient
# reads it.
_BY_CODE = PreparedQuery(lambda code: Patient.objects.filter(code=code))


def get_patient(code: object) -> Patient:
    """Return the patient with this public code, or raise Http404."""
    try:
        key = code if isinstance(code, uuid.UUID) else uuid.UUID(str(code))
    except ValueError:
        raise Http404("No patient has this code.") from None
    found = _BY_CODE(key)
    if not found:
        raise Http404("No patient has this code.")
    return found[0]


_PHONE_LIKE = re.compile(r"[\d\s\-./()+]+")
_FULL_CHART_NUMBER = re.compile(re.escape(CHART_PREFIX) + r"\d{6}", re.IGNORECASE)
# The shortest text searched for anywhere inside a name or chart number (a
# trigram); shorter, it is the start of a name.
MIN_INFIX = 3


def search_patients(queryset: QuerySet[Patient], query: str) -> QuerySet[Patient]:
    """Return patients matching a name, chart number, date of birth or phone."""
    query = query.strip()
    if not query:
        return queryset
    born = parse_day(query)
    if born:
        return queryset.filter(date_of_birth=born)
    if _FULL_CHART_NUMBER.fullmatch(query):
        # A whole chart number (typed or scanned) names one patient; the
        # exact match uses the unique index, icontains would scan the table.
        return queryset.filter(chart_number=query.upper())
    phone_like = _PHONE_LIKE.fullmatch(query) is not None
    e164 = to_e164(query) if phone_like else None
    if e164:
        # A whole phone number, however typed ("347 123 4567", "+39 347
        # 1234567", "0039..."): phones are stored in E.164, so an exact
        # match on the indexed column. A short one may also be the start of
        # a longer number ("02 1234" is a valid landline): if no one has it,
        # it is searched as part of a number below.
        exact = queryset.filter(phone=e164)
        if exact.exists():
            return exact
    digits = re.sub(r"\D", "", query)
    conditions: list[Q] = []
    if len(query) >= MIN_INFIX and not any(char.isspace() for char in query):
        # Part of a chart number ("SC-0001", "00042"): a trigram index on
        # PostgreSQL; shorter parts would match most charts anyway.
        conditions.append(Q(chart_number__icontains=query))
    if len(digits) >= 4 and phone_like:
        # Part of a number ("1234 567", "02 1234"): its digits in a row in
        # the stored E.164 number, which holds nothing but digits after +.
        conditions.append(Q(phone__contains=digits))
    if not phone_like:
        conditions.append(_name_condition(query.split()))
    if not conditions:
        return queryset.none()
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return queryset.filter(condition)


def _name_condition(tokens: list[str]) -> Q:
    """Every word in the first or the last name, without accents or case
    (the names' folded columns, compared with the folded word). A word of
    one or two letters is the start of a name (a trigram index needs three
    letters to find them anywhere inside one; a B-tree finds a start)."""
    condition = Q()
    for token in tokens:
        word = fold(token)
        lookup = "contains" if len(token) >= MIN_INFIX else "startswith"
        # The last name first: most searches are by surname, and PostgreSQL
        # rechecks the matches in this order, stopping at the first true.
        condition &= Q(**{f"last_name_folded__{lookup}": word}) | Q(
            **{f"first_name_folded__{lookup}": word}
        )
    return condition


# The list's order (the index on the names answers it), and the most
# patients counted ("more than 500"): no count of the whole table.
LIST_ORDER = ("last_name", "first_name", "id")
# What a row of the list shows (and links to): a search sorts every match,
# and narrow rows sort faster than whole patients.
LIST_FIELDS = (
    "id",
    "code",
    "chart_number",
    "last_name",
    "first_name",
    "date_of_birth",
    "phone",
    "archived_at",
)
COUNT_CAP = 500


def name_words(query: str) -> list[str]:
    """The words of a search by name, folded (search_patients' name path);
    none for a date of birth, a whole chart number or a phone number."""
    query = query.strip()
    if (
        not query
        or parse_day(query)
        or _FULL_CHART_NUMBER.fullmatch(query)
        or _PHONE_LIKE.fullmatch(query)
    ):
        return []
    return [fold(token) for token in query.split()]


# A search by name lists first the patients whose surname starts with its
# first word ("Ross": Ross, Rossi, Rosso, then Grossi), each group by
# surname and first name as stored folded (no accents or case), byte by
# byte: an index in that order (patients' migration 0014) gives the first
# page of a common surname without reading every match.
NAME_SEARCH_ORDER = ("rank", "sort_last", "sort_first", "id")


def _name_order(first_word: str) -> dict[str, Any]:
    return {
        "rank": Case(
            When(last_name_folded__startswith=first_word, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "sort_last": ByteOrder(F("last_name_folded")),
        "sort_first": ByteOrder(F("first_name_folded")),
    }


def _surname_first_page(
    patients: QuerySet[Patient], query: str, size: int
) -> KeysetPage[Patient] | None:
    """A name search's first page when a page of surnames start with its
    first word: read along the index of the folded names, from that word
    on. None when fewer do (the page goes on with other matches)."""
    words = query.split()
    rows: list[Patient] = list(
        patients.only(*LIST_FIELDS)
        .alias(
            sort_last=ByteOrder(F("last_name_folded")),
            sort_first=ByteOrder(F("first_name_folded")),
        )
        # The first word is in the surname since it starts it; the others
        # are looked for as search_patients does.
        .filter(_name_condition(words[1:]), sort_last__startswith=fold(words[0]))
        .order_by("sort_last", "sort_first", "id")[: size + 1]
    )
    if len(rows) <= size:
        return None
    return KeysetPage(rows[:size], has_previous=False, has_next=True)


def patient_list_page(
    patients: QuerySet[Patient],
    query: str,
    *,
    size: int,
    direction: str = AFTER,
    cursor: uuid.UUID | None = None,
) -> tuple[KeysetPage[Patient], int]:
    """Return a page of the patients matching the search (all of them
    without one), in the list's order, after (or before) the patient with
    the code `cursor`, and how many match, up to COUNT_CAP + 1. Two queries
    however many patients there are and however deep the page: a
    one-word name search's first page reads the surnames starting with it
    (a page of them, and its count, when there are that many), else any
    search's first page counts its matches in the page's own query."""
    found = search_patients(patients, query).only(*LIST_FIELDS)
    order: tuple[str, ...] = LIST_ORDER
    cursor_rows = Patient.objects.filter(code=cursor) if cursor else None
    words = name_words(query)
    if words and any(char.isdigit() for char in words[0]):
        # A chart number ("SC-0500"): no surname starts with it.
        words = []
    if words:
        # Those whose surname starts with the first word first (see
        # NAME_SEARCH_ORDER); the rank is no index's order, so the other
        # pages sort their matches.
        by_name = _name_order(words[0])
        found = found.alias(**by_name)
        if cursor_rows is not None:
            cursor_rows = cursor_rows.annotate(**by_name)
        order = NAME_SEARCH_ORDER
    elif query.strip():
        # Matches come from the search's indexes, then are sorted (see
        # NotFromIndex); the list's order is the same.
        sort_name = {"sort_name": NotFromIndex(F("last_name"))}
        found = found.alias(**sort_name)
        if cursor_rows is not None:
            cursor_rows = cursor_rows.annotate(**sort_name)
        order = ("sort_name", *LIST_ORDER[1:])
    if query.strip() and cursor_rows is None:
        # One word, a surname's start: a common one (Rossi) matches
        # thousands in a large clinic. Two words (a surname and a first
        # name) match few.
        if len(words) == 1:
            page = _surname_first_page(patients, query, size)
            if page is not None:
                return page, count_up_to(found, COUNT_CAP)
        # Otherwise (fewer surnames start with it than a page holds, two
        # words, another kind of search) its matches are all read and
        # sorted anyway, so the same query counts them.
        counted: QuerySet[Patient] = found.annotate(match_count=Window(Count("pk")))
        page = keyset_page(counted, order=order, size=size)
        total = getattr(page.rows[0], "match_count", 0) if page.rows else 0
        return page, min(total, COUNT_CAP + 1)
    page = keyset_page(
        found, order=order, size=size, direction=direction, cursor=cursor_rows
    )
    return page, count_up_to(found, COUNT_CAP)


@dataclass(frozen=True)
class ContactConsent:
    """The patient's consent to reminders, and who last recorded it when."""

    by_email: bool
    by_sms: bool
    recorded_by: str
    recorded_at: datetime | None


# Built and compiled once (core.prepared): the patient page reads it.
_CONTACT_HISTORY = PreparedQuery(
    lambda patient_id: (
        Patient.history.filter(id=patient_id)
        .order_by("history_date", "history_id")
        .values_list(
            "contact_by_email",
            "contact_by_sms",
            "history_date",
            "history_user__first_name",
            "history_user__last_name",
            "history_user__username",
        )
    )
)


def contact_consent_of(patient: Patient) -> ContactConsent:
    """Return the patient's consent to reminders by email and SMS, with who
    recorded its last change and when (from the record's history: one
    query however long it is). Never given: no one and no date."""
    rows = _CONTACT_HISTORY(patient.pk)
    previous = (False, False)
    recorded_by, recorded_at = "", None
    for by_email, by_sms, when, first, last, username in rows:
        if (by_email, by_sms) != previous:
            recorded_by = f"{first or ''} {last or ''}".strip() or username or ""
            recorded_at = when
            previous = (by_email, by_sms)
    return ContactConsent(
        by_email=patient.contact_by_email,
        by_sms=patient.contact_by_sms,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
    )


def patients_with_unreadable_phones() -> list[Patient]:
    """Return the patients, archived ones too, whose phone is not a valid
    E.164 number (typed before numbers were converted, and not readable):
    the front desk corrects them on the patient's form."""
    candidates = (
        Patient.objects.exclude(phone="")
        .only("code", "chart_number", "first_name", "last_name", "phone", "archived_at")
        .order_by("chart_number")
    )
    return [patient for patient in candidates.iterator() if not is_e164(patient.phone)]


def _name_key(text: str) -> str:
    """Return a name as compared for duplicates: no accents, no case, one kind
    of apostrophe, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    for apostrophe in "’‘`":
        bare = bare.replace(apostrophe, "'")
    return " ".join(bare.casefold().split())


def possible_duplicates(
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    exclude: Patient | None = None,
) -> list[Patient]:
    """Return the patients, archived ones too, with this name and birth date.

    Names compare without case or accents ("Nicolò" is "NICOLO"). The
    candidates share the birth date (an indexed column); the names are
    compared in Python so SQLite and PostgreSQL agree.
    """
    if date_of_birth is None:
        return []
    wanted = (_name_key(first_name), _name_key(last_name))
    candidates = Patient.objects.filter(date_of_birth=date_of_birth)
    if exclude is not None and exclude.pk is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [
        patient
        for patient in candidates.order_by("chart_number")
        if (_name_key(patient.first_name), _name_key(patient.last_name)) == wanted
    ]

"""Reads of the patient registry: search by name, chart number, birth date, phone."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.shortcuts import get_object_or_404

from core.clock import parse_day
from patients.models import Patient
from patients.services import CHART_PREFIX


def get_patient(code: object) -> Patient:
    """Return the patient with this public code, or raise Http404."""
    return get_object_or_404(Patient, code=code)


_PHONE_LIKE = re.compile(r"[\d\s\-./()+]+")
_FULL_CHART_NUMBER = re.compile(re.escape(CHART_PREFIX) + r"\d{6}", re.IGNORECASE)


def _phone_digits() -> F | Replace:
    expression: F | Replace = F("phone")
    for separator in " -./()+":
        expression = Replace(expression, Value(separator), Value(""))
    return expression


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
    digits = re.sub(r"\D", "", query)
    condition = Q(chart_number__iexact=query) | Q(chart_number__icontains=query)
    if len(digits) >= 4 and _PHONE_LIKE.fullmatch(query):
        # Phones are stored as typed ("+39 333 000 0777"); compare digits only
        # so "3330000777" and "333-000-0777" find it too.
        queryset = queryset.annotate(phone_digits=_phone_digits())
        condition |= Q(phone_digits__contains=digits)
    name_condition = Q()
    for token in query.split():
        name_condition &= Q(first_name__icontains=token) | Q(last_name__icontains=token)
    return queryset.filter(condition | name_condition)


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

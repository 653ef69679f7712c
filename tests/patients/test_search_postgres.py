"""Patient search on PostgreSQL: accents and case ignored, and every kind of
search read from an index (trigrams, migrations 0011 and 0013; the start of
a name from a B-tree of the folded names), not the whole table."""

from __future__ import annotations

import pytest
from django.db import connection

from patients.models import Patient
from patients.selectors import search_patients
from tests.conftest import make_patient

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="unaccent and the trigram indexes are PostgreSQL's; SQLite "
        "searches with plain icontains",
    ),
]


@pytest.fixture
def registry():
    return {
        "esposito": make_patient(
            first_name="Anna", last_name="Espósito", phone="+39 333 000 9876"
        ),
        "nicolo": make_patient(
            first_name="Nicolò", last_name="D'Angelo", phone="+39 06 555 1234"
        ),
        "greco": make_patient(
            first_name="Sara", last_name="Greco", phone="+39 347 999 0000"
        ),
    }


def _found(query: str) -> set[str]:
    return {p.last_name for p in search_patients(Patient.objects.all(), query)}


@pytest.mark.parametrize(
    "query,expected",
    [
        ("Esposito", {"Espósito"}),
        ("ESPOSITO", {"Espósito"}),
        ("esp", {"Espósito"}),
        ("posi", {"Espósito"}),
        ("espósito", {"Espósito"}),
        ("nicolo", {"D'Angelo"}),
        ("NICOLÒ d'angelo", {"D'Angelo"}),
        ("anna espo", {"Espósito"}),
        ("es", {"Espósito"}),  # the start of a name
        ("gr sa", {"Greco"}),
        ("sito", {"Espósito"}),
        ("1234", {"D'Angelo"}),  # part of a phone number
        ("100%", set()),  # the % is a character, not a wildcard
        ("_", set()),
    ],
)
def test_names_are_found_without_accents_or_case(registry, query, expected):
    assert _found(query) == expected


def test_part_of_a_chart_number_is_found_in_any_case(registry):
    chart = registry["greco"].chart_number  # SC-00000n
    assert _found(chart[-4:]) == {"Greco"}
    assert _found(chart[:-1].lower()) == {"Espósito", "D'Angelo", "Greco"}


def _plan(query: str) -> str:
    found = search_patients(Patient.objects.active(), query)
    with connection.cursor() as cursor:
        # A handful of rows: the planner would rightly read them all, from
        # the table or along the names' index. Forbid both (for this
        # transaction only) to see which index the search itself can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    return found.order_by("last_name", "first_name", "id")[:26].explain()


@pytest.mark.parametrize(
    "query,indexes",
    [
        ("esposito", ["patients_patient_last_name_folded_trgm"]),
        ("espo", ["patients_patient_first_name_folded_trgm"]),
        ("maria esposito", ["patients_patient_first_name_folded_trgm"]),
        # The start of a surname: a B-tree of it, whichever the planner
        # takes (the byte-order one of a name search's first page, when the
        # database's collation is byte order too).
        (
            "es",
            [
                (
                    "patients_patient_last_name_folded_prefix",
                    "patients_patient_folded_name_order",
                )
            ],
        ),
        ("SC-0001", ["patients_patient_chart_number_trgm"]),
        ("555 1234", ["patients_patient_phone_trgm"]),
    ],
)
def test_every_kind_of_search_reads_a_trigram_index(registry, query, indexes):
    plan = _plan(query)
    assert "Seq Scan" not in plan
    for index in indexes:
        names = index if isinstance(index, tuple) else (index,)
        assert any(name in plan for name in names), plan


def test_a_whole_phone_number_reads_the_phone_index(registry):
    plan = _plan("06 555 1234")
    assert "patients_patient_phone" in plan and "Seq Scan" not in plan


def test_a_common_surnames_first_page_is_read_along_the_byte_order_index(
    clinician_client,
):
    """The first page of a surname many patients share comes from the
    B-tree of the folded names in byte order (migration 0014): a range of
    it, in its order, without sorting the matches."""
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    for n in range(30):
        make_patient(last_name="Rossi", first_name=f"Nome{n:02}")
    with CaptureQueriesContext(conn) as queries:
        response = clinician_client.get(reverse("patients:list"), {"q": "ross"})
    assert len(response.context["page_obj"]) == 25
    page_sql = next(q["sql"] for q in queries if 'COLLATE "C"' in q["sql"])
    with conn.cursor() as cursor:
        # Few rows: forbid what the planner would rightly prefer for them.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("EXPLAIN " + page_sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Scan using patients_patient_folded_name_order" in plan, plan
    assert "Sort" not in plan, plan

"""The patient list pages by keyset: Next / Previous links carry the code of
the patient a page starts after (or ends before), never a page number, so a
deep page costs what the first does; the count stops at 500."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.urls import reverse

from accesslog.models import AccessEvent
from patients import selectors
from patients.models import Patient
from patients.selectors import LIST_ORDER
from patients.services import patient_archive
from tests.conftest import make_patient

pytestmark = pytest.mark.django_db

LIST = reverse("patients:list")
SURNAMES = ["Rossi", "Bianchi", "Russo", "Ferrari", "Esposito", "Romano"]


@pytest.fixture
def sixty():
    """Sixty patients, ten to a surname and some sharing a whole name: the
    list's order falls back on the first name, then on the record."""
    return [
        make_patient(last_name=SURNAMES[n % 6], first_name=f"Anna{n % 4}")
        for n in range(60)
    ]


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]*)" rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def _walk(client, start: str, rel: str) -> list[list[int]]:
    """Follow the rel="next" (or "prev") links from `start`: each page's ids."""
    pages = []
    url: str | None = start
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200
        pages.append([p.pk for p in response.context["page_obj"]])
        url = _link(response.content.decode(), rel)
        assert len(pages) <= 10
    return pages


def test_next_links_walk_the_whole_list_once_in_order(clinician_client, sixty):
    pages = _walk(clinician_client, LIST, "next")
    assert [len(page) for page in pages] == [25, 25, 10]
    walked = [pk for page in pages for pk in page]
    expected = list(Patient.objects.order_by(*LIST_ORDER).values_list("pk", flat=True))
    assert walked == expected  # no patient twice, none left out


def test_previous_links_walk_back_to_the_first_page(clinician_client, sixty):
    forward = _walk(clinician_client, LIST, "next")
    last = clinician_client.get(LIST, {"after": _last_code(forward[1])})
    back = _walk(clinician_client, _link(last.content.decode(), "prev"), "prev")
    assert back == [forward[1], forward[0]]
    # Nothing before the first patient: the first page.
    response = clinician_client.get(LIST, {"before": _last_code(forward[0][:1])})
    assert response.status_code == 302 and response.url == LIST


def test_search_results_page_the_same_way(clinician_client, sixty):
    response = clinician_client.get(LIST, {"q": "ross"})
    assert len(response.context["page_obj"]) == 10
    assert 'rel="next"' not in response.content.decode()
    pages = _walk(clinician_client, LIST + "?q=anna", "next")
    walked = [pk for page in pages for pk in page]
    assert sorted(walked) == sorted(p.pk for p in sixty)
    assert len(walked) == len(set(walked))


def _last_code(pks: list[int]) -> str:
    return str(Patient.objects.get(pk=pks[-1]).code)


def test_the_first_page_link_keeps_the_search(clinician_client, sixty):
    first = clinician_client.get(LIST, {"q": "anna", "archived": "on"})
    second = clinician_client.get(_link(first.content.decode(), "next"))
    html = second.content.decode()
    assert f'href="{LIST}?q=anna&amp;archived=on"' in html  # the first page
    assert f"{LIST}?q=anna&amp;archived=on&amp;before=" in html


@pytest.mark.parametrize(
    "params",
    [
        {"after": "not-a-code"},
        {"before": "12345"},
        {"after": "", "before": ""},
    ],
)
def test_a_garbled_cursor_shows_the_first_page(clinician_client, sixty, params):
    response = clinician_client.get(LIST, params)
    assert response.status_code == 200
    assert len(response.context["page_obj"]) == 25
    assert not response.context["page_obj"].has_previous


def test_a_cursor_on_a_patient_archived_since_still_marks_the_place(
    clinician_client, sixty, frontdesk
):
    first = clinician_client.get(LIST).context["page_obj"].rows
    patient_archive(patient=first[-1], reason="Moved away.", user=frontdesk)
    response = clinician_client.get(LIST, {"after": first[-1].code})
    after = [p.pk for p in response.context["page_obj"]]
    expected = Patient.objects.active().order_by(*LIST_ORDER)
    assert after == [p.pk for p in expected[24:49]]


def test_a_cursor_naming_no_patient_opens_the_first_page(clinician_client, sixty):
    unknown = "6f0b7c1e-0000-4000-8000-000000000000"
    response = clinician_client.get(LIST, {"q": "anna", "after": unknown})
    assert response.status_code == 302
    assert response.url == LIST + "?q=anna"


def test_the_count_stops_at_the_cap(clinician_client, sixty, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_CAP", 50)
    monkeypatch.setattr("patients.views.COUNT_CAP", 50)
    html = clinician_client.get(LIST).content.decode()
    assert "More than 50 patients" in html
    html = clinician_client.get(LIST, {"q": "rossi"}).content.decode()
    assert "10 patients" in html
    # A search's first page counts its matches in the page's own query;
    # a later page counts them apart: both stop at the cap alike.
    monkeypatch.setattr(selectors, "COUNT_CAP", 5)
    monkeypatch.setattr("patients.views.COUNT_CAP", 5)
    first = clinician_client.get(LIST, {"q": "anna"}).content.decode()
    assert "More than 5 patients" in first
    later = clinician_client.get(_link(first, "next")).content.decode()
    assert "More than 5 patients" in later
    monkeypatch.setattr(selectors, "COUNT_CAP", 500)
    monkeypatch.setattr("patients.views.COUNT_CAP", 500)
    first = clinician_client.get(LIST, {"q": "anna"}).content.decode()
    assert "60 patients" in first


def test_the_access_log_counts_the_patients_the_page_showed(frontdesk_client, sixty):
    first = frontdesk_client.get(LIST)
    frontdesk_client.get(_link(first.content.decode(), "next"))
    frontdesk_client.get(LIST, {"q": "rossi"})
    counts = list(
        AccessEvent.objects.filter(kind="patient-list")
        .order_by("id")
        .values_list("query", "count")
    )
    assert counts == [("", 25), ("", 25), ("rossi", 10)]


@pytest.mark.parametrize("query", ["", "anna", "an"])
def test_a_deep_page_costs_the_queries_of_the_first_whatever_the_size(
    clinician_client, django_assert_max_num_queries, query
):
    def count_queries(url: str) -> int:
        with django_assert_max_num_queries(20) as captured:
            assert clinician_client.get(url).status_code == 200
        return len(captured.captured_queries)

    def measure() -> tuple[int, int]:
        first = f"{LIST}?q={query}"
        deeper = _link(clinician_client.get(first).content.decode(), "next")
        assert deeper
        return count_queries(first), count_queries(deeper)

    for n in range(30):
        make_patient(last_name=SURNAMES[n % 6], first_name="Anna")
    small = measure()
    for n in range(60):
        make_patient(last_name=SURNAMES[n % 6], first_name="Anna")
    assert measure() == small
    # A search's first page looks for a page of surnames starting with its
    # first word (here none do), then counts its matches in the page's own
    # query: what a deeper page costs.
    assert small[0] == small[1]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "%"},
        {"q": "_"},
        {"q": "\\"},
        {"q": "a\\"},
        {"q": "'; --"},
        {"q": "%%%"},
        {"q": "()+"},
        {"q": "ü é"},
        {"q": "\x00"},
        {"q": "x" * 300},
        {"after": "\x00"},
        {"before": "' OR 1=1"},
        {"after": "6f0b7c1e-0000-4000-8000-000000000000", "before": "x"},
    ],
)
def test_hostile_searches_and_cursors_never_fail(clinician_client, sixty, params):
    response = clinician_client.get(LIST, params)
    assert response.status_code in (200, 302)


def _names(response) -> list[str]:
    return [f"{p.last_name} {p.first_name}" for p in response.context["page_obj"]]


def test_a_name_search_lists_the_surnames_starting_with_its_word_first(
    clinician_client,
):
    for last in ["Grossi", "Rosso", "Rossi", "Róssa", "Ross", "Bianchi"]:
        make_patient(last_name=last, first_name="Anna")
    make_patient(last_name="Verdi", first_name="Rossella")
    response = clinician_client.get(LIST, {"q": "ross"})
    # The surnames that start with it (accents and case aside, a–z), then
    # the other matches (inside a surname, or a first name), a–z too.
    assert _names(response) == [
        "Ross Anna",
        "Róssa Anna",
        "Rossi Anna",
        "Rosso Anna",
        "Grossi Anna",
        "Verdi Rossella",
    ]
    # Two words: the first ranks, both must match.
    assert _names(clinician_client.get(LIST, {"q": "ross ann"})) == [
        "Ross Anna",
        "Róssa Anna",
        "Rossi Anna",
        "Rosso Anna",
        "Grossi Anna",
    ]


def test_a_common_surnames_pages_walk_every_match_once_in_order(clinician_client):
    """More surnames starting with the word than a page holds: the first
    page is read along the surname, the next ones go on to the other
    matches, and Previous comes back to the same first page."""
    for n in range(30):
        make_patient(last_name="Rossi", first_name=f"Nome{n:02}")
    for n in range(5):
        make_patient(last_name="Grossi", first_name=f"Nome{n:02}")
    make_patient(last_name="Bianchi", first_name="Nome99")
    first = clinician_client.get(LIST, {"q": "ross"})
    assert "35 patients" in first.content.decode()
    assert _names(first) == [f"Rossi Nome{n:02}" for n in range(25)]
    pages = _walk(clinician_client, LIST + "?q=ross", "next")
    walked = [
        f"{p.last_name} {p.first_name}"
        for page in pages
        for p in Patient.objects.filter(pk__in=page)
    ]
    assert [len(page) for page in pages] == [25, 10]
    second = clinician_client.get(_link(first.content.decode(), "next"))
    assert _names(second) == [f"Rossi Nome{n:02}" for n in range(25, 30)] + [
        f"Grossi Nome{n:02}" for n in range(5)
    ]
    assert len(set(walked)) == 35
    back = clinician_client.get(_link(second.content.decode(), "prev"))
    assert _names(back) == _names(first)

"""Nonsense input never gives a server error, on any page, for any role.

Each page is fetched, every input it shows is filled with a hostile value, and
the form is posted back; query strings get the same treatment.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.conftest import make_doppler, make_injection, make_session, make_visit
from visits.links import confirm_token

HOSTILE = [
    "",
    "x" * 300,
    "-1",
    "1e999",
    "NaN",
    "2026-02-30",
    "99:99",
    "<script>alert(1)</script>",
    "0",
    "１２",  # full-width digits
]
NAME_RE = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', re.I)


@pytest.fixture
def records(patient, clinician):
    doppler = make_doppler(patient, clinician)
    session = make_session(patient, clinician, doppler=doppler)
    make_injection(session)
    visit = make_visit(patient, clinician, session=session)
    return {"patient": patient, "doppler": doppler, "session": session, "visit": visit}


def _questionnaire(patient: Any) -> Any:
    from outcomes.models import Instrument, QuestionnaireResponse
    from outcomes.services import record_response
    from tests.outcomes.conftest import full_answers

    found = QuestionnaireResponse.objects.filter(patient=patient).first()
    if found is not None:
        return found
    instrument = Instrument.objects.get(code="sclero-symptoms")
    return record_response(
        patient=patient,
        instrument=instrument,
        answers=full_answers(instrument),
        source="paper",
        language="en",
        timepoint="visit",
    )


def _questionnaire_token(patient: Any) -> str:
    from outcomes.links import invitation_token
    from outcomes.models import Instrument
    from tests.outcomes.conftest import make_invitation

    instrument = Instrument.objects.get(code="sclero-symptoms")
    return invitation_token(make_invitation(patient, instrument))


def _pages(r) -> list[str]:
    p, d, s, v = (
        r["patient"].code,
        r["doppler"].code,
        r["session"].code,
        r["visit"].code,
    )
    names = [
        ("patients:list", None),
        ("patients:create", None),
        ("records:patient", p),
        ("patients:edit", p),
        ("patients:archive", p),
        ("records:history", p),
        ("records:merge", p),
        ("records:audit", None),
        ("records:export", p),
        ("records:fhir", p),
        ("doppler:create", p),
        ("doppler:detail", d),
        ("doppler:edit", d),
        ("doppler:void", d),
        ("doppler:sign", d),
        ("doppler:addendum", d),
        ("treatments:session-create", p),
        ("treatments:session-detail", s),
        ("treatments:session-edit", s),
        ("treatments:session-void", s),
        ("treatments:session-sign", s),
        ("treatments:session-addendum", s),
        ("treatments:injection-row", None),
        ("treatments:session-preview", None),
        ("visits:agenda-day", None),
        ("visits:agenda-week", None),
        ("visits:worklist", None),
        ("visits:book-slot", None),
        ("visits:next-free", None),
        ("visits:create", p),
        ("visits:detail", v),
        ("visits:reschedule", v),
        ("visits:cancel", v),
        ("visits:arrive", v),
        ("visits:no-show", v),
        ("visits:outcome", v),
        ("visits:ics", v),
        ("visits:slip", v),
        ("visits:answer", confirm_token(r["visit"])),
        ("outcomes:new", p),
        ("outcomes:response", _questionnaire(r["patient"]).code),
        ("outcomes:void", _questionnaire(r["patient"]).code),
        ("outcomes:answer", _questionnaire_token(r["patient"])),
        ("visits:calendar-feed", None),
        ("printing:aftercare-print", s),
        ("printing:aftercare-day", None),
        ("printing:day-sheets-job-start", None),
        ("printing:letterhead-edit", None),
        ("printing:doppler-report-pdf", d),
        ("printing:letter", p),
        ("patients:referring-list", None),
        ("patients:referring-create", None),
        ("reporting:statistics", None),
        ("reporting:overrides", None),
        ("reporting:export", None),
        ("reporting:trends", None),
        ("reporting:trends_export", None),
        ("reporting:registry", None),
        ("reporting:registry_export", None),
        ("accesslog:list", None),
        ("accesslog:patient", p),
        # sites and hours (rows by number)
        ("clinics:site-list", None),
        ("clinics:site-create", None),
        ("clinics:site-detail", r["session"].site_id),
        ("clinics:site-edit", r["session"].site_id),
        ("clinics:site-hours", r["session"].site_id),
        ("clinics:site-staff", r["session"].site_id),
        ("clinics:site-letterhead", r["session"].site_id),
        ("clinics:closure-add", r["session"].site_id),
        ("clinics:clinician-hours", r["visit"].clinician_id),
        ("clinics:absence-list", None),
        ("clinics:absence-add", None),
        ("records:visits-to-move", None),
    ]
    return [reverse(n, args=[c] if c else []) for n, c in names]


QUERY_KEYS = [
    "date",
    "clinician",
    "page",
    "q",
    "session",
    "format",
    "index",
    "archived",
]
# The statistics pages take a period.
QUERY_KEYS += ["from", "to"]
# The access log pages take a user and a cursor.
QUERY_KEYS += ["user", "before"]
# The audit trail pages take a cursor of their own.
QUERY_KEYS += ["after"]
# The new session form repeats the last session's plan.
QUERY_KEYS += ["repeat"]
# The agenda grid: a site, a visit type, a visit being moved; a slot to book
# (clinician, date, time, duration) and the next free slot's search.
QUERY_KEYS += ["site", "purpose", "move", "time", "duration", "earliest"]
# The visits to move after a change of hours: of a site, a clinician, or
# of the clinicians with an absence ahead.
QUERY_KEYS += ["absences"]


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_hostile_query_strings_and_forms_never_cause_a_server_error(
    request, records, role
):
    client = request.getfixturevalue(f"{role}_client")
    for url in _pages(records):
        fields = set()
        for value in HOSTILE:
            response = client.get(url, dict.fromkeys(QUERY_KEYS, value))
            assert response.status_code < 500, (url, value)
        page = client.get(url)
        assert page.status_code < 500, url
        if page.status_code == 200 and page.get("Content-Type", "").startswith(
            "text/html"
        ):
            fields = set(NAME_RE.findall(page.content.decode())) - {
                "csrfmiddlewaretoken"
            }
        for value in HOSTILE:
            data = dict.fromkeys(fields, value)
            # POST-only actions show no form of their own; send their fields too.
            for name in ("reason", "note", "status_reason", "version", "index"):
                data.setdefault(name, value)
            response = client.post(url, data)
            assert response.status_code < 500, (url, value)


# --- year 1 and year 9999 in every date ------------------------------------------

# The first and last days a date input (and Python's date) can hold, as a day
# and as a datetime-local value: a day before or after them does not exist.
EXTREME_DATES = ["0001-01-01", "9999-12-31", "0001-01-01T10:00", "9999-12-31T23:55"]
DATE_QUERY_KEYS = ["date", "from", "to"]
DATE_INPUT_TYPES = {"date", "datetime-local"}


class _Forms(HTMLParser):
    """Every form of a page: method, action and its fields as the page fills them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get").lower(),
                    "action": a.get("action", ""),
                    "values": {},
                    "names": set(),
                    "dates": [],
                }
            )
            return
        if not self.forms:
            return
        form, name = self.forms[-1], a.get("name", "")
        if tag == "option" and self._select:
            values = form["values"]
            if "selected" in a or not values.get(self._select):
                values[self._select] = a.get("value", "")
            return
        kind = a.get("type", "text").lower() if tag == "input" else tag
        if not name or kind in {"submit", "button", "image", "reset"}:
            return
        form["names"].add(name)
        if tag == "input":
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            form["values"][name] = a.get("value", "on" if kind == "checkbox" else "")
            if kind in DATE_INPUT_TYPES:
                form["dates"].append(name)
        elif tag == "select":
            self._select = name
            form["values"].setdefault(name, "")
        elif tag == "textarea":
            self._textarea = name
            form["values"][name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea and self.forms:
            self.forms[-1]["values"][self._textarea] += data


def _date_forms(url: str, html: str) -> list[dict]:
    """Return the page's forms that hold a date input, with their target URL."""
    parser = _Forms()
    parser.feed(html)
    found = []
    for form in parser.forms:
        target = urlsplit(form["action"]).path or url
        if form["dates"] and target.startswith("/"):
            found.append({**form, "url": target})
    return found


def _filled_values(client, urls: list[str]) -> dict[str, str]:
    """Return every prefilled value of the pages' forms, by field name: what an
    edit page shows fills the same field left blank on a create page."""
    known: dict[str, str] = {}
    for url in urls:
        page = client.get(url)
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(page.content.decode())
        for form in parser.forms:
            for name, value in form["values"].items():
                if value and name != "csrfmiddlewaretoken":
                    known.setdefault(name, value)
    return known


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_year_one_and_year_9999_in_date_filters_never_cause_a_server_error(
    request, records, role
):
    client = request.getfixturevalue(f"{role}_client")
    for url in _pages(records):
        for value in EXTREME_DATES:
            for key in DATE_QUERY_KEYS:
                response = client.get(url, {key: value})
                assert response.status_code < 500, (url, key, value)
        for start, end in (("0001-01-01", "9999-12-31"), ("9999-12-31", "0001-01-01")):
            response = client.get(url, {"from": start, "to": end})
            assert response.status_code < 500, (url, start, end)


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_year_one_and_year_9999_in_every_date_field_never_cause_a_server_error(
    request, records, role
):
    """Each date input of each form, the rest of the form filled as the page
    (or the matching edit page) fills it, takes the first and last days."""
    client = request.getfixturevalue(f"{role}_client")
    pages = _pages(records)
    known = _filled_values(client, pages)
    reached = set()
    for url in pages:
        page = client.get(url)
        assert page.status_code < 500, url
        if page.status_code != 200 or "html" not in page.get("Content-Type", ""):
            continue
        for form in _date_forms(url, page.content.decode()):
            # Blank or unticked on a create page: as the edit page fills it.
            values = {
                name: form["values"].get(name) or known.get(name, "")
                for name in form["names"]
            }
            for name in form["dates"]:
                for value in EXTREME_DATES:
                    data = {**values, name: value}
                    if form["method"] == "post":
                        response = client.post(form["url"], data)
                    else:
                        response = client.get(form["url"], data)
                    assert response.status_code < 500, (url, name, value)
                    reached.add(form["url"])
                    if form["method"] == "post" and response.status_code in (302, 303):
                        # Saved: every page still opens with that date on file.
                        for other in pages:
                            response = client.get(other)
                            assert response.status_code < 500, (other, url, name, value)
    p = records["patient"].code
    expected = {
        "clinician": [
            reverse("patients:create"),
            reverse("doppler:create", args=[p]),
            reverse("treatments:session-create", args=[p]),
            reverse("visits:create", args=[p]),
            reverse("reporting:statistics"),
        ],
        "frontdesk": [reverse("patients:create"), reverse("visits:create", args=[p])],
        "manager": [reverse("reporting:statistics"), reverse("visits:agenda-day")],
    }
    assert set(expected[role]) <= reached, reached

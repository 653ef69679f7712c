"""Nonsense input never gives a server error, on any page, for any role.

Each page is fetched, every input it shows is filled with a hostile value, and
the form is posted back; query strings get the same treatment.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.conftest import make_doppler, make_injection, make_session, make_visit

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


def _pages(r) -> list[str]:
    p, d, s, v = r["patient"].code, r["doppler"].code, r["session"].code, r["visit"].code
    names = [
        ("patients:list", None), ("patients:create", None), ("records:patient", p),
        ("patients:edit", p), ("patients:archive", p), ("records:history", p),
        ("doppler:create", p), ("doppler:detail", d),
        ("doppler:edit", d), ("doppler:void", d),
        ("treatments:session-create", p), ("treatments:session-detail", s),
        ("treatments:session-edit", s), ("treatments:session-void", s),
        ("treatments:injection-row", None), ("treatments:session-preview", None),
        ("visits:agenda-day", None), ("visits:agenda-week", None),
        ("visits:worklist", None), ("visits:create", p),
        ("visits:detail", v), ("visits:reschedule", v),
        ("visits:cancel", v), ("visits:arrive", v),
        ("visits:no-show", v), ("visits:outcome", v),
        ("visits:ics", v), ("visits:slip", v),
        ("printing:aftercare-print", s),
        ("printing:aftercare-day", None), ("printing:letterhead-edit", None),
        ("reporting:statistics", None), ("reporting:overrides", None),
        ("reporting:export", None),
    ]
    return [reverse(n, args=[c] if c else []) for n, c in names]


QUERY_KEYS = ["date", "clinician", "page", "q", "session", "format", "index", "archived"]
# The statistics pages take a period.
QUERY_KEYS += ["from", "to"]


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_hostile_query_strings_and_forms_never_cause_a_server_error(request, records, role):
    client = request.getfixturevalue(f"{role}_client")
    for url in _pages(records):
        fields = set()
        for value in HOSTILE:
            response = client.get(url, {k: value for k in QUERY_KEYS})
            assert response.status_code < 500, (url, value)
        page = client.get(url)
        assert page.status_code < 500, url
        if page.status_code == 200 and page.get("Content-Type", "").startswith("text/html"):
            fields = set(NAME_RE.findall(page.content.decode())) - {"csrfmiddlewaretoken"}
        for value in HOSTILE:
            data = {name: value for name in fields}
            # POST-only actions show no form of their own; send their fields too.
            for name in ("reason", "note", "status_reason", "version", "index"):
                data.setdefault(name, value)
            response = client.post(url, data)
            assert response.status_code < 500, (url, value)

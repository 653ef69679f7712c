"""Content-Security-Policy, Permissions-Policy and no-store.

The policy allows nothing inline, so every page of the role matrix (as each
role that may open it) is parsed for a style attribute, a <style> element, an
inline <script>, an on* event handler or a javascript: URL: any of them would
be refused by the browser. Every response a logged-in user gets, and every
file with patient data (PDF, ICS, CSV, JSON), says no-store; static files
keep their caching.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from core.access import note_access
from core.headers import SecurityHeadersMiddleware
from tests.conftest import client_for, make_injection, make_patient, make_session
from tests.test_role_matrix import (  # noqa: F401 (the fixtures)
    SITE,
    Case,
    World,
    _url,
    shared_world,
)

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
}


def directives(response: Any) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *sources = part.split()
        parsed[name] = set(sources)
    return parsed


class InlineFinder(HTMLParser):
    """Collects what a Content-Security-Policy without 'unsafe-inline' refuses."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._line = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        where = f"<{tag}> at line {self.getpos()[0]}"
        if tag == "style":
            self.found.append(f"a <style> element {where}")
        # A JSON data block (json_script) is data the policy never runs.
        data_block = (names.get("type") or "").lower() == "application/json"
        if tag == "script" and not names.get("src") and not data_block:
            self.found.append(f"an inline script {where}")
        for name, value in attrs:
            if name == "style":
                self.found.append(f'style="{value}" on {where}')
            elif name.startswith("on"):
                self.found.append(f"the handler {name} on {where}")
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"a javascript: URL in {name} on {where}")

    handle_startendtag = handle_starttag


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


# --- the checker itself --------------------------------------------------------


def test_the_checker_finds_every_kind_of_inline_code():
    html = (
        '<div style="width: 3%"></div><style>p {}</style><script>x()</script>'
        '<button onclick="print()"></button><a href="javascript:go()">x</a>'
        '<svg><rect width="30" height="10"/></svg><script src="/static/a.js"></script>'
    )
    found = inline_code(html)
    assert len(found) == 5, found
    assert (
        inline_code('<svg class="stat-bar"><rect width="42" height="10"/></svg>') == []
    )
    data = '<script id="d" type="application/json">{"a": 1}</script>'
    assert inline_code(data) == []


# --- the policy ----------------------------------------------------------------


@pytest.fixture
def pages(clinician, make_patient_with_session) -> dict[str, str]:
    patient, session = make_patient_with_session
    return {
        "patient page": reverse("records:patient", args=[patient.code]),
        "session form": reverse("treatments:session-create", args=[patient.code]),
        "session page": reverse("treatments:session-detail", args=[session.code]),
        "Doppler form": reverse("doppler:create", args=[patient.code]),
        "statistics": reverse("reporting:statistics"),
        "clinic trends": reverse("reporting:trends"),
        "agenda": reverse("visits:agenda-day"),
    }


@pytest.fixture
def make_patient_with_session(clinician):
    patient = make_patient()
    session = make_session(patient, clinician)
    make_injection(session)
    return patient, session


def test_pages_carry_the_policy_with_nothing_inline(clinician_client, pages):
    for name, url in pages.items():
        response = clinician_client.get(url)
        assert response.status_code == 200, name
        assert directives(response) == POLICY, name
        header = response["Content-Security-Policy"]
        assert "unsafe-inline" not in header and "unsafe-eval" not in header
        assert "nonce-" not in header
        assert inline_code(response.content.decode()) == [], name


def test_the_login_page_carries_the_policy():
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert directives(response) == POLICY
    assert inline_code(response.content.decode()) == []


def test_permissions_policy_on_pages_and_the_login(clinician_client, pages):
    for response in (
        clinician_client.get(pages["patient page"]),
        Client().get(reverse("login")),
    ):
        policy = {item.strip() for item in response["Permissions-Policy"].split(",")}
        assert policy == {
            "camera=(self)",
            "microphone=()",
            "geolocation=()",
            "payment=()",
            "usb=()",
            "interest-cohort=()",
        }


def test_htmx_keeps_its_indicator_style_out_of_the_page(clinician_client, pages):
    html = clinician_client.get(pages["agenda"]).content.decode()
    assert (
        """<meta name="htmx-config" content='{"includeIndicatorStyles":false}'>"""
        in (html)
    )


# --- files ------------------------------------------------------------------------


def test_the_json_export_is_never_stored(manager_client, make_patient_with_session):
    patient, _session = make_patient_with_session
    response = manager_client.post(reverse("records:export", args=[patient.code]))
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]


def test_the_fhir_bundle_is_never_stored(clinician_client, make_patient_with_session):
    patient, _session = make_patient_with_session
    response = clinician_client.get(reverse("records:fhir", args=[patient.code]))
    assert response["Content-Type"].startswith("application/fhir+json")
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")


def test_static_files_keep_their_caching(clinician_client, settings):
    # WhiteNoise answers from the finders as in development (no collectstatic).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = clinician_client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "Pragma" not in response


# --- the middleware on its own ------------------------------------------------------


def _through_middleware(view, user) -> HttpResponse:
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return SecurityHeadersMiddleware(lambda req: view(req))(request)


def test_an_anonymous_response_that_read_patient_data_is_not_stored(patient):
    def view(request):
        note_access(request, "patient", patient=patient)
        return HttpResponse("a patient")

    response = _through_middleware(view, AnonymousUser())
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_an_anonymous_response_without_patient_data_may_be_cached():
    response = _through_middleware(
        lambda request: HttpResponse("hello"), AnonymousUser()
    )
    assert "Cache-Control" not in response
    assert "Permissions-Policy" in response


def test_a_view_that_set_its_own_cache_control_keeps_it(clinician):
    def view(request):
        response = HttpResponse("x")
        response["Cache-Control"] = "private, max-age=60"
        return response

    response = _through_middleware(view, clinician)
    assert response["Cache-Control"] == "private, max-age=60"
    assert "Pragma" not in response


# The shared records of the role matrix (its module-wide world, with its own
# cast of users): these come last, after the tests with their own fixtures.


@pytest.fixture
def world(shared_world: World, db) -> World:  # noqa: F811
    # (the module-wide records first, then the test's transaction)
    return shared_world


# --- every page of the role matrix, as each role that opens it ----------------

# (the rows some role opens; redirects only and POST-only URLs are left out)
PAGES = [case for case in SITE if 200 in case.get]


@pytest.mark.date_dependent
@pytest.mark.parametrize("case", PAGES, ids=lambda case: case.id)
def test_no_page_has_inline_code_and_none_is_stored(
    case: Case, world: World, monkeypatch
):
    if case.setup:
        case.setup(monkeypatch)
    url = _url(case, world)
    clients = {role: client_for(user) for role, user in world.users.items()}
    clients["anonymous"] = Client()
    opened = 0
    for role, client in clients.items():
        response = client.get(url, headers=case.headers)
        assert "Permissions-Policy" in response, (role, url)
        if role != "anonymous":
            # a page, a redirect, a refusal: nothing for a user is stored
            assert "no-store" in response["Cache-Control"], (role, url)
        if response.status_code != 200:
            continue
        opened += 1
        if response["Content-Type"].startswith("text/html"):
            assert directives(response) == POLICY, (role, url)
            found = inline_code(response.content.decode())
            assert found == [], f"{url} as {role}: {found}"
    assert opened, f"no role opened {url}"


@pytest.mark.date_dependent
@pytest.mark.parametrize(
    "name, query, content_type",
    [
        ("printing:aftercare-pdf", "", "application/pdf"),
        ("printing:aftercare-day", "?date={session_day}&format=pdf", "application/pdf"),
        ("printing:doppler-report-pdf", "", "application/pdf"),
        ("visits:ics", "", "text/calendar"),
        ("reporting:export", "?period=all", "text/csv"),
    ],
)
def test_files_with_patient_data_are_never_stored(
    world: World, name: str, query: str, content_type: str
):
    case = next(c for c in SITE if c.name == name and c.query == query)
    response = client_for(world.users["clinician"]).get(_url(case, world))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"

"""The Content-Security-Policy in a real browser: no page breaks it.

Chromium reports a refused inline style, script or handler both as a console
error ("Refused to apply inline style ...") and as a `securitypolicyviolation`
event; the test collects both on the pages with data-driven bars, htmx and
Bootstrap's JavaScript, and first proves that the collector sees a violation.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_visit,
)
from tests.e2e.conftest import playwright_sync_api
from tests.helpers import at
from visits.models import VisitStatus

# Skipped, with the reason, where the package is missing (see conftest.py).
expect = playwright_sync_api().expect

# The agenda and the statistics follow the frozen clock's today.
pytestmark = pytest.mark.date_dependent

# Runs in every page before its own scripts (DevTools, not subject to the CSP).
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(
    `${event.violatedDirective} ${event.blockedURI || "inline"} at ${where}`
  );
});
"""


def _watch(page) -> list[str]:
    """Console errors about the Content-Security-Policy, as they come."""
    errors: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Refused to" in text
        ):
            errors.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.add_init_script(RECORD_VIOLATIONS)
    return errors


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_the_watch_sees_an_inline_style_refused(page, log_in, clinician):
    errors = _watch(page)
    log_in(clinician)
    page.evaluate(
        """document.body.insertAdjacentHTML("beforeend",
        '<div id="csp-probe" style="color: red">probe</div>')"""
    )
    page.wait_for_function("window.__cspViolations.length > 0")
    assert any("style-src" in v for v in _violations(page))
    page.wait_for_timeout(200)
    assert errors, "the console showed no CSP error"


def test_no_page_breaks_the_policy(page, log_in, clinician):
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    doppler = make_doppler(patient, clinician)
    session = make_session(patient, clinician, doppler=doppler)
    make_injection(
        session,
        volume_ml=Decimal("2.0"),
        diagram_x_pct=Decimal("19.4"),
        diagram_y_pct=Decimal("27.6"),
    )
    make_visit(
        patient,
        clinician,
        starts_at=at(-1, 9),
        session=session,
        status=VisitStatus.COMPLETED,
        clearance_pct=70,
        satisfaction=4,
    )
    make_visit(patient, clinician, starts_at=timezone.now().replace(second=0))

    errors = _watch(page)
    log_in(clinician)
    pages = {
        "agenda": reverse("visits:agenda-day"),
        "week agenda": reverse("visits:agenda-week"),
        "statistics": reverse("reporting:statistics"),
        "patient page": patient.get_absolute_url(),
        "session page": session.get_absolute_url(),
        "session form": reverse("treatments:session-create", args=[patient.code]),
        "Doppler form": reverse("doppler:create", args=[patient.code]),
        "print view": reverse("printing:aftercare-print", args=[session.code]),
    }
    seen = {}
    for name, url in pages.items():
        response = page.goto(url)
        assert response is not None and response.ok, name
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        page.wait_for_load_state("networkidle")
        if name == "session form":
            # htmx swaps in a row and the live totals (the dose-limit bars)
            page.get_by_role("button", name="Add injection").click()
            page.wait_for_load_state("networkidle")
        if name == "statistics":
            # the bars are drawn (SVG rects with a width attribute)
            expect(page.locator("svg.stat-bar rect").first).to_be_attached()
        if name == "session page":
            expect(page.locator("svg.limit-bar__fill rect").first).to_be_attached()
        if name == "agenda":
            # Bootstrap's JavaScript: a dropdown opens (styles set through the CSSOM)
            page.locator("[data-bs-toggle=dropdown]").first.click()
        seen[name] = _violations(page)
    page.wait_for_timeout(200)
    assert {name: found for name, found in seen.items() if found} == {}
    assert errors == []

"""Accessibility in a real browser: axe-core finds no WCAG 2.1 A/AA violation.

Every test runs twice, in English and in Italian: the site speaks the
browser's language (LocaleMiddleware reads Accept-Language, which the browser
context's locale sets), and each page is checked to be in that language.
Each role logs in once per language and visits its pages; on each
one axe-core (tests/e2e/vendor/axe.min.js, MPL-2.0) runs the WCAG 2.0/2.1 A and
AA rules on the rendered page, so colour contrast, labels, landmarks, heading
order and duplicate ids are checked as the user's browser shows them. A failure
lists every violation: the rule, its help text and the elements it found.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from clinics.models import Absence, Closure
from core.models import AddendumKind
from core.roles import CLINICIAN
from doppler.services import doppler_addendum_add, doppler_sign, doppler_void
from tests.conftest import (
    make_doppler,
    make_injection,
    make_patient,
    make_session,
    make_user,
    make_visit,
)
from tests.e2e.conftest import TIMEOUT_MS, playwright_sync_api
from tests.helpers import at
from treatments.services import session_addendum_add, session_sign
from visits.models import StatusReason, VisitMessage
from visits.reminders import CLAIM_LOST
from visits.services import visit_cancel

# Skipped, with the reason, where the package is missing (see conftest.py).
playwright_sync_api()

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']},
  });
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => n.target.join(' ') + ' :: '
      + n.failureSummary.split('\\n').slice(1).join(' ').trim()),
  }));
}"""

# The screens are dated around the frozen clock (today's agenda, last week's
# session), so the pages shown depend on the date.
pytestmark = pytest.mark.date_dependent


# The browser's locale for each language the site speaks.
LOCALES = {"en": "en-GB", "it": "it-IT"}


def _violations(page, url: str) -> list[str]:
    """Open `url` (it must answer 200) and return axe's findings as text lines."""
    response = page.goto(url)
    assert response is not None and response.status == 200, (
        f"{url} answered {response.status if response else 'nothing'}"
    )
    return _check(page, url)


def _check(page, label: str) -> list[str]:
    # The page is in the browser's language (axe checks that lang is valid,
    # not that it is the one asked for).
    browser_language = page.evaluate("navigator.language").split("-")[0]
    assert page.evaluate("document.documentElement.lang") == browser_language, label
    page.add_script_tag(path=str(AXE))
    lines = []
    for violation in page.evaluate(RUN_AXE):
        lines.append(
            f"{label}: {violation['id']} ({violation['impact']}): {violation['help']}"
        )
        lines.extend(f"    {node}" for node in violation["nodes"])
    return lines


def _assert_clean(page, urls: list[str]) -> None:
    found: list[str] = []
    for url in urls:
        found.extend(_violations(page, url))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


@pytest.fixture(params=sorted(LOCALES))
def language(request) -> str:
    return request.param


@pytest.fixture
def page(browser, live_server, transactional_db, language):
    """Like conftest's page, in English or Italian, and the context lets
    Playwright inject axe.min.js past the app's Content-Security-Policy
    (script-src 'self')."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 1000},
        locale=LOCALES[language],
        timezone_id=timezone.get_default_timezone_name(),
        bypass_csp=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.clock.set_system_time(timezone.now())
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def records(clinician, colleague):
    """A patient with a signed session and a signed Doppler (both with an
    addendum), an unsigned session and a booked visit."""
    patient = make_patient(first_name="Lucia", last_name="Ferrari")
    doppler = make_doppler(patient, clinician)
    doppler_sign(assessment=doppler, user=clinician)
    doppler_addendum_add(assessment=doppler, user=colleague, text="Checked again.")
    signed = make_session(patient, clinician)
    # Placed on the leg map: the session page, timeline and form show a marker.
    make_injection(signed, diagram_x_pct="19.4", diagram_y_pct="27.6")
    make_injection(signed, leg="L", volume_ml="0.5", site="posterior calf")
    session_sign(session=signed, user=clinician)
    session_addendum_add(
        session=signed, user=colleague, kind=AddendumKind.REACTION, text="Bruising."
    )
    unsigned = make_session(patient, clinician)
    make_injection(unsigned)
    make_injection(unsigned, leg="L", volume_ml="0.3", site="lateral thigh")
    visit = make_visit(patient, clinician)
    # Its reminders: one sent, one whose fate is unknown (with Send again).
    for channel, status in (("email", "sent"), ("sms", "unknown")):
        VisitMessage.objects.create(
            visit=visit,
            channel=channel,
            status=status,
            due_at=visit.starts_at - timedelta(hours=24),
            sent_at=timezone.now() if status == "sent" else None,
            attempts=1,
            detail="" if status == "sent" else CLAIM_LOST,
        )
    # Today's agenda with a cancelled visit (shown struck through) and a
    # voided Doppler (shown greyed), both still at full contrast.
    make_visit(patient, clinician, starts_at=at(0, 9))
    visit_cancel(
        visit=make_visit(patient, clinician, starts_at=at(0, 11)),
        reason=StatusReason.PATIENT_REQUEST,
    )
    voided = make_doppler(patient, clinician)
    doppler_void(assessment=voided, user=clinician, reason="Wrong patient.")
    return {
        "voided_doppler": voided,
        "patient": patient,
        "doppler": doppler,
        "draft_doppler": make_doppler(patient, clinician),
        "signed": signed,
        "unsigned": unsigned,
        "visit": visit,
    }


def _sites_pages(records) -> list[str]:
    """The sites and hours pages, with a closure on the booked visit's day
    (so the visits to move are listed) and an absence ahead."""
    visit = records["visit"]
    site = visit.site
    day = timezone.localtime(visit.starts_at).date()
    Closure.objects.create(site=site, first_day=day, last_day=day, reason="Holiday")
    Absence.objects.create(
        clinician=visit.clinician,
        starts_at=visit.starts_at,
        ends_at=visit.starts_at + timedelta(days=1),
    )
    return [
        reverse("clinics:site-list"),
        reverse("clinics:site-detail", args=[site.pk]),
        reverse("clinics:site-create"),
        reverse("clinics:site-edit", args=[site.pk]),
        reverse("clinics:site-hours", args=[site.pk]),
        reverse("clinics:site-staff", args=[site.pk]),
        reverse("clinics:site-letterhead", args=[site.pk]),
        reverse("clinics:closure-add", args=[site.pk]),
        reverse("clinics:clinician-hours", args=[visit.clinician.pk]),
        reverse("clinics:absence-list"),
        reverse("clinics:absence-add"),
        reverse("records:visits-to-move") + f"?site={site.pk}",
    ]


def _account_pages() -> list[str]:
    return [
        reverse("account:two-factor"),
        reverse("account:two-factor-enrol"),
        reverse("account:password-change"),
    ]


def test_login_and_lockout_pages(page, language):
    assert not _violations(page, reverse("login"))
    # A wrong login shows the form's error; the fifth in a row, the lockout page.
    found: list[str] = []
    for attempt in range(5):
        page.fill("#id_username", "nobody")
        page.fill("#id_password", "wrong")
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        if attempt == 0:
            found.extend(_check(page, "login with an error"))
    with translation.override(language):
        heading = translation.gettext("Too many attempts")
    assert page.get_by_role("heading", name=heading).is_visible()
    found.extend(_check(page, "lockout"))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_clinician_pages(page, log_in, clinician, records):
    log_in(clinician)
    patient, signed = records["patient"], records["signed"]
    doppler = records["doppler"]
    _assert_clean(
        page,
        [
            reverse("patients:list"),
            reverse("patients:create"),
            reverse("patients:edit", args=[patient.code]),
            reverse("records:patient", args=[patient.code]),
            reverse("treatments:session-detail", args=[signed.code]),
            reverse("treatments:session-detail", args=[signed.code]) + "?as_signed=1",
            reverse("treatments:session-detail", args=[records["unsigned"].code]),
            reverse("treatments:session-create", args=[patient.code]),
            reverse("treatments:session-edit", args=[signed.code]),
            reverse("treatments:session-edit", args=[records["unsigned"].code]),
            reverse("treatments:session-addendum", args=[signed.code]),
            reverse("printing:aftercare-print", args=[signed.code]),
            reverse("printing:aftercare-day"),
            reverse("doppler:detail", args=[doppler.code]),
            reverse("doppler:detail", args=[doppler.code]) + "?as_signed=1",
            reverse("doppler:detail", args=[records["voided_doppler"].code]),
            reverse("doppler:create", args=[patient.code]),
            reverse("doppler:edit", args=[records["draft_doppler"].code]),
            reverse("doppler:addendum", args=[doppler.code]),
            reverse("visits:create", args=[patient.code]),
            reverse("visits:detail", args=[records["visit"].code]),
            reverse("visits:reschedule", args=[records["visit"].code]),
            reverse("visits:outcome", args=[records["visit"].code]),
            reverse("visits:agenda-day"),
            reverse("visits:agenda-week"),
            reverse("visits:worklist"),
            reverse("visits:calendar-feed"),
            reverse("reporting:statistics"),
            reverse("reporting:overrides"),
            reverse("reporting:trends"),
            *_account_pages(),
        ],
    )
    # Forms sent back with their errors: the messages and the invalid fields.
    found: list[str] = []
    for url in [
        reverse("patients:create"),
        reverse("treatments:session-create", args=[patient.code]),
        reverse("doppler:create", args=[patient.code]),
    ]:
        page.goto(url)
        page.locator("main form[method=post] [type=submit]").last.click()
        page.wait_for_load_state()
        found.extend(_check(page, f"{url} refused"))
    # The session form after an added row (htmx) and a row marked for removal.
    page.goto(reverse("treatments:session-edit", args=[records["unsigned"].code]))
    rows = page.locator("#injection-rows tr.injection-row")
    count = rows.count()
    page.locator("button[hx-get]").filter(has_text="+").first.click()
    page.wait_for_function(
        "n => document.querySelectorAll('#injection-rows tr.injection-row').length > n",
        arg=count,
    )
    rows.first.locator("[data-remove-row]").click()
    page.wait_for_selector("#injection-rows tr.row-voided")
    found.extend(_check(page, "session form with an added and a removed row"))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_reminder_link_pages(page, language, clinician):
    """The page a patient opens from a reminder (no login), in the patient's
    language: the visit, after an answer, and a link that is not valid."""
    from visits.links import confirm_token

    patient = make_patient(last_name="Rossi", language=language)
    visit = make_visit(patient, clinician)
    url = reverse("visits:answer", args=[confirm_token(visit)])
    found = _violations(page, url)
    page.locator("form.public-answer button[value=confirmed]").click()
    page.wait_for_load_state()
    found.extend(_check(page, f"{url} answered"))
    response = page.goto(reverse("visits:answer", args=["not-a-token"]))
    assert response is not None and response.status == 404
    found.extend(_check(page, "a link that is not valid"))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_front_desk_pages(page, log_in, frontdesk, records):
    # Four clinicians: the week of all of them comes in pages.
    for n in (1, 2):
        make_user(f"extra{n}", CLINICIAN, last_name=f"Extra{n}")
    log_in(frontdesk)
    patient = records["patient"]
    _assert_clean(
        page,
        [
            reverse("patients:list"),
            reverse("records:patient", args=[patient.code]),
            reverse("visits:detail", args=[records["visit"].code]),
            reverse("visits:agenda-day"),
            reverse("visits:agenda-week"),
            # The week's second page of clinicians.
            reverse("visits:agenda-week") + "?from_column=3",
            # One clinician's week: its free slots.
            reverse("visits:agenda-week")
            + f"?clinician={records['visit'].clinician_id}",
            reverse("visits:book-slot")
            + "?time=10:30&duration=15&q="
            + patient.last_name,
            reverse("visits:next-free"),
            reverse("visits:next-free") + "?purpose=check&clinician=0&earliest=x",
            reverse("visits:worklist"),
            reverse("patients:create"),
            reverse("patients:edit", args=[patient.code]),
            reverse("visits:create", args=[patient.code]),
            reverse("printing:aftercare-day"),
            *_account_pages(),
        ],
    )
    # The error pages: a page front desk may not see, and one that does not exist.
    found = []
    errors = [(reverse("reporting:statistics"), 403), ("/no-such-page/", 404)]
    for url, status in errors:
        response = page.goto(url)
        assert response is not None and response.status == status, url
        found.extend(_check(page, f"{url} ({status})"))
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)
    # The idle-timeout warning, as the page shows it before logging out.
    page.goto(reverse("patients:create"))
    page.evaluate(
        """() => {
          const warning = document.getElementById('idle-warning');
          warning.querySelector('p').textContent = warning.dataset.textOne;
          warning.classList.remove('d-none');
        }"""
    )
    found = _check(page, "idle warning")
    assert not found, "axe-core found accessibility violations:\n" + "\n".join(found)


def test_manager_pages(page, log_in, manager, records):
    log_in(manager)
    patient = records["patient"]
    _assert_clean(
        page,
        [
            reverse("patients:list"),
            reverse("records:patient", args=[patient.code]),
            reverse("reporting:statistics"),
            reverse("reporting:registry"),
            reverse("reporting:registry") + "?from=2026-13-01&to=1850-01-01",
            reverse("accesslog:list"),
            reverse("accesslog:patient", args=[patient.code]),
            reverse("records:audit"),
            reverse("records:history", args=[patient.code]),
            reverse("records:export", args=[patient.code]),
            reverse("records:merge", args=[patient.code]),
            reverse("printing:letterhead-edit"),
            reverse("patients:referring-list"),
            reverse("patients:referring-create"),
            *_sites_pages(records),
            reverse("admin:index"),
            reverse("admin:auth_user_changelist"),
            reverse("admin:auth_user_add"),
            reverse("admin:auth_user_change", args=[manager.pk]),
            *_account_pages(),
        ],
    )

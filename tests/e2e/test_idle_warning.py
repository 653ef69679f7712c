"""Idle-timeout warning in a real browser: a form with unsaved changes near expiry."""

from __future__ import annotations

import time

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.urls import reverse
from django.utils import timezone

from core.idle import LAST_ACTIVITY_KEY
from tests.e2e.conftest import playwright_sync_api

# Skipped, with the reason, where the package is missing (see conftest.py).
expect = playwright_sync_api().expect
# A click without Playwright's wait for animation frames, which the installed
# clock holds back.
CLICK_STAY = "document.getElementById('idle-warning-stay').click()"


def _last_activity_minutes_ago(minutes: int) -> None:
    """Age the stored sessions' last activity (the server's clock stays put)."""
    for row in Session.objects.all():
        store = SessionStore(session_key=row.session_key)
        data = store.load()
        if LAST_ACTIVITY_KEY in data:
            store.update(data)
            store[LAST_ACTIVITY_KEY] = time.time() - minutes * 60
            store.save()


def _open_form(page, log_in, user) -> None:
    # The page's timers run on a clock the test moves (idle-timeout checks).
    page.clock.install(time=timezone.now())
    log_in(user)
    page.goto(reverse("patients:create"))


def _type_then_wait(page) -> None:
    """Type, let the page's once-a-minute keep-alive go, then stay idle."""
    page.fill("#id_last_name", "Conti")
    with page.expect_response(reverse("account:keep-alive")) as ping:
        page.clock.run_for("01:05")
    assert ping.value.status == 204
    page.clock.run_for("13:10")
    # From here the page's clock runs on by itself (clicks wait for frames).
    page.clock.resume()


def test_unsaved_changes_near_expiry_warn_and_stay_logged_in(page, log_in, frontdesk):
    _open_form(page, log_in, frontdesk)
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_hidden()

    _type_then_wait(page)

    expect(warning).to_be_visible()
    expect(warning).to_contain_text("You will be logged out in 2 minutes.")
    stay = warning.get_by_role("button", name="Stay logged in")
    expect(stay).to_be_focused()
    with page.expect_response(reverse("account:keep-alive")) as ping:
        page.evaluate(CLICK_STAY)
    assert ping.value.status == 204
    expect(warning).to_be_hidden()
    # The entries are still on the page.
    expect(page.locator("#id_last_name")).to_have_value("Conti")


def test_an_untouched_page_gets_no_warning(page, log_in, frontdesk):
    _open_form(page, log_in, frontdesk)

    page.clock.run_for("14:00")

    expect(page.get_by_role("alertdialog")).to_be_hidden()


def test_after_the_timeout_the_page_says_the_entries_are_kept(page, log_in, frontdesk):
    _open_form(page, log_in, frontdesk)
    _type_then_wait(page)
    warning = page.get_by_role("alertdialog")
    expect(warning).to_be_visible()

    _last_activity_minutes_ago(16)
    with page.expect_response(reverse("account:keep-alive")) as ping:
        page.evaluate(CLICK_STAY)
    assert ping.value.status == 401
    expect(warning).to_contain_text("You have been logged out")
    expect(page.locator("#id_last_name")).to_have_value("Conti")

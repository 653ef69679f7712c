"""Browser tests: the JavaScript and htmx behaviour the Django test client cannot see.

They drive the system Chromium (/usr/bin/chromium) through Playwright's sync
API against pytest-django's `live_server`. Every test is skipped, with the
reason shown, when the `playwright` package or the browser is missing; with
SCLERO_REQUIRE_BROWSER=1 (as in CI) each one fails instead.

The live server runs in a thread of this process, so it reads the frozen clock
of tests/conftest.py; the browser's clock (`Date` in the page) is set to the
same moment, so that the page and the server agree on today.

Playwright's sync API keeps an asyncio loop running on the main thread while
a browser is open, which makes Django refuse ORM calls from the test body
("SynchronousOnlyOperation"). The `browser` fixture allows them for as long
as it is open and restores the setting afterwards, so tests that run after
this folder are checked as usual.
"""

from __future__ import annotations

import importlib
import os
import threading
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.utils import timezone

from tests.conftest import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
NO_PLAYWRIGHT = "Browser tests need the Python 'playwright' package."
NO_CHROMIUM = f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium)."
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Generous enough for a loaded CI machine, short enough to fail fast.
TIMEOUT_MS = 20_000
REQUIRE_BROWSER_ENV = "SCLERO_REQUIRE_BROWSER"


def _missing(reason: str) -> None:
    """Skip, with the reason, or fail where the browser tests are required."""
    if os.environ.get(REQUIRE_BROWSER_ENV) == "1":
        pytest.fail(f"{reason} ({REQUIRE_BROWSER_ENV}=1)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def playwright_sync_api():
    """Return playwright.sync_api; without it, skip (or fail) the caller."""
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        pass
    _missing(NO_PLAYWRIGHT)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the whole folder, closed when its last test has run.

    Every test here needs it, so without Playwright or Chromium each one is
    skipped with the reason. (A skip at the top of this file would turn into
    an error when the folder is named on the command line.)
    """
    sync_api = playwright_sync_api()
    if not CHROMIUM.exists():
        _missing(NO_CHROMIUM)
    # expect() has its own 5 s default, apart from the context's timeout.
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _one_request_at_a_time_on_sqlite(monkeypatch):
    """On SQLite the live server's threads share the test's one in-memory
    connection: two requests at once (a form posted while an htmx refresh
    is served) would mix their transactions and savepoints. Each request
    waits for the one before it; PostgreSQL gives each thread its own
    connection and needs no such rule."""
    if connection.vendor != "sqlite":
        return
    lock = threading.Lock()
    serve = WSGIHandler.__call__

    def one_at_a_time(self, environ, start_response):
        with lock:
            return serve(self, environ, start_response)

    monkeypatch.setattr(WSGIHandler, "__call__", one_at_a_time)


@pytest.fixture
def page(browser, live_server, transactional_db):
    """A fresh browser context (no cookies) and page for each test.

    Its clock starts at the suite's frozen moment and runs on, like the
    server's; timers are left alone.
    """
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 1400, "height": 1000},
        locale="en-GB",
        timezone_id=timezone.get_default_timezone_name(),
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.clock.set_system_time(timezone.now())
    in_flight: set = set()
    context.on("request", lambda request: in_flight.add(request))
    context.on("requestfinished", lambda request: in_flight.discard(request))
    context.on("requestfailed", lambda request: in_flight.discard(request))
    tab = context.new_page()
    yield tab
    # A request still being served (an htmx refresh set off by the last
    # click) would hold the test database while its tables are emptied.
    for _ in range(50):
        if not in_flight:
            break
        tab.wait_for_timeout(100)
    context.close()


@pytest.fixture
def log_in(page):
    """Log in through the real login form as `user` (see tests.conftest.make_user)."""

    def _log_in(user) -> None:
        page.goto("/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_load_state()
        assert "/login/" not in page.url, "login failed"

    return _log_in

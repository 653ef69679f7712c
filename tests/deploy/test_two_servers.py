"""Two app servers against one PostgreSQL: nothing a request needs is kept
in one server's memory.

Two gunicorn processes (production settings, DEBUG off, one worker each) serve
the test database. A login on one is a login on the other (sessions in the
database), a logout on either ends it on both, failed logins count towards
the lockout on both (django-axes' database handler), and two desks booking
the same clinician's slot at the same moment on the two servers book it once
(the clinician's row is locked in PostgreSQL, visits.services._check_slot):
the other desk sees why on the form's time.

PostgreSQL only: SQLite is one file on one machine, never shared by app
servers on several.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from core.roles import CLINICIAN, FRONT_DESK, setup_roles
from tests.conftest import PASSWORD, frozen_now, make_patient, make_user
from tests.helpers import tomorrow_at
from visits.models import FollowUpVisit, VisitPurpose

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="two app servers share a PostgreSQL database; SQLite is one "
        "machine's file (run with DATABASE_URL=postgres://...)",
    ),
    pytest.mark.django_db(transaction=True),
    # Books "tomorrow": the servers run on the suite's frozen clock.
    pytest.mark.date_dependent,
]

ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
START_TIMEOUT_S = 20
REQUEST_TIMEOUT_S = 20
LOCKOUT_LIMIT = 3
# Every server has the same key: sessions and CSRF tokens made on one are
# read on the other.
SECRET_KEY = secrets.token_urlsafe(50)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "postgres", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or HOST
    return f"postgres://{auth}@{host}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


def _server_env(port: int) -> dict[str, str]:
    """What an operator sets on each app server, plus plain HTTP for the test."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "LANG": "C.UTF-8",
        "DJANGO_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "tests.deploy.server_settings",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SSL_REDIRECT": "0",
        "DJANGO_HSTS_SECONDS": "0",
        "DATABASE_URL": _database_url(),
        # No connection left open when the test database is flushed or dropped.
        "DB_CONN_MAX_AGE": "0",
        "AXES_FAILURE_LIMIT": str(LOCKOUT_LIMIT),
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "1",
        "SCLERO_SERVER_NOW": frozen_now().isoformat(),
    }


@dataclass
class Server:
    name: str
    port: int
    log: Path
    process: subprocess.Popen | None = None

    @property
    def origin(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def start(self) -> None:
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(Path(sys.executable).parent / "gunicorn"),
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    # Not the user's one control socket ($HOME/.gunicorn), which
                    # the two servers (and any other gunicorn) would share.
                    "--no-control-socket",
                    "tests.deploy.server:application",
                ],
                cwd=ROOT,
                env=_server_env(self.port),
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: stop() ends the workers too.
                start_new_session=True,
            )

    def wait_ready(self, deadline: float) -> None:
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} ended:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/login/")
                status = conn.getresponse().status
                conn.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(
            f"server {self.name} did not answer within {START_TIMEOUT_S} s:\n"
            f"{self.log_tail()}"
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        # SIGINT is gunicorn's quick shutdown.
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def servers(django_db_setup, tmp_path_factory) -> Iterator[tuple[Server, Server]]:
    """Servers A and B on the test database, stopped whatever happens."""
    logs = tmp_path_factory.mktemp("servers")
    pair = (
        Server("A", _free_port(), logs / "a.log"),
        Server("B", _free_port(), logs / "b.log"),
    )
    try:
        for server in pair:
            server.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        for server in pair:
            server.wait_ready(deadline)
        yield pair
    finally:
        for server in pair:
            server.stop()


@dataclass
class Reply:
    status: int
    location: str
    body: str


@dataclass
class Browser:
    """One person's browser: its cookies go to whichever server it asks."""

    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, server: Server, method: str, path: str, data: dict | None = None
    ) -> Reply:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = server.origin
        conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and value != '""':
                self.cookies[name.strip()] = value
            else:
                self.cookies.pop(name.strip(), None)
        assert response.status < 500, f"{server.name} {path}: {response.status}"
        return Reply(response.status, response.headers.get("Location", ""), text)

    def get(self, server: Server, path: str) -> Reply:
        return self.request(server, "GET", path)

    def form_token(self, server: Server, path: str) -> str:
        reply = self.get(server, path)
        assert reply.status == 200, (path, reply.status, reply.location)
        found = CSRF_INPUT.search(reply.body)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def post(self, server: Server, path: str, data: dict, token: str) -> Reply:
        return self.request(
            server, "POST", path, {**data, "csrfmiddlewaretoken": token}
        )

    def log_in(self, server: Server, username: str, password: str = PASSWORD) -> Reply:
        login = reverse("login")
        token = self.form_token(server, login)
        return self.post(
            server, login, {"username": username, "password": password}, token
        )


def _desk(username: str):
    """A front-desk account (no second factor needed in production) whose
    password hash the servers can read: the suite's own MD5 hasher is not
    among production's hashers."""
    user = make_user(username, FRONT_DESK)
    user.password = PBKDF2PasswordHasher().encode(
        PASSWORD, salt=f"salt-{username}", iterations=1000
    )
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def desks():
    setup_roles()
    return _desk("desk1"), _desk("desk2")


def test_a_login_on_one_server_is_a_login_on_the_other(servers, desks):
    a, b = servers
    browser = Browser()

    reply = browser.log_in(a, "desk1")
    assert reply.status == 302 and reverse("login") not in reply.location

    page = browser.get(b, reverse("patients:list"))
    assert page.status == 200, (page.status, page.location)

    # Logging out on B ends the login on A as well.
    token = browser.form_token(b, reverse("patients:list"))
    assert browser.post(b, reverse("logout"), {}, token).status == 302
    after = browser.get(a, reverse("patients:list"))
    assert after.status == 302 and after.location.startswith(reverse("login"))


def test_failed_logins_on_both_servers_count_towards_one_lockout(servers, desks):
    a, b = servers
    browser = Browser()
    for server in (a, b, a)[: LOCKOUT_LIMIT - 1]:
        assert browser.log_in(server, "desk2", "wrong-password").status == 200
    # The limit is reached on the other server, then the lockout holds on both.
    assert browser.log_in(b, "desk2", "wrong-password").status == 429
    assert browser.log_in(a, "desk2").status == 429
    page = browser.get(b, reverse("patients:list"))
    assert page.status == 302 and page.location.startswith(reverse("login"))


def test_two_desks_booking_one_slot_on_two_servers_book_it_once(servers, desks):
    a, b = servers
    clinician = make_user("clinician", CLINICIAN)
    patients = (make_patient(last_name="Rossi"), make_patient(last_name="Bianchi"))
    slot = tomorrow_at(10)
    data = {
        "purpose": VisitPurpose.CHECK,
        "clinician": clinician.pk,
        "date": slot.date().isoformat(),
        "time": "10:00",
        "duration_min": 20,
        "session": "",
    }
    plans = []
    for server, username, patient in zip(
        (a, b), ("desk1", "desk2"), patients, strict=True
    ):
        browser = Browser()
        assert browser.log_in(server, username).status == 302
        url = reverse("visits:create", args=[patient.code])
        plans.append((browser, server, url, browser.form_token(server, url)))

    replies: list[Reply | BaseException | None] = [None] * len(plans)
    start = threading.Barrier(len(plans))

    def book(n: int) -> None:
        browser, server, url, token = plans[n]
        try:
            start.wait(timeout=REQUEST_TIMEOUT_S)
            replies[n] = browser.post(server, url, data, token)
        except BaseException as error:  # reported below, on the test's thread
            replies[n] = error

    threads = [threading.Thread(target=book, args=(n,)) for n in range(len(plans))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * REQUEST_TIMEOUT_S)
    for reply in replies:
        if isinstance(reply, BaseException):
            raise reply
    done = [r for r in replies if isinstance(r, Reply)]
    assert len(done) == len(plans), replies
    assert sorted(r.status for r in done) == [200, 302], [r.status for r in done]

    refused = next(r for r in done if r.status == 200)
    assert "Dr Clinician already has a visit 10:00–10:20" in refused.body
    # On the time field (crispy's error under the input).
    assert re.search(
        r'id="error_\d+_id_time"[^>]*>\s*<strong>Dr Clinician', refused.body
    )
    booked = FollowUpVisit.objects.filter(clinician=clinician, starts_at=slot)
    assert booked.count() == 1
    assert booked.get().patient in patients

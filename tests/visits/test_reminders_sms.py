"""The SMS provider interface (core.sms) against a real local HTTP server."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import sms


@pytest.fixture
def provider():
    """A local HTTP server answering each POST with the next (status, body,
    headers) of `answers`; it records what it received."""
    state: dict = {"answers": [], "received": []}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server)
            length = int(self.headers.get("Content-Length", "0"))
            state["received"].append((self.path, self.rfile.read(length)))
            status, body, headers = state["answers"].pop(0)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):  # noqa: N802 (http.server)
            state["received"].append((self.path, b"GET"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state["url"] = f"http://127.0.0.1:{server.server_port}/send"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def backend(provider) -> sms.HttpBackend:
    return sms.HttpBackend(url=provider["url"], token="t0k", sender="Clinic", timeout=5)


def test_a_2xx_answer_returns_the_providers_id(provider):
    provider["answers"] = [(201, json.dumps({"message_id": "abc"}).encode(), {})]
    assert backend(provider).send("+393331234567", "Hello") == "abc"
    path, body = provider["received"][0]
    assert path == "/send"
    assert json.loads(body) == {
        "to": "+393331234567",
        "from": "Clinic",
        "text": "Hello",
    }


def test_an_answer_without_json_is_still_a_success(provider):
    provider["answers"] = [(200, b"OK", {})]
    assert backend(provider).send("+393331234567", "Hello") == ""


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_a_non_2xx_answer_raises(provider, status):
    provider["answers"] = [(status, b"{}", {})]
    with pytest.raises(sms.SmsError, match=f"HTTP {status}"):
        backend(provider).send("+393331234567", "Hello")


def test_a_redirect_is_an_error_not_a_get_without_the_message(provider):
    provider["answers"] = [(302, b"", {"Location": "/elsewhere"})]
    with pytest.raises(sms.SmsError, match="HTTP 302"):
        backend(provider).send("+393331234567", "Hello")
    assert [path for path, _ in provider["received"]] == ["/send"]


def test_the_backend_is_chosen_by_setting(settings):
    settings.SCLERO_SMS_BACKEND = "log"
    assert isinstance(sms.get_backend(), sms.LogBackend)
    settings.SCLERO_SMS_BACKEND = "http"
    settings.SCLERO_SMS_URL = "https://sms.example.org/v1"
    assert isinstance(sms.get_backend(), sms.HttpBackend)
    settings.SCLERO_SMS_URL = ""
    with pytest.raises(ImproperlyConfigured):
        sms.get_backend()
    settings.SCLERO_SMS_BACKEND = "carrier-pigeon"
    with pytest.raises(ImproperlyConfigured):
        sms.get_backend()


@pytest.mark.parametrize(
    ("number", "masked"),
    [("+393331234567", "+39…4567"), ("+3912", "…12"), ("", "…")],
)
def test_numbers_are_masked_in_the_log(number, masked):
    assert sms.mask_number(number) == masked

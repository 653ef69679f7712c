"""Text messages to patients through an SMS provider.

settings.SCLERO_SMS_BACKEND chooses how: "log" writes a line to the log and
sends nothing (development, a clinic without a provider); "http" posts the
message to the provider's HTTP API (SCLERO_SMS_URL, SCLERO_SMS_TOKEN,
SCLERO_SMS_SENDER, SCLERO_SMS_TIMEOUT). A backend raises SmsError when the
message did not go out; the caller decides whether to try again.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The provider did not take the message."""


def mask_number(number: str) -> str:
    """Return a phone number fit for a log line: country code and last 4 digits."""
    digits = number.strip()
    if len(digits) <= 7:
        return "…" + digits[-2:]
    return f"{digits[:3]}…{digits[-4:]}"


class SmsBackend:
    def send(self, to: str, text: str) -> str:
        """Send `text` to the E.164 number `to`; return the provider's message id."""
        raise NotImplementedError


class LogBackend(SmsBackend):
    """Writes that a message would go out (masked number, length), sends nothing.

    The text itself is not logged: it holds the visit's time and a link that
    confirms or cancels it.
    """

    def send(self, to: str, text: str) -> str:
        message_id = f"log-{uuid.uuid4().hex[:12]}"
        logger.info(
            "SMS to %s (%d characters), id %s", mask_number(to), len(text), message_id
        )
        return message_id


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without the message: treat it
    # as the error it is.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class HttpBackend(SmsBackend):
    """Posts {"to", "from", "text"} as JSON with a bearer token; any answer
    other than 2xx, or no answer within the timeout, raises SmsError."""

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        sender: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.url = url if url is not None else settings.SCLERO_SMS_URL
        self.token = token if token is not None else settings.SCLERO_SMS_TOKEN
        self.sender = sender if sender is not None else settings.SCLERO_SMS_SENDER
        self.timeout = timeout if timeout is not None else settings.SCLERO_SMS_TIMEOUT
        if not self.url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(
                "SCLERO_SMS_BACKEND is 'http' but SCLERO_SMS_URL is not an http(s) URL."
            )

    def send(self, to: str, text: str) -> str:
        body = json.dumps({"to": to, "from": self.sender, "text": text}).encode()
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
            },
        )
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=self.timeout) as response:
                status = response.status
                answer = response.read(64 * 1024)
        except urllib.error.HTTPError as error:
            raise SmsError(f"SMS provider answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(f"SMS provider not reachable: {reason}") from None
        if not 200 <= status < 300:
            raise SmsError(f"SMS provider answered HTTP {status}")
        return _message_id(answer)


def _message_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"{}")
    except ValueError:
        return ""
    if isinstance(data, dict):
        for key in ("id", "message_id", "messageId", "sid"):
            if data.get(key):
                return str(data[key])[:100]
    return ""


BACKENDS: dict[str, type[SmsBackend]] = {"log": LogBackend, "http": HttpBackend}


def get_backend() -> SmsBackend:
    """Return the backend settings.SCLERO_SMS_BACKEND names."""
    name = settings.SCLERO_SMS_BACKEND
    try:
        backend = BACKENDS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"SCLERO_SMS_BACKEND={name!r}: use one of {', '.join(BACKENDS)}."
        ) from None
    return backend()

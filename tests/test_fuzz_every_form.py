"""A bounded, deterministic fuzz over every form and filter of the site.

The URL resolver is walked (as tests/test_role_matrix.py does; the admin and
the login and logout pages left out), each URL built on the same fixture
records. As clinician, front desk and manager, each page is fetched; every
form it shows (GET filters and POST forms, with the values the page fills
in) is sent back with hostile values: each value in every field at once, then
a fixed-seed sample of single fields, a forged TOTAL_FORMS, and `next=`
values; each URL's query string gets the known filter keys too. No request
may end in a server error or an exception: the failures are gathered, one
per (URL name, field, cause), and listed together.
"""

from __future__ import annotations

import random
import traceback
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from clinics.models import Absence, Closure
from printing.dayjobs import day_sheets_job_start
from tests.conftest import (
    client_for,
    make_doppler,
    make_injection,
    make_lot,
    make_session,
    make_visit,
)
from tests.consent.conftest import make_consent
from tests.helpers import at, in_days, shipped_instrument
from tests.photos.factories import make_photo
from tests.test_no_server_errors import QUERY_KEYS, _Forms

HOSTILE = [
    "",
    "   ",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "1-1-1",
    "2026-02-30",
    "-1",
    "1e309",
    "NaN",
    "0,3",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202egnp.exe",
    "a\x00b",
    "99999999999999999999",
]
NEXT_VALUES = [
    "foo",
    "https://evil.example/",
    "//evil.example",
    "/\\evil",
    "javascript:alert(1)",
    "/patients/",
]
# Every field of a form at once: a value of each kind (the rest are drawn
# one field at a time), to keep the large Doppler and session forms cheap.
ALL_AT_ONCE = [
    "",
    "x" * 10_000,
    "0001-01-01",
    "9999-12-31",
    "2026-02-30",
    "1e309",
    "NaN",
    "<script>alert(1)</script>",
    "a\x00b",
    "99999999999999999999",
]
HUGE_TOTAL = ["100000", "-5", "1e9", "x"]
# Single-field substitutions per form, drawn with a fixed seed.
SAMPLED_PER_FORM = 15
SEED = 20261118

# Left out: the admin (Django's own), the login and logout pages (they end or
# start the session the fuzz runs in).
SKIPPED_NAMESPACES = {"admin"}
SKIPPED_NAMES = {"login", "logout"}


# The new session form filled with the last session's plan.
EXTRA_QUERIES = {"treatments:session-create": "?repeat=last"}


# URLs of a row by its number: the record, by the path's first part.
PK_ROUTES = {
    "sites": "site",
    "closures": "closure",
    "clinicians": "clinician",
    "absences": "absence",
}

# URLs with more than a record's code.
EXTRA_KWARGS = {
    "consent:sign": {"procedure": "liquid"},
    "consent:blank": {"procedure": "liquid"},
}


def _answer_token(records: dict[str, Any]) -> str:
    from visits.links import confirm_token

    return confirm_token(records["visit"])


def _feed_token(records: dict[str, Any]) -> str:
    from visits.views_feed import replace_feed_token

    return replace_feed_token(records["clinician"]).token


def _questionnaire_token(records: dict[str, Any]) -> str:
    from outcomes.links import invitation_token

    return invitation_token(records["invitation"])


# URLs opened by a secret token (a reminder's link, a calendar feed, a
# questionnaire invitation).
TOKEN_ROUTES = {
    "visits:answer": _answer_token,
    "visits:feed": _feed_token,
    "outcomes:answer": _questionnaire_token,
}


def _named(patterns, namespace: str = "", prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            yield from _named(
                pattern.url_patterns, inner, prefix + str(pattern.pattern)
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace + pattern.name, prefix + str(pattern.pattern)


def _urls(records: dict[str, Any]) -> list[tuple[str, str]]:
    """Every named URL of the site with its code taken from the records."""
    found = []
    for name, route in _named(get_resolver().url_patterns):
        if name in SKIPPED_NAMES:
            continue
        if "<" not in route:
            found.append((name, reverse(name)))
            continue
        if "<str:token>" in route:
            token = TOKEN_ROUTES[name](records)
            found.append((name, reverse(name, kwargs={"token": token})))
            continue
        if "<int:pk>" in route:
            owner = PK_ROUTES[route.split("/")[0]]
            pk = records[owner].pk
            found.append((name, reverse(name, kwargs={"pk": pk})))
            continue
        if "doppler/<" in route:
            code = records["doppler"].code
        elif "sessions/<" in route:
            code = records["session"].code
        elif "visits/<" in route:
            code = records["visit"].code
        elif route.startswith("lots/<"):
            code = records["lot"].code
        elif route.startswith("photos/<"):
            code = records["photo"].code
        elif route.startswith("questionnaires/<"):
            code = records["questionnaire"].code
        elif route.startswith("consent-texts/<"):
            code = records["consent"].text.code
        elif route.startswith("consents/<"):
            code = records["consent"].code
        elif route.startswith("aftercare/day/jobs/<"):
            code = records["day_sheets_job"].code
        elif route.startswith("referring-doctors/<"):
            code = records["referring_doctor"].code
        elif "patients/<" in route:
            code = records["patient"].code
        else:
            raise AssertionError(f"no record for {name} ({route}): add one")
        kwargs = {"code": code, **EXTRA_KWARGS.get(name, {})}
        found.append((name, reverse(name, kwargs=kwargs)))
    # A page again with a query of its own (its form is then fuzzed too).
    found += [
        (name + query, url + query)
        for name, url in list(found)
        if (query := EXTRA_QUERIES.get(name))
    ]
    return found


def _questionnaire_records(patient: Any) -> dict[str, Any]:
    from outcomes.services import record_response
    from tests.outcomes.conftest import full_answers, make_invitation

    instrument = shipped_instrument()
    return {
        "questionnaire": record_response(
            patient=patient,
            instrument=instrument,
            answers=full_answers(instrument),
            source="paper",
            language="en",
            timepoint="visit",
        ),
        "invitation": make_invitation(patient, instrument),
    }


@pytest.fixture
def records(patient, clinician):
    doppler = make_doppler(patient, clinician)
    session = make_session(patient, clinician, doppler=doppler)
    lot = make_lot()
    make_injection(session, lot=lot)
    visit = make_visit(patient, clinician, session=session)
    return {
        "lot": lot,
        "patient": patient,
        "doppler": doppler,
        "session": session,
        "visit": visit,
        "photo": make_photo(session, clinician),
        "consent": make_consent(patient, clinician),
        **_questionnaire_records(patient),
        "site": session.site,
        "clinician": clinician,
        "closure": Closure.objects.create(
            site=session.site,
            first_day=in_days(40),
            last_day=in_days(41),
            reason="Holiday",
        ),
        "absence": Absence.objects.create(
            clinician=clinician, starts_at=at(40, 8), ends_at=at(41, 20)
        ),
        "day_sheets_job": day_sheets_job_start(
            day=timezone.localdate(session.performed_at), user=clinician
        ),
        "referring_doctor": _referring_doctor(patient),
    }


def _referring_doctor(patient: Any) -> Any:
    from patients.models import ReferringDoctor

    doctor = ReferringDoctor.objects.create(name="Dott. Fuzz", practice="Studio")
    patient.referring_doctor = doctor
    patient.save(update_fields=["referring_doctor"])
    return doctor


class _Fuzz:
    def __init__(self, client: Client) -> None:
        self.client = client
        self.failures: dict[tuple[str, str, str], str] = {}
        self.sent = 0

    def send(self, name: str, field: str, method: str, url: str, data) -> Any:
        self.sent += 1
        try:
            response = getattr(self.client, method)(url, data)
        except Exception as error:  # noqa: BLE001 - every cause is listed
            where = traceback.extract_tb(error.__traceback__)[-1]
            cause = f"{type(error).__name__} at {where.filename}:{where.lineno}"
            self.failures.setdefault((name, field, cause), repr(data)[:200])
            return None
        if response.status_code >= 500:
            cause = f"status {response.status_code}"
            self.failures.setdefault((name, field, cause), repr(data)[:200])
        return response


def _forms(url: str, response) -> list[dict]:
    if response is None or response.status_code != 200:
        return []
    if "html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode())
    found = []
    for form in parser.forms:
        target = urlsplit(form["action"]).path or url
        if not target.startswith("/") or target.startswith(("/admin/", "/logout")):
            continue
        values = dict(form["values"])
        found.append({**form, "url": target, "values": values})
    return found


@pytest.mark.parametrize("role", ["clinician", "frontdesk", "manager"])
def test_every_form_and_filter_survives_hostile_values(request, records, role):
    user = request.getfixturevalue(role)
    fuzz = _Fuzz(client_for(user))
    rng = random.Random(SEED)
    for name, url in _urls(records):
        page = fuzz.send(name, "page", "get", url, {})
        html = page is not None and "html" in page.get("Content-Type", "")
        # A PDF, ICS or CSV costs far more than a page: a few values only.
        values = HOSTILE if html else HOSTILE[2:6]
        for value in values:
            fuzz.send(name, "query", "get", url, dict.fromkeys(QUERY_KEYS, value))
        for value in NEXT_VALUES if html else NEXT_VALUES[:1]:
            fuzz.send(name, "next", "get", url, {"next": value})
        for form in _forms(url, page):
            method = "post" if form["method"] == "post" else "get"
            base = dict(form["values"])
            names = sorted(form["names"] - {"csrfmiddlewaretoken"})
            if method == "post":
                # POST-only actions show no field for these; send them too.
                for extra in ("reason", "note", "version", "next"):
                    if extra not in names:
                        names.append(extra)
            for value in ALL_AT_ONCE:
                data = {**base, **dict.fromkeys(names, value)}
                fuzz.send(name, "*", method, form["url"], data)
            pairs = [(field, value) for field in names for value in HOSTILE]
            for field, value in rng.sample(pairs, min(SAMPLED_PER_FORM, len(pairs))):
                fuzz.send(name, field, method, form["url"], {**base, field: value})
            totals = [n for n in names if n.endswith("-TOTAL_FORMS")]
            for field in totals:
                for value in HUGE_TOTAL:
                    fuzz.send(name, field, method, form["url"], {**base, field: value})
            if method == "post":
                for value in NEXT_VALUES[:4]:
                    fuzz.send(
                        name, "next", method, form["url"], {**base, "next": value}
                    )
    listing = "\n".join(
        f"{n} [{f}] {cause}: {data}" for (n, f, cause), data in fuzz.failures.items()
    )
    assert not fuzz.failures, f"{len(fuzz.failures)} failures:\n{listing}"
    assert fuzz.sent > 800

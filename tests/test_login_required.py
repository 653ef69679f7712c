"""Every page of the application needs a login."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Opened without a login by a secret in the address: a reminder's link (the
# patient's answer page) and a clinician's calendar feed (a calendar app).
PUBLIC = {"login", "visits:answer", "visits:feed", "outcomes:answer"}


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}{p.namespace}:"
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), f"{namespace}{p.name}" if p.name else None


def _app_paths():
    for route, name in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or name in PUBLIC or name == "home":
            continue
        if "<" in route:
            route = (
                route.replace("<uuid:code>", str(uuid.uuid4()))
                .replace("<int:year>", "2026")
                .replace("<int:month>", "11")
                .replace("<int:day>", "24")
                .replace("<slug:procedure>", "liquid")
                .replace("<int:pk>", "1")
            )
            if "<" in route:
                route = route.split("<")[0]
        yield "/" + route.lstrip("^").rstrip("$")


@pytest.mark.django_db
def test_every_application_url_redirects_anonymous_users_to_login(client):
    paths = sorted(set(_app_paths()))
    assert paths, "no application URLs found"
    for path in paths:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/login/"), path


@pytest.mark.django_db
def test_admin_needs_a_staff_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_login_page_is_public_and_logs_in(client, clinician):
    assert client.get("/login/").status_code == 200
    response = client.post(
        "/login/", {"username": "clinician", "password": "pw-for-tests"}
    )
    assert response.status_code == 302
    assert client.get("/patients/").status_code == 200

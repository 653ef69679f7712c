"""core.urls_safe: which `next` values a redirect may follow."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core.urls_safe import redirect_next, safe_next


@pytest.mark.parametrize(
    "target",
    [
        "",
        "foo",
        "home",
        "patients:list",
        "https://evil.example/",
        "http://testserver/patients/",
        "//evil.example",
        "/\\evil.example",
        "\\/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,x",
        "/patients/\x00",
        "/patients/\r\nSet-Cookie: x=1",
        "/" + "a" * 3000,
    ],
)
def test_an_unsafe_next_gives_the_default(rf: RequestFactory, target):
    assert safe_next(rf.get("/", {"next": target}), "/default/") == "/default/"
    assert safe_next(rf.post("/", {"next": target}), "/default/") == "/default/"


@pytest.mark.parametrize("target", ["/", "/patients/", "/agenda/?date=2026-11-18"])
def test_a_path_of_the_site_is_kept(rf: RequestFactory, target):
    assert safe_next(rf.get("/", {"next": target}), "/default/") == target


def test_the_posted_next_comes_before_the_query_string(rf: RequestFactory):
    request = rf.post("/?next=/from-get/", {"next": "/from-post/"})
    assert safe_next(request, "/default/") == "/from-post/"


def test_redirect_next_never_resolves_a_view_name(rf: RequestFactory):
    response = redirect_next(rf.get("/", {"next": "home"}), "/default/")
    assert response.status_code == 302
    assert response["Location"] == "/default/"

"""Users change their own password; the password policy."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.helpers import login

CHANGE = reverse("account:password-change")
NEW = "violet-harbour-lantern"


def test_the_account_menu_links_the_password_page(frontdesk_client):
    html = frontdesk_client.get(reverse("patients:list")).content.decode()

    assert f'href="{CHANGE}"' in html
    assert f'href="{reverse("account:two-factor")}"' in html


def test_a_user_changes_their_own_password(clinician):
    client = Client()
    login(client, "clinician", PASSWORD)
    assert client.get(CHANGE).status_code == 200

    response = client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )

    assert response.url == reverse("account:password-change-done")
    # Still logged in on this device.
    assert client.get(reverse("patients:list")).status_code == 200
    clinician.refresh_from_db()
    assert clinician.check_password(NEW)
    assert login(Client(), "clinician", NEW).status_code == 302


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw1", "at least 12 characters"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
        ("clinician2026", "too similar"),
    ],
)
def test_a_weak_password_is_refused_with_a_field_message(
    clinician_client, clinician, password, message
):
    response = clinician_client.post(
        CHANGE,
        {
            "old_password": PASSWORD,
            "new_password1": password,
            "new_password2": password,
        },
    )

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors["new_password2"])
    assert message in errors
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD)


def test_a_wrong_old_password_is_refused_on_its_field(clinician_client):
    response = clinician_client.post(
        CHANGE, {"old_password": "nope", "new_password1": NEW, "new_password2": NEW}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]


def test_the_policy_asks_for_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("elevenchars")
    validate_password(NEW)

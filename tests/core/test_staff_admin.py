"""Staff accounts in the admin: a manager creates, sets a role, deactivates and
sends a password-set link; never superuser, permissions or a password."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail

from core.roles import CLINICIAN, FRONT_DESK, MANAGER, role_of
from tests.conftest import PASSWORD, client_for

User = get_user_model()

LIST = "/admin/auth/user/"
ADD = "/admin/auth/user/add/"


def change_url(user) -> str:
    return f"/admin/auth/user/{user.pk}/change/"


def staff_post(user, **overrides) -> dict:
    """The manager's change form as the page posts it."""
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": role_of(user) or CLINICIAN,
        "is_active": "on" if user.is_active else "",
        "_save": "Save",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value != ""}


@pytest.fixture
def superuser(roles):
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def superuser_client(superuser):
    return client_for(superuser)


def test_manager_change_page_has_only_the_staff_fields(manager_client, clinician):
    response = manager_client.get(change_url(clinician))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert set(form.fields) == {
        "username",
        "first_name",
        "last_name",
        "email",
        "is_active",
        "role",
    }
    assert form.initial["role"] == CLINICIAN
    html = response.content.decode()
    for name in ("is_superuser", "is_staff", "user_permissions", "groups", "password"):
        assert f'name="{name}"' not in html, name
    assert "../password/" not in html
    assert "deletelink" not in html


def test_manager_cannot_raise_anyone_to_superuser_or_grant_permissions(
    manager_client, clinician
):
    perm = Permission.objects.get(codename="delete_user")
    response = manager_client.post(
        change_url(clinician),
        staff_post(
            clinician,
            is_superuser="on",
            is_staff="on",
            user_permissions=[perm.pk],
            groups=[Group.objects.get(name=MANAGER).pk],
            password="md5$x$y",
        ),
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert not clinician.is_superuser
    assert not clinician.is_staff
    assert not clinician.user_permissions.exists()
    assert list(clinician.groups.values_list("name", flat=True)) == [CLINICIAN]
    assert clinician.check_password(PASSWORD)


def test_manager_cannot_open_another_users_password_page(manager_client, clinician):
    url = f"/admin/auth/user/{clinician.pk}/password/"
    assert manager_client.get(url).status_code == 403
    response = manager_client.post(
        url, {"password1": "n3w-Secret-pw!", "password2": "n3w-Secret-pw!"}
    )
    assert response.status_code == 403
    clinician.refresh_from_db()
    assert clinician.check_password(PASSWORD)


def test_manager_creates_a_front_desk_account_without_password(manager_client, roles):
    page = manager_client.get(ADD)
    assert page.status_code == 200
    assert set(page.context["adminform"].form.fields) == {
        "username",
        "first_name",
        "last_name",
        "email",
        "role",
    }
    response = manager_client.post(
        ADD,
        {
            "username": "reception2",
            "first_name": "Anna",
            "last_name": "Bruni",
            "email": "anna@example.org",
            "role": FRONT_DESK,
            "is_superuser": "on",
            "password1": "n3w-Secret-pw!",
            "password2": "n3w-Secret-pw!",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="reception2")
    assert list(user.groups.values_list("name", flat=True)) == [FRONT_DESK]
    assert not user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert user.is_active


def test_a_new_manager_gets_staff_and_a_role_change_moves_the_group(
    manager_client, clinician
):
    response = manager_client.post(
        change_url(clinician), staff_post(clinician, role=MANAGER)
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.is_staff
    assert list(clinician.groups.values_list("name", flat=True)) == [MANAGER]
    manager_client.post(change_url(clinician), staff_post(clinician, role=FRONT_DESK))
    clinician.refresh_from_db()
    assert not clinician.is_staff
    assert list(clinician.groups.values_list("name", flat=True)) == [FRONT_DESK]


def test_manager_deactivates_an_account(manager_client, clinician):
    response = manager_client.post(
        change_url(clinician), staff_post(clinician, is_active="")
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert not clinician.is_active


def test_deactivate_action_skips_oneself_and_superusers(
    manager_client, manager, clinician, frontdesk, superuser
):
    response = manager_client.post(
        LIST,
        {
            "action": "deactivate",
            "_selected_action": [clinician.pk, frontdesk.pk, manager.pk, superuser.pk],
        },
    )
    assert response.status_code == 302
    active = dict(User.objects.values_list("username", "is_active"))
    assert active == {
        "clinician": False,
        "frontdesk": False,
        "manager": True,
        "root": True,
    }


def test_manager_cannot_deactivate_or_demote_themselves(manager_client, manager):
    for overrides in ({"is_active": ""}, {"role": CLINICIAN}):
        response = manager_client.post(
            change_url(manager), staff_post(manager, **overrides)
        )
        assert response.status_code == 200  # the form again, with the error
    manager.refresh_from_db()
    assert manager.is_active and manager.is_staff
    assert role_of(manager) == MANAGER


def test_manager_cannot_redirect_the_email_of_an_account_in_use(
    manager_client, clinician
):
    clinician.email = "clinician@example.org"
    clinician.save()
    response = manager_client.post(
        change_url(clinician), staff_post(clinician, email="me@evil.example")
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.email == "clinician@example.org"


def test_no_delete_for_anyone(manager_client, superuser_client, clinician):
    url = f"/admin/auth/user/{clinician.pk}/delete/"
    for client in (manager_client, superuser_client):
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
        changelist = client.get(LIST)
        assert "delete_selected" not in changelist.content.decode()
    assert User.objects.filter(pk=clinician.pk).exists()


def test_manager_cannot_open_or_change_a_superuser(manager_client, superuser):
    assert manager_client.get(change_url(superuser)).status_code == 403
    response = manager_client.post(
        change_url(superuser), staff_post(superuser, is_active="")
    )
    assert response.status_code == 403
    assert (
        manager_client.get(f"/admin/auth/user/{superuser.pk}/password/").status_code
        == 403
    )
    superuser.refresh_from_db()
    assert superuser.is_active


def test_manager_sees_groups_but_cannot_change_them(manager_client, roles):
    group = roles[FRONT_DESK]
    perms = group.permissions.count()
    url = f"/admin/auth/group/{group.pk}/change/"
    assert manager_client.get(url).status_code == 200
    response = manager_client.post(url, {"name": "front desk", "permissions": []})
    assert response.status_code == 403
    assert manager_client.get("/admin/auth/group/add/").status_code == 403
    assert group.permissions.count() == perms


def test_superuser_still_has_the_full_user_admin(superuser_client, clinician):
    response = superuser_client.get(change_url(clinician))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("is_superuser", "is_staff", "user_permissions", "groups"):
        assert f'name="{name}"' in html, name
    assert "../password/" in html
    url = f"/admin/auth/user/{clinician.pk}/password/"
    assert superuser_client.get(url).status_code == 200
    response = superuser_client.post(
        url,
        {
            "password1": "n3w-Secret-pw!",
            "password2": "n3w-Secret-pw!",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password("n3w-Secret-pw!")
    assert (
        superuser_client.get(
            f"/admin/auth/group/{clinician.groups.get().pk}/change/"
        ).status_code
        == 200
    )


def test_password_set_link_is_emailed_and_sets_the_password(
    manager_client, manager, clinician, client
):
    clinician.email = "clinician@example.org"
    clinician.set_unusable_password()
    clinician.save()
    response = manager_client.post(
        LIST,
        {"action": "send_password_set_link", "_selected_action": [clinician.pk]},
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["clinician@example.org"]
    link = re.search(
        r"https?://testserver(/admin/auth/user/password-set/\S+/)", message.body
    )
    assert link, message.body
    assert manager.email not in message.to

    # The person opens the link without being logged in and sets a password.
    response = client.get(link.group(1))
    assert response.status_code == 302
    form_url = response["Location"]
    response = client.post(
        form_url,
        {"new_password1": "Vene-safene-42", "new_password2": "Vene-safene-42"},
    )
    assert response.status_code == 302
    clinician.refresh_from_db()
    assert clinician.check_password("Vene-safene-42")
    assert client.get(response["Location"]).status_code == 200
    # The link works once.
    response = client.get(link.group(1))
    assert response.status_code == 200
    assert response.context["validlink"] is False


def test_password_set_link_skips_accounts_without_email_and_superusers(
    manager_client, clinician, superuser
):
    clinician.email = ""
    clinician.save()
    manager_client.post(
        LIST,
        {
            "action": "send_password_set_link",
            "_selected_action": [clinician.pk, superuser.pk],
        },
    )
    assert mail.outbox == []


def test_no_web_page_makes_a_superuser(manager_client, roles):
    manager_client.post(
        ADD,
        {
            "username": "sneaky",
            "email": "s@example.org",
            "role": MANAGER,
            "is_superuser": "on",
            "_save": "Save",
        },
    )
    assert not User.objects.filter(is_superuser=True).exists()
    assert User.objects.get(username="sneaky").is_staff

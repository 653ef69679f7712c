"""A user's groups and permissions come from one plain-SQL query per request
(core.backends.load_access), and say exactly what Django's ModelBackend says."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from core.backends import group_names, load_access
from core.roles import CLINICIAN, FRONT_DESK, MANAGER
from tests.conftest import make_user


def _fresh(user):
    """The user as the next request loads it: nothing read yet."""
    return get_user_model().objects.get(pk=user.pk)


def _model_backend_view(user) -> tuple[set[str], set[str]]:
    plain = get_user_model().objects.get(pk=user.pk)
    backend = ModelBackend()
    return backend.get_user_permissions(plain), backend.get_group_permissions(plain)


@pytest.mark.django_db
def test_groups_own_and_group_permissions_in_one_query(django_assert_num_queries):
    user = make_user("lucia", CLINICIAN)
    empty = Group.objects.create(name="No permissions yet")
    user.groups.add(empty)
    user.user_permissions.add(Permission.objects.get(codename="view_audit_trail"))
    user = _fresh(user)
    with django_assert_num_queries(1):
        load_access(user)
        assert group_names(user) == {CLINICIAN, "No permissions yet"}
        assert user.has_perm("treatments.add_treatmentsession")
        assert user.has_perm("patients.view_audit_trail")
        assert not user.has_perm("patients.merge_patient")
        assert [group.name for group in user.groups.all()] == sorted(
            [CLINICIAN, "No permissions yet"]
        )
    own, of_groups = _model_backend_view(user)
    assert user.get_user_permissions() == own
    assert user.get_group_permissions() == of_groups
    assert "patients.view_audit_trail" in own
    assert "patients.view_audit_trail" not in of_groups


@pytest.mark.django_db
def test_a_changed_role_counts_from_the_next_request():
    user = make_user("paolo", CLINICIAN)
    assert _fresh(user).has_perm("treatments.add_treatmentsession")
    user.groups.clear()
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    again = _fresh(user)
    assert group_names(again) == {FRONT_DESK}
    assert not again.has_perm("treatments.add_treatmentsession")
    user.groups.clear()
    bare = _fresh(user)
    assert group_names(bare) == frozenset()
    assert bare.get_all_permissions() == set()


@pytest.mark.django_db
def test_an_inactive_user_has_none_and_a_superuser_every_permission():
    manager = make_user("marta", MANAGER)
    manager.is_active = False
    manager.save()
    inactive = _fresh(manager)
    assert group_names(inactive) == {MANAGER}
    assert inactive.get_all_permissions() == set()
    boss = get_user_model().objects.create_superuser("root", password="x-x-x-x-x1")
    boss = _fresh(boss)
    assert boss.has_perm("patients.merge_patient")
    assert group_names(boss) == frozenset()

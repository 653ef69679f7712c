"""The admin for the manager, and the role groups with their permissions."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from core.models import Letterhead
from core.roles import ROLE_PERMISSIONS, setup_roles
from patients.models import Patient
from treatments.models import TreatmentSession


def test_manager_manages_staff_accounts_and_letterhead_in_admin(manager_client):
    assert manager_client.get("/admin/auth/user/").status_code == 200
    assert manager_client.get("/admin/core/letterhead/").status_code == 200


def test_admin_offers_no_delete_for_clinical_records(db):
    from django.contrib import admin
    from django.test import RequestFactory

    superuser = get_user_model().objects.create_superuser("root", password="x")
    request = RequestFactory().get("/admin/")
    request.user = superuser
    for model in (Patient, TreatmentSession, Letterhead):
        assert admin.site._registry[model].has_delete_permission(request) is False


def test_roles_are_idempotent_and_complete(db):
    first = setup_roles()
    second = setup_roles()
    for name, perms in ROLE_PERMISSIONS.items():
        assert first[name].pk == second[name].pk
        assert second[name].permissions.count() == len(perms)


def test_front_desk_has_no_clinical_write_permission(frontdesk):
    for perm in (
        "patients.change_medical_history",
        "doppler.add_dopplerassessment",
        "treatments.add_treatmentsession",
        "treatments.change_treatmentsession",
        "visits.record_outcome",
    ):
        assert not frontdesk.has_perm(perm), perm

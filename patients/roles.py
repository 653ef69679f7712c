"""The clinic's roles as Django groups with permissions.

Front desk sees demographics, the schedule and the timeline's headlines and can
print aftercare sheets, but cannot create or change clinical records.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

CLINICIAN = "clinician"
FRONT_DESK = "front desk"
MANAGER = "manager"

_CLINICAL = [
    "patients.view_patient",
    "patients.add_patient",
    "patients.change_patient",
    "patients.change_medical_history",
    "patients.view_dopplerassessment",
    "patients.add_dopplerassessment",
    "patients.change_dopplerassessment",
    "treatments.view_treatmentsession",
    "treatments.add_treatmentsession",
    "treatments.change_treatmentsession",
    "treatments.void_treatmentsession",
    "treatments.override_limit",
    "treatments.view_followupvisit",
    "treatments.add_followupvisit",
    "treatments.change_followupvisit",
    "treatments.record_outcome",
    "treatments.print_aftercare",
    "treatments.view_statistics",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CLINICIAN: _CLINICAL,
    FRONT_DESK: [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.archive_patient",
        "treatments.view_treatmentsession",
        "treatments.view_followupvisit",
        "treatments.add_followupvisit",
        "treatments.change_followupvisit",
        "treatments.print_aftercare",
    ],
    MANAGER: [
        "patients.view_patient",
        "patients.archive_patient",
        "patients.view_audit_trail",
        "patients.view_dopplerassessment",
        "treatments.view_treatmentsession",
        "treatments.view_followupvisit",
        "treatments.print_aftercare",
        "treatments.view_statistics",
        "treatments.view_letterhead",
        "treatments.change_letterhead",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
    ],
}


def setup_roles() -> dict[str, Group]:
    """Create or update the three groups; return them by name."""
    groups = {}
    for name, perm_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = []
        for perm_name in perm_names:
            app_label, codename = perm_name.split(".")
            perms.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(perms)
        groups[name] = group
    return groups

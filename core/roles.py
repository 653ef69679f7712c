"""The clinic's roles as Django groups with permissions.

Front desk sees demographics, the schedule and the timeline's headlines and can
print aftercare sheets, but cannot create or change clinical records.

The groups are brought in line with ROLE_PERMISSIONS after every `migrate`
(a post_migrate hook, see core.apps); `manage.py setup_roles` does the same
by hand.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.backends import forget_access, group_names, in_group
from core.prepared import PreparedQuery

CLINICIAN = "clinician"
FRONT_DESK = "front desk"
MANAGER = "manager"
# Every account has one of these roles (the staff admin sets it, see
# core.admin_users).
ROLES = (CLINICIAN, FRONT_DESK, MANAGER)

_CLINICAL = [
    "patients.view_patient",
    "patients.add_patient",
    "patients.change_patient",
    "patients.change_medical_history",
    # The referring doctors' directory (a letter goes to the doctor).
    "patients.view_referringdoctor",
    "patients.add_referringdoctor",
    "patients.change_referringdoctor",
    "doppler.view_dopplerassessment",
    "doppler.add_dopplerassessment",
    "doppler.change_dopplerassessment",
    "doppler.sign_dopplerassessment",
    "doppler.add_doppleraddendum",
    "treatments.view_treatmentsession",
    "treatments.add_treatmentsession",
    "treatments.change_treatmentsession",
    "treatments.void_treatmentsession",
    "treatments.sign_treatmentsession",
    "treatments.add_sessionaddendum",
    "treatments.override_limit",
    "visits.view_followupvisit",
    "visits.add_followupvisit",
    "visits.change_followupvisit",
    "visits.record_outcome",
    "treatments.print_aftercare",
    "treatments.view_statistics",
    "treatments.view_sclerosantlot",
    "consent.view_consenttext",
    "consent.view_signedconsent",
    "consent.add_signedconsent",
    "consent.sign_on_tablet",
    "consent.change_signedconsent",
    "photos.view_clinicalphoto",
    "photos.add_clinicalphoto",
    "photos.void_clinicalphoto",
    # Questionnaires: filled on the tablet or entered from paper; void = change.
    "outcomes.view_questionnaireresponse",
    "outcomes.add_questionnaireresponse",
    "outcomes.change_questionnaireresponse",
    "clinics.view_site",
    "clinics.view_absence",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    CLINICIAN: _CLINICAL,
    FRONT_DESK: [
        "patients.view_patient",
        "patients.add_patient",
        "patients.change_patient",
        "patients.archive_patient",
        # Front desk registers patients, and their referring doctor with them.
        "patients.view_referringdoctor",
        "patients.add_referringdoctor",
        "patients.change_referringdoctor",
        "treatments.view_treatmentsession",
        "visits.view_followupvisit",
        "visits.add_followupvisit",
        "visits.change_followupvisit",
        "treatments.print_aftercare",
        # A paper consent form the patient signed at the desk may be scanned
        # in; the list shows front desk the procedure and date, not the file.
        "consent.add_signedconsent",
        # The patient fills a questionnaire on the tablet at the desk; front
        # desk starts it and enters paper ones, and sees no scores.
        "outcomes.add_questionnaireresponse",
        # Sites' hours and closures, and who is away, to book around them.
        "clinics.view_site",
        "clinics.view_absence",
    ],
    MANAGER: [
        "patients.view_patient",
        "patients.archive_patient",
        "patients.view_audit_trail",
        "patients.merge_patient",
        "patients.export_patient",
        "patients.view_referringdoctor",
        "patients.add_referringdoctor",
        "patients.change_referringdoctor",
        "doppler.view_dopplerassessment",
        "treatments.view_treatmentsession",
        "visits.view_followupvisit",
        # Book outside opening or working hours, on a closure or during an
        # absence, with a reason (a front-desk lead gets it individually).
        "visits.override_availability",
        "treatments.print_aftercare",
        "treatments.view_statistics",
        "treatments.view_sclerosantlot",
        "treatments.manage_lots",
        "photos.view_clinicalphoto",
        # Questionnaires: the responses, and the instruments as data (admin).
        "outcomes.view_questionnaireresponse",
        "outcomes.view_instrument",
        "outcomes.add_instrument",
        "outcomes.change_instrument",
        "outcomes.view_instrumentitem",
        "outcomes.add_instrumentitem",
        "outcomes.change_instrumentitem",
        "core.view_letterhead",
        "core.change_letterhead",
        "auth.view_user",
        "auth.add_user",
        "auth.change_user",
        "auth.view_group",
        "accesslog.view_accessevent",
        "consent.view_consenttext",
        "consent.manage_consenttext",
        "consent.view_signedconsent",
        "consent.add_signedconsent",
        "consent.sign_on_tablet",
        "consent.change_signedconsent",
        # Sites, their hours, closures and staff; working hours; absences.
        "clinics.view_site",
        "clinics.add_site",
        "clinics.change_site",
        "clinics.add_closure",
        "clinics.delete_closure",
        "clinics.view_sitemembership",
        "clinics.add_sitemembership",
        "clinics.delete_sitemembership",
        "clinics.view_workinghours",
        "clinics.change_workinghours",
        "clinics.view_absence",
        "clinics.add_absence",
    ],
}


def setup_roles() -> dict[str, Group]:
    """Create or update the three groups; return them by name."""
    wanted = {name for names in ROLE_PERMISSIONS.values() for name in names}
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.select_related("content_type").filter(
            codename__in={name.split(".")[1] for name in wanted}
        )
    }
    missing = sorted(wanted - found.keys())
    if missing:
        raise LookupError(f"Permissions not found: {', '.join(missing)}")
    groups = {}
    for name, perm_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.set([found[perm_name] for perm_name in perm_names])
        groups[name] = group
    return groups


def setup_roles_after_migrate(sender: Any, **kwargs: Any) -> None:
    """post_migrate hook: set the groups up once every app's permissions exist.

    post_migrate fires once per app; only the last app's signal, sent after
    every other app created its permissions, applies the roles.
    """
    from django.apps import apps

    if sender.label != list(apps.get_app_configs())[-1].label:
        return
    setup_roles()


def clinicians(*, including: Any = None) -> QuerySet:
    """Return the active users of the clinician group, by name.

    `including` adds users who are not (or no longer) active clinicians: a
    user, or a queryset of user ids (the examiner of a record being edited,
    anyone who treated in a reporting period).
    """
    condition = Q(groups__name=CLINICIAN, is_active=True)
    if isinstance(including, QuerySet):
        condition |= Q(pk__in=including)
    elif including is not None:
        condition |= Q(pk=including.pk)
    return (
        get_user_model()
        .objects.filter(condition)
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


# The agendas and the booking form read it at each request: built and
# compiled once (core.prepared).
_ACTIVE_CLINICIANS = PreparedQuery(lambda: clinicians())


def active_clinicians() -> list:
    """`clinicians()` read: the active clinicians, by name."""
    return _ACTIVE_CLINICIANS()


def role_of(user: Any) -> str | None:
    """Return the user's role (the first of ROLES whose group they are in)."""
    names = group_names(user)
    return next((role for role in ROLES if role in names), None)


def set_role(user: Any, role: str) -> None:
    """Put the user in the group of `role` and in no other role's group."""
    user.groups.remove(*Group.objects.filter(name__in=ROLES).exclude(name=role))
    user.groups.add(Group.objects.get(name=role))
    forget_access(user)


# The headlines-only rule, decided here for every page, fragment, PDF, CSV
# and export: front desk lacks this permission, clinicians and the manager
# have it. Without it a user sees who, when, what kind of record and its
# status, never findings, agents, concentrations, volumes, doses, limits,
# override reasons, reactions or outcomes (clearance, adverse events,
# satisfaction, plan, outcome notes).
CLINICAL_DETAIL_PERM = "doppler.view_dopplerassessment"


def sees_clinical_detail(user: Any) -> bool:
    """Return True if `user` may see clinical detail, not only headlines."""
    return bool(
        user is not None and user.is_active and user.has_perm(CLINICAL_DETAIL_PERM)
    )


def is_clinician(user: Any) -> bool:
    return bool(user is not None and user.is_active and in_group(user, CLINICIAN))


def clinician_label(user: Any) -> str:
    """Return "Dr Rossi" (last name, else first name, else username)."""
    name = user.last_name or user.first_name or user.username
    return _("Dr %(name)s") % {"name": name}

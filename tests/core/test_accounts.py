"""Accounts named by the records are deactivated, never deleted (core.accounts)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from core import roles
from core.roles import CLINICIAN
from tests.conftest import PASSWORD, make_doppler, make_session, make_user, make_visit
from treatments.models import TreatmentSession

pytestmark = pytest.mark.django_db

User = get_user_model()


def _refused_delete(target):
    """Delete `target` (a user or a queryset), expecting the refusal.

    The delete runs in Django's own atomic block (without a savepoint), so
    the test wraps it in one to go on querying after the refusal.
    """
    with pytest.raises(ProtectedError) as refused, transaction.atomic():
        target.delete()
    return refused.value


def _history_authors(session: TreatmentSession) -> list[str | None]:
    return [
        row.history_user.username if row.history_user else None
        for row in session.history.order_by("history_id")
    ]


def test_deleting_the_author_of_a_history_row_is_refused(patient, clinician, colleague):
    session = make_session(patient, clinician)
    session._history_user = colleague
    session.save()

    refused = _refused_delete(colleague)
    assert "deactivate it instead" in str(refused.args[0])

    assert User.objects.filter(pk=colleague.pk).exists()
    assert _history_authors(session)[-1] == "colleague"


def test_deleting_who_treated_or_examined_is_refused(patient, clinician, colleague):
    make_session(patient, clinician)
    make_doppler(patient, colleague)
    for user in (clinician, colleague):
        _refused_delete(user)
    # A queryset delete goes through the same hook.
    _refused_delete(User.objects.filter(pk__in=[clinician.pk, colleague.pk]))
    assert User.objects.filter(pk__in=[clinician.pk, colleague.pk]).count() == 2


def test_the_message_names_the_account_and_what_names_it(patient, clinician, frontdesk):
    # Front desk booked the visit: named only by its history.
    visit = make_visit(patient, clinician)
    visit._history_user = frontdesk
    visit.save()
    refused = _refused_delete(frontdesk)
    message = str(refused.args[0])
    assert "frontdesk" in message
    assert "historical follow-up visit" in message.lower()
    assert refused.protected_objects


def test_an_account_no_record_names_can_be_deleted(roles):
    # Made by mistake and never used: nothing to keep.
    typo = make_user("typo", CLINICIAN)
    typo.delete()
    assert not User.objects.filter(username="typo").exists()


def test_a_deactivated_account_cannot_log_in(clinician):
    clinician.is_active = False
    clinician.save()
    client = Client()
    response = client.post(
        reverse("login"), {"username": "clinician", "password": PASSWORD}
    )
    assert response.status_code == 200  # the form again, with its error
    assert response.context["form"].errors
    assert client.get(reverse("patients:list")).status_code == 302


def test_a_deactivated_account_logged_in_is_logged_out(clinician, clinician_client):
    clinician.is_active = False
    clinician.save()
    response = clinician_client.get(reverse("patients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


@pytest.mark.date_dependent
def test_a_deactivated_account_keeps_its_name_on_history_and_timeline(
    patient, clinician, colleague, manager_client
):
    session = make_session(patient, colleague, created_by=colleague)
    session._history_user = colleague
    session.save()
    colleague.is_active = False
    colleague.save()

    html = manager_client.get(session.get_absolute_url()).content.decode()
    assert "Last changed by Colleague" in html
    timeline = manager_client.get(reverse("records:patient", args=[patient.code]))
    assert "Colleague" in timeline.content.decode()
    trail = manager_client.get(reverse("records:history", args=[patient.code]))
    assert "Colleague" in trail.content.decode()
    assert _history_authors(session)[-1] == "colleague"


def test_a_deactivated_clinician_is_not_offered_for_new_records(
    patient, clinician, colleague, frontdesk_client, clinician_client
):
    colleague.is_active = False
    colleague.save()
    assert list(roles.clinicians()) == [clinician]

    booking = frontdesk_client.get(reverse("visits:create", args=[patient.code]))
    offered = list(booking.context["form"].fields["clinician"].queryset)
    assert offered == [clinician]

    doppler = clinician_client.get(reverse("doppler:create", args=[patient.code]))
    offered = list(doppler.context["form"].fields["examiner"].queryset)
    assert offered == [clinician]


def test_a_deactivated_examiner_stays_on_the_record_being_edited(
    patient, clinician, colleague, clinician_client
):
    doppler = make_doppler(patient, colleague)
    # The clinician recorded it for the examiner, so may edit it
    # (doppler.services.is_own_assessment).
    doppler.history.update(history_user=clinician)
    colleague.is_active = False
    colleague.save()
    page = clinician_client.get(reverse("doppler:edit", args=[doppler.code]))
    offered = set(page.context["form"].fields["examiner"].queryset)
    assert offered == {clinician, colleague}


@pytest.mark.parametrize("superuser", [False, True])
def test_the_user_admin_offers_no_delete_action(
    superuser, manager, manager_client, clinician
):
    if superuser:
        admin_user = User.objects.create_superuser("root", password=PASSWORD)
        client = Client()
        client.force_login(admin_user)
    else:
        client = manager_client
    response = client.get(reverse("admin:auth_user_changelist"))
    assert response.status_code == 200
    actions = [
        value
        for value, _label in response.context["action_form"].fields["action"].choices
    ]
    assert "delete_selected" not in actions
    assert "deactivate" in actions
    # And posting the action anyway deletes nothing.
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [clinician.pk],
            "post": "yes",
        },
    )
    assert User.objects.filter(pk=clinician.pk).exists()
    delete = client.get(reverse("admin:auth_user_delete", args=[clinician.pk]))
    assert delete.status_code == 403


def test_deleting_who_read_patient_data_is_refused(
    patient, frontdesk, frontdesk_client
):
    # Opening the patient's page writes an access log row naming the reader.
    assert frontdesk_client.get(patient.get_absolute_url()).status_code == 200
    _refused_delete(frontdesk)
    assert User.objects.filter(pk=frontdesk.pk).exists()


def test_deleting_who_acted_in_the_admin_is_refused(manager, manager_client, roles):
    typo = make_user("typo", CLINICIAN)
    response = manager_client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "deactivate", "_selected_action": [typo.pk]},
    )
    assert response.status_code == 302
    typo.refresh_from_db()
    assert not typo.is_active
    # The admin's log names the manager who deactivated the account.
    refused = _refused_delete(manager)
    assert "log entry" in str(refused.args[0])

"""The demo clinic: `manage.py load_demo`."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from consent.models import SignedConsent
from patients.models import Patient
from treatments.models import TreatmentSession


# The demo's history and agenda are laid out around today.
@pytest.mark.date_dependent
def test_load_demo_creates_users_and_patients_and_is_idempotent(db):
    call_command("load_demo", allow_demo=True, verbosity=0)
    count = Patient.objects.count()
    call_command("load_demo", allow_demo=True, verbosity=0)
    assert count == Patient.objects.count() > 0
    User = get_user_model()
    for username in ("clinician", "frontdesk", "manager"):
        assert User.objects.get(username=username).check_password("sclero-demo")
    assert TreatmentSession.objects.exists()
    # Records older than a week are signed by their clinician; the last
    # week's are left to sign.
    signed = TreatmentSession.objects.filter(signed_at__isnull=False)
    assert signed.exists() and TreatmentSession.objects.filter(signed_at=None).exists()
    assert all(s.signed_by_id == s.clinician_id for s in signed)
    # A few treated patients signed their consents on the tablet, with a PDF.
    consents = SignedConsent.objects.all()
    assert consents.filter(procedure="liquid").count() == 6
    assert consents.filter(procedure="photography").count() == 3
    assert all(c.file.name.endswith(".pdf") and c.witness_id for c in consents)


def test_load_demo_refuses_with_debug_off_unless_allowed(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-demo"):
        call_command("load_demo", verbosity=0)
    assert not get_user_model().objects.filter(username="manager").exists()
    assert not Patient.objects.exists()


def test_load_demo_runs_with_debug_on_without_the_flag(db, settings):
    settings.DEBUG = True
    call_command("load_demo", verbosity=0)
    assert get_user_model().objects.filter(username="manager").exists()

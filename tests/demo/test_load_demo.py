"""The demo clinic: `manage.py load_demo`."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from clinics.availability import booking_problems
from clinics.models import (
    Absence,
    AbsenceKind,
    Site,
    SiteMembership,
    WorkingHours,
    default_site_pk,
)
from consent.models import SignedConsent
from patients.models import Patient
from patients.phones import is_e164, is_mobile
from treatments.models import TreatmentSession
from visits.models import FollowUpVisit


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
    # Most patients came through one of three referring doctors.
    referred = Patient.objects.exclude(referring_doctor=None)
    assert referred.values("referring_doctor").distinct().count() == 3
    assert 0 < referred.count() < count


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


# Sites, hours, visits inside them: laid out around today.
@pytest.mark.date_dependent
def test_the_demo_clinic_has_two_sites_with_hours_and_visits_inside_them(db):
    call_command("load_demo", allow_demo=True, verbosity=0)
    milano = Site.objects.get(name="Milano Centro")
    monza = Site.objects.get(name="Monza")
    assert milano.pk == default_site_pk()  # the clinic's first site
    assert monza.letterhead is not None  # its own letterhead
    hours = {
        site.name: sorted(
            (h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M"))
            for h in site.opening_hours.all()
        )
        for site in (milano, monza)
    }
    assert hours["Monza"] == [
        (1, "14:00", "19:00"),
        (3, "14:00", "19:00"),
        (6, "09:00", "13:00"),
    ]
    assert (5, "08:30", "12:30") in hours["Milano Centro"]
    assert len(hours["Milano Centro"]) == 11
    for site in (milano, monza):
        closure = site.closures.get()
        assert (closure.first_day.month, closure.first_day.day) == (12, 25)
        assert (closure.last_day.month, closure.last_day.day) == (12, 26)

    User = get_user_model()
    bianchi = User.objects.get(username="clinician2")
    assert set(
        WorkingHours.objects.filter(clinician=bianchi).values_list(
            "site__name", flat=True
        )
    ) == {"Milano Centro", "Monza"}
    assert set(
        SiteMembership.objects.filter(user__username="frontdesk").values_list(
            "site__name", flat=True
        )
    ) == {"Milano Centro"}
    assert not SiteMembership.objects.filter(user__username="manager").exists()
    congress = Absence.objects.get(kind=AbsenceKind.CONGRESS)
    assert congress.clinician.username == "clinician"
    assert congress.starts_at > timezone.now() + timedelta(days=13)

    # Every visit has a site, and the ones still to come keep every rule.
    visits = FollowUpVisit.objects.select_related("site", "clinician")
    assert visits.exists() and not visits.filter(site=None).exists()
    for visit in visits.filter(starts_at__gte=timezone.now()):
        assert not booking_problems(
            site=visit.site,
            clinician=visit.clinician,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
        ), visit.starts_at
    # Past ones too were placed inside the hours.
    for visit in visits.filter(starts_at__lt=timezone.now()):
        problems = booking_problems(
            site=visit.site,
            clinician=visit.clinician,
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
        )
        assert not problems, visit.starts_at


@pytest.mark.date_dependent
def test_demo_patients_have_mobile_numbers_in_e164_and_most_agree_to_reminders(db):
    call_command("load_demo", allow_demo=True, verbosity=0)
    patients = list(Patient.objects.all())
    assert all(is_e164(p.phone) for p in patients)
    assert sum(is_mobile(p.phone) for p in patients) > 30
    by_sms = [p for p in patients if p.contact_by_sms]
    by_email = [p for p in patients if p.contact_by_email]
    assert len(by_email) > len(patients) / 2 and len(by_sms) > len(patients) / 2
    assert all(is_mobile(p.phone) for p in by_sms)
    assert all(p.email for p in by_email)
    assert any(not p.contact_by_email and not p.contact_by_sms for p in patients)

# Phones are stored in E.164 from now on ("+393471234567"): this converts
# the numbers typed before. A number that does not parse as a valid phone
# number is kept as typed, never lost, and its chart number is printed;
# `manage.py phone_report` lists them later for the front desk to fix.

import re

import phonenumbers
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

REASON = "Phone number stored in international format (E.164)"
TYPED = re.compile(r"[\d\s+()\-./]+")


def _e164(text, region):
    text = (text or "").strip()
    if not text or not TYPED.fullmatch(text):
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phones_to_e164(apps, schema_editor):
    Patient = apps.get_model("patients", "Patient")
    HistoricalPatient = apps.get_model("patients", "HistoricalPatient")
    region = (getattr(settings, "SCLERO_PHONE_REGION", "") or "IT").upper()
    fields = [f.attname for f in Patient._meta.concrete_fields]
    now = timezone.now()
    not_converted = []
    changed = []
    for patient in Patient.objects.exclude(phone="").order_by("id").iterator():
        e164 = _e164(patient.phone, region)
        if e164 is None:
            not_converted.append(patient.chart_number)
        elif e164 != patient.phone:
            patient.phone = e164
            changed.append(patient)
    for start in range(0, len(changed), 500):
        batch = changed[start : start + 500]
        Patient.objects.bulk_update(batch, ["phone"])
        # The change is in the audit trail like any other, by no one.
        HistoricalPatient.objects.bulk_create(
            HistoricalPatient(
                **{name: getattr(patient, name) for name in fields},
                history_date=now,
                history_type="~",
                history_change_reason=REASON,
                history_user=None,
            )
            for patient in batch
        )
    if not_converted:
        print(
            f"\n  Phones kept as typed, not a valid number ({len(not_converted)});"
            " `manage.py phone_report` lists them:"
        )
        for chart in not_converted:
            print(f"    {chart}")


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0009_historicalpatient_contact_by_email_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="patient",
            index=models.Index(fields=["phone"], name="patients_patient_phone"),
        ),
        # Going back leaves the numbers in E.164, which is still a phone.
        migrations.RunPython(phones_to_e164, migrations.RunPython.noop),
    ]

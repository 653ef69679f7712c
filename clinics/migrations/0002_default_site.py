"""The clinic's first site, so that every visit and session has one.

Named after the letterhead's clinic name; existing visits and sessions are
put there by the visits and treatments migrations.
"""

from django.db import migrations


def create_default_site(apps, schema_editor):
    Site = apps.get_model("clinics", "Site")
    if Site.objects.exists():
        return
    Letterhead = apps.get_model("core", "Letterhead")
    letterhead = Letterhead.objects.order_by("id").first()
    name = (letterhead.clinic_name if letterhead else "") or "Sclero Clinic"
    Site.objects.create(
        name=name,
        address=letterhead.address if letterhead else "",
        phone=letterhead.phone if letterhead else "",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clinics", "0001_initial"),
        ("core", "0003_letterhead_text_length_validators"),
    ]

    operations = [
        migrations.RunPython(create_default_site, migrations.RunPython.noop),
    ]

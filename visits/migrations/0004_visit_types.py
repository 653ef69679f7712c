"""The three visit types with their usual durations (editable in the admin)."""

from django.db import migrations

DURATIONS = {"check": 20, "treatment": 45, "doppler": 30}


def create_visit_types(apps, schema_editor):
    VisitType = apps.get_model("visits", "VisitType")
    for purpose, minutes in DURATIONS.items():
        VisitType.objects.get_or_create(
            purpose=purpose, defaults={"default_duration_min": minutes}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0003_calendarfeed_historicalvisittype_visitmessage_and_more"),
    ]

    operations = [
        migrations.RunPython(create_visit_types, migrations.RunPython.noop),
    ]

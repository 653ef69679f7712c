"""Copy each leg's single CEAP class into its list of clinical classes.

Before 0004 a leg had one class (ceap_right / ceap_left). That column stays,
now as the highest class; the list starts as that one class. The history
rows get the same, so the audit trail reads the same way before and after.
Nothing is removed, so going back needs nothing undone.
"""

from django.db import migrations
from django.db.models import F

LEGS = ("right", "left")


def copy_single_class(apps, schema_editor):
    for name in ("DopplerAssessment", "HistoricalDopplerAssessment"):
        model = apps.get_model("doppler", name)
        for side in LEGS:
            single, classes = f"ceap_{side}", f"ceap_c_{side}"
            (
                model.objects.filter(**{classes: ""})
                .exclude(**{single: ""})
                .update(**{classes: F(single)})
            )


class Migration(migrations.Migration):
    dependencies = [
        ("doppler", "0004_ceap_2020_and_vcss_items"),
    ]

    operations = [
        migrations.RunPython(copy_single_class, migrations.RunPython.noop),
    ]

from django.db import migrations


def rebuild(apps, schema_editor):
    # The summaries of the sessions and visits already recorded; from now on
    # the services keep them.
    from visits.summaries import rebuild_statistics

    rebuild_statistics(apps)


class Migration(migrations.Migration):

    dependencies = [
        ('treatments', '0011_statistics_summaries'),
        ('visits', '0005_statistics_summaries'),
    ]

    operations = [
        migrations.RunPython(rebuild, migrations.RunPython.noop),
    ]

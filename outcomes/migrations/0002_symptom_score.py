from django.db import migrations


def install(apps, schema_editor):
    from outcomes import seed

    seed.install(apps.get_model("outcomes", "Instrument"), apps.get_model("outcomes", "InstrumentItem"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]

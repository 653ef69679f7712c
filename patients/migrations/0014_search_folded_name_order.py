# A B-tree of the folded names in byte order (COLLATE "C", whatever the
# database's collation): "starts with" is a range of it, read in the order a
# name search lists its first page (patients.selectors.NAME_SEARCH_ORDER),
# so a common surname's first page is read from it, not sorted from every
# match. PostgreSQL only: SQLite compares text byte by byte and sorts the
# few patients of a small clinic.

from django.db import migrations

FORWARD = [
    "CREATE INDEX IF NOT EXISTS patients_patient_folded_name_order"
    ' ON patients_patient ((last_name_folded COLLATE "C"),'
    ' (first_name_folded COLLATE "C"), id)',
]

BACKWARD = ["DROP INDEX IF EXISTS patients_patient_folded_name_order"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0013_search_folded_names"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]

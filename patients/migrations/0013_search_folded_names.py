# The patients' names as searched, stored: `first_name_folded` and
# `last_name_folded` hold the name without accents, in lower case
# (core.search.fold, kept by Patient.save()), so that PostgreSQL answers a
# search from indexes of plain columns: a B-tree (varchar_pattern_ops) for
# "starts with", trigrams (pg_trgm, GIN) for "contains". The trigram indexes
# of 0011 on lower(sclero_unaccent(name)) go: that wrapper function cannot be
# inlined, and PostgreSQL called it for every row it rechecked.

from django.db import migrations, models

from core.search import fold

FOLDED_LENGTH = 200

FORWARD = [
    "DROP INDEX IF EXISTS patients_patient_last_name_trgm",
    "DROP INDEX IF EXISTS patients_patient_first_name_trgm",
    "CREATE INDEX IF NOT EXISTS patients_patient_last_name_folded_trgm"
    " ON patients_patient USING gin (last_name_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_first_name_folded_trgm"
    " ON patients_patient USING gin (first_name_folded gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_last_name_folded_prefix"
    " ON patients_patient (last_name_folded varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_first_name_folded_prefix"
    " ON patients_patient (first_name_folded varchar_pattern_ops)",
    "ANALYZE patients_patient",
]

BACKWARD = [
    "DROP INDEX IF EXISTS patients_patient_first_name_folded_prefix",
    "DROP INDEX IF EXISTS patients_patient_last_name_folded_prefix",
    "DROP INDEX IF EXISTS patients_patient_first_name_folded_trgm",
    "DROP INDEX IF EXISTS patients_patient_last_name_folded_trgm",
    "CREATE INDEX IF NOT EXISTS patients_patient_last_name_trgm"
    " ON patients_patient USING gin (lower(sclero_unaccent(last_name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_first_name_trgm"
    " ON patients_patient USING gin (lower(sclero_unaccent(first_name)) gin_trgm_ops)",
]


def fill(apps, schema_editor):
    """Fold the names of the patients already recorded, in batches."""
    patient_model = apps.get_model("patients", "Patient")
    connection = schema_editor.connection
    rows = patient_model.objects.order_by("pk").values_list(
        "pk", "first_name", "last_name"
    )
    batch: list[tuple[int, str, str]] = []

    def write() -> None:
        if connection.vendor == "postgresql":
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE patients_patient AS p"
                    " SET first_name_folded = v.f, last_name_folded = v.l"
                    f" FROM (VALUES {values}) AS v (id, f, l) WHERE p.id = v.id",
                    [value for row in batch for value in row],
                )
        else:
            patient_model.objects.bulk_update(
                [
                    patient_model(pk=pk, first_name_folded=f, last_name_folded=l)
                    for pk, f, l in batch
                ],
                ["first_name_folded", "last_name_folded"],
            )
        batch.clear()

    for pk, first, last in rows.iterator(chunk_size=5000):
        batch.append((pk, fold(first, FOLDED_LENGTH), fold(last, FOLDED_LENGTH)))
        if len(batch) >= 2000:
            write()
    if batch:
        write()


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0012_referring_doctor"),
    ]

    operations = [
        migrations.AddField(
            model_name="patient",
            name="first_name_folded",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.AddField(
            model_name="patient",
            name="last_name_folded",
            field=models.CharField(default="", editable=False, max_length=200),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]

# Patient search on PostgreSQL reads indexes instead of every row: trigram
# (pg_trgm) GIN indexes answer "contains" and "starts with" searches on the
# names (without accents or case: "Esposito" finds "Espósito"), on the chart
# number and on the phone's digits. unaccent() is only STABLE, so it cannot
# be indexed: sclero_unaccent() wraps it as IMMUTABLE, with its dictionary
# named, which is what makes the wrapper safe to declare so.
#
# The database role needs the right to CREATE EXTENSION, or the DBA creates
# pg_trgm and unaccent beforehand (then IF NOT EXISTS skips them). Other
# databases (SQLite) search with plain lookups and get nothing here.
#
# The indexes are not in the model's Meta: they are PostgreSQL expressions,
# and core.search (names) and the plain icontains / contains lookups (chart
# number, phone) of patients.selectors give exactly these expressions.

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """
    CREATE OR REPLACE FUNCTION sclero_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    "CREATE INDEX IF NOT EXISTS patients_patient_last_name_trgm"
    " ON patients_patient USING gin (lower(sclero_unaccent(last_name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_first_name_trgm"
    " ON patients_patient USING gin (lower(sclero_unaccent(first_name)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_chart_number_trgm"
    " ON patients_patient USING gin (upper(chart_number::text) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS patients_patient_phone_trgm"
    " ON patients_patient USING gin ((phone::text) gin_trgm_ops)",
    "ANALYZE patients_patient",
]

# The extensions stay: the DBA may have created them, and other objects may
# use them.
BACKWARD = [
    "DROP INDEX IF EXISTS patients_patient_phone_trgm",
    "DROP INDEX IF EXISTS patients_patient_chart_number_trgm",
    "DROP INDEX IF EXISTS patients_patient_first_name_trgm",
    "DROP INDEX IF EXISTS patients_patient_last_name_trgm",
    "DROP FUNCTION IF EXISTS sclero_unaccent(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0010_phone_e164"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD), elidable=False),
    ]

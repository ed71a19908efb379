"""An index result is never changed or deleted: a correction is a new revision of its run."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER index_outcome_no_update BEFORE UPDATE ON index_outcome
       BEGIN SELECT RAISE(ABORT, 'index results are immutable; run again for a new revision'); END""",
    """CREATE TRIGGER index_outcome_no_delete BEFORE DELETE ON index_outcome
       BEGIN SELECT RAISE(ABORT, 'index results are immutable; run again for a new revision'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS index_outcome_no_update",
    "DROP TRIGGER IF EXISTS index_outcome_no_delete",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION index_outcome_immutable() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'index results are immutable; run again for a new revision'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER index_outcome_immutable BEFORE UPDATE OR DELETE ON index_outcome
       FOR EACH ROW EXECUTE FUNCTION index_outcome_immutable()""",
    """CREATE TRIGGER index_outcome_no_truncate BEFORE TRUNCATE ON index_outcome
       FOR EACH STATEMENT EXECUTE FUNCTION index_outcome_immutable()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS index_outcome_no_truncate ON index_outcome",
    "DROP TRIGGER IF EXISTS index_outcome_immutable ON index_outcome",
    "DROP FUNCTION IF EXISTS index_outcome_immutable()",
]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("index", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

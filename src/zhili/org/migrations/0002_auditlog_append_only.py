"""The audit log refuses UPDATE and DELETE at the database, not only in Python."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER org_auditlog_no_update BEFORE UPDATE ON org_auditlog
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER org_auditlog_no_delete BEFORE DELETE ON org_auditlog
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS org_auditlog_no_update",
    "DROP TRIGGER IF EXISTS org_auditlog_no_delete",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION org_auditlog_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER org_auditlog_append_only BEFORE UPDATE OR DELETE ON org_auditlog
       FOR EACH ROW EXECUTE FUNCTION org_auditlog_append_only()""",
    # TRUNCATE skips row triggers; a statement trigger refuses it too.
    """CREATE TRIGGER org_auditlog_no_truncate BEFORE TRUNCATE ON org_auditlog
       FOR EACH STATEMENT EXECUTE FUNCTION org_auditlog_append_only()""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER IF EXISTS org_auditlog_no_truncate ON org_auditlog",
    "DROP TRIGGER IF EXISTS org_auditlog_append_only ON org_auditlog",
    "DROP FUNCTION IF EXISTS org_auditlog_append_only()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]

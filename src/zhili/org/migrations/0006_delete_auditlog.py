"""The audit log is now zhili.core's (core 0001 takes the same table): org forgets the model
without touching the table, and the content type moves with it so that its permission
(view_auditlog) keeps its id and every group that held it."""

from django.db import migrations


def move_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="core", model="auditlog").exists():
        ContentType.objects.using(db).filter(app_label="org", model="auditlog").update(app_label="core")


def back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    if not ContentType.objects.using(db).filter(app_label="org", model="auditlog").exists():
        ContentType.objects.using(db).filter(app_label="core", model="auditlog").update(app_label="org")


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0005_phonecode"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="AuditLog")]),
        migrations.RunPython(move_content_type, back),
    ]

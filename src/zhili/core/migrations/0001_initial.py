"""The audit log moves here from org: the same table (org_auditlog, its append-only triggers
included), only Django's idea of which app owns it changes. Nothing is written to the database."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("org", "0005_phonecode"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AuditLog",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="time")),
                        (
                            "actor_username",
                            models.CharField(blank=True, max_length=150, verbose_name="actor username"),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("view_personal", "Read personal data"),
                                    ("create", "Create"),
                                    ("change", "Change"),
                                    ("delete", "Delete"),
                                    ("import", "Import"),
                                    ("login", "Log in"),
                                    ("logout", "Log out"),
                                    ("login_failed", "Failed login"),
                                    ("locked_out", "Locked out"),
                                    ("token_created", "API token created"),
                                    ("token_revoked", "API token revoked"),
                                    ("denied", "Refused for lack of rights"),
                                ],
                                db_index=True,
                                max_length=20,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "object_type",
                            models.CharField(blank=True, max_length=60, verbose_name="object type"),
                        ),
                        ("object_id", models.CharField(blank=True, max_length=64, verbose_name="object id")),
                        ("object_repr", models.CharField(blank=True, max_length=200, verbose_name="object")),
                        (
                            "unit_code",
                            models.CharField(
                                blank=True, db_index=True, max_length=15, verbose_name="unit code"
                            ),
                        ),
                        (
                            "ip",
                            models.GenericIPAddressField(blank=True, null=True, verbose_name="IP address"),
                        ),
                        (
                            "user_agent",
                            models.CharField(blank=True, max_length=300, verbose_name="user agent"),
                        ),
                        (
                            "request_id",
                            models.CharField(blank=True, max_length=64, verbose_name="request id"),
                        ),
                        ("details", models.JSONField(blank=True, default=dict, verbose_name="details")),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="actor",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audit record",
                        "verbose_name_plural": "audit log",
                        "db_table": "org_auditlog",
                        "ordering": ["-at", "-id"],
                    },
                ),
            ]
        )
    ]

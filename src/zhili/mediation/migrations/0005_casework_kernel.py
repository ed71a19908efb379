"""Mediation on the casework kernel: the case's opening moment is the kernel's opened_at (the
same column, created_at), members keep when they joined as assumed_at and now also when they
left, and the case's limits become clocks (0006 starts them for the cases already open)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mediation", "0004_verbose_names"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Clock",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=30, verbose_name="limit")),
                ("amount", models.PositiveIntegerField(verbose_name="amount")),
                ("unit", models.CharField(max_length=16, verbose_name="unit")),
                ("started_at", models.DateTimeField(verbose_name="started at")),
                ("due_at", models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="due")),
                ("paused_at", models.DateTimeField(blank=True, null=True, verbose_name="paused at")),
                ("left", models.FloatField(blank=True, null=True, verbose_name="left when paused")),
                ("stopped_at", models.DateTimeField(blank=True, null=True, verbose_name="stopped at")),
                ("extensions", models.JSONField(blank=True, default=list, verbose_name="extensions")),
                ("escalated_at", models.DateTimeField(blank=True, null=True, verbose_name="escalated at")),
            ],
            options={
                "verbose_name": "case deadline",
                "verbose_name_plural": "case deadlines",
                "ordering": ["started_at", "id"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="Transfer",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("from_org", models.CharField(max_length=60, verbose_name="from")),
                ("to_org", models.CharField(max_length=60, verbose_name="to")),
                ("reason", models.TextField(verbose_name="reason")),
                ("asked_by", models.CharField(max_length=150, verbose_name="asked by")),
                ("asked_at", models.DateTimeField(verbose_name="asked at")),
                (
                    "answer",
                    models.CharField(
                        choices=[
                            ("pending", "waiting for an answer"),
                            ("accepted", "accepted"),
                            ("refused", "refused"),
                        ],
                        default="pending",
                        max_length=10,
                        verbose_name="answer",
                    ),
                ),
                ("answered_by", models.CharField(blank=True, max_length=150, verbose_name="answered by")),
                ("answered_at", models.DateTimeField(blank=True, null=True, verbose_name="answered at")),
                ("answer_reason", models.TextField(blank=True, verbose_name="reason of the answer")),
            ],
            options={
                "verbose_name": "case transfer",
                "verbose_name_plural": "case transfers",
                "ordering": ["asked_at", "id"],
                "abstract": False,
            },
        ),
        migrations.AlterModelOptions(
            name="case",
            options={
                "ordering": ["-opened_at", "-id"],
                "permissions": [
                    ("assign_case", "Can accept, decline and assign cases of their institution"),
                    ("mediate_case", "Can mediate the cases they are on"),
                ],
                "verbose_name": "mediation case",
                "verbose_name_plural": "mediation cases",
            },
        ),
        migrations.AlterModelOptions(
            name="member",
            options={
                "ordering": ["assumed_at", "id"],
                "verbose_name": "case member",
                "verbose_name_plural": "case members",
            },
        ),
        migrations.RemoveConstraint(
            model_name="member",
            name="one_membership_per_user",
        ),
        migrations.RemoveConstraint(
            model_name="member",
            name="one_lead_mediator_per_case",
        ),
        migrations.AlterField(
            model_name="case",
            name="created_at",
            field=models.DateTimeField(
                auto_now_add=True, db_column="created_at", db_index=True, verbose_name="submitted at"
            ),
        ),
        migrations.RenameField(
            model_name="case",
            old_name="created_at",
            new_name="opened_at",
        ),
        migrations.RenameField(
            model_name="member",
            old_name="added_at",
            new_name="assumed_at",
        ),
        migrations.AddField(
            model_name="case",
            name="due_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True, verbose_name="due"),
        ),
        migrations.AlterField(
            model_name="member",
            name="assumed_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="assumed at"),
        ),
        migrations.AddField(
            model_name="member",
            name="assumed_by",
            field=models.CharField(blank=True, max_length=150, verbose_name="given by"),
        ),
        migrations.AddField(
            model_name="member",
            name="renounced_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="renounced at"),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="time"),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="content_type",
            field=models.CharField(max_length=100, verbose_name="type"),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="name",
            field=models.CharField(max_length=200, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="size",
            field=models.PositiveIntegerField(verbose_name="size"),
        ),
        migrations.AlterField(
            model_name="attachment",
            name="uploaded_by",
            field=models.CharField(max_length=150, verbose_name="uploaded by"),
        ),
        migrations.AlterField(
            model_name="case",
            name="number",
            field=models.CharField(max_length=24, unique=True, verbose_name="case number"),
        ),
        migrations.AlterField(
            model_name="document",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="document",
            name="version",
            field=models.PositiveIntegerField(default=1, verbose_name="version"),
        ),
        migrations.AlterField(
            model_name="signature",
            name="signed_at",
            field=models.DateTimeField(verbose_name="signed at"),
        ),
        migrations.AlterField(
            model_name="step",
            name="at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="time"),
        ),
        migrations.AlterField(
            model_name="step",
            name="details",
            field=models.JSONField(blank=True, default=dict, verbose_name="details"),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("renounced_at__isnull", True)),
                fields=("case", "user"),
                name="one_membership_per_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=models.Q(("renounced_at__isnull", True), ("role", "lead")),
                fields=("case",),
                name="one_lead_mediator_per_case",
            ),
        ),
        migrations.AddField(
            model_name="clock",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="clocks", to="mediation.case"
            ),
        ),
        migrations.AddField(
            model_name="transfer",
            name="case",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="transfers", to="mediation.case"
            ),
        ),
    ]

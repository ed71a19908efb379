"""Index definitions as stored versions, runs and their immutable results.

A run scores one definition version over a span of periods and records what it read (the data
digest and watermark), how (engine, parameters) and what came out (a digest of the outcomes).
Its outcomes are never changed: the database refuses UPDATE and DELETE on them. Running again on
corrected data makes the next revision; a published revision is frozen (it is what the public
pages and the monthly report quote) and a later revision is published explicitly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import ScopedQuerySet


class Engine(models.TextChoices):
    DUCKDB = "duckdb", "DuckDB"
    SPARK = "spark", "Apache Spark"


class PeriodKind(models.TextChoices):
    DAY = "day", _("day")
    DEKAD = "dekad", _("dekad (10 days)")
    WEEK = "week", _("week")
    MONTH = "month", _("month")
    QUARTER = "quarter", _("quarter")
    YEAR = "year", _("year")


class DefinitionVersion(models.Model):
    """One version of an index definition: its YAML text as written, and its hash. The active
    version of a code is the one runs use by default."""

    code = models.SlugField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=100)
    content_hash = models.CharField(_("version (SHA-256)"), max_length=64)
    text = models.TextField(_("definition (YAML)"))
    raw = models.JSONField(_("definition (parsed)"))
    shipped = models.BooleanField(_("shipped with Zhili"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("created by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("index definition")
        verbose_name_plural = _("index definitions")
        ordering = ["code", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "content_hash"], name="index_definition_version"),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(is_active=True), name="index_definition_one_active"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code} {self.content_hash[:8]})"

    def parsed(self):
        from zhili.index.definitions import parse

        return parse(self.raw, filename=f"{self.code}.yaml")


class Run(models.Model):
    definition = models.ForeignKey(
        DefinitionVersion, verbose_name=_("definition"), on_delete=models.PROTECT, related_name="runs"
    )
    period_kind = models.CharField(_("period"), max_length=8, choices=PeriodKind.choices)
    first = models.DateField(_("first period"))
    last = models.DateField(_("last period"))
    revision = models.PositiveIntegerField(_("revision"), default=1)
    engine = models.CharField(_("engine"), max_length=8, choices=Engine.choices, default=Engine.DUCKDB)
    params = models.JSONField(_("parameters"), default=dict)
    data_digest = models.CharField(_("data digest"), max_length=64)
    watermark = models.DateTimeField(_("data watermark"), null=True, blank=True)
    result_digest = models.CharField(_("result digest"), max_length=64)
    outcomes_count = models.PositiveIntegerField(_("results"), default=0)
    incomplete_count = models.PositiveIntegerField(_("incomplete results"), default=0)
    missing_feeds = models.JSONField(_("missing feeds"), default=list, blank=True)
    seconds = models.FloatField(_("seconds"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.CharField(_("run by"), max_length=150, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.CharField(_("published by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("index run")
        verbose_name_plural = _("index runs")
        ordering = ["-created_at", "-id"]
        permissions = [("publish_run", _("Can publish index results"))]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "period_kind", "first", "last", "revision"], name="index_run_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.definition.code} {self.period_kind} {self.first}–{self.last} r{self.revision}"

    @property
    def frozen(self) -> bool:
        return self.published_at is not None


class Outcome(models.Model):
    """A unit's result for one period in one run; `nodes` holds every node's score, weight,
    contribution and, for leaves, the value, rate and baseline behind it."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.PROTECT, related_name="outcomes")
    level = models.CharField(_("level"), max_length=10)
    unit_code = models.CharField(_("unit code"), max_length=12)
    period_start = models.DateField(_("period"))
    total = models.FloatField(_("score"), null=True)
    points_off = models.FloatField(_("points deducted"), default=0)
    grade = models.CharField(_("grade"), max_length=16, blank=True)
    streak = models.PositiveIntegerField(_("streak"), default=0)
    escalation = models.CharField(_("escalation"), max_length=32, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    rank_move = models.IntegerField(_("rank move"), null=True)
    stars = models.PositiveSmallIntegerField(_("stars"), null=True)
    vetoes = models.JSONField(_("vetoes"), default=list)
    complete = models.BooleanField(_("complete"), default=True)
    incomplete = models.JSONField(_("incomplete leaves"), default=list)
    nodes = models.JSONField(_("explanation"), default=dict)
    provisional = models.BooleanField(
        _("provisional"), default=False, help_text=_("computed before the period's cut-off had passed")
    )
    coverage = models.FloatField(
        _("coverage"), null=True, blank=True, help_text=_("the share of the weight actually measured")
    )
    evidence = models.JSONField(
        _("evidence"), default=dict, blank=True, help_text=_("intervals behind the rank and the stars")
    )

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit_code"

    class Meta:
        verbose_name = _("index result")
        verbose_name_plural = _("index results")
        ordering = ["period_start", "unit_code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "unit_code", "period_start"], name="index_outcome_unique")
        ]
        indexes = [models.Index(fields=["unit_code", "period_start"])]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.period_start} {self.total}"


class Alert(models.Model):
    """A streak that reached an escalation level (3 reds → warning, …) in a published run."""

    run = models.ForeignKey(Run, verbose_name=_("run"), on_delete=models.PROTECT, related_name="alerts")
    unit_code = models.CharField(_("unit code"), max_length=12)
    period_start = models.DateField(_("period"))
    streak = models.PositiveIntegerField(_("streak"))
    action = models.CharField(_("action"), max_length=32)
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit_code"

    class Meta:
        verbose_name = _("streak alert")
        verbose_name_plural = _("streak alerts")
        ordering = ["-period_start", "unit_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "unit_code", "period_start", "action"], name="index_alert_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.period_start} {self.action} ({self.streak})"

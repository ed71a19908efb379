"""The data hub: what arrives (event types, sources, deliveries), what was kept (events, every
version) and what was refused (rejections)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import ScopedQuerySet


class FieldType(models.TextChoices):
    INT = "int", _("whole number")
    DECIMAL = "decimal", _("decimal number")
    TEXT = "text", _("text")
    CATEGORY = "category", _("category code")
    BOOL = "bool", _("yes/no")


CODE_VALIDATOR = RegexValidator(
    r"^[a-z0-9_]+(\.[a-z0-9_-]+)*$", _("lower-case letters, digits and _, in dotted parts: police.burglary")
)

# Measures the index engine sums; an event type's field may be stored in one of these columns.
MEASURE_COLUMNS = ("quantity", "deaths", "injuries", "amount", "value")


class EventType(models.Model):
    """A kind of fact a department delivers, e.g. 入室盗窃警情 (police.burglary).

    `fields` lists what an event of this type carries:
    [{"name": "deaths", "type": "int", "required": false, "min": 0, "label": "死亡人数",
      "personal": false, "choices": [...] (category only)}]. Fields named like a measure column
    (quantity, deaths, injuries, amount, value) or `category` are also stored in that column.
    """

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[CODE_VALIDATOR],
        help_text=_("family first, dotted: police.burglary"),
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="event_types"
    )
    family = models.CharField(
        _("family"),
        max_length=32,
        db_index=True,
        help_text=_("a group of related types, e.g. police, fire, hotline"),
    )
    fields = models.JSONField(_("fields"), default=list, blank=True)
    has_personal_data = models.BooleanField(_("carries personal data"), default=False)
    indicators = models.JSONField(
        _("indicators fed"),
        default=list,
        blank=True,
        help_text=_("codes of the index indicators this type feeds"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event type")
        verbose_name_plural = _("event types")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def snapshot(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "name_en": self.name_en,
            "department": self.department.code,
            "family": self.family,
            "fields": self.fields,
            "has_personal_data": self.has_personal_data,
            "indicators": self.indicators,
            "is_active": self.is_active,
        }


class EventTypeVersion(models.Model):
    """Every saved state of an event type, so that old events can be read with the schema they had."""

    event_type = models.ForeignKey(
        EventType, verbose_name=_("event type"), on_delete=models.CASCADE, related_name="versions"
    )
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("definition"))
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)
    changed_by = models.CharField(_("changed by"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("event type version")
        verbose_name_plural = _("event type versions")
        ordering = ["event_type", "-version"]
        constraints = [models.UniqueConstraint(fields=["event_type", "version"], name="hub_etv_unique")]

    def __str__(self) -> str:
        return f"{self.event_type.code} v{self.version}"


class Source(models.Model):
    """A department's system that delivers data, with its own API key (only its hash is kept).
    It may deliver only its department's event types."""

    code = models.CharField(_("code"), max_length=64, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="sources"
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, blank=True, editable=False)
    key_digest = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    department_path = "department_id"

    class Meta:
        verbose_name = _("source system")
        verbose_name_plural = _("source systems")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Channel(models.TextChoices):
    API = "api", _("API")
    FILE = "file", _("file")
    MODULE = "module", _("Zhili module")
    DEMO = "demo", _("demo data")


class ImportMode(models.TextChoices):
    ATOMIC = "atomic", _("atomic: one bad row rejects the file")
    PARTIAL = "partial", _("partial: good rows in, bad rows returned")


class DeliveryStatus(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    REJECTED = "rejected", _("rejected")
    FAILED = "failed", _("failed")


# What became of a delivery's items; the same names on Delivery, in the API and on the pages.
COUNT_FIELDS = ("received", "accepted", "duplicate", "corrected", "retracted", "rejected", "late")


class Delivery(models.Model):
    """One batch, one file or one module publication, with what became of its items."""

    source = models.ForeignKey(
        Source, verbose_name=_("source system"), on_delete=models.PROTECT, related_name="deliveries"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="deliveries"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.PARTIAL)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    submitted_by = models.CharField(_("submitted by"), max_length=150, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RUNNING
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    received_date = models.DateField(_("received on"), db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    received = models.PositiveIntegerField(_("received"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    duplicate = models.PositiveIntegerField(_("duplicates"), default=0)
    corrected = models.PositiveIntegerField(_("corrected"), default=0)
    retracted = models.PositiveIntegerField(_("retracted"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    late = models.PositiveIntegerField(_("late"), default=0)
    skipped = models.PositiveIntegerField(
        _("skipped"),
        default=0,
        help_text=_("rows of a file that are no event, e.g. a 合计 row; not received"),
    )
    message = models.TextField(_("message"), blank=True)

    objects = ScopedQuerySet.as_manager()
    department_path = "department_id"

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["department", "received_date"])]

    def __str__(self) -> str:
        return f"{self.source.code} {self.received_at:%Y-%m-%d %H:%M} {self.filename or self.channel}"

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


class EventQuerySet(ScopedQuerySet):
    def current(self) -> EventQuerySet:
        """The version that counts: the latest, and not retracted."""
        return self.filter(is_current=True, retracted=False)


class Event(models.Model):
    """One version of one fact. (source, source_id) identifies the fact; a correction adds a
    version and clears `is_current` on the previous one; a retraction sets `retracted`."""

    source = models.ForeignKey(
        Source, verbose_name=_("source system"), on_delete=models.PROTECT, related_name="+"
    )
    source_event_id = models.CharField(_("source id"), max_length=100)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_current = models.BooleanField(_("current version"), default=True)
    retracted = models.BooleanField(_("retracted"), default=False)
    # No single-column indexes on the two keys below: every index costs each of millions of inserts,
    # and reads go by day and type (hub_event_day_type) or by unit, with the department as a filter.
    event_type = models.ForeignKey(
        EventType,
        verbose_name=_("event type"),
        on_delete=models.PROTECT,
        related_name="events",
        db_index=False,
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    occurred_at = models.DateTimeField(_("occurred at"))
    occurred_date = models.DateField(_("occurred on"), help_text=_("local date, the lake's partition"))
    unit_code = models.CharField(
        _("unit code"), max_length=15, help_text=_("the finest unit it was assigned to")
    )
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    quantity = models.IntegerField(_("quantity"), default=1)
    deaths = models.IntegerField(_("deaths"), default=0)
    injuries = models.IntegerField(_("injuries"), default=0)
    amount = models.FloatField(_("amount"), null=True, blank=True)
    value = models.FloatField(_("value"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=64, blank=True)
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    payload_hash = models.CharField(max_length=64)
    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"))
    late = models.BooleanField(_("late"), default=False)

    objects = EventQuerySet.as_manager()
    scope_path = "unit_code"
    department_path = "department_id"

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_event_id", "version"], name="hub_event_version"
            ),
            models.UniqueConstraint(
                fields=["source", "source_event_id"],
                condition=Q(is_current=True),
                name="hub_event_one_current",
            ),
        ]
        indexes = [
            models.Index(fields=["occurred_date", "event_type"], name="hub_event_day_type"),
            models.Index(fields=["unit_code"], name="hub_event_unit"),
        ]
        permissions = [("submit_event", _("Can submit events for their department"))]

    def __str__(self) -> str:
        return f"{self.event_type_id} {self.source_event_id} v{self.version}"


class Rejection(models.Model):
    """An item that was refused, with where it was and why."""

    delivery = models.ForeignKey(
        Delivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="rejections"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    received_date = models.DateField(_("received on"), db_index=True)
    line = models.PositiveIntegerField(_("line or item"), null=True)
    source_event_id = models.CharField(_("source id"), max_length=100, blank=True)
    field = models.CharField(_("field"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=32, db_index=True)
    message = models.CharField(_("message"), max_length=500)

    objects = ScopedQuerySet.as_manager()
    department_path = "department_id"

    class Meta:
        verbose_name = _("rejected item")
        verbose_name_plural = _("rejected items")
        ordering = ["delivery", "line"]

    def __str__(self) -> str:
        return f"{self.delivery_id}:{self.line} {self.field} {self.reason}"


class ColumnMapping(models.Model):
    """How a department's file columns map to event fields, saved for its next file."""

    source = models.ForeignKey(
        Source, verbose_name=_("source system"), on_delete=models.CASCADE, related_name="mappings"
    )
    name = models.CharField(_("name"), max_length=100, default="default")
    columns = models.JSONField(
        _("columns"), default=dict, help_text=_('file column → event field, e.g. {"报警时间": "occurred_at"}')
    )
    constants = models.JSONField(
        _("constant values"),
        default=dict,
        blank=True,
        help_text=_('fields that are the same on every row, e.g. {"type": "police.fire"}'),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet.as_manager()
    department_path = "source__department_id"

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [models.UniqueConstraint(fields=["source", "name"], name="hub_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.source.code}: {self.name}"


class LakeDay(models.Model):
    """A day of the lake. It needs exporting while `changed_at` is later than what was exported."""

    day = models.DateField(_("day"), unique=True)
    changed_at = models.DateTimeField(_("changed at"), db_index=True)
    exported_change = models.DateTimeField(
        _("exported up to"), null=True, blank=True, help_text=_("the changed_at that the last export saw")
    )
    exported_at = models.DateTimeField(_("exported at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    sha256 = models.CharField(_("file SHA-256"), max_length=64, blank=True)
    lake_format = models.PositiveSmallIntegerField(
        _("lake format"),
        default=0,
        help_text=_("0: written with personal values in clear; 1: personal fields as pseudonyms"),
    )
    pseudonym_key = models.CharField(
        _("pseudonym key"), max_length=16, blank=True, help_text=_("the id of the key that wrote the day")
    )

    class Meta:
        verbose_name = _("lake day")
        verbose_name_plural = _("lake days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)

    @property
    def dirty(self) -> bool:
        return self.exported_change is None or self.changed_at > self.exported_change


class QualityAlert(models.Model):
    """A department that delivered nothing for a day by the cut-off."""

    department = models.ForeignKey(
        "org.Department", verbose_name=_("department"), on_delete=models.PROTECT, related_name="+"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=20, default="no_delivery")
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    department_path = "department_id"

    class Meta:
        verbose_name = _("data-quality alert")
        verbose_name_plural = _("data-quality alerts")
        ordering = ["-day", "department"]
        constraints = [models.UniqueConstraint(fields=["department", "day", "kind"], name="hub_alert_unique")]

    def __str__(self) -> str:
        return f"{self.department} {self.day} {self.kind}"

"""Administrative divisions: city → district/zone → town/street → village/community → grid."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from zhili.core.scope import ScopedQuerySet


class Level(models.IntegerChoices):
    CITY = 1, _("City")
    DISTRICT = 2, _("District")
    TOWN = 3, _("Town/street")
    VILLAGE = 4, _("Village/community")
    GRID = 5, _("Grid")


class Kind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    ZONE = "zone", _("Functional zone")
    TOWN = "town", _("Town")
    STREET = "street", _("Street")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")


KIND_LEVEL = {
    Kind.CITY: Level.CITY,
    Kind.DISTRICT: Level.DISTRICT,
    Kind.ZONE: Level.DISTRICT,
    Kind.TOWN: Level.TOWN,
    Kind.STREET: Level.TOWN,
    Kind.VILLAGE: Level.VILLAGE,
    Kind.COMMUNITY: Level.VILLAGE,
    Kind.GRID: Level.GRID,
}
# Significant digits of a code at each level: 44|04|02|001|001|001 → city 4, district 6, …
LEVEL_PREFIX_LEN = {Level.CITY: 4, Level.DISTRICT: 6, Level.TOWN: 9, Level.VILLAGE: 12, Level.GRID: 15}
LEVEL_CODE_LEN = {Level.CITY: 12, Level.DISTRICT: 12, Level.TOWN: 12, Level.VILLAGE: 12, Level.GRID: 15}
LEVEL_NAMES = {
    "city": Level.CITY,
    "district": Level.DISTRICT,
    "town": Level.TOWN,
    "village": Level.VILLAGE,
    "grid": Level.GRID,
}


class UnitQuerySet(ScopedQuerySet):
    def at_level(self, level: Level) -> UnitQuerySet:
        return self.filter(level=level)

    def under(self, unit: Unit) -> UnitQuerySet:
        return self.filter(code__startswith=unit.prefix)


class Unit(models.Model):
    code = models.CharField(
        _("code"), max_length=15, unique=True, help_text=_("12-digit statistical code; 15 digits for grids")
    )
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, editable=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    boundary = models.JSONField(
        _("boundary"), null=True, blank=True, help_text=_("GeoJSON Polygon or MultiPolygon, WGS 84")
    )
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    area_km2 = models.FloatField(_("area (km²)"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = UnitQuerySet.as_manager()
    scope_path = "code"

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.level = KIND_LEVEL[Kind(self.kind)]
        super().save(*args, **kwargs)

    @property
    def prefix(self) -> str:
        """Every unit under this one has a code that starts with this."""
        return self.code[: LEVEL_PREFIX_LEN[Level(self.level)]]

    def display_name(self, language: str | None = None) -> str:
        if language and language.startswith("en") and self.name_en:
            return self.name_en
        return self.name


class Population(models.Model):
    """Population of a unit in one year: resident (常住), registered (户籍), floating (流动)."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="populations"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    resident = models.PositiveIntegerField(_("resident population"))
    registered = models.PositiveIntegerField(_("registered population"), null=True, blank=True)
    floating = models.PositiveIntegerField(_("floating population"), null=True, blank=True)
    gdp = models.FloatField(
        _("GDP (100 million yuan)"), null=True, blank=True, help_text=_("the denominator of per-GDP rates")
    )
    vehicles = models.PositiveIntegerField(
        _("motor vehicles"), null=True, blank=True, help_text=_("the denominator of per-vehicle rates")
    )

    objects = ScopedQuerySet.as_manager()
    scope_path = "unit__code"

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        ordering = ["unit__code", "-year"]
        constraints = [models.UniqueConstraint(fields=["unit", "year"], name="geo_population_unit_year")]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}: {self.resident}"

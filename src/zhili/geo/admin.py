from django.contrib import admin

from zhili.core.admin import ScopedAdmin
from zhili.geo.models import Population, Unit


class PopulationInline(admin.TabularInline):
    model = Population
    extra = 0


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("code", "name", "kind", "level", "parent", "area_km2")
    list_filter = ("level", "kind")
    search_fields = ("code", "name", "name_en")
    autocomplete_fields = ("parent",)
    readonly_fields = ("level", "centroid_lon", "centroid_lat", "area_km2", "updated_at")
    exclude = ("boundary",)  # boundaries come in through `zhili geo import boundaries.geojson`
    list_select_related = ("parent",)
    inlines = [PopulationInline]

    def get_readonly_fields(self, request, obj=None):
        """A unit's code, parent and kind place it in the tree and decide everybody's scope:
        a cadre who could edit them could widen its own. They come from `zhili geo import`."""
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and not request.user.is_superuser:
            fields += ["code", "parent", "kind"]
        return fields


@admin.register(Population)
class PopulationAdmin(ScopedAdmin):
    list_display = ("unit", "year", "resident", "registered", "floating", "gdp", "vehicles")
    list_filter = ("year",)
    search_fields = ("unit__code", "unit__name")
    autocomplete_fields = ("unit",)
    list_select_related = ("unit",)

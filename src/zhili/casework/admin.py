from django.contrib import admin

from zhili.casework.models import Sequence
from zhili.core.admin import ReadOnlyAdmin


@admin.register(Sequence)
class SequenceAdmin(ReadOnlyAdmin):
    """The case numbers given so far, per prefix and year: shown, never edited (a number is
    never given twice)."""

    list_display = ("prefix", "year", "last")
    list_filter = ("prefix", "year")

from django.contrib import admin

from core.admin import ReadOnlyModelAdmin

from .models import Rating


@admin.register(Rating)
class RatingAdmin(ReadOnlyModelAdmin):
    """Ratings are never edited (docs/satisfaction.md): read only."""

    list_display = ("dossier", "agency", "level", "channel", "created_at")
    list_filter = ("level", "channel")
    search_fields = ("dossier__code",)
    raw_id_fields = ("dossier", "agency", "submitted_by")

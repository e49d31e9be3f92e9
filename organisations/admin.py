from django.contrib import admin

from .models import AdministrativeUnit, Agency


@admin.register(AdministrativeUnit)
class AdministrativeUnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "unit_type", "parent"]
    list_filter = ["unit_type"]
    search_fields = ["name", "codename", "=code"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "unit", "parent", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["unit", "parent"]
    autocomplete_fields = ["parent", "unit"]

from __future__ import annotations

from django.contrib import admin

from duban.sheets.models import ColumnAlias


@admin.register(ColumnAlias)
class ColumnAliasAdmin(admin.ModelAdmin):
    list_display = ("alias", "schema", "field", "is_active", "note", "updated_at")
    list_filter = ("schema", "field", "is_active")
    search_fields = ("alias", "note")
    list_editable = ("is_active",)

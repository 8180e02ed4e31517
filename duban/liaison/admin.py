from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from duban.liaison.models import Visit


@admin.register(Visit)
class VisitAdmin(SimpleHistoryAdmin):
    list_display = ("date", "visitor", "work_item", "enterprise")
    list_select_related = ("visitor", "work_item", "enterprise")
    date_hierarchy = "date"
    raw_id_fields = ("work_item", "enterprise", "visitor")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

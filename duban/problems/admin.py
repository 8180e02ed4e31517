"""The problem loop in the admin: the dispatch settings, and the records to read.

Problems, opinions, feedback and extensions move only through the services (each transition
checks role and state and records who, when and why), so here they are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from duban.problems.models import (
    AgendaItem,
    Coordination,
    CoUnitResponse,
    Escalation,
    Evidence,
    ExtensionRequest,
    Feedback,
    Meeting,
    Problem,
    ProblemEvent,
    ProblemSettings,
)


@admin.register(ProblemSettings)
class ProblemSettingsAdmin(SimpleHistoryAdmin):
    """A single row: it can be edited, never added twice or deleted."""

    list_display = ("__str__", "levels", "grace_days", "co_unit_answer_days", "default_due_days")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ProblemSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ProblemEvent
    extra = 0
    fields = ("at", "action", "from_state", "to_state", "actor", "note")


class EscalationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Escalation
    extra = 0


class CoUnitResponseInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = CoUnitResponse
    extra = 0


@admin.register(Problem)
class ProblemAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "title",
        "source",
        "category",
        "state",
        "level",
        "lead_unit",
        "due_date",
        "reported_on",
        "close_year",
        "close_month",
    )
    list_filter = ("state", "source", "category", "level")
    list_select_related = ("lead_unit",)
    search_fields = ("title", "description")
    date_hierarchy = "reported_on"
    inlines = (EventInline, EscalationInline, CoUnitResponseInline)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("problem", "current_due_date", "new_due_date", "state", "requested_by")
    list_filter = ("state",)


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("name", "problem", "uploaded_by", "created_at")


@admin.register(Coordination)
class CoordinationAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "problem", "leader", "meeting", "deadline", "state")
    list_filter = ("state",)


@admin.register(Feedback)
class FeedbackAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ("__str__", "unit", "problem", "coordination", "state", "reviewed_at")
    list_filter = ("state",)


class AgendaInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(SimpleHistoryAdmin):
    list_display = ("title", "kind", "level", "chair", "date", "state")
    list_filter = ("kind", "level", "state")
    inlines = (AgendaInline,)
    readonly_fields = ("state",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)

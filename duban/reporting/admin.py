"""Reporting in the admin: the district's rules, closed months, and reports to read.

Reports move only through the workflow services (submit, sign off, accept, return, close),
so here they are read-only: an admin edit would skip the checks and the audit reason.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from duban.reporting.models import (
    IndicatorValue,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
    ReportMilestone,
)


@admin.register(ReportingSettings)
class ReportingSettingsAdmin(SimpleHistoryAdmin):
    """A single row: it can be edited, never added twice or deleted."""

    list_display = ("__str__", "due_day", "require_head_signoff")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ReportingSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Months are closed by the monthly-close service; the admin shows who closed which."""

    list_display = ("__str__", "year", "month", "closed_by", "created_at")
    list_filter = ("year",)
    list_select_related = ("closed_by",)


class IndicatorValueInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = IndicatorValue
    extra = 0
    fields = ("indicator", "value", "note")
    readonly_fields = fields


class ReportMilestoneInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportMilestone
    extra = 0
    fields = ("milestone", "reached_on")
    readonly_fields = fields


@admin.register(MonthlyReport)
class MonthlyReportAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = (
        "work_item",
        "year",
        "month",
        "state",
        "investment_month",
        "submitted_at",
        "first_submitted_at",
        "times_returned",
    )
    list_filter = ("year", "month", "state", "work_item__kind", "work_item__lead_unit")
    list_select_related = ("work_item", "work_item__lead_unit")
    search_fields = ("work_item__title", "work_item__project__code")
    inlines = (IndicatorValueInline, ReportMilestoneInline)

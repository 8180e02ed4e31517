"""Reporting in the admin: the district's rules, closed months, and reports to read.

Reports move only through the workflow services (submit, sign off, accept, return, close),
so here they are read-only: an admin edit would skip the checks and the audit reason.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from duban.reporting.models import (
    IndicatorValue,
    ItemSnapshot,
    LightRules,
    MonthClose,
    MonthlyReport,
    ReportCorrection,
    ReportingSettings,
    ReportMilestone,
    UnitSnapshot,
)
from duban.reporting.progress import Rules, rules_problems


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


class LightRulesForm(forms.ModelForm):
    """A new version of the light rules, checked as a whole before it is saved."""

    class Meta:
        model = LightRules
        fields = (
            "due_soon_days",
            "behind_yellow_pp",
            "behind_red_pp",
            "start_red_months",
            "statistics_yellow_months",
            "statistics_red_months",
            "statistics_threshold",
            "note",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        try:
            rules = Rules(
                due_soon_days=data["due_soon_days"],
                behind_yellow_pp=data["behind_yellow_pp"],
                behind_red_pp=data["behind_red_pp"],
                start_red_months=data["start_red_months"],
                statistics_yellow_months=data["statistics_yellow_months"],
                statistics_red_months=data["statistics_red_months"],
                statistics_threshold=data["statistics_threshold"],
            )
        except KeyError:
            return data  # a field error is already shown beside the field
        problems = rules_problems(rules)
        if problems:
            raise forms.ValidationError(problems)
        return data


@admin.register(LightRules)
class LightRulesAdmin(admin.ModelAdmin):
    """Versions are only added, never changed or deleted: every light and frozen month names
    the version that made it. "Add" starts from the version in force."""

    form = LightRulesForm
    list_display = (
        "__str__",
        "due_soon_days",
        "behind_yellow_pp",
        "behind_red_pp",
        "start_red_months",
        "statistics_yellow_months",
        "statistics_red_months",
        "created_by",
        "created_at",
        "note",
    )
    list_select_related = ("created_by",)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        current = LightRules.objects.order_by("-pk").first()
        if current is None:
            return {}
        return {
            name: getattr(current, name) for name in LightRulesForm.Meta.fields if name != "note"
        }

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # An existing version is shown, not edited.
        return LightRulesForm.Meta.fields if obj is not None else ()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LightRules, form: Any, change: bool) -> None:
        if change:
            return  # versions are immutable
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


@admin.register(ItemSnapshot)
class ItemSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("work_item", "year", "month", "light", "ytd_investment", "report")
    list_filter = ("year", "month", "light", "report")
    list_select_related = ("work_item",)
    search_fields = ("work_item__title",)


@admin.register(UnitSnapshot)
class UnitSnapshotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("unit", "year", "month", "items", "red", "yellow", "green", "late", "missing")
    list_filter = ("year", "month")
    list_select_related = ("unit",)


@admin.register(ReportCorrection)
class ReportCorrectionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "report",
        "by",
        "reason",
        "counted_from_year",
        "counted_from_month",
        "created_at",
    )
    list_select_related = ("report__work_item", "by")

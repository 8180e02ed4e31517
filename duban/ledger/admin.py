"""The ledger in the admin: projects, work items with their five elements, node templates."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from duban.ledger.models import (
    FundingSource,
    Indicator,
    Milestone,
    NodeTemplate,
    NodeTemplateSet,
    PlanMonth,
    Project,
    WorkItem,
)
from duban.org.admin import VersionBumpMixin


@admin.register(Project)
class ProjectAdmin(VersionBumpMixin, SimpleHistoryAdmin):
    list_display = (
        "code",
        "name",
        "owner",
        "stage",
        "nature",
        "industry",
        "total_investment",
        "start_year",
        "end_year",
    )
    list_filter = ("stage", "nature", "industry")
    list_select_related = ("owner",)
    search_fields = ("code", "name", "owner__name", "location")
    autocomplete_fields = ("owner",)


class FundingSourceInline(admin.TabularInline):
    model = FundingSource
    extra = 0


class PlanMonthInline(admin.TabularInline):
    model = PlanMonth
    extra = 0
    max_num = 12


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ("sort_order", "name", "unit_of_measure", "baseline", "target", "deadline", "weight")


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0
    fields = ("sort_order", "name", "planned_date", "actual_date", "responsible_unit")
    autocomplete_fields = ("responsible_unit",)


@admin.register(WorkItem)
class WorkItemAdmin(VersionBumpMixin, SimpleHistoryAdmin):
    list_display = (
        "year",
        "seq",
        "title",
        "kind",
        "level",
        "category",
        "lead_unit",
        "lead_leader",
        "annual_plan",
        "status",
    )
    list_display_links = ("title",)
    list_filter = ("year", "kind", "level", "category", "status", "lead_unit")
    list_select_related = ("lead_unit", "lead_leader", "project")
    search_fields = ("title", "project__code", "project__name")
    autocomplete_fields = ("project", "lead_unit", "lead_leader", "steward")
    filter_horizontal = ("co_units",)
    raw_id_fields = ("carried_from",)
    readonly_fields = ("handed_out_at",)
    inlines = (FundingSourceInline, PlanMonthInline, IndicatorInline, MilestoneInline)
    fieldsets = (
        (
            None,
            {"fields": ("year", "kind", "project", "seq", "title", "level", "category", "status")},
        ),
        (
            _("内容规模与进度安排"),
            {"fields": ("content_scale", "schedule", "source", "assigned_on")},
        ),
        (_("责任"), {"fields": ("lead_leader", "lead_unit", "co_units", "steward")}),
        (_("投资"), {"fields": ("annual_plan", "prior_cumulative")}),
        (
            _("时间与入统"),
            {
                "fields": (
                    "planned_start",
                    "actual_start",
                    "planned_finish",
                    "actual_finish",
                    "in_statistics",
                    "in_statistics_date",
                    "handed_out_at",
                    "carried_from",
                )
            },
        ),
    )

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        # Indicators and milestones are versioned: an admin edit must invalidate open forms.
        instances = formset.save(commit=False)
        for obj in instances:
            if obj.pk and hasattr(obj, "version"):
                obj.version += 1
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()
        formset.save_m2m()


class NodeTemplateInline(admin.TabularInline):
    model = NodeTemplate
    extra = 0
    fields = ("sort_order", "name", "parallel_group")


@admin.register(NodeTemplateSet)
class NodeTemplateSetAdmin(admin.ModelAdmin):
    list_display = ("name", "nature", "is_default")
    list_filter = ("nature", "is_default")
    search_fields = ("name",)
    inlines = (NodeTemplateInline,)

"""Forms of the reporting pages: they parse input; the rules live in services."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from duban.core.errors import ApplicationError
from duban.core.forms import VERSION_ERRORS
from duban.core.periods import Period
from duban.ledger.forms import DATE_WIDGET, plain_decimal
from duban.ledger.models import Indicator, Milestone, WorkItem
from duban.org.models import Unit
from duban.reporting.models import MonthlyReport
from duban.reporting.services import REPORT_FIELDS


class PeriodField(forms.CharField):
    """A year-month typed as 2024-03 (or 2024年3月)."""

    def to_python(self, value: Any) -> Period | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        try:
            return Period.parse(text)
        except ApplicationError as e:
            raise forms.ValidationError(str(e.message)) from e

    def prepare_value(self, value: Any) -> Any:
        return str(value) if isinstance(value, Period) else value


class YearForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("截至月份"), min_value=1, max_value=12, required=False)


class MonthCloseForm(forms.Form):
    period = PeriodField(
        label=_("关账月份"), help_text=_("如 2024-03"), widget=forms.TextInput(attrs={"size": 8})
    )


class ReportFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    month = forms.IntegerField(label=_("月份"), min_value=1, max_value=12, required=False)
    unit = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    state = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["state"].choices = [("", _("全部")), *MonthlyReport.State.choices]  # type: ignore[attr-defined]


class ReviewFilterForm(forms.Form):
    period = PeriodField(
        label=_("报告期"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "2024-03", "size": 8}),
    )
    unit = forms.ModelChoiceField(
        label=_("牵头单位"), queryset=Unit.objects.none(), required=False, empty_label=_("全部")
    )
    state = forms.ChoiceField(label=_("状态"), required=False)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            (MonthlyReport.State.SUBMITTED, MonthlyReport.State.SUBMITTED.label),
            (MonthlyReport.State.PENDING_SIGNOFF, MonthlyReport.State.PENDING_SIGNOFF.label),
            (MonthlyReport.State.ACCEPTED, MonthlyReport.State.ACCEPTED.label),
            (MonthlyReport.State.RETURNED, MonthlyReport.State.RETURNED.label),
            ("", _("全部")),
        ]


class VersionForm(forms.Form):
    """The version the user saw, for actions that must not act on a changed record."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)


class NoChangeForm(forms.Form):
    """The version of the month's report the user saw (none when it had no report yet)."""

    version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, error_messages=VERSION_ERRORS
    )


class ReportReturnForm(VersionForm):
    # The service requires the reason and says so; the form only carries it.
    reason = forms.CharField(
        label=_("退回原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class ReportForm(forms.Form):
    """The monthly report: fixed fields, one date per open node, one value per indicator."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)
    investment_month = forms.DecimalField(
        label=_("本月完成投资（万元）"), required=False, max_digits=16, decimal_places=4
    )
    funds_month = forms.DecimalField(
        label=_("本月资金到位（万元）"), required=False, max_digits=16, decimal_places=4
    )
    progress_text = forms.CharField(
        label=_("形象进度"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    progress_pct = forms.DecimalField(
        label=_("形象进度（%）"), required=False, max_digits=5, decimal_places=2
    )
    started = forms.BooleanField(label=_("已开工"), required=False)
    started_on = forms.DateField(label=_("开工日期"), required=False, widget=DATE_WIDGET)
    in_statistics = forms.BooleanField(label=_("已入统"), required=False)
    in_statistics_on = forms.DateField(label=_("入统日期"), required=False, widget=DATE_WIDGET)
    problems_text = forms.CharField(
        label=_("存在问题"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    next_steps = forms.CharField(
        label=_("下步计划"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    PROJECT_ONLY = (
        "investment_month",
        "funds_month",
        "started",
        "started_on",
        "in_statistics",
        "in_statistics_on",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        item: WorkItem,
        report: MonthlyReport,
        indicators: list[Indicator],
        milestones: list[Milestone],
    ) -> None:
        # An unbound form starts from the saved report; a bound one shows what was typed.
        super().__init__(data, initial=None if data is not None else self._initial(report))
        self.item = item
        if not item.is_project:
            for name in self.PROJECT_ONLY:
                del self.fields[name]
        self.indicators = indicators
        self.milestones = milestones
        saved = report.pk is not None
        values = {v.indicator_id: v for v in report.indicator_values.all()} if saved else {}
        reached = (
            {r.milestone_id: r.reached_on for r in report.milestones_reached.all()} if saved else {}
        )
        for ind in indicators:
            current = values.get(ind.pk)
            self.fields[f"ind_{ind.pk}_value"] = forms.DecimalField(
                label=ind.name, required=False, max_digits=20, decimal_places=4
            )
            self.fields[f"ind_{ind.pk}_note"] = forms.CharField(
                label=_("说明"), required=False, max_length=500
            )
            if current is not None and not self.is_bound:
                self.initial[f"ind_{ind.pk}_value"] = plain_decimal(current.value)
                self.initial[f"ind_{ind.pk}_note"] = current.note
        for ms in milestones:
            self.fields[f"ms_{ms.pk}"] = forms.DateField(
                label=ms.name, required=False, widget=DATE_WIDGET
            )
            if ms.pk in reached and not self.is_bound:
                self.initial[f"ms_{ms.pk}"] = reached[ms.pk]

    @staticmethod
    def _initial(report: MonthlyReport) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: plain_decimal(getattr(report, name)) for name in REPORT_FIELDS
        }
        initial["version"] = report.version
        # Whether the project has started and entered statistics is a fact of the item (a
        # project that started years ago reads as started), not a blank to fill every month.
        item = report.work_item
        if not report.started and item.has_started_by(report.period.last_day):
            initial["started"] = True
            initial["started_on"] = item.actual_start
        if not report.in_statistics and item.in_statistics:
            initial["in_statistics"] = True
            initial["in_statistics_on"] = item.in_statistics_date
        return initial

    def report_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in REPORT_FIELDS if name in self.fields}
        for name in ("progress_text", "problems_text", "next_steps"):
            if name in data:
                data[name] = (data[name] or "").strip()
        return data

    def indicator_values(self) -> dict[int, tuple[Decimal | None, str]]:
        return {
            ind.pk: (
                self.cleaned_data.get(f"ind_{ind.pk}_value"),
                (self.cleaned_data.get(f"ind_{ind.pk}_note") or "").strip(),
            )
            for ind in self.indicators
        }

    def milestones_reached(self) -> dict[int, date | None]:
        return {ms.pk: self.cleaned_data.get(f"ms_{ms.pk}") for ms in self.milestones}

    def indicator_rows(self) -> list[tuple[Indicator, forms.BoundField, forms.BoundField]]:
        return [
            (ind, self[f"ind_{ind.pk}_value"], self[f"ind_{ind.pk}_note"])
            for ind in self.indicators
        ]

    def milestone_rows(self) -> list[tuple[Milestone, forms.BoundField]]:
        return [(ms, self[f"ms_{ms.pk}"]) for ms in self.milestones]


class ReportCorrectionForm(VersionForm):
    """An office correction of a closed month's report: the figures and a required reason."""

    investment_month = forms.DecimalField(
        label=_("本月完成投资（万元）"), required=False, max_digits=16, decimal_places=4
    )
    funds_month = forms.DecimalField(
        label=_("本月资金到位（万元）"), required=False, max_digits=16, decimal_places=4
    )
    reason = forms.CharField(
        label=_("更正原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )

"""Forms of the ledger pages: they parse input; the rules live in services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from duban.core.forms import VERSION_ERRORS, FastSelect, ModelMultipleChoiceField
from duban.ledger.models import FundingSource, NodeTemplateSet, PlanMonth, Project, WorkItem
from duban.ledger.selectors import WorkItemFilters
from duban.org.models import Unit, User

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def plain_decimal(value: Any) -> Any:
    """1500.0000 → 1500 and 141.2000 → 141.2 for an input box (no exponent, no trailing zeros)."""
    if not isinstance(value, Decimal):
        return value
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _with_all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class WorkItemFilterForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100, required=False)
    unit = forms.ModelChoiceField(
        label=_("单位"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=FastSelect(attrs={"data-searchable": ""}),
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=_with_all(WorkItem.Kind.choices), required=False
    )
    level = forms.ChoiceField(
        label=_("级别"), choices=_with_all(WorkItem.Level.choices), required=False
    )
    category = forms.ChoiceField(
        label=_("年度类别"), choices=_with_all(WorkItem.Category.choices), required=False
    )
    stage = forms.ChoiceField(
        label=_("阶段"), choices=_with_all(Project.Stage.choices), required=False
    )
    status = forms.ChoiceField(
        label=_("状态"), choices=_with_all(WorkItem.Status.choices), required=False
    )
    q = forms.CharField(label=_("名称或项目代码"), required=False, max_length=100)

    def __init__(self, *args: Any, units: QuerySet[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a picker needs the id and the name (a province lists 2,000 units)
        picked = units.select_related(None).prefetch_related(None).only("pk", "name")
        self.fields["unit"].queryset = picked  # type: ignore[attr-defined]

    def filters(self) -> WorkItemFilters:
        if not self.is_valid():
            return WorkItemFilters()
        data = self.cleaned_data
        return WorkItemFilters(
            year=data.get("year"),
            unit=data["unit"].pk if data.get("unit") else None,
            level=data.get("level") or None,
            kind=data.get("kind") or None,
            category=data.get("category") or None,
            stage=data.get("stage") or None,
            status=data.get("status") or None,
            q=(data.get("q") or "").strip() or None,
        )


class WorkItemEditForm(forms.Form):
    """The main ledger fields the office edits; `version` detects a concurrent edit."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)
    seq = forms.CharField(label=_("序号"), required=False, max_length=20)
    title = forms.CharField(label=_("名称"), max_length=200)
    lead_unit = forms.ModelChoiceField(label=_("牵头单位"), queryset=Unit.objects.none())
    co_units = ModelMultipleChoiceField(
        label=_("配合单位"),
        queryset=Unit.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    lead_leader = forms.ModelChoiceField(
        label=_("牵头领导"), queryset=User.objects.none(), required=False
    )
    steward = forms.ModelChoiceField(
        label=_("项目管家"), queryset=User.objects.none(), required=False
    )
    level = forms.ChoiceField(label=_("级别"), choices=WorkItem.Level.choices)
    category = forms.ChoiceField(
        label=_("年度类别"), choices=[("", "—"), *WorkItem.Category.choices], required=False
    )
    content_scale = forms.CharField(
        label=_("内容规模/工作目标"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    schedule = forms.CharField(
        label=_("进度安排"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.CharField(label=_("事项来源"), required=False, max_length=200)
    annual_plan = forms.DecimalField(
        label=_("年度计划投资（万元）"), required=False, max_digits=16, decimal_places=4
    )
    prior_cumulative = forms.DecimalField(
        label=_("以前年度累计完成投资（万元）"), required=False, max_digits=16, decimal_places=4
    )
    planned_start = forms.DateField(label=_("计划开工时间"), required=False, widget=DATE_WIDGET)
    actual_start = forms.DateField(label=_("实际开工时间"), required=False, widget=DATE_WIDGET)
    planned_finish = forms.DateField(label=_("计划完成时间"), required=False, widget=DATE_WIDGET)
    actual_finish = forms.DateField(label=_("实际完成时间"), required=False, widget=DATE_WIDGET)
    in_statistics = forms.BooleanField(label=_("已入统"), required=False)
    in_statistics_date = forms.DateField(label=_("入统时间"), required=False, widget=DATE_WIDGET)

    ITEM_FIELDS = (
        "seq",
        "title",
        "lead_unit",
        "lead_leader",
        "steward",
        "level",
        "category",
        "content_scale",
        "schedule",
        "source",
        "annual_plan",
        "prior_cumulative",
        "planned_start",
        "actual_start",
        "planned_finish",
        "actual_finish",
        "in_statistics",
        "in_statistics_date",
    )

    def __init__(self, data: Any = None, *, item: WorkItem, units: QuerySet[Unit]) -> None:
        initial = None
        if data is None:
            # An unbound form starts from the saved item; a bound one shows what was typed.
            initial = {name: plain_decimal(getattr(item, name)) for name in self.ITEM_FIELDS}
            initial["co_units"] = list(item.co_units.all())
            initial["version"] = item.version
        super().__init__(data, initial=initial)
        self.fields["lead_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["co_units"].queryset = units  # type: ignore[attr-defined]
        people = User.objects.filter(is_active=True).order_by("username")
        self.fields["lead_leader"].queryset = people.filter(role=User.Role.LEADER)  # type: ignore[attr-defined]
        self.fields["steward"].queryset = people.filter(role=User.Role.STEWARD)  # type: ignore[attr-defined]
        if not item.is_project:
            for name in ("category", "annual_plan", "prior_cumulative", "steward"):
                del self.fields[name]

    def item_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in self.ITEM_FIELDS if name in self.fields}
        if "prior_cumulative" in data and data["prior_cumulative"] is None:
            data["prior_cumulative"] = 0
        for name in ("seq", "title", "content_scale", "schedule", "source"):
            data[name] = (data[name] or "").strip()
        return data


class CarryOverForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class IndicatorForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), max_length=200)
    unit_of_measure = forms.CharField(label=_("计量单位"), required=False, max_length=30)
    baseline = forms.DecimalField(label=_("基数"), required=False, max_digits=20, decimal_places=4)
    target = forms.DecimalField(label=_("目标值"), required=False, max_digits=20, decimal_places=4)
    deadline = forms.DateField(label=_("完成时限"), required=False, widget=DATE_WIDGET)


class MilestoneForm(forms.Form):
    name = forms.CharField(label=_("节点名称"), max_length=100)
    planned_date = forms.DateField(label=_("计划完成日期"), required=False, widget=DATE_WIDGET)


class NodeTemplateForm(forms.Form):
    template_set = forms.ModelChoiceField(
        label=_("节点模板"), queryset=NodeTemplateSet.objects.order_by("name")
    )


# The form only parses a number: ranges and digits are the service's rules (same for the API).
AMOUNT_ERRORS = {"invalid": _("请填写数字金额（万元）。")}


class ItemVersionForm(forms.Form):
    """The item's version the page was loaded at; a stale one is refused by the service."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)


class FundingLineForm(forms.Form):
    source = forms.ChoiceField(
        label=_("资金来源"), choices=[("", "—"), *FundingSource.Source.choices]
    )
    amount = forms.DecimalField(
        label=_("金额（万元）"),
        error_messages=AMOUNT_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200)


class BaseFundingFormSet(forms.BaseFormSet):
    """Saved lines first, then blank rows to add; a ticked "删除" removes a line."""

    def lines(self) -> list[tuple[str, Decimal, str]]:
        lines = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue  # a blank row left empty, or a removed line
            data = form.cleaned_data
            lines.append((data["source"], data["amount"], (data.get("note") or "").strip()))
        return lines


FundingFormSet = forms.formset_factory(
    FundingLineForm, formset=BaseFundingFormSet, extra=2, can_delete=True
)


def funding_formset(data: Any = None, *, item: WorkItem) -> BaseFundingFormSet:
    initial = None
    if data is None:
        initial = [
            {"source": f.source, "amount": plain_decimal(f.amount), "note": f.note}
            for f in item.funding.all()
        ]
    return cast(BaseFundingFormSet, FundingFormSet(data, initial=initial, prefix="funding"))


class PlanCurveForm(forms.Form):
    """Twelve monthly amounts (万元); all blank removes the curve, a blank month counts as 0."""

    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=VERSION_ERRORS)

    def __init__(
        self, data: Any = None, *, item: WorkItem, months: list[PlanMonth] | None = None
    ) -> None:
        initial = None
        if data is None:
            initial = {f"m{pm.month}": plain_decimal(pm.amount) for pm in months or []}
            initial["version"] = item.version
        super().__init__(data, initial=initial)
        for month in range(1, 13):
            self.fields[f"m{month}"] = forms.DecimalField(
                # Built per request: the label follows the page's language.
                label=gettext("%(m)s月") % {"m": month},
                required=False,
                error_messages=AMOUNT_ERRORS,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8}),
            )

    def month_fields(self) -> list[forms.BoundField]:
        return [self[f"m{month}"] for month in range(1, 13)]

    def amounts(self) -> list[Decimal | None]:
        return [self.cleaned_data.get(f"m{month}") for month in range(1, 13)]

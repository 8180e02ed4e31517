"""Monthly plans and each month's figure from Excel: 1月…12月 / 一季度…四季度 under 计划 or 完成."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duban.ledger.models import PlanMonth, WorkItem
from duban.org.models import User
from duban.reporting.models import MonthClose, MonthlyReport
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.layout_fixtures import FORMATS, monthly_plan, write

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    fgj = f.UnitFactory(code="fgj", name="示例区发展和改革局", short_name="发改局")
    f.UnitFactory(code="zjj", name="示例区住房和城乡建设局", short_name="住建局")
    return f.UserFactory(role=User.Role.OFFICE, unit=fgj)


def run(content, name, office, **kwargs):
    return ledger_import(content=content, file_name=name, by=office, **kwargs)


def curve(title):
    return list(
        PlanMonth.objects.filter(work_item__title=title)
        .order_by("month")
        .values_list("amount", flat=True)
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_month_columns_set_the_plan_curve_and_each_months_figure(fmt, office, tmp_path):
    content, name = write(monthly_plan(), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok and result.applied, [str(e) for e in result.errors]
    assert curve("示例甲厂房") == [Decimal(100)] * 12
    reports = dict(
        MonthlyReport.objects.filter(work_item__title="示例乙道路").values_list(
            "month", "investment_month"
        )
    )
    assert reports == {1: Decimal(150), 3: Decimal(250)}  # a 0 month makes no empty report
    again = run(content, name, office)
    assert again.ok and again.counts()["unchanged"] == 2


@pytest.mark.parametrize("fmt", FORMATS)
def test_quarter_columns_spread_over_their_months(fmt, office, tmp_path):
    content, name = write(monthly_plan(quarters=True), fmt, tmp_path)
    result = run(content, name, office)
    assert result.ok, [str(e) for e in result.errors]
    assert curve("示例甲厂房") == [Decimal(100)] * 12
    assert sum(curve("示例乙道路")) == Decimal(2400)


def test_plan_that_does_not_add_up_is_refused_naming_row_and_column(office, tmp_path):
    plans = [[1, "示例甲厂房", "区发改局", 1300, *[100] * 12, 90, 110, 100]]
    content, name = write(monthly_plan(plans=plans), "xlsx", tmp_path)
    result = run(content, name, office)
    assert not result.ok and WorkItem.objects.count() == 0
    [error] = result.errors
    assert (error.row, error.header) == (4, "2024年月度计划/1月")
    assert "1200" in error.reason and "1300" in error.reason


def test_closed_month_figures_skipped_with_one_warning_per_row(office, tmp_path):
    MonthClose.objects.create(year=2024, month=1, closed_by=office)
    MonthClose.objects.create(year=2024, month=2, closed_by=office)
    content, name = write(monthly_plan(), "xlsx", tmp_path)
    result = run(content, name, office)
    assert result.ok
    assert set(MonthlyReport.objects.values_list("month", flat=True)) == {3}
    closed = [w for w in result.warnings if "已关账" in w.reason]
    assert sorted(w.row for w in closed) == [4, 5]

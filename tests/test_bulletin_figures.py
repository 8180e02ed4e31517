"""The figure catalogue against hand-computed values, with its provenance (issue 11 §2)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from duban.bulletins.catalogue import (
    COUNT,
    MONEY,
    FigureContext,
    FigureQuery,
    UnknownFigureError,
    all_figures,
    compute,
    compute_many,
    figure_keys,
    get_figure,
)
from duban.core.periods import Period
from duban.ledger.models import FundingSource, Project, WorkItem
from duban.org.models import Responsibility
from duban.problems.models import Problem
from duban.problems.selectors.figures import demand_figures, problem_figures
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors.progress import COMPUTE_QUERIES, REFRESH_QUERIES
from duban.reporting.services import month_close
from tests import factories as f
from tests import problem_factories as pf

S = MonthlyReport.State
MARCH = FigureQuery(2024, 3)
L = WorkItem.Level


def _report(item, year, month, amount, funds=None):
    return f.ReportFactory(
        work_item=item,
        year=year,
        month=month,
        investment_month=Decimal(amount),
        funds_month=None if funds is None else Decimal(funds),
        state=S.ACCEPTED,
    )


@pytest.fixture
def fig(district):
    """The district with a year of starts, reports, funding, a reserve, problems and 包联,
    and last year's ledger holding two of this year's projects (carried over) and one other."""
    d = district
    upd = WorkItem.objects.filter
    upd(pk=d.item_a.pk).update(
        level=L.PROVINCE,
        category=WorkItem.Category.NEW,
        planned_start=date(2024, 3, 10),
        actual_start=date(2024, 3, 1),  # 9 days early
    )
    upd(pk=d.item_b.pk).update(
        level=L.CITY, planned_start=date(2024, 2, 1), actual_start=date(2024, 2, 11)
    )  # 10 days late
    upd(pk=d.item_c.pk).update(planned_start=date(2024, 3, 20))  # not started
    upd(pk=d.item_x.pk).update(actual_start=date(2023, 5, 1))  # carried over: not a start
    Project.objects.filter(pk=d.item_x.project_id).update(industry=Project.Industry.INFRASTRUCTURE)
    # this year: Feb 500 on a; March 1000 on a and 2000 on b
    _report(d.item_a, 2024, 2, 500, funds=400)
    _report(d.item_a, 2024, 3, 1000, funds=600)
    _report(d.item_b, 2024, 3, 2000)
    # last year: a's and x's projects (carried over) and one project only on last year's list
    a23 = f.WorkItemFactory(year=2023, project=d.item_a.project, lead_unit=d.unit_a)
    f.WorkItemFactory(year=2023, project=d.item_x.project, lead_unit=d.unit_b)
    gone = f.WorkItemFactory(year=2023, lead_unit=d.unit_b)
    _report(a23, 2023, 3, 1000)
    _report(gone, 2023, 2, 1500)
    _report(gone, 2023, 4, 9999)  # after March: not in 1–3月
    # funding
    FundingSource.objects.create(work_item=d.item_a, source="central", amount=Decimal(3000))
    FundingSource.objects.create(work_item=d.item_b, source="central", amount=Decimal(2000))
    FundingSource.objects.create(work_item=d.item_b, source="self", amount=Decimal(5000))
    # reserve
    r1 = f.ProjectFactory(
        stage=Project.Stage.RESERVE, industry="industry", total_investment=Decimal(300000)
    )
    r2 = f.ProjectFactory(
        stage=Project.Stage.RESERVE, industry="infrastructure", total_investment=Decimal(200000)
    )
    # problems
    p1 = pf.ClosedProblemFactory(
        work_item=d.item_a, reported_on=date(2024, 3, 5), close_year=2024, close_month=3
    )
    pf.ProblemFactory(work_item=d.item_b, reported_on=date(2024, 4, 1))  # after March
    p3 = pf.AssignedProblemFactory(
        work_item=d.item_b,
        reported_on=date(2024, 2, 10),
        due_date=date(2024, 3, 1),
        category=Problem.Category.FUNDING,
        level=2,
    )
    pf.ProblemFactory(
        work_item=d.item_c,
        reported_on=date(2024, 3, 2),
        state=Problem.State.REJECTED,
        reject_reason="不属实",
    )
    ent = f.EnterpriseFactory()
    dem = pf.ClosedProblemFactory(
        source=Problem.Source.DEMAND,
        work_item=None,
        enterprise=ent,
        lead_unit=d.unit_a,
        reported_on=date(2024, 1, 15),
        close_year=2024,
        close_month=2,
        satisfaction=Problem.Satisfaction.SATISFIED,
    )
    # 包联: one leader with two enterprises and a project, another with an institution
    e2 = f.EnterpriseFactory()
    lia = Responsibility.Relation.LIAISON
    l1 = f.ResponsibilityFactory(leader=d.leader, relation=lia, enterprise=ent)
    f.ResponsibilityFactory(leader=d.leader, relation=lia, enterprise=e2)
    f.ResponsibilityFactory(leader=d.leader, relation=lia, work_item=d.item_c)
    f.ResponsibilityFactory(relation=lia, unit=d.unit_a1)
    for item in (d.item_a, d.item_b, d.item_c, d.item_x, d.task_a):
        item.refresh_from_db()
    d.extra = {"p1": p1, "p3": p3, "dem": dem, "r1": r1, "r2": r2, "l1": l1}
    return d


def _v(key, query=MARCH):
    return compute(key, FigureContext(query))


def test_ledger_counts_and_sums(fig):
    d = fig
    assert _v("ledger.items").value.value == 5
    assert _v("ledger.projects").value.value == 4
    assert _v("ledger.tasks").value.value == 1
    assert _v("ledger.projects.level.province").value.rows == (d.item_a.pk,)
    assert _v("ledger.projects.level.city").value.value == 1
    assert _v("ledger.projects.level.district").value.value == 2
    assert _v("ledger.projects.category.new").value.value == 1
    assert _v("ledger.projects.industry.infrastructure").value.rows == (d.item_x.pk,)
    assert _v("ledger.total_investment").value.value == Decimal(200000)
    assert _v("ledger.annual_plan").value.value == Decimal(48000)
    assert _v("ledger.annual_plan").text == "4.8亿元"


def test_investment_from_the_progress_core(fig):
    d = fig
    assert _v("investment.month").value.value == Decimal(3000)
    ytd = _v("investment.ytd")
    assert ytd.value.value == Decimal(3500)
    assert dict(zip(ytd.value.rows, ytd.value.amounts, strict=True)) == {
        d.item_a.pk: Decimal(1500),
        d.item_b.pk: Decimal(2000),
    }
    done = _v("investment.completion_pct").value.value
    assert done == Decimal(3500) * 100 / Decimal(48000)
    assert _v("investment.completion_pct").text == "7.3%"
    assert _v("investment.time_progress_pct").value.value == Decimal(25)
    gap = _v("investment.gap_pp")
    assert gap.value.value == done - 25
    assert gap.text == "低于序时进度17.7个百分点"


def test_yoy_matches_projects_by_identity(fig):
    d = fig
    # this year 4 projects, last year 3 (a and x carried over, one dropped)
    assert _v("yoy.carried_over").value.rows == tuple(sorted((d.item_a.pk, d.item_x.pk)))
    yoy = _v("yoy.projects")
    assert yoy.value.value == Decimal(100) / 3
    assert yoy.text == "增长33.3%"
    # 1–3月: 3500 against 1000 + 1500 (April last year not counted)
    inv = _v("yoy.investment_ytd")
    assert inv.value.value == Decimal(40)
    assert inv.text == "增长40%"
    # completion: 3500/48000 against 2500/36000, in points
    pp = _v("yoy.completion_pp").value.value
    assert pp == Decimal(3500) * 100 / 48000 - Decimal(2500) * 100 / 36000


def test_yoy_without_last_years_ledger_says_so(fig):
    # 2023's ledger exists but 2022's does not: no invented 100%
    for key in ("yoy.projects", "yoy.investment_ytd", "yoy.completion_pp"):
        res = _v(key, FigureQuery(2023, 3))
        assert res.value.value is None
        assert res.text == "无2022年台账，不计算同比"


def test_starts(fig):
    d = fig
    assert _v("starts.planned").value.rows == tuple(sorted((d.item_a.pk, d.item_b.pk, d.item_c.pk)))
    assert _v("starts.actual").value.rows == tuple(sorted((d.item_a.pk, d.item_b.pk)))
    rate = _v("starts.rate")
    assert rate.value.value == Decimal(200) / 3 and rate.text == "66.7%"
    assert _v("rates.start").value == rate.value
    assert _v("starts.early").value.rows == (d.item_a.pk,)
    assert _v("starts.late").value.rows == (d.item_b.pk,)
    assert _v("starts.on_time").value.value == 0
    avg = _v("starts.avg_days_early")
    assert avg.value.value == Decimal("-0.5")  # (9 + −10) / 2
    assert sum(avg.value.amounts) / len(avg.value.rows) == avg.value.value
    # February: only b has started (a planned start not yet due)
    feb = _v("starts.rate", FigureQuery(2024, 2))
    assert feb.value.rows == (d.item_b.pk,) and feb.value.value == 100


def test_batches_and_finishes(fig):
    d = fig
    assert _v("starts.batches").value.value == 0
    WorkItem.objects.filter(pk__in=[d.item_c.pk, d.item_b.pk]).update(actual_start=date(2024, 3, 1))
    assert _v("starts.batches").value.value == 1
    assert _v("starts.batch_projects").value.value == 3
    WorkItem.objects.filter(pk=d.item_a.pk).update(
        planned_finish=date(2024, 3, 31), actual_finish=date(2024, 3, 30)
    )
    WorkItem.objects.filter(pk=d.item_b.pk).update(planned_finish=date(2024, 2, 28))
    assert _v("finish.planned").value.value == 2
    assert _v("finish.on_time").value.rows == (d.item_a.pk,)
    assert _v("rates.finish_on_time").value.value == 50


def test_funding_and_funding_rate(fig):
    d = fig
    central = _v("funding.central.amount")
    assert central.value.value == Decimal(5000) and central.text == "5000万元"
    assert _v("funding.central.projects").value.rows == tuple(sorted((d.item_a.pk, d.item_b.pk)))
    assert _v("funding.self.amount").value.value == Decimal(5000)
    assert _v("rates.funding").value.value == Decimal(1000) * 100 / Decimal(48000)


def test_reserve_by_industry(fig):
    assert _v("reserve.projects").value.value == 2
    assert _v("reserve.total_investment").text == "50亿元"
    assert _v("reserve.industry.industry.projects").value.rows == (fig.extra["r1"].pk,)
    assert _v("reserve.industry.industry.total_investment").value.value == Decimal(300000)


def test_problems_and_demands_agree_with_the_problem_selectors(fig):
    d = fig
    x = d.extra
    assert _v("problems.total").value.rows == tuple(sorted((x["p1"].pk, x["p3"].pk, x["dem"].pk)))
    assert _v("problems.new").value.rows == (x["p1"].pk,)
    assert _v("problems.closed_month").value.rows == (x["p1"].pk,)
    assert _v("problems.closed").value.value == 2
    assert _v("problems.completion_pct").text == "66.7%"
    assert _v("problems.overdue").value.rows == (x["p3"].pk,)
    assert _v("problems.category.funding").value.rows == (x["p3"].pk,)
    assert _v("problems.level.2").value.rows == (x["p3"].pk,)
    pfig = problem_figures(user=d.office, period=Period(2024, 3))
    assert (pfig.total, pfig.new, pfig.closed, pfig.closed_to_date, pfig.overdue) == (
        _v("problems.total").value.value,
        _v("problems.new").value.value,
        _v("problems.closed_month").value.value,
        _v("problems.closed").value.value,
        _v("problems.overdue").value.value,
    )
    dem = demand_figures(user=d.office, year=2024)
    assert _v("demands.received").value.value == dem.received == 1
    assert _v("demands.resolved").value.value == dem.resolved == 1
    assert _v("demands.completion_pct").value.value == dem.completion_pct == 100
    assert _v("demands.satisfaction_pct").value.value == dem.satisfaction_pct == 100


def test_liaison(fig):
    assert _v("liaison.leaders").value.value == 2
    assert _v("liaison.leaders").text == "2位"
    assert _v("liaison.enterprises").value.value == 2
    assert _v("liaison.enterprises").text == "2家"
    assert _v("liaison.projects").value.value == 1
    assert _v("liaison.institutions").text == "1所"
    mine = _v("liaison.enterprises", FigureQuery(2024, 3, leader_id=fig.leader.pk))
    assert mine.value.value == 2


def test_levels_unit_and_leader_scopes(fig):
    d = fig
    both = FigureQuery(2024, 3, levels=(L.PROVINCE, L.CITY))
    assert _v("ledger.projects", both).value.value == 2
    assert _v("investment.ytd", both).value.value == Decimal(3500)
    unit_a = FigureQuery(2024, 3, unit_id=d.unit_a.pk)
    assert _v("ledger.items", unit_a).value.rows == tuple(sorted((d.item_a.pk, d.task_a.pk)))
    # the leader is in charge of unit A (and below) and liaises with item c
    area = FigureQuery(2024, 3, leader_id=d.leader.pk)
    assert _v("ledger.items", area).value.rows == tuple(
        sorted((d.item_a.pk, d.task_a.pk, d.item_c.pk))
    )


def test_empty_scope_says_zero_or_none(fig):
    empty = FigureQuery(2030, 3)
    for key in figure_keys():
        res = _v(key, empty)
        if res.figure.kind in (COUNT, MONEY):
            assert res.value.value in (0, None) or key.startswith(
                ("reserve.", "liaison.", "problems.overdue")
            )
        assert res.text  # never empty, never a ZeroDivisionError
    assert _v("starts.rate", empty).text == "无"


def test_a_closed_month_never_changes(fig):
    d = fig
    before = compute_many(None, MARCH)
    MonthlyReport.objects.filter(work_item=d.item_b, year=2024, month=3).update(state=S.ACCEPTED)
    month_close(period=Period(2024, 3), by=d.office)
    # a correction after closing does not move the closed month's investment
    MonthlyReport.objects.filter(work_item=d.item_a, month=3).update(investment_month=9999)
    after = compute_many(None, MARCH)
    for key in ("investment.month", "investment.ytd", "investment.completion_pct"):
        assert after[key].value == before[key].value


def test_provenance_rows_add_up_to_every_value(fig):
    for key, res in compute_many(None, MARCH).items():
        v = res.value
        if v.value is None:
            continue
        if res.figure.kind == COUNT and v.amounts is None and not key.startswith("starts.batches"):
            assert len(v.rows) == v.value, key
        if res.figure.kind == MONEY:
            assert sum(v.amounts, Decimal(0)) == v.value, key
        if v.numerator is not None and v.amounts is not None and v.denominator:
            assert sum(v.amounts, Decimal(0)) == v.numerator, key


def test_unknown_keys_are_refused_with_the_known_ones(fig):
    with pytest.raises(UnknownFigureError) as err:
        compute_many(["ledger.projects", "no.such"], MARCH)
    assert "no.such" in str(err.value) and "ledger.projects" in str(err.value)
    assert get_figure("ledger.projects").label
    assert all(str(fg.definition).endswith("。") for fg in all_figures())


def test_the_catalogue_reads_in_a_fixed_number_of_queries(fig, django_assert_max_num_queries):
    # Under one query a figure (the reads are shared); test_bulletin_more holds the count
    # fixed whatever the data. The two open months read (the month and a year before) are
    # judged and kept by the progress core the first time.
    with django_assert_max_num_queries(45 + 2 * (REFRESH_QUERIES - COMPUTE_QUERIES)):
        compute_many(None, MARCH)

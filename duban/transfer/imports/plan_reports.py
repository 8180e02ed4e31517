"""The figures of a ledger row: the month's report, each month's completed investment, the plan
curve, and what happens to a closed month's figures (skipped and listed, or — when the office
ticks it — corrections through the progress core's correction path)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from duban.core.periods import Period
from duban.ledger.models import WorkItem
from duban.ledger.services import plan_curve_mismatch
from duban.reporting.models import COUNTING_STATES, MonthlyReport
from duban.reporting.validation import AMOUNT_FIELDS, amount_problem
from duban.transfer.imports.lookup import Lookup
from duban.transfer.imports.plan_checks import SOURCE_COLUMN, limits
from duban.transfer.imports.plan_row import Correction, RowPlan
from duban.transfer.imports.plan_words import LabelledPeriod, Words, same
from duban.transfer.imports.rows import RowInput

# What a correction of a closed month may change (reporting's CORRECTABLE_FIELDS).
CORRECTABLE = ("investment_month", "funds_month", "progress_text", "progress_pct")
# A report is corrected only once it was submitted or accepted.
CORRECTABLE_STATES = (MonthlyReport.State.SUBMITTED, MonthlyReport.State.ACCEPTED)


class ReportPlanner:
    """The figures of the rows of one import, for one year."""

    def __init__(
        self, *, year: int, lookup: Lookup, words: Words, cap: Decimal, correct_closed: bool
    ) -> None:
        self.year = year
        self.lookup = lookup
        self.words = words
        self.cap = cap
        self.correct_closed = correct_closed
        self.current = Period.current()
        self.periods: dict[int, LabelledPeriod] = {}

    def period(self, month: int) -> LabelledPeriod:
        labelled = self.periods.get(month)
        if labelled is None:
            period = Period(self.year, month)
            label = period.label
            labelled = LabelledPeriod(period, label, self.words.report_new % {"period": label})
            self.periods[month] = labelled
        return labelled

    def plan(self, rp: RowPlan) -> None:
        ri = rp.input
        if ri.done_months and (ri.ytd is not None or ri.month_amount is not None):
            self._months_against_ytd(ri)
        self._report(rp)
        if ri.plan_months is not None:
            self._plan_curve(rp)
        if ri.done_months:
            self._done_months(rp)

    # closed months ----------------------------------------------------------------------

    def counted_from(self, month: int) -> Period | None:
        """The month a correction of `month` counts from: the next open month of the year
        (as report_correct decides it), or None when none is left."""
        p = Period(self.year, month).next()
        while p.year == self.year:
            if p.month not in self.lookup.closed_months:
                return p
            p = p.next()
        return None

    def _correct(
        self, rp: RowPlan, month: int, proposed: dict[str, Any], column: str | None
    ) -> None:
        """A closed month's figures as a correction of its report, or skipped with a warning
        saying why they can't be."""
        ri = rp.input
        period = self.period(month)
        item_id = None if rp.item_new or rp.item is None else rp.item.pk
        report = None if item_id is None else self.lookup.reports.get((item_id, month))
        if report is None or report.state not in CORRECTABLE_STATES:
            ri.warn(
                column,
                _("%(period)s已关账且没有已报送的月报可更正，本行该月数据未导入")
                % {"period": period.label},
            )
            return
        counted_from = self.counted_from(month)
        if counted_from is None:
            ri.warn(
                column,
                _("%(y)s年各月均已关账，更正无处计入，本行%(period)s的数据未导入")
                % {"y": self.year, "period": period.label},
            )
            return
        values = {
            name: value
            for name, value in proposed.items()
            if name in CORRECTABLE and not same(getattr(report, name), value)
        }
        if not values:
            return
        rp.corrections.append(Correction(report.pk, report.version, values, period.label))
        for name, value in values.items():
            rp.changes.append(
                _("%(period)s更正%(field)s：%(old)s → %(new)s（计入%(from)s）")
                % {
                    "period": period.label,
                    "field": self.words.label(MonthlyReport, name),
                    "old": self.words.shown(getattr(report, name)),
                    "new": self.words.shown(value),
                    "from": counted_from.label,
                }
            )
        ri.warn(
            column,
            _("%(period)s已关账：按更正导入，关账数据不变，更正从%(from)s起计入")
            % {"period": period.label, "from": counted_from.label},
        )

    # the row's month ----------------------------------------------------------------------

    def _report(self, rp: RowPlan) -> None:
        ri = rp.input
        month = ri.report_month
        if month is None or (rp.item is None and not rp.item_new):
            return
        period = self.period(month)
        if period > self.current:
            if ri.ytd is not None or ri.month_amount is not None or ri.report:
                ri.error(
                    "ytd_investment" if ri.ytd is not None else "progress",
                    _("%(period)s尚未到来，不能导入该月数据") % {"period": period.label},
                )
            return
        closed = month in self.lookup.closed_months
        if closed and not self.correct_closed:
            # The ledger's own fields import; a closed month's figures never change silently.
            if ri.ytd is not None or ri.month_amount is not None or ri.report:
                ri.warn(
                    "ytd_investment" if ri.ytd is not None else None,
                    _("%(period)s已关账，本行该月的完成投资和进度未导入（其余台账字段照常导入）")
                    % {"period": period.label},
                )
            return
        proposed: dict[str, Any] = dict(ri.report)
        item_id = None if rp.item_new or rp.item is None else rp.item.pk
        if ri.ytd is not None:
            before = self.lookup.counted_sum_before(item_id, month)
            amount = ri.ytd - before
            if amount < 0:
                ri.error(
                    "ytd_investment",
                    _("1-%(month)s月累计完成投资小于此前各月已报送的合计%(amount)s万元")
                    % {"month": month, "amount": f"{before.normalize():f}"},
                )
                return
            if ri.month_amount is not None and ri.month_amount != amount:
                ri.warn(
                    "month_investment",
                    _("本月完成投资与累计数推算的%(amount)s万元不一致，以累计数为准")
                    % {"amount": f"{amount.normalize():f}"},
                )
            proposed["investment_month"] = amount
        elif ri.month_amount is not None:
            proposed["investment_month"] = ri.month_amount
        if not proposed:
            return
        # The report validator the form uses: the same bad figure, the same message. (A
        # figure above the project's total is judged by the ledger's own rule: a warning,
        # unless the ratio says yuan were typed as 万元.)
        for name in AMOUNT_FIELDS:
            problem = amount_problem(name, proposed.get(name))
            if problem:
                column = "ytd_investment" if ri.ytd is not None else "month_investment"
                ri.error(
                    column if name == "investment_month" else SOURCE_COLUMN.get(name, name),
                    _("%(period)s：%(problem)s") % {"period": period.label, "problem": problem},
                )
        limits(
            ri,
            MonthlyReport,
            {k: v for k, v in proposed.items() if k not in AMOUNT_FIELDS},
            self.cap,
        )
        if closed:
            self._correct(rp, month, proposed, "ytd_investment" if ri.ytd is not None else None)
            return
        existing = None if item_id is None else self.lookup.reports.get((item_id, month))
        if existing is None or existing.state not in COUNTING_STATES:
            # The office's ledger is authoritative: its figures count at once (see README).
            proposed["state"] = MonthlyReport.State.ACCEPTED
        if existing is None:
            if (
                proposed.keys() == {"investment_month", "state"}
                and not proposed["investment_month"]
            ):
                return  # nothing new this month: no empty report
            if ri.started:
                proposed["started"] = True
            rp.report_new = True
            rp.report_month = month
            rp.report_changes = proposed
            rp.changes.append(period.report_new)
            return
        rp.report = existing
        for name, value in proposed.items():
            current = getattr(existing, name)
            if not same(current, value):
                rp.report_changes[name] = value
                rp.changes.append(
                    self.words.report_change
                    % {
                        "period": period.label,
                        "field": self.words.label(MonthlyReport, name),
                        "old": self.words.shown(current),
                        "new": self.words.shown(value),
                    }
                )
        if rp.report_changes and rp.item is not None and rp.item.status == WorkItem.Status.DRAFT:
            rp.item_changes.setdefault("status", WorkItem.Status.ACTIVE)

    # monthly series -----------------------------------------------------------------------

    def _months_against_ytd(self, ri: RowInput) -> None:
        """Month columns set the figures; a 1-N月 or 本月 column is only a cross-check."""
        month = ri.report_month
        if ri.ytd is not None and month is not None:
            summed = sum(
                (amount for m, (amount, _c) in ri.done_months.items() if m <= month), Decimal(0)
            )
            if summed != ri.ytd:
                ri.warn(
                    "ytd_investment",
                    _("各月完成投资之和%(sum)s万元与1-%(month)s月累计不一致，以各月数据为准")
                    % {"sum": f"{summed.normalize():f}", "month": month},
                )
        ri.ytd = ri.month_amount = None

    def _plan_curve(self, rp: RowPlan) -> None:
        ri = rp.input
        values = ri.plan_months or []
        annual = ri.item.get("annual_plan")
        if annual is None and rp.item is not None:
            annual = rp.item.annual_plan
        mismatch = plan_curve_mismatch(values, None if annual is None else Decimal(annual))
        if mismatch:
            ri.error(ri.plan_column, mismatch)
            return
        stored = None if rp.item is None else self.lookup.plan_curves.get(rp.item.pk)
        if stored is not None and all(a == b for a, b in zip(stored, values, strict=True)):
            return
        rp.plan_curve = values
        rp.changes.append(
            _("月度计划：%(months)s")
            % {"months": self.words.sep.join(f"{v.normalize():f}" for v in values)}
        )

    def _done_months(self, rp: RowPlan) -> None:
        """Each month's completed investment: a report per month (closed months skipped, or
        corrected when the office asked)."""
        ri = rp.input
        if rp.item is None and not rp.item_new:
            return
        item_id = None if rp.item_new or rp.item is None else rp.item.pk
        closed = []
        for month, (amount, column) in sorted(ri.done_months.items()):
            period = self.period(month)
            if period > self.current:
                if amount:
                    ri.error(
                        column, _("%(period)s尚未到来，不能导入该月数据") % {"period": period.label}
                    )
                continue
            if month in self.lookup.closed_months:
                if self.correct_closed:
                    self._correct(rp, month, {"investment_month": amount}, column)
                else:
                    closed.append(period.label)
                continue
            main = (rp.report_new and rp.report_month == month) or (
                rp.report is not None and rp.report.month == month
            )
            sub = rp if main else RowPlan(input=ri, year=self.year)
            existing = None if item_id is None else self.lookup.reports.get((item_id, month))
            if existing is None and not main:
                if not amount:
                    continue
                sub.report_new, sub.report_month = True, month
                sub.report_changes = {
                    "investment_month": amount,
                    "state": MonthlyReport.State.ACCEPTED,
                }
                rp.changes.append(period.report_new)
                rp.more_reports.append(sub)
                continue
            if main and rp.report_new:
                rp.report_changes["investment_month"] = amount
                continue
            assert existing is not None  # noqa: S101 - main with an existing report, or not main
            sub.report = existing
            proposed: dict[str, Any] = {"investment_month": amount}
            if existing.state not in COUNTING_STATES:
                proposed["state"] = MonthlyReport.State.ACCEPTED
            for name, value in proposed.items():
                current = getattr(existing, name)
                if not same(current, value):
                    sub.report_changes[name] = value
                    rp.changes.append(
                        self.words.report_change
                        % {
                            "period": period.label,
                            "field": self.words.label(MonthlyReport, name),
                            "old": self.words.shown(current),
                            "new": self.words.shown(value),
                        }
                    )
            if sub is not rp and sub.report_changes:
                rp.more_reports.append(sub)
        if closed:
            ri.warn(
                None,
                _("%(periods)s已关账，本行这些月份的完成投资未导入（其余台账字段照常导入）")
                % {"periods": self.words.sep.join(closed)},
            )

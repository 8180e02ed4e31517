"""The demo's monthly reports, driven through the reporting workflow services, each step at
its story moment (a step whose moment has not come yet does not happen)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import timezone

from duban.core.periods import Period
from duban.demo.calendar import StoryClock
from duban.demo.catalogue import (
    PROBLEMS,
    PROGRESS_BUILD,
    PROGRESS_DONE,
    PROGRESS_PRESTART,
    PROGRESS_STAGES,
    PROGRESS_WINTER,
    RETURN_REASONS,
)
from duban.demo.ledger import ItemStory
from duban.demo.people import Organisation
from duban.demo.timeline import curve_investment, monthly_investment, submission_time
from duban.ledger.models import Milestone, WorkItem
from duban.org.models import User
from duban.reporting.models import MonthlyReport
from duban.reporting.services import (
    report_accept,
    report_return,
    report_save,
    report_sign_off,
    report_start,
    report_submit,
)

S = MonthlyReport.State
# What becomes of one report in the demo.
ACCEPTED = "accepted"
RETURNED_THEN_ACCEPTED = "returned_then_accepted"
SUBMITTED = "submitted"
PENDING = "pending"
RETURNED = "returned"
DRAFT = "draft"
MISSING = "missing"


def _at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@dataclass
class ReportRunner:
    org: Organisation
    rng: random.Random
    clock: StoryClock  # each step runs at its story moment
    _last: datetime | None = None  # the moment of the report's last step
    start_node_ids: set[int] = field(default_factory=set)
    stats_node_ids: set[int] = field(default_factory=set)

    def _tick(self, moment: datetime) -> bool:
        """Move the clock to the step's moment. A step the story puts after now (the reporting
        period's reports, early in a month) happens sooner: halfway from the report's last step
        to now, so that every fate is there on any day (a report can't be late before its due
        day, though)."""
        now = self.clock.now()
        if moment > now and self._last is not None:
            moment = self._last + (now - self._last) / 2
        self._last = moment
        return self.clock.tick(moment)

    def remember_nodes(self, stories: list[ItemStory]) -> None:
        ids = [pk for s in stories for pk in s.node_actual]
        for pk, name in Milestone.objects.filter(pk__in=ids).values_list("pk", "name"):
            if name == "开工":
                self.start_node_ids.add(pk)
            elif name == "入统":
                self.stats_node_ids.add(pk)

    # -- figures -------------------------------------------------------------------------

    def _project_data(
        self, story: ItemStory, period: Period
    ) -> tuple[dict[str, Any], dict[int, date | None]]:
        item, end = story.item, period.last_day
        reached: dict[int, date] = {
            pk: day
            for pk, day in story.node_actual.items()
            if pk not in story.reached and day <= end
        }
        starts_now = not story.started and any(pk in self.start_node_ids for pk in reached)
        started = story.started or starts_now
        plan = item.annual_plan or Decimal(0)
        if story.curve is not None:
            # Before the curve's start the item prepares, as planned whatever its fate.
            preparing = period.month < story.curve_from
            investment = curve_investment(
                curve=story.curve,
                month=period.month,
                perf=1.0 if preparing else story.perf,
                started=started or preparing,
                rng=self.rng,
            )
        else:
            investment = monthly_investment(
                annual_plan=plan,
                month=period.month,
                perf=story.perf,
                seasonal=story.seasonal,
                started=started,
                rng=self.rng,
            )
        done: float | None = None
        if started and story.timeline is not None:
            tl = story.timeline
            span = max((tl.actual(tl.planned_finish) - tl.actual_start).days, 1)
            done = min(max((end - tl.actual_start).days / span, 0.02), 1.0)
        data: dict[str, Any] = {
            "investment_month": investment,
            "funds_month": (
                investment * Decimal(str(round(self.rng.uniform(0.8, 1.1), 2)))
            ).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            "progress_text": self._progress_text(story, period, started, done),
            "next_steps": "加强调度，确保完成年度投资计划。",
        }
        if done is not None:
            data["progress_pct"] = Decimal(str(round(done * 100, 1)))
        if starts_now:
            data["started"] = True
            data["started_on"] = min(d for pk, d in reached.items() if pk in self.start_node_ids)
        stats = [d for pk, d in reached.items() if pk in self.stats_node_ids]
        if stats and not story.in_stats:
            data["in_statistics"] = True
            data["in_statistics_on"] = min(stats)
        if story.outcome in ("behind", "overrun") and self.rng.random() < 0.6:
            data["problems_text"] = self.rng.choice(PROBLEMS)
        return data, dict(reached.items())

    def _progress_text(
        self, story: ItemStory, period: Period, started: bool, done: float | None
    ) -> str:
        """形象进度 in the words of the project's stage (`done`: the share of its construction
        done, None when its timeline is unknown). The random draws are the same whatever the
        stage, so the rest of the demo's story does not move with the wording."""
        if not started:
            return self.rng.choice(PROGRESS_PRESTART)
        if story.seasonal and period.month in (11, 12, 1, 2, 3):
            winter = self.rng.choice(PROGRESS_WINTER)
            return PROGRESS_DONE if done is not None and done >= 1.0 else winter
        phrase, pct = self.rng.choice(PROGRESS_BUILD), self.rng.randint(20, 95)
        if done is None:
            return phrase.format(p=pct)
        return stage_text(done)

    def _task_data(
        self, story: ItemStory, period: Period
    ) -> tuple[dict[str, Any], dict[int, tuple[Decimal | None, str]]]:
        values: dict[int, tuple[Decimal | None, str]] = {}
        parts = []
        for indicator in story.item.indicators.all():
            target = indicator.target or Decimal(0)
            base = indicator.baseline
            fraction = Decimal(str(round(min(period.month / 12 * story.perf, 1.15), 4)))
            if period.month == 12 and story.outcome != "behind":
                fraction = max(fraction, Decimal(1))  # the year's target is met by December
            value = base + (target - base) * fraction if base is not None else target * fraction
            places = Decimal("1") if target >= 20 else Decimal("0.01")
            value = max(
                value.quantize(places, rounding=ROUND_HALF_UP),
                story.values.get(indicator.pk, Decimal(0)),
            )
            story.values[indicator.pk] = value
            values[indicator.pk] = (value, "")
            unit = indicator.unit_of_measure
            verb = "达到" if base is not None or unit in ("%", "天") else "累计完成"
            parts.append(
                f"{indicator.name}{verb}{value.normalize():f}{unit}"
                f"（年度目标{target.normalize():f}{unit}）"
            )
        text = "本月按计划推进，" + "；".join(parts) + "。"
        return {"progress_text": text, "next_steps": "对照年度目标，按月调度推进。"}, values

    # -- the workflow --------------------------------------------------------------------

    def file(self, story: ItemStory, period: Period, fate: str, *, late: bool) -> None:
        """One item's report for `period`, taken through the services to `fate`."""
        if fate == MISSING:
            return
        item = story.item
        unit_code = item.lead_unit.code
        head, reporter = self.org.heads[unit_code], self.org.reporters[unit_code]
        # Reporters fill most reports and their heads sign them off; some heads file directly.
        filler = reporter if self.rng.random() < 0.4 else head
        if fate == PENDING:
            filler = reporter
        # Drafted on the month's last afternoon (no draw: the demo stays the same).
        self._last = None
        if not self._tick(_at(period.last_day, 15, item.pk % 60)):
            return
        report = report_start(item=item, period=period, by=filler)
        reached: dict[int, date | None] = {}
        if item.kind == WorkItem.Kind.PROJECT:
            data, reached = self._project_data(story, period)
            report = report_save(
                report=report,
                by=filler,
                version=report.version,
                data=data,
                milestones_reached=reached,
            )
        else:
            data, values = self._task_data(story, period)
            report = report_save(
                report=report, by=filler, version=report.version, data=data, indicator_values=values
            )
        if fate == DRAFT:
            return
        if fate == PENDING:
            if self._tick(_at(period.next().first_day + timedelta(days=2), 10, item.pk % 60)):
                self._submit(report, filler, head, sign_off=False)
            return
        first = submission_time(period, late=late, rng=self.rng)
        if not self._tick(first):
            return
        report = self._submit(report, filler, head, sign_off=True)
        reviewer = self._reviewer(item)
        moment = first
        if fate in (RETURNED, RETURNED_THEN_ACCEPTED):
            reason = self.rng.choice(RETURN_REASONS)
            moment += timedelta(hours=self.rng.randint(4, 30))
            if not self._tick(moment):
                return
            report = report_return(
                report=report, by=reviewer, reason=reason, version=report.version
            )
            if fate == RETURNED:
                return
            moment += timedelta(hours=self.rng.randint(2, 40))
            if not self._tick(moment):
                return
            report = report_save(
                report=report,
                by=filler,
                version=report.version,
                data={"progress_text": report.progress_text + "（已按要求核实更正）"},
            )
            report = self._submit(report, filler, head, sign_off=True)
        if fate == SUBMITTED:
            return
        moment += timedelta(hours=self.rng.randint(2, 48))
        if not self._tick(moment):
            return
        report_accept(report=report, by=reviewer, version=report.version)
        story.reached |= set(reached)
        story.started = story.started or bool(data.get("started"))
        story.in_stats = story.in_stats or bool(data.get("in_statistics"))

    def _submit(
        self, report: MonthlyReport, filler: User, head: User, *, sign_off: bool
    ) -> MonthlyReport:
        """Submit; a reporter's report waits for the head, who signs it off unless told not to."""
        report = report_submit(report=report, by=filler, version=report.version)
        if report.state == S.PENDING_SIGNOFF and sign_off:
            report = report_sign_off(report=report, by=head, version=report.version)
        return report

    def _reviewer(self, item: WorkItem) -> User:
        if item.steward_id and self.rng.random() < 0.6:
            return next(s for s in self.org.stewards if s.pk == item.steward_id)
        return self.org.office_user


def stage_text(done: float) -> str:
    """The phrase of the stage `done` (0–1) falls in, with the share of that stage done."""
    for low, high, phrase, of_stage in PROGRESS_STAGES:
        if done < high:
            share = (done - low) / (high - low) if of_stage else done
            return phrase.format(p=max(1, round(share * 100)))
    return PROGRESS_DONE

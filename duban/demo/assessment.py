"""The demo's 1+N assessment: every close scores its month (the close's signal does that); after
each close the office settles the month and publishes its ranking — a few manual events with
evidence, entered by 督查室 and approved by 推进办 (two people), one objection the office
upholds and one it cancels, the quarters graded on their own. The newest closed month of this
year is left unpublished, for the office to review. Called from `build.py` after each close."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from duban.assessment.models import Rule, ScoreEvent, Source
from duban.assessment.services.manual import (
    manual_event_decide,
    manual_event_propose,
    objection_decide,
    objection_raise,
)
from duban.assessment.services.schemes import scheme_for
from duban.assessment.services.scoring import ranking_publish
from duban.core.periods import Period
from duban.demo.calendar import StoryClock
from duban.demo.people import Organisation
from duban.org.models import User
from duban.org.services import user_create

SECOND_OFFICE = ("ducha", "郑文博", "督查室科员")


@dataclass(frozen=True)
class ManualSpec:
    month: int
    unit: str
    code: str
    reason: str
    evidence: str


# Last year's manual events, by month (the unit codes of catalogue.UNITS).
MANUAL: tuple[ManualSpec, ...] = (
    ManualSpec(
        3, "kfq", "task-bonus", "承担全区重点项目集中开工活动组织保障任务，按期完成",
        "区委办公室、区政府办公室《关于重点项目集中开工活动的通知》及活动方案",
    ),
    ManualSpec(
        5, "jtj", "task-deduction", "经现场督查，主干道改造工程停工12天未报告、未采取措施",
        "区政府督查室现场核查记录（5月14日）及停工期间施工日志",
    ),
    ManualSpec(
        8, "hexing", "task-bonus", "完成城市更新片区征收签约攻坚，提前20天交付净地",
        "区征收办签约进度台账及交地确认书",
    ),
    ManualSpec(
        11, "gxj", "task-deduction", "协调意见落实不到位，企业用电扩容诉求超期未办",
        "区领导协调会纪要及企业诉求办理记录",
    ),
)  # fmt: skip

# (month, source, unit code, reason, cancel?, decision)
OBJECTIONS = (
    (
        4,
        Source.REPORT_LATE,
        "wjj",
        "该项目月报因系统维护延迟报送，已提前电话报备推进办。",
        True,
        "经核实，当日系统维护属实，撤销该项扣分。",
    ),
    (
        7,
        Source.REPORT_LATE,
        "swj",
        "项目单位材料提供不及时，非我单位原因。",
        False,
        "月报报送是牵头单位职责，扣分维持。",
    ),
)


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class DemoAssessment:
    def __init__(self, org: Organisation, rng: random.Random, clock: StoryClock) -> None:
        self.org, self.rng, self.clock = org, rng, clock
        username, full_name, title = SECOND_OFFICE
        self.second = user_create(
            username=username,
            role=User.Role.OFFICE,
            unit_code="tjb",
            full_name=full_name,
            title=title,
        )
        User.objects.filter(pk=self.second.pk).update(
            password=User.objects.values_list("password", flat=True).get(pk=org.office_user.pk)
        )

    @property
    def office(self) -> User:
        return self.org.office_user

    def after_close(self, period: Period, *, last_year: bool, publish: bool) -> None:
        """The day after the close: manual events (last year), objections, then publication."""
        day = period.next().first_day.replace(day=16)
        if last_year:
            self.clock.tick(_at(day, 15))
            for spec in MANUAL:
                if spec.month == period.month:
                    self._manual(period, spec, day)
            for month, source, code, reason, cancel, decision in OBJECTIONS:
                if month == period.month:
                    self._objection(period, source, code, reason, cancel, decision, day)
        if publish:
            self.clock.tick(_at(day + timedelta(days=1), 16))
            ranking_publish(period=period, by=self.office)
        elif not last_year:
            # The newest month: one manual deduction waits for the second office user.
            self.clock.tick(_at(day, 15))
            rule = Rule.objects.get(scheme=scheme_for(period), code="task-deduction")
            manual_event_propose(
                unit=self.org.units["zjj"],
                rule=rule,
                period=period,
                reason="经现场督查，老旧小区改造项目施工组织混乱、进度严重滞后",
                evidence="区政府督查室现场核查记录及整改通知书",
                by=self.second,
            )

    def _manual(self, period: Period, spec: ManualSpec, day: date) -> None:
        rule = Rule.objects.get(scheme=scheme_for(period), code=spec.code)
        event = manual_event_propose(
            unit=self.org.units[spec.unit],
            rule=rule,
            period=period,
            reason=spec.reason,
            evidence=spec.evidence,
            by=self.second,
        )
        self.clock.tick(_at(day, 17))
        manual_event_decide(
            event=event, approve=True, by=self.office, version=event.version, note="情况属实"
        )

    def _objection(
        self,
        period: Period,
        source: str,
        code: str,
        reason: str,
        cancel: bool,
        decision: str,
        day: date,
    ) -> None:
        month = ScoreEvent.objects.filter(
            year=period.year, month=period.month, rule__source=source
        ).order_by("pk")
        # The named unit's event, else the first unit's that month (the story varies by year).
        event = month.filter(unit=self.org.units[code]).first() or month.first()
        if event is None:
            return
        user = self.org.reporters.get(event.unit.code)
        if user is None:
            return
        self.clock.tick(_at(day, 16))
        objection = objection_raise(event=event, reason=reason, by=user)
        self.clock.tick(_at(day + timedelta(days=1), 10))
        objection_decide(
            objection=objection,
            cancel=cancel,
            decision=decision,
            by=self.office,
            version=objection.version,
        )

"""The demo's supervision month: prompts drafted and issued on their days and answered (some
late), the month's cards published after each close, the ladder's interviews held, two flags
(one delisted), and this month's prompt drafts. Called from `build.py` around each close."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from duban.core.periods import Period
from duban.demo.calendar import StoryClock
from duban.demo.people import Organisation
from duban.org.models import User
from duban.supervision.models import Flag, Interview, Prompt, SupervisionSettings
from duban.supervision.services.cards import cards_publish
from duban.supervision.services.flags import (
    flag_confirm,
    flag_delist,
    flag_report_progress,
    flag_request_delist,
)
from duban.supervision.services.interviews import interview_record, interview_schedule
from duban.supervision.services.prompts import prompt_accept, prompt_batch_draft, prompt_issue
from duban.supervision.services.prompts import prompt_reply as reply
from duban.supervision.workdays import add_working_days

LATE_REPLY_SHARE = 0.08


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


class DemoSupervision:
    def __init__(self, org: Organisation, rng: random.Random, clock: StoryClock) -> None:
        self.org, self.rng, self.clock = org, rng, clock
        conf = SupervisionSettings.load()
        conf.district = "示范"
        conf.save()

    @property
    def office(self) -> User:
        return self.org.office_user

    def _replier(self, prompt: Prompt) -> User | None:
        if prompt.unit is None:
            return None
        code = prompt.unit.code
        return self.org.reporters.get(code) or self.org.heads.get(code)

    def _batch(self, kind: str, day: date) -> None:
        """Draft and issue a batch on `day`; each unit replies, some after the deadline."""
        self.clock.tick(_at(day, 9))
        drafts = prompt_batch_draft(kind=kind, on=day)
        if not drafts:
            return
        self.clock.tick(_at(day, 15))
        issued = prompt_issue(prompts={p.pk: p.version for p in drafts}, by=self.office)
        for prompt in issued:
            user = self._replier(prompt)
            if user is None or prompt.reply_due is None:
                continue
            late = self.rng.random() < LATE_REPLY_SHARE
            reply_day = (
                add_working_days(prompt.reply_due, self.rng.randint(1, 4))
                if late
                else add_working_days(day, self.rng.randint(1, 5))
            )
            self.clock.tick(_at(min(reply_day, prompt.reply_due + timedelta(days=9)), 16))
            answers = {
                line.pk: ("已制定整改措施，倒排工期、压实责任，专人盯办。", None)
                for line in prompt.lines.filter(dropped=False)
            }
            replied = reply(prompt=prompt, by=user, answers=answers, version=prompt.version)
            prompt_accept(prompt=replied, by=self.office, version=replied.version)

    def before_close(self, period: Period) -> None:
        """The month's two prompts: 临期 on the 20th, 预警 on the 8th of the next month."""
        conf = SupervisionSettings.load()
        self._batch(Prompt.Kind.DUE_SOON, period.first_day.replace(day=conf.due_soon_day))
        self._batch(Prompt.Kind.WARNING, period.next().first_day.replace(day=conf.warning_day))

    def after_close(self, period: Period) -> None:
        """Publish the cards the close computed and hold the interviews the ladder proposed."""
        day = period.next().first_day.replace(day=18)
        self.clock.tick(_at(day, 9))
        cards_publish(period=period, by=self.office)
        for iv in Interview.objects.filter(year=period.year, month=period.month):
            leader = self.org.leader_for_unit.get(iv.unit.code) or self.org.leaders[0]
            head = self.org.heads.get(iv.unit.code)
            iv = interview_schedule(
                interview=iv,
                on=day + timedelta(days=3),
                interviewer=leader.display_name,
                interviewees=f"{iv.unit.name}{head.display_name if head else ''}",
                version=iv.version,
            )
            iv = interview_record(
                interview=iv,
                outcome="指出问题、提出整改要求，单位表态限期整改。",
                version=iv.version,
            )

    def flags(self, last_year: int) -> None:
        """Two of last year's suggestions become flags; the first is delisted in December."""
        suggested = list(
            Flag.objects.filter(state=Flag.State.SUGGESTED, created_at__year=last_year).order_by(
                "pk"
            )[:2]
        )
        leaders = self.org.leaders
        for n, flag in enumerate(suggested):
            day = flag.created_at.date() + timedelta(days=3)
            self.clock.tick(_at(day, 10))
            flag = flag_confirm(
                flag=flag,
                reason=f"{flag.suggested_because}，推进严重滞后。",
                actions="制定整改方案，倒排工期，每周报告进展。",
                deadline=day + timedelta(days=60),
                criteria="连续两个月无红灯，问题全部销号。",
                flagged_by=leaders[n % len(leaders)],
                version=flag.version,
            )
            user = self.org.heads.get(flag.unit.code) or self.org.office_user
            self.clock.tick(_at(day + timedelta(days=14), 10))
            flag_report_progress(flag=flag, by=user, text="已制定整改方案，正在倒排推进。")
            if n == 0:
                self.clock.tick(_at(day + timedelta(days=50), 10))
                flag = flag_request_delist(
                    flag=flag,
                    by=user,
                    evidence="连续两个月绿灯，相关问题已销号。",
                    version=flag.version,
                )
                self.clock.tick(_at(day + timedelta(days=52), 10))
                flag_delist(flag=flag, by=self.office, approve=True, version=flag.version)

    def drafts_now(self) -> None:
        """This month's prompt drafts, waiting for the office's preview."""
        for kind in (Prompt.Kind.WARNING, Prompt.Kind.DUE_SOON):
            prompt_batch_draft(kind=kind)

"""The demo's clock: the problem stories run through the services "now", but happened in
2023–2024.

Two things keep every rule checkable while the story runs in the present:

- the frame: every date the demo hands to a service (due dates, deadlines, meeting dates, the
  day `duban escalate` runs for) is its story date moved forward by one fixed `shift`, far
  enough that the services' "not before today" checks hold, while the intervals between
  dates — which the escalation rules count — stay exactly as in the story;
- the tick: each step of a story is run at a story time, and the clock notes the real time
  each step began, so any timestamp a service wrote can later be mapped to its story time.

`backdate` is the one shortcut the demo takes (as `build._backdate` does for the reports):
after the story, a queryset update moves every timestamp and framed date of the rows written
in the meantime back to the story's time. Every state was reached by a service.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models
from django.utils import timezone

from duban.core.formatting import date_cn
from duban.core.periods import Period

# How far the frame lies beyond today: framed dates and "today"-derived dates never mix.
FRAME_MARGIN = 100
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_CN = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


class DemoClock:
    def __init__(self, first_day: date) -> None:
        self.real_today = timezone.localdate()
        self.shift = timedelta(days=(self.real_today - first_day).days + FRAME_MARGIN)
        self.threshold = self.real_today + timedelta(days=FRAME_MARGIN // 2)
        self._real: list[datetime] = []
        self._story: list[datetime] = []
        self.started = self.ended = timezone.now()
        self._marks: dict[type[models.Model], int] = {}

    # -- the frame ------------------------------------------------------------------------

    def frame(self, day: date) -> date:
        """The date to hand to a service for story date `day`."""
        return day + self.shift

    def unframe(self, day: date) -> date:
        return day - self.shift if day >= self.threshold else day

    def unframe_text(self, text: str) -> str:
        """A note that quotes framed dates (a due date, a deadline), with its story dates."""

        def back(match: re.Match[str], fmt: str) -> str:
            y, m, d = (int(g) for g in match.groups())
            day = date(y, m, d)
            if day < self.threshold:
                return match.group(0)
            day = self.unframe(day)
            return day.isoformat() if fmt == "iso" else date_cn(day)

        text = _ISO.sub(lambda m: back(m, "iso"), text)
        return _CN.sub(lambda m: back(m, "cn"), text)

    # -- the tick -------------------------------------------------------------------------

    def tick(self, story_time: datetime) -> None:
        """A step of the story, at `story_time`, begins now."""
        self._real.append(timezone.now())
        self._story.append(story_time)

    def story_time(self, real: datetime) -> datetime:
        i = bisect_right(self._real, real) - 1
        if i < 0:
            return real
        return self._story[i] + (real - self._real[i])

    def in_story(self, value: datetime) -> bool:
        return bool(self._real) and self._real[0] <= value <= self.ended

    # -- the backdate pass ----------------------------------------------------------------

    def watch(self, model_list: list[type[models.Model]]) -> None:
        """Remember where each model's rows end: those written later are the story's."""
        for model in model_list:
            for m in (model, _history_of(model)):
                if m is not None:
                    last = m._default_manager.order_by("-pk").values_list("pk", flat=True).first()
                    self._marks[m] = last or 0

    def backdate(self) -> None:
        self.ended = timezone.now()
        escalations = self._escalation_days()
        for model, mark in self._marks.items():
            rows = list(model._default_manager.filter(pk__gt=mark).order_by("pk"))
            changed: set[str] = set()
            for row in rows:
                changed |= self._backdate_row(row, escalations)
            if rows and changed:
                model._default_manager.bulk_update(rows, sorted(changed), batch_size=500)

    def _escalation_days(self) -> dict[int, list[tuple[datetime, date]]]:
        from duban.problems.models import Escalation

        days: dict[int, list[tuple[datetime, date]]] = defaultdict(list)
        for problem_id, at in Escalation.objects.order_by("at", "pk").values_list(
            "problem_id", "at"
        ):
            moment = self.story_time(at) if self.in_story(at) else at
            days[problem_id].append((moment, timezone.localtime(moment).date()))
        return days

    def _backdate_row(
        self, row: models.Model, escalations: dict[int, list[tuple[datetime, date]]]
    ) -> set[str]:
        label = _base_label(row)
        changed: set[str] = set()
        values: dict[str, Any] = {}
        real_created = getattr(row, "created_at", None)
        for f in row._meta.concrete_fields:
            value = getattr(row, f.attname)
            if value is None:
                continue
            if isinstance(f, models.DateTimeField):
                if f.name == "plan_due_at" and real_created is not None:
                    values[f.attname] = self.story_time(real_created) + (value - real_created)
                elif self.in_story(value):
                    values[f.attname] = self.story_time(value)
            elif isinstance(f, models.DateField):
                if (label, f.name) in CREATION_DATES and real_created is not None:
                    created = timezone.localtime(self.story_time(real_created)).date()
                    values[f.attname] = created + (value - timezone.localtime(real_created).date())
                elif f.name == "on" and label == "problems.escalation":
                    values[f.attname] = timezone.localtime(self.story_time(row.at)).date()  # type: ignore[attr-defined]
                elif f.name == "escalated_on" and value < self.threshold:
                    values[f.attname] = self._escalated_on(row, escalations)
                elif value >= self.threshold:
                    values[f.attname] = self.unframe(value)
            elif isinstance(f, models.TextField) and label in TEXTS_WITH_DATES:
                text = self.unframe_text(value)
                if text != value:
                    values[f.attname] = text
        closed_at = values.get("closed_at", getattr(row, "closed_at", None))
        if label == "problems.problem" and closed_at is not None:
            # The close-out month is the story's month of the close.
            period = Period.of(closed_at)
            values["close_year"], values["close_month"] = period.year, period.month
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed.add(name)
        return changed

    def _escalated_on(
        self, row: models.Model, escalations: dict[int, list[tuple[datetime, date]]]
    ) -> date | None:
        """The story day of the problem's latest escalation, as the row (or history row) stood."""
        history_date = getattr(row, "history_date", None)
        problem_id = row.id if history_date is not None else row.pk  # type: ignore[attr-defined]
        as_of = self.story_time(history_date) if history_date is not None else None
        days = [
            d for moment, d in escalations.get(problem_id, []) if as_of is None or moment <= as_of
        ]
        return days[-1] if days else None


# Dates a service derives from "today" when it creates the row.
CREATION_DATES = {("problems.problem", "reported_on"), ("problems.counitresponse", "due_date")}
# Free text into which services write dates.
TEXTS_WITH_DATES = {"problems.problemevent", "problems.escalation"}


def _history_of(model: type[models.Model]) -> type[models.Model] | None:
    history = getattr(model, "history", None)
    return getattr(history, "model", None) if history is not None else None


def _base_label(row: models.Model) -> str:
    instance_type = getattr(row, "instance_type", None)
    if instance_type is not None:
        return str(instance_type._meta.label_lower)
    return str(row._meta.label_lower)

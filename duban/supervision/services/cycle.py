"""The daily cycle (`duban cycle`): escalate problems, mark late replies and missed flags, and
draft the prompt batches on their configured days. Safe to run any number of times a day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from duban.core import clock
from duban.problems.services.escalation import escalate_overdue_problems
from duban.supervision.models import Prompt, SupervisionSettings
from duban.supervision.services.flags import flags_mark_missed
from duban.supervision.services.prompts import prompt_batch_draft, prompts_mark_late


@dataclass(frozen=True)
class CycleResult:
    escalated: int
    late_replies: int
    missed_flags: int
    drafted: dict[str, int]


def cycle_run(*, on: date | None = None) -> CycleResult:
    """One day's cycle; running it again the same day changes nothing more."""
    day = on or clock.today()
    escalated = escalate_overdue_problems(on=day)
    late = prompts_mark_late(on=day)
    missed = flags_mark_missed(on=day)
    conf = SupervisionSettings.load()
    drafted: dict[str, int] = {}
    for kind, dom in (
        (Prompt.Kind.DUE_SOON, conf.due_soon_day),
        (Prompt.Kind.WARNING, conf.warning_day),
    ):
        if day.day == dom:
            drafted[str(kind)] = len(prompt_batch_draft(kind=kind, on=day))
    return CycleResult(len(escalated), late, missed, drafted)

"""两个提示: draft a batch from the current lights, issue it under the district's numbering,
and take the units' replies."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.bulk import history_copy, insert_many, update_rows, values_in
from duban.core.dates import date_check
from duban.core.errors import ApplicationError, check_version
from duban.core.formatting import date_cn
from duban.core.periods import Period
from duban.core.services import last_changed_by, require
from duban.ledger.models import WorkItem
from duban.org.models import Responsibility, User
from duban.problems.models import Problem
from duban.reporting.progress import ItemProgress, Light
from duban.reporting.selectors.progress import compute_progress, rules_in_force
from duban.supervision import events
from duban.supervision.models import Prompt, PromptCounter, PromptItem, SupervisionSettings
from duban.supervision.services import locked
from duban.supervision.workdays import add_working_days

# Problems that are being handled: a due date counts from assignment on.
HANDLED_PROBLEM_STATES = (
    Problem.State.ASSIGNED,
    Problem.State.FEEDBACK_SUBMITTED,
    Problem.State.VERIFIED,
)
DUE_SOON_CODES = frozenset({"due_soon", "milestone_due_soon", "indicator_due_soon"})
WARNING_CODES = frozenset(
    {"behind", "overdue", "milestone_overdue", "indicator_overdue", "indicator_behind"}
)
_SEVERITY = {Light.GREEN: 0, Light.YELLOW: 1, Light.RED: 2}


@dataclasses.dataclass(frozen=True)
class Line:
    unit_id: int
    reason: str
    text: str
    work_item_id: int | None = None
    problem_id: int | None = None
    figures: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def lights_period(on: date) -> Period:
    """The month whose lights a prompt drafted on `on` reads: last month, or January in
    January (the year's items are judged in their own year)."""
    period = Period.of(on)
    return period.previous() if period.month > 1 else period


def _figures(p: ItemProgress) -> dict[str, Any]:
    f = p.figures
    return {
        "annual_plan": None if f.annual_plan is None else str(f.annual_plan),
        "ytd": str(f.ytd_investment),
        "completion_pct": None if f.completion_pct is None else str(f.completion_pct),
        "gap_pp": None if f.gap_pp is None else str(f.gap_pp),
        "light": str(p.light),
        "month": f.month,
    }


def _item_line(item_id: int, unit_id: int, p: ItemProgress, codes: frozenset[str]) -> Line | None:
    wanted = [r for r in p.reasons if r.code in codes]
    if codes is WARNING_CODES and p.light == Light.RED:
        wanted = [r for r in p.reasons if r.light == Light.RED] or wanted
    if not wanted:
        return None
    wanted.sort(key=lambda r: -_SEVERITY[r.light])
    return Line(
        unit_id=unit_id,
        reason=wanted[0].code,
        text="；".join(r.text for r in wanted)[:300],
        work_item_id=item_id,
        figures=_figures(p),
    )


def candidate_lines(kind: str, on: date) -> list[Line]:
    """Every line a prompt of `kind` drafted on `on` would list, from the lights of the month
    before (临期: due within the configured days; 预警: red, behind 序时 or overdue) and the
    problems under handling (due soon, or past their due date)."""
    conf = SupervisionSettings.load()
    period = lights_period(on)
    items = WorkItem.objects.filter(year=period.year, status=WorkItem.Status.ACTIVE)
    units = dict(items.values_list("pk", "lead_unit_id"))
    rules = rules_in_force()[0]
    if kind == Prompt.Kind.DUE_SOON:
        rules = dataclasses.replace(rules, due_soon_days=conf.due_soon_days)
        codes = DUE_SOON_CODES
    else:
        codes = WARNING_CODES
    progress = compute_progress(items, period, today=on, rules=rules)
    lines = [
        line
        for pk, p in progress.items()
        if (line := _item_line(pk, units[pk], p, codes)) is not None
    ]
    problems = Problem.objects.filter(
        state__in=HANDLED_PROBLEM_STATES, lead_unit__isnull=False, due_date__isnull=False
    )
    if kind == Prompt.Kind.DUE_SOON:
        problems = problems.filter(
            due_date__gte=on, due_date__lte=on + timedelta(days=conf.due_soon_days)
        )
        code = "problem_due_soon"
    else:
        problems = problems.filter(due_date__lt=on)
        code = "problem_overdue"
    rows = problems.order_by("due_date", "pk").values_list(
        "pk", "lead_unit_id", "due_date", "level"
    )
    for pk, unit_id, due_date, level in rows:
        if due_date is None or unit_id is None:  # excluded by the filter; for the types
            continue
        days = (due_date - on).days
        text = (
            _("办理时限%(d)s，还有%(n)s天到期") % {"d": date_cn(due_date), "n": days}
            if code == "problem_due_soon"
            else _("办理时限%(d)s，已逾期%(n)s天") % {"d": date_cn(due_date), "n": -days}
        )
        lines.append(
            Line(
                unit_id=unit_id,
                reason=code,
                text=text,
                problem_id=pk,
                figures={"level": level, "due_date": due_date.isoformat()},
            )
        )
    return lines


def _already_listed(kind: str, period: Period) -> set[tuple[int | None, int | None, str]]:
    rows = PromptItem.objects.filter(
        prompt__kind=kind, prompt__year=period.year, prompt__month=period.month, dropped=False
    ).exclude(prompt__state=Prompt.State.DRAFT)
    return set(rows.values_list("work_item_id", "problem_id", "reason"))


@transaction.atomic
def prompt_batch_draft(
    *,
    kind: str,
    on: date | None = None,
    include_repeats: bool = False,
    by: User | None = None,
) -> list[Prompt]:
    """The month's draft batch of `kind`: one prompt per unit with lines to list, or per
    district leader's area when the settings say so (units without a leader in charge keep
    their own prompt). Safe to run again: an existing draft batch of the month is returned as
    it is. An item or problem already listed for the same reason in an issued prompt of the
    month is left out unless `include_repeats`. The prompts and their lines are written in a
    few statements whatever the size of the batch (a province's is 2,000 prompts), each
    prompt's creation kept in its history as `by`'s."""
    if kind not in Prompt.Kind.values:
        raise ApplicationError(_("提示类型无效。"), code="invalid")
    on = on or clock.today()
    period = Period.of(on)
    existing = list(
        Prompt.objects.filter(kind=kind, year=period.year, month=period.month, state="draft")
    )
    if existing:
        return existing
    seen = set() if include_repeats else _already_listed(kind, period)
    lines = [
        line
        for line in candidate_lines(kind, on)
        if (line.work_item_id, line.problem_id, line.reason) not in seen
    ]
    by_area = SupervisionSettings.load().recipients == SupervisionSettings.Recipients.LEADER
    leaders = leaders_in_charge({line.unit_id for line in lines}, on) if by_area else {}
    groups: dict[tuple[str, int], list[Line]] = defaultdict(list)
    for line in lines:
        leader_id = leaders.get(line.unit_id)
        key = ("leader", leader_id) if leader_id else ("unit", line.unit_id)
        groups[key].append(line)
    ordered = sorted(groups.items())
    keys = insert_many(
        Prompt,
        [
            {
                "kind": kind,
                "year": period.year,
                "month": period.month,
                "unit_id": pk if recipient == "unit" else None,
                "leader_id": pk if recipient == "leader" else None,
                "drafted_on": on,
            }
            for (recipient, pk), _group in ordered
        ],
        history_user_id=by.pk if by else None,
    )
    insert_many(
        PromptItem,
        [
            {
                "prompt_id": prompt_id,
                "unit_id": line.unit_id,
                "work_item_id": line.work_item_id,
                "problem_id": line.problem_id,
                "reason": line.reason,
                "reason_text": line.text,
                "figures": dict(line.figures),
            }
            for prompt_id, (_key, group) in zip(keys, ordered, strict=True)
            for line in sorted(group, key=lambda x: x.unit_id)
        ],
    )
    found = {p.pk: p for p in Prompt.objects.filter(pk__in=values_in(keys, of="bigint"))}
    return [found[pk] for pk in keys]


def leaders_in_charge(unit_ids: set[int], on: date) -> dict[int, int]:
    """The district leader in charge (分管) of each unit on `on` (the earliest assignment when
    there are several); units without one are absent."""
    rows = (
        Responsibility.objects.filter(
            unit_id__in=unit_ids,
            relation=Responsibility.Relation.IN_CHARGE,
            leader__role=User.Role.LEADER,
            leader__is_active=True,
        )
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=on))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .order_by("-pk")
        .values_list("unit_id", "leader_id")
    )
    return {unit_id: leader_id for unit_id, leader_id in rows if unit_id is not None}


def _draft(prompt_id: int, version: int) -> Prompt:
    prompt = locked(Prompt, prompt_id, version, _("提示"))
    if prompt.state != Prompt.State.DRAFT:
        raise ApplicationError(_("提示已下发，不能再修改。"))
    return prompt


@transaction.atomic
def prompt_line_drop(*, line: PromptItem, dropped: bool = True, version: int) -> PromptItem:
    """Drop a line from (or put it back into) a draft prompt; `version` is the prompt's."""
    prompt = _draft(line.prompt_id, version)
    line.dropped = dropped
    line.save(update_fields=["dropped"])
    prompt.version += 1
    prompt.save(update_fields=["version", "updated_at"])
    return line


@transaction.atomic
def prompt_drop(*, prompt: Prompt, version: int) -> None:
    """Leave a recipient out of the batch: its draft is deleted."""
    _draft(prompt.pk, version).delete()


def number_of(pattern: str, *, district: str, year: int, n: int) -> str:
    if "{n}" not in pattern:
        raise ApplicationError(_("文号格式必须含 {n}（顺序号）。"), code="invalid")
    try:
        return pattern.format(district=district, year=year, n=n)
    except (KeyError, IndexError, ValueError) as e:
        raise ApplicationError(
            _("文号格式只能使用 {district}、{year}、{n}。"), code="invalid"
        ) from e


@transaction.atomic
def supervision_settings_update(
    *, number_pattern: str, district: str | None = None
) -> SupervisionSettings:
    """Change the numbering pattern (and district name); refused unless it has {n}."""
    conf = SupervisionSettings.load_for_update()
    number_of(number_pattern, district=district or conf.district, year=2000, n=1)
    conf.number_pattern = number_pattern
    if district is not None:
        conf.district = district
    conf.save()
    return conf


@transaction.atomic
def prompt_issue(*, prompts: Mapping[int, int], by: User) -> list[Prompt]:
    """Issue draft prompts, given as {prompt id: the version the office previewed}: each takes
    the next number of the year's sequence (the counter row is locked, so two offices issuing
    at once never share or skip a number) and a reply deadline in working days. Refused as a
    whole if any prompt is not a draft, changed since the preview or lists nothing. A few
    statements whatever the size of the batch (a province's is 2,000 prompts)."""
    if not prompts:
        raise ApplicationError(_("没有要下发的提示。"), code="invalid")
    conf = SupervisionSettings.load()
    now = clock.now()
    today = clock.today()
    ids = sorted(prompts)
    found = {
        p.pk: p
        for p in Prompt.objects.select_for_update(of=("self",))
        .select_related("unit", "leader")
        .filter(pk__in=values_in(ids, of="bigint"))
    }
    rows = []
    for pk in ids:
        p = found.get(pk)
        if p is None:
            raise ApplicationError(_("提示已被删除，请刷新页面后重试。"), code="conflict")
        if p.version != prompts[pk]:
            check_version(
                current=p.version,
                submitted=prompts[pk],
                label=_("提示"),
                changed_by=last_changed_by(p),
            )
        if p.state != Prompt.State.DRAFT:
            raise ApplicationError(_("提示已下发，不能再修改。"))
        rows.append(p)
    listing = set(
        PromptItem.objects.filter(prompt_id__in=values_in(ids, of="bigint"), dropped=False)
        .values_list("prompt_id", flat=True)
        .distinct()
    )
    for p in rows:
        if p.pk not in listing:
            raise ApplicationError(
                _("提示“%(unit)s”没有列入任何事项，不能下发。") % {"unit": p.recipient},
                code="invalid",
            )
    number_of(conf.number_pattern, district=conf.district, year=today.year, n=1)
    due = add_working_days(today, conf.reply_working_days)
    seqs = take_numbers(PromptCounter.Series.PROMPT, today.year, len(rows))
    for p, seq in zip(rows, seqs, strict=True):
        p.seq = seq
        p.number = number_of(conf.number_pattern, district=conf.district, year=today.year, n=seq)
        p.state = Prompt.State.ISSUED
        p.issued_at, p.issued_by, p.reply_due = now, by, due
        p.version += 1
        p.updated_at = now
    # One statement: each prompt its number, all the same state, time, office and deadline.
    update_rows(
        Prompt,
        [("id", "bigint"), ("seq", "integer"), ("number", "text")],
        [(p.pk, p.seq, p.number) for p in rows],
        same={
            "state": Prompt.State.ISSUED,
            "issued_at": now,
            "issued_by": by.pk,
            "reply_due": due,
            "updated_at": now,
        },
        increment=["version"],
    )
    # Each issue kept in the prompts' history, by the office that issued (one statement).
    history_copy(Prompt, ids, history_type="~", history_user_id=by.pk, when=now)
    events.prompts_issued(rows)
    return rows


def take_numbers(series: str, year: int, count: int) -> list[int]:
    """The next `count` numbers of a year's document sequence. The counter row stays locked
    until the caller's transaction ends, so two offices issuing at once never share or skip
    a number."""
    PromptCounter.objects.get_or_create(series=series, year=year)
    counter = PromptCounter.objects.select_for_update().get(series=series, year=year)
    first = counter.last + 1
    counter.last += count
    counter.save(update_fields=["last"])
    return list(range(first, counter.last + 1))


def _locked(prompt: Prompt, version: int) -> Prompt:
    return locked(Prompt, prompt.pk, version, _("提示"))


@transaction.atomic
def prompt_reply(
    *,
    prompt: Prompt,
    by: User,
    answers: Mapping[int, tuple[str, date | None]],
    version: int,
) -> Prompt:
    """The unit's reply: an answer to every line it is asked about (what was done, a new
    date). A prompt to a leader's area lists several units: each answers its own lines, and
    the prompt is replied when every line is. A reply after the deadline is marked late."""
    p = _locked(prompt, version)
    if not p.awaits_reply:
        raise ApplicationError(
            _("该提示当前状态为“%(s)s”，不能答复。") % {"s": p.get_state_display()},
        )
    lines = list(p.lines.filter(dropped=False))
    own = lines if not p.by_area else [line for line in lines if line.unit_id == by.unit_id]
    require(bool(own), _("该提示没有列入你单位的事项。"))
    missing = [line for line in own if not (answers.get(line.pk, ("", None))[0] or "").strip()]
    if missing:
        raise ApplicationError(
            _("请逐项填写落实情况（还有%(n)s项未填）。") % {"n": len(missing)}, code="invalid"
        )
    for line in own:
        date_check(answers[line.pk][1], label=_("预计完成日期"), field="new_date")
    now = clock.now()
    for line in own:
        text, new_date = answers[line.pk]
        line.answer, line.new_date, line.answered_at = text.strip(), new_date, now
        line.save(update_fields=["answer", "new_date", "answered_at"])
    late = p.reply_due is not None and clock.today() > p.reply_due
    if all(line.answered_at is not None for line in lines):
        p.state, p.replied_at, p.replied_by = Prompt.State.REPLIED, now, by
    p.reply_late = p.reply_late or late
    p.version += 1
    p.save()
    return p


@transaction.atomic
def prompt_accept(*, prompt: Prompt, by: User, version: int) -> Prompt:
    """The office accepts a reply."""
    p = _locked(prompt, version)
    if p.state != Prompt.State.REPLIED:
        raise ApplicationError(_("只有已答复的提示才能采纳。"))
    p.state, p.accepted_at = Prompt.State.ACCEPTED, clock.now()
    p.version += 1
    p.save()
    return p


@transaction.atomic
def prompt_return(*, prompt: Prompt, by: User, reason: str, version: int) -> Prompt:
    """The office returns a reply with a reason; the unit answers again."""
    p = _locked(prompt, version)
    if p.state != Prompt.State.REPLIED:
        raise ApplicationError(_("只有已答复的提示才能退回。"))
    if not reason.strip():
        raise ApplicationError(_("退回须写明原因。"), code="invalid")
    p.state, p.return_reason = Prompt.State.RETURNED, reason.strip()
    p.lines.update(answered_at=None)  # every unit answers again (its answers stay to edit)
    p.version += 1
    p.save()
    return p


def prompts_mark_late(*, on: date | None = None) -> int:
    """Mark prompts still awaiting a reply after their deadline as late; returns how many."""
    day = on or clock.today()
    return Prompt.objects.filter(
        state__in=(Prompt.State.ISSUED, Prompt.State.RETURNED),
        reply_due__lt=day,
        reply_late=False,
    ).update(reply_late=True)

"""两个提示: drafting from the lights at their boundaries, the no-repeat rule, numbering
(also under two concurrent transactions), working-day deadlines across 国庆 and its 调休
Saturday, replies and their refusals (every refusal changes nothing)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import OperationalError, connection

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.supervision.models import Prompt, PromptCounter, PromptItem, SupervisionSettings
from duban.supervision.services.prompts import (
    number_of,
    prompt_accept,
    prompt_batch_draft,
    prompt_issue,
    prompt_line_drop,
    prompt_reply,
    prompt_return,
    prompts_mark_late,
    supervision_settings_update,
)
from duban.supervision.workdays import add_working_days, is_working_day
from tests import factories as f
from tests import problem_factories as pf

K = Prompt.Kind


def _lines(prompts, **kw):
    return {
        (line.work_item_id or line.problem_id, line.reason)
        for p in prompts
        for line in p.lines.filter(**kw)
    }


# -- working days -----------------------------------------------------------------------------


def test_working_days_know_national_day_and_its_adjusted_saturday():
    # 2024: 9/29 (Sunday) and 10/12 (Saturday) are 调休 working days; 10/1–10/7 holidays.
    assert is_working_day(date(2024, 9, 29))
    assert is_working_day(date(2024, 10, 12))
    assert not is_working_day(date(2024, 10, 1))
    assert not is_working_day(date(2024, 10, 7))
    assert not is_working_day(date(2024, 10, 13))


def test_reply_deadline_counts_five_working_days_across_the_holiday():
    # Issued Friday 9/27: 9/29 (调休 Sunday), 9/30, then the holiday; 10/8, 10/9, 10/10.
    assert add_working_days(date(2024, 9, 27), 5) == date(2024, 10, 10)
    # Issued Wednesday 10/9: 10/10, 10/11, 10/12 (调休 Saturday), 10/14, 10/15.
    assert add_working_days(date(2024, 10, 9), 5) == date(2024, 10, 15)


def test_issue_sets_the_deadline_in_working_days(district, time_machine):
    time_machine.move_to("2024-09-27 10:00:00+08:00", tick=False)
    prompts = prompt_batch_draft(kind=K.WARNING)
    issued = prompt_issue(prompts={p.pk: p.version for p in prompts[:1]}, by=district.office)
    assert issued[0].reply_due == date(2024, 10, 10)


# -- drafting from the lights ----------------------------------------------------------------


def test_warning_lists_items_behind_at_the_yellow_boundary(district):
    d = district
    # March: 序时 25%. item_a 1800/12000 = 15% → 10 points behind (yellow); item_c 1801 → 9.99.
    f.ReportFactory(work_item=d.item_a, month=3, investment_month=Decimal(1800))
    f.ReportFactory(work_item=d.item_c, month=3, investment_month=Decimal(1801))
    f.ReportFactory(work_item=d.item_b, month=3, investment_month=Decimal(3000))
    f.ReportFactory(work_item=d.item_x, month=3, investment_month=Decimal(3000))
    prompts = prompt_batch_draft(kind=K.WARNING)
    listed = _lines(prompts)
    assert (d.item_a.pk, "behind") in listed
    assert not any(pk == d.item_c.pk for pk, _r in listed)
    by_unit = {p.unit_id: p for p in prompts}
    assert d.unit_a.pk in by_unit and d.unit_b.pk not in by_unit
    line = by_unit[d.unit_a.pk].lines.get(work_item=d.item_a)
    assert Decimal(line.figures["ytd"]) == Decimal(1800)
    assert line.figures["gap_pp"].startswith("-10")
    assert "低于序时进度10.0个百分点" in line.reason_text
    assert all(p.state == Prompt.State.DRAFT and p.number == "" for p in prompts)


def test_warning_lists_overdue_items_and_problems_past_due(district):
    d = district
    d.item_b.planned_finish = date(2024, 3, 29)  # in March, the month the lights judge
    d.item_b.save()
    late = pf.AssignedProblemFactory(work_item=d.item_x, due_date=date(2024, 4, 2))
    on_due = pf.AssignedProblemFactory(work_item=d.item_x, due_date=date(2024, 4, 3))
    listed = _lines(prompt_batch_draft(kind=K.WARNING))
    assert (d.item_b.pk, "overdue") in listed
    assert (late.pk, "problem_overdue") in listed
    assert not any(pk == on_due.pk and r.startswith("problem") for pk, r in listed)


def test_due_soon_lists_within_the_configured_days(district):
    d = district
    d.item_a.planned_finish = clock.today() + timedelta(days=7)
    d.item_a.save()
    d.item_b.planned_finish = clock.today() + timedelta(days=8)
    d.item_b.save()
    f.MilestoneFactory(work_item=d.item_c, name="主体封顶", planned_date=date(2024, 4, 5))
    soon = pf.AssignedProblemFactory(work_item=d.item_x, due_date=date(2024, 4, 10))
    later = pf.AssignedProblemFactory(work_item=d.item_x, due_date=date(2024, 4, 11))
    listed = _lines(prompt_batch_draft(kind=K.DUE_SOON))
    assert (d.item_a.pk, "due_soon") in listed
    assert (d.item_c.pk, "milestone_due_soon") in listed
    assert (soon.pk, "problem_due_soon") in listed
    assert not any(pk == d.item_b.pk for pk, _r in listed)
    assert not any(pk == later.pk and r.startswith("problem") for pk, r in listed)


def test_draft_is_idempotent_and_repeats_are_left_out(district):
    first = prompt_batch_draft(kind=K.WARNING)
    assert prompt_batch_draft(kind=K.WARNING) == first
    prompt_issue(prompts={p.pk: p.version for p in first}, by=district.office)
    # Same month, same reasons: nothing new to list.
    assert prompt_batch_draft(kind=K.WARNING) == []
    # Unless the office asks for repeats.
    again = prompt_batch_draft(kind=K.WARNING, include_repeats=True)
    assert _lines(again) == _lines(first)


def test_a_batch_is_drafted_in_a_fixed_number_of_queries_with_its_history(district):
    from django.test.utils import CaptureQueriesContext

    def late_units(n):
        for _ in range(n):
            f.WorkItemFactory(lead_unit=f.UnitFactory(), planned_finish=date(2024, 3, 29))

    def drafted():
        Prompt.objects.filter(state=Prompt.State.DRAFT).delete()
        with CaptureQueriesContext(connection) as ctx:
            prompts = prompt_batch_draft(kind=K.WARNING, by=district.office)
        return prompts, len(ctx.captured_queries)

    # given: a unit's item past its planned finish (March, the month the lights judge)
    late_units(1)
    few, queries = drafted()
    # when: four more units have one
    late_units(4)
    many, more_queries = drafted()
    # then: a prompt more for each, their lines, the same statements
    assert len(many) == len(few) + 4 and more_queries == queries
    assert all(p.lines.filter(reason="overdue").exists() for p in many[-4:])
    # and each prompt's creation is in its history, as the office's
    created = Prompt.history.filter(id__in=[p.pk for p in many], history_type="+")
    assert created.count() == len(many)
    assert set(created.values_list("history_user_id", flat=True)) == {district.office.pk}


# -- issue and numbering ----------------------------------------------------------------------


def test_issue_numbers_in_sequence_with_the_pattern(district):
    supervision_settings_update(number_pattern="{district}督提〔{year}〕{n}号", district="南岗")
    prompts = prompt_batch_draft(kind=K.WARNING)
    assert len(prompts) == 3  # A, A1 (task), B
    issued = prompt_issue(prompts={p.pk: p.version for p in prompts}, by=district.office)
    assert [p.number for p in issued] == [
        "南岗督提〔2024〕1号",
        "南岗督提〔2024〕2号",
        "南岗督提〔2024〕3号",
    ]
    assert PromptCounter.objects.get(year=2024).last == 3


def test_pattern_without_n_is_refused_and_nothing_changes(district):
    before = SupervisionSettings.load().number_pattern
    with pytest.raises(ApplicationError, match=r"\{n\}"):
        supervision_settings_update(number_pattern="督提〔{year}〕号")
    with pytest.raises(ApplicationError, match="只能使用"):
        number_of("{x}{n}", district="南岗", year=2024, n=1)
    assert SupervisionSettings.load().number_pattern == before


def test_issuing_an_empty_prompt_is_refused_and_nothing_changes(district):
    prompts = prompt_batch_draft(kind=K.WARNING)
    for line in prompts[0].lines.all():
        prompt_line_drop(line=line, version=Prompt.objects.get(pk=line.prompt_id).version)
    prompts = list(Prompt.objects.filter(pk__in=[p.pk for p in prompts]))
    with pytest.raises(ApplicationError, match="没有列入任何事项"):
        prompt_issue(prompts={p.pk: p.version for p in prompts}, by=district.office)
    assert not Prompt.objects.exclude(state="draft").exists()
    assert not PromptCounter.objects.filter(last__gt=0).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_issue_never_duplicates_or_skips_a_number(district):
    prompts = prompt_batch_draft(kind=K.WARNING)
    assert len(prompts) >= 2
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def issue(prompt: Prompt) -> None:
        try:
            barrier.wait(timeout=5)
            for _attempt in range(200):
                try:
                    prompt_issue(prompts={p.pk: p.version for p in [prompt]}, by=district.office)
                    return
                except OperationalError as e:
                    # The test database is SQLite in memory, which reports a lock at once
                    # where a file database waits (busy timeout): wait here instead.
                    if "locked" not in str(e):
                        raise
                    time.sleep(0.01)
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(p,)) for p in prompts[:2]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    seqs = sorted(Prompt.objects.exclude(seq=None).values_list("seq", flat=True))
    assert seqs == [1, 2]
    assert PromptCounter.objects.get(year=2024).last == 2


# -- replies --------------------------------------------------------------------------------


def _issued(district):
    prompts = prompt_batch_draft(kind=K.WARNING)
    issued = prompt_issue(prompts={p.pk: p.version for p in prompts}, by=district.office)
    return next(p for p in issued if p.unit_id == district.unit_a.pk)


def _answers(prompt, text="已落实"):
    return {line.pk: (text, date(2024, 5, 31)) for line in prompt.lines.filter(dropped=False)}


def test_reply_on_time_then_accept(district):
    p = _issued(district)
    p = prompt_reply(prompt=p, by=district.reporter_a, answers=_answers(p), version=p.version)
    assert p.state == Prompt.State.REPLIED and not p.reply_late
    assert set(p.lines.values_list("answer", flat=True)) == {"已落实"}
    p = prompt_accept(prompt=p, by=district.office, version=p.version)
    assert p.state == Prompt.State.ACCEPTED


def test_reply_after_the_deadline_is_late(district, time_machine):
    p = _issued(district)
    assert p.reply_due == date(2024, 4, 11)  # 4/4–4/6 清明; 4/7 (Sunday) is a working day
    time_machine.move_to("2024-04-12 09:00:00+08:00", tick=False)
    assert prompts_mark_late() == 3
    p = prompt_reply(prompt=p, by=district.reporter_a, answers=_answers(p), version=p.version)
    assert p.reply_late


def test_reply_refusals_change_nothing(district):
    p = _issued(district)
    # Unanswered lines.
    with pytest.raises(ApplicationError, match="逐项填写"):
        prompt_reply(prompt=p, by=district.reporter_a, answers={}, version=p.version)
    p.refresh_from_db()
    assert p.state == Prompt.State.ISSUED and p.replied_at is None
    # Returning needs a reason.
    p = prompt_reply(prompt=p, by=district.reporter_a, answers=_answers(p), version=p.version)
    with pytest.raises(ApplicationError, match="原因"):
        prompt_return(prompt=p, by=district.office, reason=" ", version=p.version)
    p.refresh_from_db()
    assert p.state == Prompt.State.REPLIED
    p = prompt_return(prompt=p, by=district.office, reason="未写明时限", version=p.version)
    p = prompt_reply(
        prompt=p, by=district.reporter_a, answers=_answers(p, "补充"), version=p.version
    )
    p = prompt_accept(prompt=p, by=district.office, version=p.version)
    # Replying after the office accepted.
    with pytest.raises(ApplicationError, match="不能答复"):
        prompt_reply(
            prompt=p, by=district.reporter_a, answers=_answers(p, "再改"), version=p.version
        )
    assert set(PromptItem.objects.filter(prompt=p).values_list("answer", flat=True)) == {"补充"}
    p.refresh_from_db()
    assert p.state == Prompt.State.ACCEPTED

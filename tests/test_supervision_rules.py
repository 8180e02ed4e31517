"""The card rules as DOMAIN.md §4 words them (defaults 2 red items / 2 months; a missed monthly
target; a false report), the version every change requires, flag notice numbers and flags
created by the office, and the API's figures and counts."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from ninja.testing import TestClient

from duban.api.api import api as duban_api
from duban.core.errors import ApplicationError, ConflictError
from duban.core.periods import Period
from duban.ledger.services import work_item_set_plan_curve
from duban.org.services import api_token_create
from duban.reporting.models import MonthlyReport
from duban.reporting.services import month_close
from duban.supervision.models import Card, CardRules, Colour, FalseReport, Flag, Prompt
from duban.supervision.selectors import card_explanation
from duban.supervision.services.cards import colour_of, missed_target
from duban.supervision.services.false_reports import false_report_record
from duban.supervision.services.flags import flag_confirm, flag_create, flag_dismiss
from duban.supervision.services.prompts import (
    prompt_accept,
    prompt_batch_draft,
    prompt_drop,
    prompt_issue,
    prompt_line_drop,
)
from tests import factories as f
from tests.supervision_fixtures import issued_prompt

MAR = Period(2024, 3)
ON_TIME = datetime(2024, 3, 31, 9, tzinfo=UTC)


def _report(item, month, amount, state=MonthlyReport.State.ACCEPTED):
    return f.ReportFactory(
        work_item=item,
        month=month,
        investment_month=Decimal(amount),
        state=state,
        submitted_at=ON_TIME,
        first_submitted_at=ON_TIME,
    )


def _card(unit, period=MAR):
    return Card.objects.get(unit=unit, year=period.year, month=period.month)


# -- the rules -----------------------------------------------------------------------------


def test_default_rules_are_domains():
    rules = CardRules()
    assert (rules.several_red, rules.red_item_months) == (2, 2)
    assert colour_of({"red_items": [1, 2]}, rules) == Colour.RED
    assert colour_of({"red_items": [1]}, rules) == Colour.YELLOW
    assert colour_of({"missed_targets": [1]}, rules) == Colour.YELLOW
    assert colour_of({"false_reports": [1]}, rules) == Colour.RED


def _curve(item, per_month: int):
    item.refresh_from_db()
    work_item_set_plan_curve(item=item, amounts=[Decimal(per_month)] * 12, version=item.version)


def test_missed_monthly_target_makes_a_yellow_card_and_explains_it(district):
    """item_a plans 1000 a month; by March it did 2600 of 3000 (−3.3 points of the annual plan:
    met within 5); item_c did 2000 (−8.3 points: missed)."""
    d = district
    for item in (d.item_a, d.item_b, d.item_c, d.item_x):
        _curve(item, 1000)
    for m, amount in ((1, 1000), (2, 1000), (3, 600)):
        _report(d.item_a, m, amount)
    for m, amount in ((1, 1000), (2, 1000), (3, 1000)):
        _report(d.item_b, m, amount)
        _report(d.item_x, m, amount)
    for m, amount in ((1, 800), (2, 600), (3, 600)):
        _report(d.item_c, m, amount)
    for m in (1, 2, 3):
        month_close(period=Period(2024, m), by=d.office)
    assert _card(d.unit_a).facts.get("missed_targets") is None
    b = _card(d.unit_b)
    assert b.facts["missed_targets"] == [d.item_c.pk]
    assert b.colour == Colour.YELLOW, b.facts
    lines = card_explanation(b)
    assert lines[-1].text == "有1个事项未完成月度计划（低于累计月度计划5个百分点及以上）"
    assert lines[-1].links[0][0] == "住建项目丙"


def test_missed_target_boundary_and_items_without_a_curve():
    rules = CardRules()
    snap = type(
        "Snap",
        (),
        {
            "month": 3,
            "annual_plan": Decimal(12000),
            "prior_cumulative": Decimal(0),
            "investment_month": None,
            "cumulative_plan": Decimal(3000),
        },
    )
    exactly = snap()
    exactly.ytd_investment = Decimal(2400)  # 20% against 25%: −5 points, missed
    assert missed_target(exactly, rules)
    within = snap()
    within.ytd_investment = Decimal("2401")
    assert not missed_target(within, rules)
    flat = snap()
    flat.cumulative_plan = None
    flat.ytd_investment = Decimal(0)
    assert not missed_target(flat, rules)  # no monthly plan: 序时 is the lights' business


def test_false_report_returns_it_and_makes_the_card_red(district):
    d = district
    report = _report(d.item_a, 3, 1000, state=MonthlyReport.State.SUBMITTED)
    with pytest.raises(ApplicationError, match="写明理由"):
        false_report_record(report=report, by=d.office, reason=" ", version=report.version)
    with pytest.raises(ApplicationError, match="只有推进办"):
        false_report_record(report=report, by=d.head_a, reason="x", version=report.version)
    with pytest.raises(ConflictError):
        false_report_record(report=report, by=d.office, reason="x", version=report.version + 1)
    assert not FalseReport.objects.exists()
    found = false_report_record(
        report=report, by=d.office, reason="投资额与统计数据不符", version=report.version
    )
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.RETURNED
    assert report.return_reason == "虚假填报：投资额与统计数据不符"
    assert (found.unit, found.year, found.month) == (d.unit_a, 2024, 3)
    with pytest.raises(ApplicationError, match="已被认定"):
        false_report_record(report=report, by=d.office, reason="x", version=report.version)
    month_close(period=MAR, by=d.office)
    card = _card(d.unit_a)
    assert card.colour == Colour.RED
    assert card.facts["false_reports"] == [report.pk]
    line = card_explanation(card)[0]
    assert line.text == "有1份月报被认定为虚假填报"
    assert line.links[0][1] == f"/reports/{report.pk}/"


def test_false_report_refused_for_a_closed_month_or_a_draft(district):
    d = district
    draft = _report(d.item_b, 3, 1000, state=MonthlyReport.State.DRAFT)
    with pytest.raises(ApplicationError, match="只有已报送或已退回"):
        false_report_record(report=draft, by=d.office, reason="x", version=draft.version)
    feb = _report(d.item_a, 2, 1000, state=MonthlyReport.State.RETURNED)
    month_close(period=Period(2024, 2), by=d.office)
    with pytest.raises(ApplicationError, match="已关账"):
        false_report_record(report=feb, by=d.office, reason="x", version=feb.version)


def test_false_report_page_and_api(district, login):
    d = district
    report = _report(d.item_a, 3, 1000, state=MonthlyReport.State.SUBMITTED)
    assert login(d.head_a).get(f"/supervision/reports/{report.pk}/false/").status_code == 403
    page = login(d.office).get(f"/ledger/{d.item_a.pk}/")
    assert f"/supervision/reports/{report.pk}/false/" in page.content.decode()
    c = login(d.office)
    c.post(f"/supervision/reports/{report.pk}/false/", {"reason": "不实"})  # no version
    assert not FalseReport.objects.exists()
    c.post(
        f"/supervision/reports/{report.pk}/false/", {"reason": "不实", "version": report.version}
    )
    assert FalseReport.objects.get().reason == "不实"
    other = _report(d.item_b, 3, 1000, state=MonthlyReport.State.SUBMITTED)
    api = _api()
    assert (
        api(d.reporter_a, "post", f"/reports/{other.pk}/false", json={"version": 1, "reason": "x"})
    ).status_code == 403
    r = api(d.office, "post", f"/reports/{other.pk}/false", json={"version": 1, "reason": "x"})
    assert r.status_code == 200, r.json()
    assert r.json()["unit"]["code"] == "b"
    assert [x["report_id"] for x in api(d.reporter_b, "get", "/false-reports").json()["items"]] == [
        other.pk
    ]


# -- version required ----------------------------------------------------------------------


def test_every_change_needs_the_version_it_read(district):
    d = district
    p = issued_prompt(d.unit_a, items=[d.item_a], state="replied")
    with pytest.raises(ApplicationError, match="缺少版本号"):
        prompt_accept(prompt=p, by=d.office, version=None)  # type: ignore[arg-type]
    with pytest.raises(ConflictError):
        prompt_accept(prompt=p, by=d.office, version=p.version + 1)
    assert Prompt.objects.get(pk=p.pk).state == "replied"
    flag = Flag.objects.create(target="unit", unit=d.unit_b, state=Flag.State.SUGGESTED)
    with pytest.raises(ApplicationError, match="缺少版本号"):
        flag_dismiss(flag=flag, reason="x", version=None)  # type: ignore[arg-type]
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    line = drafts[0].lines.first()
    with pytest.raises(ConflictError):
        prompt_line_drop(line=line, version=drafts[0].version + 1)
    with pytest.raises(ConflictError):
        prompt_drop(prompt=drafts[0], version=drafts[0].version + 1)
    prompt_line_drop(line=line, version=drafts[0].version)
    with pytest.raises(ConflictError):  # the preview is stale: the draft changed since
        prompt_issue(prompts={x.pk: x.version for x in drafts}, by=d.office)
    assert not Prompt.objects.filter(state="issued", seq__isnull=False).exists()


def test_issue_page_refuses_a_missing_or_stale_version(district, login):
    d = district
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    c = login(d.office)
    pks = [p.pk for p in drafts]
    c.post("/supervision/prompts/issue/", {"prompt": pks})
    assert not Prompt.objects.exclude(state="draft").exists()
    stale = {f"version-{p.pk}": p.version + 1 for p in drafts}
    c.post("/supervision/prompts/issue/", {"prompt": pks, **stale})
    assert not Prompt.objects.exclude(state="draft").exists()
    ok = {f"version-{p.pk}": p.version for p in drafts}
    c.post("/supervision/prompts/issue/", {"prompt": pks, **ok})
    assert Prompt.objects.filter(state="issued").count() == len(drafts)


# -- flags: numbers and direct creation ----------------------------------------------------


TERMS = {
    "reason": "推进滞后",
    "actions": "每周报告进展",
    "deadline": date(2024, 6, 30),
    "criteria": "连续两个月无红灯",
}


def test_flags_take_the_next_number_of_their_own_sequence(district):
    d = district
    issued = prompt_issue(
        prompts={p.pk: p.version for p in prompt_batch_draft(kind=Prompt.Kind.WARNING)},
        by=d.office,
    )
    assert issued[0].number == "本区督提〔2024〕1号"
    suggested = Flag.objects.create(target="unit", unit=d.unit_b, state=Flag.State.SUGGESTED)
    first = flag_confirm(flag=suggested, flagged_by=d.leader, version=suggested.version, **TERMS)
    second = flag_create(work_item=d.item_b, flagged_by=d.leader, **TERMS)
    assert (first.number, second.number) == ("本区督办〔2024〕1号", "本区督办〔2024〕2号")
    assert (second.target, second.unit) == (Flag.Target.ITEM, d.unit_b)
    with pytest.raises(ApplicationError, match="已有建议挂牌或正在督办"):
        flag_create(work_item=d.item_b, flagged_by=d.leader, **TERMS)
    with pytest.raises(ApplicationError, match="请选择一个挂牌对象"):
        flag_create(unit=d.unit_a, work_item=d.item_a, flagged_by=d.leader, **TERMS)
    with pytest.raises(ApplicationError, match="区领导"):
        flag_create(unit=d.unit_a, flagged_by=d.office, **TERMS)
    assert Flag.objects.filter(state="open").count() == 2


def test_office_flags_from_the_page(district, login):
    d = district
    form = {**TERMS, "deadline": "2024-06-30", "target": "unit", "id": d.unit_a.pk}
    assert login(d.head_a).post("/supervision/flags/", form).status_code == 403
    r = login(d.office).post("/supervision/flags/", {**form, "leader": d.leader.pk})
    flag = Flag.objects.get()
    assert r.status_code == 302 and r.url == f"/supervision/flags/{flag.pk}/"
    assert flag.number == "本区督办〔2024〕1号" and flag.unit == d.unit_a
    page = login(d.office).get("/supervision/flags/?target=item&id=5").content.decode()
    assert 'value="5"' in page
    unit_page = login(d.office).get(f"/supervision/units/{d.unit_b.pk}/").content.decode()
    assert f"?target=unit&amp;id={d.unit_b.pk}" in unit_page
    # a number that names nothing: the form says what to fix and keeps what was typed
    r = login(d.office).post("/supervision/flags/", {**form, "target": "item", "id": 99999})
    page = r.content.decode()
    assert r.status_code == 200 and "没有编号为99999的事项" in page
    assert 'value="99999"' in page and TERMS["reason"] in page
    assert Flag.objects.count() == 1


def _api():
    client = TestClient(duban_api)

    def call(user, method: str, path: str, **kwargs):
        headers = {"Authorization": f"Bearer {api_token_create(user=user)}"}
        return getattr(client, method)(path, headers=headers, **kwargs)

    return call


def test_flag_api_creates_with_a_number_and_is_scoped(district):
    d = district
    api = _api()
    body = {**TERMS, "deadline": "2024-06-30", "target": "item", "id": d.item_b.pk}
    assert api(d.head_b, "post", "/flags", json={**body, "leader": d.leader.pk}).status_code == 403
    r = api(d.office, "post", "/flags", json={**body, "leader": d.leader.pk})
    assert r.status_code == 200, r.json()
    assert r.json()["number"] == "本区督办〔2024〕1号"
    assert r.json()["unit"]["code"] == "b"
    missing = api(d.office, "post", "/flags", json={**body, "id": 999999, "leader": d.leader.pk})
    assert missing.status_code == 404
    no_leader = api(
        d.office,
        "post",
        "/flags",
        json={**body, "target": "unit", "id": d.unit_a.pk, "leader": d.office.pk},
    )
    assert no_leader.status_code == 422
    assert [x["id"] for x in api(d.reporter_a, "get", "/flags").json()["items"]] == []


# -- API: figures and counts ---------------------------------------------------------------


def test_prompt_figures_and_card_counts_in_the_api(district):
    d = district
    issued = prompt_issue(
        prompts={p.pk: p.version for p in prompt_batch_draft(kind=Prompt.Kind.WARNING)},
        by=d.office,
    )
    api = _api()
    rows = api(d.office, "get", "/prompts/figures?year=2024").json()
    assert sum(r["prompts"] for r in rows) == len(issued)
    assert sum(r["items"] for r in rows) == sum(p.lines.count() for p in issued)
    own = api(d.reporter_b, "get", "/prompts/figures?year=2024").json()
    assert {r["unit"] for r in own} == {"区住建局"}
    assert api(d.office, "get", "/prompts/figures").status_code == 422
    month_close(period=MAR, by=d.office)
    counts = api(d.office, "get", "/cards/counts?year=2024&month=3").json()
    assert counts["green"] + counts["yellow"] + counts["red"] == 3
    # Units see only published cards.
    assert api(d.reporter_b, "get", "/cards/counts?year=2024").json()["red"] == 0
    assert api(d.office, "get", "/cards/counts").status_code == 422
    year_of_b = api(d.office, "get", f"/cards?year=2024&unit={d.unit_b.pk}").json()["items"]
    assert [c["unit"]["code"] for c in year_of_b] == ["b"]


# -- prompts per leader's area ---------------------------------------------------------------


@pytest.fixture
def by_area(district):
    from duban.org.models import Responsibility
    from duban.supervision.models import SupervisionSettings

    d = district
    f.ResponsibilityFactory(
        leader=d.leader, unit=d.unit_b, relation=Responsibility.Relation.IN_CHARGE
    )
    conf = SupervisionSettings.load()
    conf.recipients = SupervisionSettings.Recipients.LEADER
    conf.save()
    return d


def test_prompts_per_leader_area_list_every_unit_of_the_area(by_area):
    d = by_area
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    area = next(p for p in drafts if p.leader_id)
    assert area.unit is None and area.leader == d.leader
    assert area.recipient == f"{d.leader.display_name}分管领域"
    assert {line.unit_id for line in area.lines.all()} == {d.unit_a.pk, d.unit_b.pk}
    # A unit without a leader in charge keeps its own prompt.
    assert [p.unit for p in drafts if not p.leader_id] == [d.unit_a1]


def test_each_unit_answers_its_own_lines_of_an_area_prompt(by_area, login, time_machine):
    from duban.supervision.permissions import can_reply_prompt
    from duban.supervision.selectors import prompt_list
    from duban.supervision.services.cards import card_facts
    from duban.supervision.services.prompts import prompt_reply, prompts_mark_late

    d = by_area
    drafts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    issued = prompt_issue(prompts={p.pk: p.version for p in drafts}, by=d.office)
    area = next(p for p in issued if p.leader_id)
    # Scope: both units of the area, the leader, the office; each sees the whole prompt.
    for user in (d.reporter_a, d.reporter_b, d.head_b, d.leader, d.office):
        assert prompt_list(user=user).filter(pk=area.pk).exists(), user
    assert can_reply_prompt(d.reporter_a, area) and can_reply_prompt(d.reporter_b, area)
    page = login(d.reporter_a).get(f"/supervision/prompts/{area.pk}/").content.decode()
    own = area.lines.filter(unit=d.unit_a)
    other = area.lines.filter(unit=d.unit_b)
    assert f'name="answer-{own.first().pk}"' in page
    assert f'name="answer-{other.first().pk}"' not in page
    # Unit A answers its lines: the prompt waits for unit B.
    answers = {line.pk: ("已整改", None) for line in own}
    area = prompt_reply(prompt=area, by=d.reporter_a, answers=answers, version=area.version)
    assert area.state == Prompt.State.ISSUED
    # Unit B is late: the deadline passes, the cycle marks the prompt late.
    time_machine.move_to(f"{area.reply_due + timedelta(days=2)} 10:00:00+08:00", tick=False)
    assert prompts_mark_late() >= 1
    area.refresh_from_db()
    facts = card_facts(Period.of(area.reply_due), CardRules())
    assert facts[d.unit_b.pk]["late_replies"] == [area.pk]
    assert area.pk not in facts.get(d.unit_a.pk, {}).get("late_replies", [])
    answers = {line.pk: ("已协调解决", None) for line in other}
    area = prompt_reply(prompt=area, by=d.reporter_b, answers=answers, version=area.version)
    assert area.state == Prompt.State.REPLIED and area.reply_late
    from docx import Document

    from duban.supervision.documents import prompt_docx

    text = "\n".join(p.text for p in Document(io.BytesIO(prompt_docx(area))).paragraphs)
    assert "区发改局、区住建局：" in text
    api = _api()
    body = api(d.reporter_a, "get", f"/prompts/{area.pk}").json()
    assert body["unit"] is None and body["leader_id"] == d.leader.pk
    assert {x["unit"]["code"] for x in body["lines"]} == {"a", "b"}


def test_the_prompts_page_counts_an_area_prompt_once_with_each_units_figures(by_area, login):
    """The year's statistics on the prompts page: a row per month and kind counting each prompt
    once (a prompt to a leader's area lists two units), the units' figures folded under it,
    and the year's total; a unit's reporter sees only its own lines."""
    from duban.supervision.selectors import prompt_figures, prompt_summary

    d = by_area
    issued = prompt_issue(
        prompts={p.pk: p.version for p in prompt_batch_draft(kind=Prompt.Kind.WARNING)},
        by=d.office,
    )
    per_unit = prompt_figures(user=d.office, year=2024)
    # Per unit, the area prompt counts once for each of its two units: more than issued.
    assert sum(r.prompts for r in per_unit) == len(issued) + 1
    summary = prompt_summary(user=d.office, year=2024)
    month, total = summary
    assert (month.month, month.kind, total.month) == (issued[0].month, Prompt.Kind.WARNING, 0)
    lines = sum(p.lines.count() for p in issued)
    assert (month.prompts, month.items) == (len(issued), lines)
    assert (total.prompts, total.items) == (len(issued), lines)
    assert month.units == [r for r in per_unit if r.month == month.month]
    page = login(d.office).get("/supervision/prompts/").content.decode()
    part = page[page.index('id="prompt-summary"') :]
    assert "全年合计" in part and f"{len(month.units)}个单位" in part
    # A unit's reporter: its own lines only, the area prompt once.
    own = prompt_summary(user=d.reporter_b, year=2024)
    assert [u.unit for u in own[0].units] == ["区住建局"]
    assert own[-1].prompts == 1
    # Nothing issued in another year: no table, a sentence.
    assert prompt_summary(user=d.office, year=2023) == []

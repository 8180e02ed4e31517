"""Dispatch meetings: the agenda, decisions as opinions, and the minutes in GB/T 9704 layout."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Pt

from duban.core.errors import ApplicationError
from duban.problems import services as svc
from duban.problems.minutes import meeting_minutes_docx
from duban.problems.models import AgendaItem, Meeting, Problem, ProblemSettings
from tests import factories as f
from tests.problem_factories import AssignedProblemFactory

K = AgendaItem.Kind


@pytest.fixture
def lagging(district):
    """March reports (序时 25%): item_a 1000/12000 (gap −16.7), item_b 2500 (−4.2), item_c
    3000 (0), item_x nothing (−25); item_b has a node due 3-31 not reached."""
    for item, amount in (
        (district.item_a, "1000"),
        (district.item_b, "2500"),
        (district.item_c, "3000"),
    ):
        f.ReportFactory(work_item=item, month=3, investment_month=Decimal(amount))
    f.MilestoneFactory(work_item=district.item_b, name="主体封顶", planned_date=date(2024, 3, 31))
    return district


def _schedule(district, level=4, chair=None, when=date(2024, 4, 20)):
    return svc.meeting_schedule(
        by=district.office,
        data={
            "kind": Meeting.Kind.MONTHLY if level == 4 else Meeting.Kind.SPECIAL,
            "level": level,
            "title": "2024年4月重点项目调度会",
            "number": "第4期",
            "chair": chair or district.leader,
            "date": when,
            "location": "区政府第一会议室",
        },
        attendees=[district.leader, district.head_a],
        attendee_units=[district.unit_a, district.unit_b],
    )


def test_meeting_agenda_from_level_problems_and_items_behind(lagging):
    # given
    d = lagging
    rules = ProblemSettings.load()
    rules.agenda_item_count = 2
    rules.save()
    l4 = AssignedProblemFactory(
        work_item=d.item_c, reported_by=d.reporter_b, level=4, title="征拆未完成"
    )
    AssignedProblemFactory(work_item=d.item_c, reported_by=d.reporter_b, level=3, title="三级问题")
    # when
    meeting = _schedule(d)
    # then
    agenda = [(a.kind, a.problem_id, a.work_item_id, a.text) for a in meeting.agenda.all()]
    assert agenda == [
        (K.PROBLEM, l4.pk, d.item_c.pk, "征拆未完成"),
        (K.BEHIND, None, d.item_x.pk, "住建项目丁（低于序时进度25.0个百分点）"),
        (K.BEHIND, None, d.item_a.pk, "发改项目甲（低于序时进度16.7个百分点）"),
        (K.MILESTONE, None, d.item_b.pk, "住建项目乙（节点“主体封顶”计划2024-03-31完成，已逾期）"),
    ]
    # rebuilding keeps the count (no duplicates)
    svc.meeting_build_agenda(meeting=meeting, by=d.office)
    assert meeting.agenda.count() == 4


def test_level3_meeting_agenda_stays_in_chair_scope(lagging):
    d = lagging
    mine = AssignedProblemFactory(work_item=d.item_a, reported_by=d.reporter_a, level=3)
    AssignedProblemFactory(work_item=d.item_x, reported_by=d.reporter_b, level=3)
    meeting = _schedule(d, level=3)
    problems = [a.problem_id for a in meeting.agenda.filter(kind=K.PROBLEM)]
    behind = [a.work_item_id for a in meeting.agenda.filter(kind=K.BEHIND)]
    assert problems == [mine.pk]
    # the leader's scope: unit A's items, item_b through its co-unit A
    assert behind == [d.item_a.pk, d.item_b.pk]


def test_meeting_schedule_refused_for_non_office_and_past_date(district):
    with pytest.raises(ApplicationError, match="只有推进办"):
        svc.meeting_schedule(by=district.leader, data={})
    with pytest.raises(ApplicationError, match="过去日期"):
        _schedule(district, when=date(2024, 4, 1))
    with pytest.raises(ApplicationError, match="三级"):
        _schedule(district, level=2)
    assert not Meeting.objects.exists()


def test_meeting_decisions_become_opinions_and_minutes(lagging, time_machine, tmp_path):
    d = lagging
    problem = AssignedProblemFactory(
        work_item=d.item_c, reported_by=d.reporter_b, level=4, title="征拆未完成"
    )
    meeting = _schedule(d)
    # when: two decisions — one on the problem, one on a lagging item (opens a problem)
    on_problem = svc.meeting_record_decision(
        meeting=meeting,
        by=d.office,
        text="由区住建局牵头，4月底前完成剩余8户征收。",
        units=[d.unit_b],
        deadline=date(2024, 4, 30),
        problem=problem,
    )
    with pytest.raises(ApplicationError, match="推进办记录"):
        svc.meeting_record_decision(
            meeting=meeting,
            by=d.leader,
            text="x",
            units=[d.unit_a],
            deadline=date(2024, 5, 31),
            work_item=d.item_x,
        )
    on_item = svc.meeting_record_decision(
        meeting=meeting,
        by=d.office,
        text="区发改局加快资金拨付，确保5月追上序时进度。",
        units=[d.unit_a, d.unit_b],
        deadline=date(2024, 5, 31),
        work_item=d.item_x,
    )
    # then
    assert (on_problem.leader, on_problem.meeting, on_problem.problem) == (
        d.leader,
        meeting,
        problem,
    )
    created = on_item.problem
    assert (created.source, created.state, created.level, created.lead_unit) == (
        Problem.Source.MEETING,
        Problem.State.ASSIGNED,
        4,
        d.unit_a,
    )
    assert list(created.co_units.all()) == [d.unit_b]
    assert created.title == "住建项目丁（调度会议定事项）"
    # holding the meeting: not before its day
    with pytest.raises(ApplicationError, match="还未到"):
        svc.meeting_hold(meeting=meeting, version=meeting.version, by=d.office, minutes="x")
    time_machine.move_to("2024-04-20 17:00:00+08:00", tick=False)
    meeting = svc.meeting_hold(
        meeting=meeting,
        by=d.office,
        minutes="各责任单位要压实责任。\n推进办跟踪督办，按月销号。",
        version=meeting.version,
    )
    assert meeting.state == Meeting.State.HELD

    # the minutes document
    data = meeting_minutes_docx(meeting, user=d.office)
    (tmp_path / "minutes.docx").write_bytes(data)
    document = docx.Document(io.BytesIO(data))
    section = document.sections[0]
    # Word stores lengths in twips: compare to a tenth of a millimetre.
    sizes = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    assert [round(x.mm, 1) for x in sizes] == [210, 297, 37, 35, 28, 26]
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    title = paragraphs[0]
    assert title.text == "2024年4月重点项目调度会纪要"
    assert title.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert title.runs[0].font.size == Pt(22)
    assert title.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert texts[1] == "第4期"
    assert texts[3].startswith("2024年4月20日，用户")
    assert "一、会议议题" in texts
    assert "二、会议议定事项" in texts
    assert "三、会议要求" in texts
    assert "1. 征拆未完成（升级问题）" in texts
    assert "（一）征拆未完成" in texts
    assert "由区住建局牵头，4月底前完成剩余8户征收。" in texts
    assert "责任单位：区住建局；完成时限：2024年4月30日。" in texts
    assert "责任单位：区发改局、区住建局；完成时限：2024年5月31日。" in texts
    assert "推进办跟踪督办，按月销号。" in texts
    assert texts[-1] == "2024年4月20日"
    body = paragraphs[texts.index("由区住建局牵头，4月底前完成剩余8户征收。")]
    assert body.paragraph_format.first_line_indent == Pt(32)
    assert body.paragraph_format.line_spacing_rule == WD_LINE_SPACING.EXACTLY
    assert body.paragraph_format.line_spacing == Pt(28.95)
    run = body.runs[0]
    assert run.font.size == Pt(16)
    assert run._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    heading = paragraphs[texts.index("一、会议议题")]
    assert heading.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    normal = document.styles["Normal"]
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # page numbers "— 1 —": odd right, even left
    odd = section.footer.paragraphs[0]
    even = section.even_page_footer.paragraphs[0]
    assert odd.alignment == WD_ALIGN_PARAGRAPH.RIGHT and even.alignment == WD_ALIGN_PARAGRAPH.LEFT
    assert odd.text == "— 1 —"
    assert "PAGE" in odd._p.xml
    assert document.settings.odd_and_even_pages_header_footer

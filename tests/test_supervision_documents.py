"""The prompt and the flag notice as Word files, opened with python-docx: text and the
GB/T 9704 layout (fonts, margins, 文号); and `duban cycle` run twice on a drafting day."""

from __future__ import annotations

import io
from datetime import date

import docx
from django.core.management import call_command
from docx.oxml.ns import qn
from docx.shared import Pt

from duban.supervision.documents import flag_docx, prompt_docx
from duban.supervision.models import Flag, Prompt, SupervisionSettings
from duban.supervision.services.flags import flag_confirm
from duban.supervision.services.prompts import prompt_batch_draft, prompt_issue
from tests import problem_factories as pf


def _layout(document):
    section = document.sections[0]
    sizes = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    return [round(x.mm, 1) for x in sizes]


def test_prompt_document(district):
    d = district
    conf = SupervisionSettings.load()
    conf.district = "南岗"
    conf.save()
    prompts = prompt_batch_draft(kind=Prompt.Kind.WARNING)
    p = next(
        x
        for x in prompt_issue(prompts={p.pk: p.version for p in prompts}, by=d.office)
        if x.unit_id == d.unit_b.pk
    )
    document = docx.Document(io.BytesIO(prompt_docx(p)))
    assert _layout(document) == [210, 297, 37, 35, 28, 26]
    paragraphs = document.paragraphs
    texts = [x.text for x in paragraphs]
    assert texts[0] == "关于区住建局重点工作预警提示的通知"
    assert paragraphs[0].runs[0].font.size == Pt(22)
    assert paragraphs[0].runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"
    assert texts[1] == p.number == "南岗督提〔2024〕3号"
    assert "区住建局：" in texts
    assert "请于2024年4月11日前将落实情况（已采取的措施、预计完成时间）逐项书面答复。" in texts
    assert texts[-2:] == ["区重点项目推进办公室", "2024年4月3日"]
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "事项",
        "提示原因",
        "年度计划",
        "累计完成",
        "完成率%",
    ]
    titles = {row.cells[1].text for row in table.rows[1:]}
    assert titles == {"住建项目乙", "住建项目丙", "住建项目丁"}
    first = table.rows[1].cells
    assert first[3].text == "12000.00" and first[4].text == "0.00"
    cell_run = first[2].paragraphs[0].runs[0]
    assert cell_run._r.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_flag_notice_document(district):
    d = district
    flag = Flag.objects.create(target="item", unit=d.unit_b, work_item=d.item_b, state="suggested")
    flag = flag_confirm(
        flag=flag,
        reason="连续两个月红灯",
        actions="倒排工期",
        criteria="恢复绿灯",
        deadline=date(2024, 5, 31),
        flagged_by=d.leader,
        version=flag.version,
    )
    document = docx.Document(io.BytesIO(flag_docx(flag)))
    assert _layout(document) == [210, 297, 37, 35, 28, 26]
    texts = [x.text for x in document.paragraphs]
    assert texts[0] == "挂牌督办通知"
    assert "经研究，决定对“住建项目乙”实行挂牌督办。现将有关事项通知如下：" in texts
    for heading in ("一、挂牌原因", "二、整改要求", "三、整改时限", "四、摘牌标准"):
        assert heading in texts
    h = document.paragraphs[texts.index("一、挂牌原因")]
    assert h.runs[0]._r.rPr.rFonts.get(qn("w:eastAsia")) == "黑体"
    assert "2024年5月31日" in texts


def test_cycle_is_idempotent(district, time_machine, capsys):
    d = district
    problem = pf.AssignedProblemFactory(work_item=d.item_b, due_date=date(2024, 4, 1))
    time_machine.move_to("2024-04-08 09:00:00+08:00", tick=False)
    call_command("cycle")
    assert Prompt.objects.filter(kind="warning", state="draft").count() == 3
    problem.refresh_from_db()
    assert problem.level == 2
    call_command("cycle", "--date", "2024-04-08")
    problem.refresh_from_db()
    assert problem.level == 2
    assert Prompt.objects.filter(kind="warning").count() == 3
    assert not Prompt.objects.filter(kind="due_soon").exists()
    assert "prompt drafts: warning: 3" in capsys.readouterr().out

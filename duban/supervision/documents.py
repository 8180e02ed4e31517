"""The Word documents of supervision, in the shared GB/T 9704 layout
(`duban.documents.gbt9704.OfficialDocument`): a prompt (提示) and a flag notice (督办通知)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.formatting import date_cn
from duban.core.money import quantize
from duban.documents.gbt9704 import OfficialDocument
from duban.supervision.models import Flag, Prompt, SupervisionSettings


def _amount(value: str | None, places: int = 2) -> str:
    return str(quantize(Decimal(value), places)) if value else ""


def prompt_docx(prompt: Prompt) -> bytes:
    """A prompt as issued: title, 文号, the unit, why, a table of the listed lines with their
    figures, the reply deadline, the issuing office and the date."""
    conf = SupervisionSettings.load()
    doc = OfficialDocument()
    doc.title(
        _("关于%(u)s重点工作%(k)s的通知") % {"u": prompt.recipient, "k": prompt.get_kind_display()}
    )
    if prompt.number:
        doc.number(prompt.number)
    else:
        doc.blank()
    lines = list(prompt.lines.filter(dropped=False).select_related("work_item", "problem", "unit"))
    if prompt.unit is not None:
        to = prompt.unit.name
    else:  # a leader's area: every unit it lists
        to = "、".join(dict.fromkeys(line.unit.name for line in lines if line.unit))
    doc.recipients(_("%(u)s：") % {"u": to})
    intro = (
        _("经梳理，你单位以下事项、节点或问题将在近期到期，请提前谋划、确保按期完成。")
        if prompt.kind == Prompt.Kind.DUE_SOON
        else _("经梳理，你单位以下事项进度滞后、已逾期或亮红灯，请认真研究、限期整改。")
    )
    doc.paragraph(intro)
    rows = []
    for n, line in enumerate(lines, 1):
        fig = line.figures
        title = line.title
        if prompt.unit is None and line.unit is not None:
            title = f"{title}（{line.unit.name}）"
        rows.append(
            [
                n,
                title,
                line.reason_text,
                _amount(fig.get("annual_plan")),
                _amount(fig.get("ytd")),
                _amount(fig.get("completion_pct"), 1),
            ]
        )
    doc.table(
        [_("序号"), _("事项"), _("提示原因"), _("年度计划"), _("累计完成"), _("完成率%")], rows
    )
    if prompt.reply_due:
        doc.paragraph(
            _("请于%(d)s前将落实情况（已采取的措施、预计完成时间）逐项书面答复。")
            % {"d": date_cn(prompt.reply_due)}
        )
    day = prompt.issued_at.date() if prompt.issued_at else clock.today()
    doc.signature(conf.issuer, day)
    return doc.to_bytes()


def flag_docx(flag: Flag) -> bytes:
    """A 督办通知 for a flag: the reason, required actions, deadline and delisting criteria."""
    conf = SupervisionSettings.load()
    doc = OfficialDocument()
    doc.title(_("挂牌督办通知"))
    if flag.number:
        doc.number(flag.number)
    else:
        doc.blank()
    doc.recipients(_("%(u)s：") % {"u": flag.unit.name})
    doc.paragraph(
        _("经研究，决定对“%(s)s”实行挂牌督办。现将有关事项通知如下：") % {"s": flag.subject}
    )
    doc.heading(_("挂牌原因"))
    doc.paragraph(flag.reason)
    doc.heading(_("整改要求"))
    doc.paragraph(flag.actions)
    doc.heading(_("整改时限"))
    doc.paragraph(date_cn(flag.deadline) if flag.deadline else "")
    doc.heading(_("摘牌标准"))
    doc.paragraph(flag.criteria)
    if flag.flagged_by:
        doc.paragraph(_("挂牌领导：%(n)s") % {"n": flag.flagged_by.display_name}, indent=False)
    doc.signature(conf.issuer, flag.flagged_on or clock.today())
    return doc.to_bytes()

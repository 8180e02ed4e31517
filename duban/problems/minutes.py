"""Meeting minutes (会议纪要) as a Word document in the GB/T 9704-2012 layout (CONVENTIONS §2),
written by the shared `duban.documents.gbt9704.OfficialDocument`.

A4; margins 37/35/28/26 mm; title 二号 (22 pt) 小标宋 centred; body 三号 (16 pt) 仿宋 with a
two-character first-line indent and a fixed 28.95 pt line; headings 一、 in 黑体 and （一） in
楷体; page numbers "— 1 —" in 四号 宋体, odd pages right and even pages left, inset one
character. python-docx only names the Latin font, so the East Asian name (w:eastAsia) is set
on the styles and on every run.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from duban.core.formatting import date_cn
from duban.documents.gbt9704 import OfficialDocument
from duban.org.models import User
from duban.problems.models import AgendaItem, Meeting, ProblemSettings
from duban.problems.selectors import meeting_agenda


def meeting_minutes_docx(meeting: Meeting, *, user: User) -> bytes:
    """The minutes of a meeting (agenda, decisions as opinions, minutes text) as .docx bytes,
    holding only the agenda entries and decisions `user` may see (and a count of the rest)."""
    shown = meeting_agenda(user=user, meeting=meeting)
    doc = OfficialDocument()
    organ = ProblemSettings.load().meeting_organ
    doc.title(meeting.title if meeting.title.endswith("纪要") else f"{meeting.title}纪要")
    if meeting.number:
        doc.number(meeting.number)
    else:
        doc.blank()

    intro = _(
        "%(d)s，%(c)s在%(l)s主持召开%(t)s，研究重点项目推进中的问题。现将会议议定事项纪要如下："
    ) % {
        "d": date_cn(meeting.date),
        "c": meeting.chair.display_name,
        "l": meeting.location or _("区政府"),
        "t": meeting.title,
    }
    doc.paragraph(intro)

    agenda = shown.entries
    if agenda or shown.hidden_entries:
        doc.heading(_("会议议题"))
        for n, item in enumerate(agenda, start=1):
            label = dict(AgendaItem.Kind.choices)[item.kind]
            doc.paragraph(f"{n}. {item.text}（{label}）")
        if shown.hidden_entries:
            doc.paragraph(shown.hidden_entries_note)

    decisions = shown.decisions
    if decisions or shown.hidden_decisions:
        doc.heading(_("会议议定事项"))
        for n, opinion in enumerate(decisions, start=1):
            doc.subheading(n, opinion.problem.title)
            doc.paragraph(opinion.text)
            doc.paragraph(
                _("责任单位：%(u)s；完成时限：%(d)s。")
                % {
                    "u": "、".join(u.name for u in opinion.units.all()),
                    "d": date_cn(opinion.deadline),
                },
            )
        if shown.hidden_decisions:
            doc.paragraph(shown.hidden_decisions_note)

    if meeting.minutes.strip():
        doc.heading(_("会议要求"))
        for line in meeting.minutes.splitlines():
            if line.strip():
                doc.paragraph(line.strip())

    attendees = [u.display_name for u in meeting.attendees.all()]
    units = [u.name for u in meeting.attendee_units.all()]
    if attendees:
        doc.paragraph(_("出席：%(n)s") % {"n": "、".join(attendees)}, indent=False)
    if units:
        doc.paragraph(_("参会单位：%(n)s") % {"n": "、".join(units)}, indent=False)
    doc.signature(organ, meeting.date)
    return doc.to_bytes()

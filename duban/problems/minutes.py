"""Meeting minutes (会议纪要) as a Word document in the GB/T 9704-2012 layout (CONVENTIONS §2).

A4; margins 37/35/28/26 mm; title 二号 (22 pt) 小标宋 centred; body 三号 (16 pt) 仿宋 with a
two-character first-line indent and a fixed 28.95 pt line; headings 一、 in 黑体 and （一） in
楷体; page numbers "— 1 —" in 四号 宋体, odd pages right and even pages left, inset one
character. python-docx only names the Latin font, so the East Asian name (w:eastAsia) is set
on the styles and on every run.
"""

from __future__ import annotations

from io import BytesIO

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from duban.core.formatting import date_cn
from duban.core.text import strip_controls
from duban.org.models import User
from duban.problems.models import AgendaItem, Meeting, ProblemSettings
from duban.problems.selectors import meeting_agenda

# The font names written into the file: a per-office choice (CONVENTIONS §2).
FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_PAGE = "宋体"
BODY_SIZE = Pt(16)
TITLE_SIZE = Pt(22)
PAGE_SIZE = Pt(14)
LINE = Pt(28.95)
CN_NUMERALS = "一二三四五六七八九十"


def _set_fonts(rpr_owner: object, name: str, size: Pt | None = None) -> None:
    """Set the Latin and East Asian font names (and size) of a run or a style."""
    font = rpr_owner.font  # type: ignore[attr-defined]
    font.name = name
    if size is not None:
        font.size = size
    rpr = rpr_owner.element.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _fixed_line(paragraph: Paragraph) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _run(paragraph: Paragraph, text: str, font: str, size: Pt, bold: bool = False) -> Run:
    run = paragraph.add_run(strip_controls(text))
    _set_fonts(run, font, size)
    run.bold = bold
    return run


def _body(document: object, text: str, font: str = FONT_BODY, indent: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()  # type: ignore[attr-defined]
    _fixed_line(paragraph)
    if indent:
        paragraph.paragraph_format.first_line_indent = BODY_SIZE * 2
    _run(paragraph, text, font, BODY_SIZE)
    return paragraph


def _page_number_footer(footer: object, align: WD_ALIGN_PARAGRAPH, inset_left: bool) -> None:
    paragraph = footer.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = align
    if inset_left:
        paragraph.paragraph_format.left_indent = PAGE_SIZE
    else:
        paragraph.paragraph_format.right_indent = PAGE_SIZE
    _run(paragraph, "— ", FONT_PAGE, PAGE_SIZE)
    run = _run(paragraph, "", FONT_PAGE, PAGE_SIZE)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1")):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == " PAGE ":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run._r.append(end)
    _run(paragraph, " —", FONT_PAGE, PAGE_SIZE)


def _setup(document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number sits 7 mm below the type area.
    section.footer_distance = Mm(35 - 7 - 5)
    normal = document.styles["Normal"]  # type: ignore[attr-defined]
    _set_fonts(normal, FONT_BODY, BODY_SIZE)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE
    document.settings.odd_and_even_pages_header_footer = True  # type: ignore[attr-defined]
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, inset_left=False)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, inset_left=True)


def _heading(document: object, number: int, text: str) -> None:
    _body(document, f"{CN_NUMERALS[number - 1]}、{text}", font=FONT_H1)


def meeting_minutes_docx(meeting: Meeting, *, user: User) -> bytes:
    """The minutes of a meeting (agenda, decisions as opinions, minutes text) as .docx bytes,
    holding only the agenda entries and decisions `user` may see (and a count of the rest)."""
    shown = meeting_agenda(user=user, meeting=meeting)
    document = Document()
    _setup(document)
    organ = ProblemSettings.load().meeting_organ
    title = meeting.title if meeting.title.endswith("纪要") else f"{meeting.title}纪要"
    paragraph = document.add_paragraph()
    _fixed_line(paragraph)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(paragraph, title, FONT_TITLE, TITLE_SIZE)
    if meeting.number:
        paragraph = document.add_paragraph()
        _fixed_line(paragraph)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, meeting.number, FONT_BODY, BODY_SIZE)
    blank = document.add_paragraph()
    _fixed_line(blank)

    intro = _(
        "%(d)s，%(c)s在%(l)s主持召开%(t)s，研究重点项目推进中的问题。现将会议议定事项纪要如下："
    ) % {
        "d": date_cn(meeting.date),
        "c": meeting.chair.display_name,
        "l": meeting.location or _("区政府"),
        "t": meeting.title,
    }
    _body(document, intro)

    section_no = 0
    agenda = shown.entries
    if agenda or shown.hidden_entries:
        section_no += 1
        _heading(document, section_no, _("会议议题"))
        for n, item in enumerate(agenda, start=1):
            label = dict(AgendaItem.Kind.choices)[item.kind]
            _body(document, f"{n}. {item.text}（{label}）")
        if shown.hidden_entries:
            _body(document, shown.hidden_entries_note)

    decisions = shown.decisions
    if decisions or shown.hidden_decisions:
        section_no += 1
        _heading(document, section_no, _("会议议定事项"))
        for n, opinion in enumerate(decisions, start=1):
            head = f"（{CN_NUMERALS[n - 1] if n <= 10 else n}）{opinion.problem.title}"
            _body(document, head, font=FONT_H2)
            _body(document, opinion.text)
            _body(
                document,
                _("责任单位：%(u)s；完成时限：%(d)s。")
                % {
                    "u": "、".join(u.name for u in opinion.units.all()),
                    "d": date_cn(opinion.deadline),
                },
            )
        if shown.hidden_decisions:
            _body(document, shown.hidden_decisions_note)

    if meeting.minutes.strip():
        section_no += 1
        _heading(document, section_no, _("会议要求"))
        for line in meeting.minutes.splitlines():
            if line.strip():
                _body(document, line.strip())

    attendees = [u.display_name for u in meeting.attendees.all()]
    units = [u.name for u in meeting.attendee_units.all()]
    if attendees:
        _body(document, _("出席：%(n)s") % {"n": "、".join(attendees)}, indent=False)
    if units:
        _body(document, _("参会单位：%(n)s") % {"n": "、".join(units)}, indent=False)
    blank = document.add_paragraph()
    _fixed_line(blank)
    signature = _body(document, organ, indent=False)
    signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.right_indent = BODY_SIZE * 4
    dated = _body(document, date_cn(meeting.date), indent=False)
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dated.paragraph_format.right_indent = BODY_SIZE * 4

    out = BytesIO()
    document.save(out)
    return out.getvalue()

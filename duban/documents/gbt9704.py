"""A Word document in the GB/T 9704-2012 layout (CONVENTIONS §2), shared by every document
duban writes: meeting minutes, prompts, notices, bulletins.

A4; margins 37/35/28/26 mm; title 二号 (22 pt) 小标宋 centred; 文号 centred under it; body 三号
(16 pt) 仿宋 with a two-character first-line indent and a fixed 28.95 pt line; headings 一、 in
黑体 and （一） in 楷体; tables in 四号 (14 pt) 仿宋 with a 黑体 header row; page numbers "— 1 —"
in 四号 宋体, odd pages right and even pages left, inset one character; the issuing office and
the date at the end, right-aligned four characters in. python-docx only names the Latin font, so
the East Asian name (w:eastAsia) is set on the styles and on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from copy import deepcopy
from datetime import date
from functools import cache
from io import BytesIO
from typing import Any

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from duban.core.formatting import date_cn
from duban.core.text import strip_controls

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


def cn_number(n: int) -> str:
    """一 … 十, then 11, 12 … (what offices write in headings past ten)."""
    return CN_NUMERALS[n - 1] if 1 <= n <= 10 else str(n)


def set_fonts(rpr_owner: Any, name: str, size: Pt | None = None) -> None:
    """Set the Latin and East Asian font names (and size) of a run or a style."""
    font = rpr_owner.font
    font.name = name
    if size is not None:
        font.size = size
    rpr = rpr_owner.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


# A document's paragraphs and runs repeat a few formats (a bulletin writes hundreds of table
# cells): each format is set once through python-docx's setters on a scratch element, and
# copied (the same XML) into every paragraph or run of that format. Copying an element costs a
# fraction of python-docx's setters, which search the element's children for each property.
_SCRATCH: dict[tuple[Any, ...], Any] = {}


def _fixed_line_slow(paragraph: Paragraph, line: Pt) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = line
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)


def _fixed_line(paragraph: Paragraph, line: Pt = LINE, first_indent: int | None = None) -> None:
    """The fixed line (and, given, the first line's indent) of a paragraph."""
    p = paragraph._p
    if p.pPr is not None:
        _fixed_line_slow(paragraph, line)
        if first_indent is not None:
            paragraph.paragraph_format.first_line_indent = first_indent
        return
    key = ("pPr", int(line), None if first_indent is None else int(first_indent))
    ppr = _SCRATCH.get(key)
    if ppr is None:
        scratch = Paragraph(OxmlElement("w:p"), paragraph._parent)
        _fixed_line_slow(scratch, line)
        if first_indent is not None:
            scratch.paragraph_format.first_line_indent = first_indent
        ppr = _SCRATCH[key] = scratch._p.pPr
    p.insert(0, deepcopy(ppr))


def _run(paragraph: Paragraph, text: str, font: str, size: Pt, bold: bool = False) -> Run:
    key = ("rPr", font, int(size), bold)
    rpr = _SCRATCH.get(key)
    if rpr is None:
        scratch = Run(OxmlElement("w:r"), paragraph)
        set_fonts(scratch, font, size)
        scratch.bold = bold
        rpr = _SCRATCH[key] = scratch._r.rPr
    r = paragraph._p.add_r()
    r.append(deepcopy(rpr))
    run = Run(r, paragraph)
    text = strip_controls(text)
    if "\t" in text or "\n" in text or "\r" in text:
        run.text = text  # tabs and breaks become their elements
    elif text:
        r.add_t(text)  # what `run.text` writes for a plain text: one w:t
    return run


_T = qn("w:t")


def _set_text(t: Any, parent: Any, text: str) -> None:
    """The text of a run written by `_run` with one w:t, `t`, set to `text` as `_run` writes
    it: no w:t for no text, tabs and breaks as their elements, spaces kept at either end."""
    text = strip_controls(text)
    r = t.getparent()
    if "\t" in text or "\n" in text or "\r" in text or not text:
        r.remove(t)
        if text:
            Run(r, parent).text = text
        return
    t.text = text
    if len(text.strip()) < len(text):
        t.set(qn("xml:space"), "preserve")


def _page_number_footer(footer: Any, align: WD_ALIGN_PARAGRAPH, inset_left: bool) -> None:
    paragraph = footer.paragraphs[0]
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


@cache
def _blank() -> DocumentObject:
    """An empty document with the page, the Normal style and the page numbers set up: the
    start of every OfficialDocument, which copies it (never changed itself)."""
    document = Document()
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    # The page number sits 7 mm below the type area.
    section.footer_distance = Mm(35 - 7 - 5)
    normal = document.styles["Normal"]
    set_fonts(normal, FONT_BODY, BODY_SIZE)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = LINE
    document.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(section.footer, WD_ALIGN_PARAGRAPH.RIGHT, inset_left=False)
    _page_number_footer(section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT, inset_left=True)
    return document


@cache
def _table_grid() -> str:
    """The style id of "Table Grid" in every OfficialDocument (a copy of `_blank`'s styles):
    python-docx finds it by walking the 350 kB of styles for each table."""
    style_id: str = _blank().part.get_style_id("Table Grid", WD_STYLE_TYPE.TABLE)
    return style_id


# The type area's width (210 mm less the 28 mm and 26 mm margins), a cell's own left and right
# margins (Word's default 0.19 cm each), and the table sizes tried in turn: 四号, 小四, 五号.
TYPE_WIDTH_MM = 156.0
CELL_MARGINS_MM = 3.8
TABLE_SIZES = (Pt(14), Pt(12), Pt(10.5))
_MM_PER_PT = 25.4 / 72


def text_width(text: str) -> float:
    """A text's width in half-width characters: a Chinese character or full-width sign counts
    two (GBK's two bytes), a digit, letter or ASCII sign 1.2 (half an em in 仿宋, more in the
    fonts a machine without it falls back on)."""
    gbk = len(text.encode("gbk", "replace"))
    return 0.8 * gbk + 0.4 * len(text)


def _heading_width(text: str) -> float:
    w = text_width(text)
    return w if w <= 8 else w / 2


def table_layout(header: Sequence[str], rows: Sequence[Sequence[str]]) -> tuple[Pt, list[Mm]]:
    """The font size of a table's cells and its columns' widths filling the type area.

    A column needs its longest cell, or its heading (half of it when it is longer than four
    characters: a long heading wraps onto two lines), plus the cell's margins. The largest size at which every column gets what it needs is
    taken; when none is, the smallest, and the widest columns are narrowed to one common
    width (their texts wrap) so that the others keep theirs. Space left over is shared in
    proportion to what each column needs."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _h in header]
    # Each distinct text measured once; a half-width of slack, so that a figure never wraps
    # on its last sign.
    needs = [
        max((_heading_width(h), *map(text_width, set(column)))) + 1
        for h, column in zip(header, columns, strict=True)
    ]
    for size in TABLE_SIZES:
        char_mm = size.pt / 2 * _MM_PER_PT
        wanted = [n * char_mm + CELL_MARGINS_MM for n in needs]
        if sum(wanted) <= TYPE_WIDTH_MM:
            break
    if sum(wanted) > TYPE_WIDTH_MM:
        # The common width c with sum(min(w, c)) equal to the type area, found by walking the
        # columns from the narrowest.
        left, rest = TYPE_WIDTH_MM, sorted(wanted)
        while rest and rest[0] * len(rest) <= left:
            left -= rest.pop(0)
        cap = left / len(rest) if rest else TYPE_WIDTH_MM
        wanted = [min(w, cap) for w in wanted]
    scale = TYPE_WIDTH_MM / sum(wanted)
    return size, [Mm(w * scale) for w in wanted]


class OfficialDocument:
    """One 公文 being written: call its parts in order, then `to_bytes()`.

    doc = OfficialDocument(); doc.title("关于……的提示"); doc.number("示例督提〔2024〕3号")
    doc.recipients("区发改局、区住建局："); doc.paragraph("……"); doc.heading("……")
    doc.table(["序号", "事项"], rows); doc.signature("区重点项目推进办公室", date.today())
    """

    def __init__(self) -> None:
        # A copy of the blank document made once: copying its parts' XML costs a fraction of
        # reading python-docx's template again (its styles alone are 350 kB of XML) and
        # setting the page up.
        self.document = deepcopy(_blank())
        self.headings = 0

    def title(self, text: str) -> Paragraph:
        paragraph = self.document.add_paragraph()
        _fixed_line(paragraph)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text, FONT_TITLE, TITLE_SIZE)
        return paragraph

    def number(self, text: str) -> Paragraph:
        """The 文号 (e.g. 示例督提〔2024〕3号), centred under the title, then a blank line."""
        paragraph = self.document.add_paragraph()
        _fixed_line(paragraph)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(paragraph, text, FONT_BODY, BODY_SIZE)
        self.blank()
        return paragraph

    def blank(self) -> Paragraph:
        paragraph = self.document.add_paragraph()
        _fixed_line(paragraph)
        return paragraph

    def recipients(self, text: str) -> Paragraph:
        """主送机关: flush left, ending with a full-width colon."""
        return self.paragraph(text, indent=False)

    def paragraph(self, text: str, *, font: str = FONT_BODY, indent: bool = True) -> Paragraph:
        paragraph = self.document.add_paragraph()
        _fixed_line(paragraph, first_indent=BODY_SIZE * 2 if indent else None)
        _run(paragraph, text, font, BODY_SIZE)
        return paragraph

    def heading(self, text: str) -> Paragraph:
        """A first-level heading, numbered 一、二、… in 黑体."""
        self.headings += 1
        return self.paragraph(f"{cn_number(self.headings)}、{text}", font=FONT_H1)

    def subheading(self, n: int, text: str) -> Paragraph:
        """A second-level heading （一） in 楷体."""
        return self.paragraph(f"（{cn_number(n)}）{text}", font=FONT_H2)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Any:
        """A table with a 黑体 header row, full width, every cell ruled, in 仿宋 of the largest
        of 四号, 小四 and 五号 at which its columns fit the type area (`table_layout`): each
        column as wide as its longest cell needs, the widest columns wrapped first when they
        do not all fit, so that a figure such as 118.8% or 4.75亿元 stays on one line."""
        texts = [["" if value is None else str(value) for value in row] for row in rows]
        size, widths = table_layout([str(h) for h in header], texts)
        line = Pt(size.pt + 6)
        table = self.document.add_table(rows=1, cols=len(header))
        # table.style = "Table Grid", its id looked up once (in the blank document's styles).
        table._tbl.tblStyle_val = _table_grid()
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        for col, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            col.w = width
        for cell, text, width in zip(table.rows[0].cells, header, widths, strict=True):
            cell.width = width
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _fixed_line(paragraph, line)
            _run(paragraph, str(text), FONT_H1, size)
        if not rows:
            return table
        # Each further row a copy of one row written once as python-docx adds it (its cells'
        # widths set as the header's) with each cell's paragraph and run as above, holding a
        # text each: a copy's texts are then set, not its cells' paragraphs written again.
        tbl = table._tbl
        added = table.add_row()
        for cell, width in zip(added.cells, widths, strict=True):
            cell.width = width
        written = added._tr
        tbl.remove(written)
        for tc in written.tc_lst:
            paragraph = Paragraph(tc.p_lst[0], table)
            _fixed_line(paragraph, line)
            _run(paragraph, "-", FONT_BODY, size)
        for row in texts:
            tr = deepcopy(written)
            tbl.append(tr)
            for t, value in zip(tr.iter(_T), row, strict=True):
                _set_text(t, table, value)
        return table

    def signature(self, organ: str, day: date) -> None:
        """The issuing office and the date, right-aligned four characters in."""
        self.blank()
        for text in (organ, date_cn(day)):
            paragraph = self.paragraph(text, indent=False)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.paragraph_format.right_indent = BODY_SIZE * 4

    def mark(self, text: str) -> None:
        """A line at the top of every page (e.g. 草稿 for a bulletin of an unclosed month)."""
        section = self.document.sections[0]
        for header in (section.header, section.even_page_header):
            paragraph = header.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            _run(paragraph, text, FONT_H1, PAGE_SIZE, bold=True)

    def to_bytes(self) -> bytes:
        out = BytesIO()
        self.document.save(out)
        return out.getvalue()

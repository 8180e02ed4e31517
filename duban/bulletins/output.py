"""A bulletin written out: Word (GB/T 9704, through the shared OfficialDocument), a
stand-alone HTML page in which every number links to its rows, JSON, and PDF through
LibreOffice headless when it is installed."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils.html import escape
from django.utils.translation import gettext as _

from duban.bulletins.catalogue import COUNT, MONEY, PCT, get_figure
from duban.bulletins.charts import Series, add_chart
from duban.bulletins.models import Bulletin
from duban.bulletins.selectors import FigureRows, FullTable
from duban.core import clock
from duban.documents.gbt9704 import OfficialDocument
from duban.sheets.writer import OfficeSheet, OutColumn, OutGroup, office_book

ORGAN = "区重点项目推进办公室"
# The stand-alone page names at most this many row ids under a figure (a province's figure
# stands on tens of thousands); the bulletin keeps them all, shown online and in Excel.
HTML_ROWS = 200


def draft_mark() -> str:
    return _("草稿（所含月份尚未关账，数据可能变化）")


def _text(block: dict[str, Any]) -> str:
    return "".join(p["text"] for p in block.get("parts", []))


def to_docx(bulletin: Bulletin) -> bytes:
    doc = OfficialDocument()
    if bulletin.draft:
        doc.mark(draft_mark())
    doc.title(bulletin.title)
    doc.blank()
    sub = 0
    for block in bulletin.blocks:
        kind = block["type"]
        if kind == "heading":
            sub = 0
            doc.heading(_text(block))
        elif kind == "subheading":
            sub += 1
            doc.subheading(sub, _text(block))
        elif kind == "paragraph":
            doc.paragraph(_text(block))
        elif kind == "table":
            doc.table(block["header"], block["rows"])
            chart = block.get("chart")
            if chart and chart["categories"]:
                add_chart(
                    doc.document,
                    chart["title"],
                    chart["categories"],
                    [Series(s["name"], [Decimal(v) for v in s["values"]]) for s in chart["series"]],
                )
        elif kind == "items":
            if block["header"]:
                for n, row in enumerate(block["rows"], 1):
                    title, unit, reasons = row
                    if unit or reasons:
                        doc.paragraph(f"{n}. {title}（{unit}）：{reasons}")
                    else:
                        doc.paragraph(title)  # the closing "共N项" line
            else:
                doc.paragraph("".join(block["rows"][0]))
    doc.signature(ORGAN, clock.today())
    return doc.to_bytes()


def figures_json(bulletin: Bulletin) -> dict[str, Any]:
    return {
        "kind": bulletin.kind,
        "title": bulletin.title,
        "year": bulletin.year,
        "month": bulletin.month,
        "levels": bulletin.levels,
        "unit": bulletin.unit.code if bulletin.unit_id and bulletin.unit else None,
        "draft": bulletin.draft,
        "figures": list(bulletin.figures.values()),
        "paragraphs": [
            _text(b) if "parts" in b else "；".join("，".join(r) for r in b["rows"])
            for b in bulletin.blocks
        ],
        "blocks": bulletin.blocks,
    }


def to_json(bulletin: Bulletin) -> bytes:
    return json.dumps(figures_json(bulletin), ensure_ascii=False, indent=2).encode()


def _parts_html(block: dict[str, Any], link: Callable[[str], str]) -> str:
    out = []
    for p in block.get("parts", []):
        keys = p.get("keys")
        if keys:
            out.append(f'<a class="figure" href="{escape(link(keys[0]))}">{escape(p["text"])}</a>')
        else:
            out.append(escape(p["text"]))
    return "".join(out)


def _cell_html(text: str, key: str | None, link: Callable[[str], str]) -> str:
    if key is None:
        return escape(text)
    return f'<a class="figure" href="{escape(link(key))}">{escape(text)}</a>'


def blocks_html(
    bulletin: Bulletin,
    link: Callable[[str], str],
    table_link: Callable[[str], str] | None = None,
) -> str:
    """The body as HTML: every figure a link (to `link(key)`); under a table printed cut, a
    link to its whole ranking (`table_link(name)`) when there is a page for it."""
    html = []
    for block in bulletin.blocks:
        kind = block["type"]
        if kind == "heading":
            html.append(f"<h2>{_parts_html(block, link)}</h2>")
        elif kind == "subheading":
            html.append(f"<h3>{_parts_html(block, link)}</h3>")
        elif kind == "paragraph":
            html.append(f"<p>{_parts_html(block, link)}</p>")
        else:
            head = "".join(f"<th>{escape(h)}</th>" for h in block["header"])
            keys = block.get("cell_keys") or []
            body = "".join(
                "<tr>"
                + "".join(
                    f"<td>{_cell_html(c, keys[i][j] if i < len(keys) and j < len(keys[i]) else None, link)}</td>"
                    for j, c in enumerate(row)
                )
                + "</tr>"
                for i, row in enumerate(block["rows"])
            )
            html.append(
                f'<div class="table-wrap"><table class="table"><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>"
            )
            if table_link is not None and block.get("full") is not None:
                n = len(block["full"]["lines"])
                html.append(
                    f'<p class="more"><a href="{escape(table_link(block["name"]))}">'
                    f"{escape(_('完整排名（共%(n)s个）') % {'n': n})}</a></p>"
                )
    return "\n".join(html)


def to_html(bulletin: Bulletin) -> bytes:
    """A stand-alone page: the bulletin, then each figure with its definition and rows; every
    number in the text links to its figure below."""
    mark = f'<p class="draft">{escape(draft_mark())}</p>' if bulletin.draft else ""
    figs = []
    for key, fig in bulletin.figures.items():
        ids = fig["rows"]
        rows = "、".join(str(r) for r in ids[:HTML_ROWS]) or _("无")
        if len(ids) > HTML_ROWS:
            rows += _("……共%(n)s条（完整明细见网页版，可导出 Excel）") % {"n": len(ids)}
        figs.append(
            f'<section id="fig-{escape(key)}"><h3>{escape(fig["label"])}：{escape(fig["text"])}</h3>'
            f"<p>{escape(fig['definition'])}</p>"
            f"<p>{escape(_('明细（%(model)s）：') % {'model': fig['row_model']})}{escape(rows)}</p></section>"
        )
    page = (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{escape(bulletin.title)}</title></head><body>{mark}"
        f"<h1>{escape(bulletin.title)}</h1>"
        f"{blocks_html(bulletin, lambda k: '#fig-' + k)}"
        f"<hr><h2>{escape(_('统计指标及明细'))}</h2>{''.join(figs)}</body></html>"
    )
    return page.encode()


def figure_rows_xlsx(bulletin: Bulletin, fig: dict[str, Any], rows: FigureRows) -> bytes:
    """The rows behind a figure as an Excel sheet: each row with its share of the value (a
    sum's amounts, a rate's numerator parts), the figure's value in the 合计 line."""
    amounts = dict(zip(fig["rows"], fig.get("amounts") or [], strict=False))
    columns = [
        OutColumn(_("序号"), kind="seq", width=6),
        OutColumn(_("编号"), width=10),
        OutColumn(_("名称"), width=40),
        OutColumn(_("单位/说明"), width=24),
    ]
    body: list[list[Any]] = [[n, r["id"], r["name"], r["unit"]] for n, r in enumerate(rows.rows, 1)]
    if amounts:
        columns.append(OutColumn(_("计入数"), kind="money", width=16))
        for line, r in zip(body, rows.rows, strict=True):
            line.append(Decimal(amounts[r["id"]]) if r["id"] in amounts else None)
    total: list[Any] = ["", "", _("合计：%(text)s") % {"text": fig["text"]}, ""]
    if amounts:
        total.append(
            sum((Decimal(amounts[r["id"]]) for r in rows.rows if r["id"] in amounts), Decimal(0))
        )
    note = ""
    if rows.hidden:
        note = _("另有%(n)s条不在您的权限范围内，未列出") % {"n": rows.hidden}
    sheet = OfficeSheet(
        name=_("明细"),
        title=f"{bulletin.title}：{fig['label']}",
        columns=columns,
        groups=[OutGroup(note, body)],
        total=total,
    )
    return office_book([sheet], reporter=ORGAN)


def full_table_xlsx(bulletin: Bulletin, table: FullTable) -> bytes:
    """A cut table's whole ranking as an Excel sheet: one line per group, exact values."""
    kinds = {COUNT: "text", MONEY: "money", PCT: "pct"}
    figures = [get_figure(k) for k in table.keys]
    columns = [OutColumn(table.header[0], width=6), OutColumn(table.header[1], width=30)]
    columns += [
        OutColumn(h, kind=kinds.get(f.kind, "text"), width=16)
        for h, f in zip(table.header[2 : 2 + len(figures)], figures, strict=True)
    ]
    columns += [OutColumn(h, width=10) for h in table.header[2 + len(figures) :]]
    body = [[line["rank"], line["label"], *line["values"], *line["extra"]] for line in table.lines]
    sheet = OfficeSheet(
        name=_("完整排名"),
        title=f"{bulletin.title}：{_('完整排名')}",
        columns=columns,
        groups=[OutGroup("", body)],
    )
    return office_book([sheet], reporter=ORGAN)


def libreoffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


class NoLibreOfficeError(RuntimeError):
    def __str__(self) -> str:
        return _("本机未安装 LibreOffice（soffice），无法生成 PDF；请生成 Word 文档后另存为 PDF。")


def to_pdf(bulletin: Bulletin) -> bytes:
    """Word converted by LibreOffice headless; NoLibreOfficeError when it is not installed."""
    office = libreoffice()
    if office is None:
        raise NoLibreOfficeError()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "bulletin.docx"
        src.write_bytes(to_docx(bulletin))
        subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [office, "--headless", "--convert-to", "pdf", "--outdir", tmp, str(src)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return (Path(tmp) / "bulletin.pdf").read_bytes()


WRITERS: dict[str, Callable[[Bulletin], bytes]] = {
    ".docx": to_docx,
    ".html": to_html,
    ".json": to_json,
    ".pdf": to_pdf,
}

"""Charts in the Word document: native DrawingML bar charts, written offline as XML.

A native chart (not a picture) needs no plotting library and no font on the server: Word, WPS
and LibreOffice draw it with the reader's own fonts (the chart asks for 仿宋_GB2312 and 黑体,
like the text), so Chinese labels show wherever the document's text shows, and the office can
restyle the chart or copy its figures in Word. The figures travel in the chart's cache (no
embedded workbook: Word's "edit data" asks for one, the drawing does not).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import escape
from docx.document import Document as DocumentObject
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.shared import Mm

from duban.documents.gbt9704 import FONT_BODY, FONT_H1

CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
NS_C = "http://schemas.openxmlformats.org/drawingml/2006/chart"
NS_A = "http://schemas.openxmlformats.org/drawingml/2006/main"
NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
NS_WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
COLOURS = ("4472C4", "ED7D31", "A5A5A5", "70AD47")


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[Decimal]


def _font(size: int, face: str) -> str:
    return (
        f'<a:defRPr sz="{size}" b="0"><a:latin typeface="{face}"/>'
        f'<a:ea typeface="{face}"/></a:defRPr>'
    )


def _col(n: int) -> str:
    return chr(ord("B") + n)


def chart_xml(title: str, categories: Sequence[str], series: Sequence[Series]) -> bytes:
    """The chart part: a clustered column chart of `series` over `categories`."""
    n = len(categories)
    cats = "".join(
        f'<c:pt idx="{i}"><c:v>{escape(c)}</c:v></c:pt>' for i, c in enumerate(categories)
    )
    sers = []
    for k, s in enumerate(series):
        points = "".join(
            f'<c:pt idx="{i}"><c:v>{Decimal(v):f}</c:v></c:pt>' for i, v in enumerate(s.values)
        )
        col = _col(k)
        sers.append(
            f'<c:ser><c:idx val="{k}"/><c:order val="{k}"/>'
            f'<c:tx><c:strRef><c:f>Sheet1!${col}$1</c:f><c:strCache><c:ptCount val="1"/>'
            f'<c:pt idx="0"><c:v>{escape(s.name)}</c:v></c:pt></c:strCache></c:strRef></c:tx>'
            f'<c:spPr><a:solidFill><a:srgbClr val="{COLOURS[k % len(COLOURS)]}"/></a:solidFill>'
            f'</c:spPr><c:invertIfNegative val="0"/>'
            f"<c:cat><c:strRef><c:f>Sheet1!$A$2:$A${n + 1}</c:f><c:strCache>"
            f'<c:ptCount val="{n}"/>{cats}</c:strCache></c:strRef></c:cat>'
            f"<c:val><c:numRef><c:f>Sheet1!${col}$2:${col}${n + 1}</c:f><c:numCache>"
            f'<c:formatCode>General</c:formatCode><c:ptCount val="{n}"/>{points}'
            f"</c:numCache></c:numRef></c:val></c:ser>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<c:chartSpace xmlns:c="{NS_C}" xmlns:a="{NS_A}" xmlns:r="{NS_R}">'
        '<c:lang val="zh-CN"/><c:roundedCorners val="0"/><c:chart>'
        f"<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/><a:p><a:pPr>{_font(1200, FONT_H1)}"
        f'</a:pPr><a:r><a:rPr lang="zh-CN" sz="1200" b="0"><a:latin typeface="{FONT_H1}"/>'
        f'<a:ea typeface="{FONT_H1}"/></a:rPr><a:t>{escape(title)}</a:t></a:r></a:p>'
        '</c:rich></c:tx><c:overlay val="0"/></c:title><c:autoTitleDeleted val="0"/>'
        '<c:plotArea><c:layout/><c:barChart><c:barDir val="col"/>'
        '<c:grouping val="clustered"/><c:varyColors val="0"/>'
        + "".join(sers)
        + '<c:gapWidth val="80"/><c:axId val="5001"/><c:axId val="5002"/></c:barChart>'
        '<c:catAx><c:axId val="5001"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="b"/><c:numFmt formatCode="General" sourceLinked="0"/>'
        '<c:tickLblPos val="nextTo"/><c:crossAx val="5002"/><c:crosses val="autoZero"/>'
        '<c:auto val="1"/><c:lblAlgn val="ctr"/><c:lblOffset val="100"/></c:catAx>'
        '<c:valAx><c:axId val="5002"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
        '<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/>'
        '<c:numFmt formatCode="#,##0" sourceLinked="0"/><c:tickLblPos val="nextTo"/>'
        '<c:crossAx val="5001"/><c:crosses val="autoZero"/><c:crossBetween val="between"/>'
        "</c:valAx></c:plotArea>"
        '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend>'
        '<c:plotVisOnly val="1"/><c:dispBlanksAs val="gap"/></c:chart>'
        f"<c:txPr><a:bodyPr/><a:lstStyle/><a:p><a:pPr>{_font(1000, FONT_BODY)}</a:pPr>"
        '<a:endParaRPr lang="zh-CN"/></a:p></c:txPr></c:chartSpace>'
    )
    return xml.encode()


def add_chart(
    document: DocumentObject,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    size: tuple[int, int] = (150, 85),
) -> int:
    """Append a centred paragraph holding a native column chart; returns the chart's number."""
    package = document.part.package
    number = 1 + sum(1 for p in package.iter_parts() if p.partname.startswith("/word/charts/"))
    part = Part(
        PackURI(f"/word/charts/chart{number}.xml"),
        CHART_TYPE,
        chart_xml(title, categories, series),
        package,
    )
    rid = document.part.relate_to(part, RT.CHART)
    paragraph = document.add_paragraph()
    # The body's exact line height would clip the drawing: this paragraph is single-spaced.
    paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    inline = parse_xml(
        f'<wp:inline xmlns:wp="{NS_WP}" xmlns:a="{NS_A}" xmlns:c="{NS_C}" xmlns:r="{NS_R}" '
        'distT="0" distB="0" distL="0" distR="0">'
        f'<wp:extent cx="{int(Mm(size[0]))}" cy="{int(Mm(size[1]))}"/>'
        '<wp:effectExtent l="0" t="0" r="0" b="0"/>'
        f'<wp:docPr id="{1000 + number}" name="Chart {number}"/><wp:cNvGraphicFramePr/>'
        f'<a:graphic><a:graphicData uri="{NS_C}"><c:chart r:id="{rid}"/></a:graphicData>'
        "</a:graphic></wp:inline>"
    )
    run = paragraph.add_run()
    drawing = parse_xml(
        '<w:drawing xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"/>'
    )
    drawing.append(inline)
    run._r.append(drawing)
    return number

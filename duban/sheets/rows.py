"""What a row below the header is: data, a group heading, a total, a footer, or blank."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum
from typing import Any

from duban.sheets.values import clean_text, is_blank

_CN_NUM = "一二三四五六七八九十百零〇"
_GROUP_SEQ = re.compile(rf"^(?:[{_CN_NUM}]+[、.,]?|[(][{_CN_NUM}]+[)]|[{_CN_NUM}]+[、.].*)$")
_GROUP_TEXT = re.compile(rf"^(?:[{_CN_NUM}]+[、.]|[(][{_CN_NUM}]+[)])")
_DATA_SEQ = re.compile(r"^\d+(?:[-.]\d+)*$")
# A heading in the name column with no 序号: "在建一批", "新开工项目", "产业项目(6个)".
_GROUP_NAME = re.compile(
    r"^(?:(?:计划|拟)?(?:新开工|在建|续建|竣工|前期|储备|谋划|开工)(?:项目)?(?:一批|类)?"
    r"|.{1,20}[(]\s*(?:共)?\d+\s*个(?:项目)?[)])$"
)
_FOOTER = re.compile(
    r"^(备注|注[:：]|注\d|说明[:：]|填表人|填报人|审核人|联系电话|制表|负责人|附[:：])"
)
_TOTAL_WORDS = ("合计", "总计", "小计", "总合计", "累计合计")


class RowKind(Enum):
    DATA = "data"
    GROUP = "group"
    TOTAL = "total"
    SUBTOTAL = "subtotal"
    FOOTER = "footer"
    BLANK = "blank"


def _is_total_text(text: str) -> str | None:
    compact = text.replace(" ", "")
    for word in _TOTAL_WORDS:
        if compact == word or (compact.startswith(word) and len(compact) <= len(word) + 6):
            return word
    return None


def row_kind(row: Sequence[Any], *, seq_col: int | None, name_col: int | None) -> RowKind:
    """Classify a row by its 序号 and name cells (CONVENTIONS §1, Rows)."""
    seq = row[seq_col] if seq_col is not None and seq_col < len(row) else ""
    name = row[name_col] if name_col is not None and name_col < len(row) else ""
    if isinstance(seq, int | float) and not isinstance(seq, bool) and not is_blank(name):
        return RowKind.DATA  # the common case, decided without looking at every cell
    cells = [v for v in row if not is_blank(v)]
    if not cells:
        return RowKind.BLANK
    seq_text = clean_text(seq).replace(" ", "") if not is_blank(seq) else ""
    name_text = clean_text(name) if not is_blank(name) else ""
    first_text = clean_text(cells[0]) if isinstance(cells[0], str) else ""
    if isinstance(seq, int | float) and not isinstance(seq, bool):
        return RowKind.DATA
    if seq_text and _DATA_SEQ.match(seq_text):
        return RowKind.DATA
    for text in (seq_text, name_text, first_text):
        word = _is_total_text(text) if text else None
        if word:
            return RowKind.SUBTOTAL if word == "小计" else RowKind.TOTAL
    if first_text and _FOOTER.match(first_text.replace(" ", "")) and not name_text:
        return RowKind.FOOTER
    if (
        first_text
        and _FOOTER.match(first_text.replace(" ", ""))
        and (not seq_text or _FOOTER.match(seq_text))
    ):
        return RowKind.FOOTER
    if seq_text and _GROUP_SEQ.match(seq_text):
        return RowKind.GROUP
    if seq_text and not name_text:
        # A label in the 序号 column, or spanning it and the name ("在建一批", "一 农林水利"),
        # whatever count sits in another column.
        return RowKind.GROUP
    if (
        not seq_text
        and name_text
        and (_GROUP_TEXT.match(name_text) or _GROUP_NAME.match(name_text))
    ):
        return RowKind.GROUP
    if not seq_text and len(cells) == 1 and name_text:
        # A lone heading in the name column: "产业项目（25个）".
        return RowKind.GROUP
    return RowKind.DATA


def group_label(row: Sequence[Any]) -> str:
    """The text of a group row without its numbering: "一、产业项目（6个）" → "产业项目（6个）"."""
    texts = [
        clean_text(v)
        for v in row
        if isinstance(v, str) and not is_blank(v) and not clean_text(v).isdigit()
    ]
    text = "".join(t for t in texts if not _GROUP_SEQ.match(t.replace(" ", ""))) or "".join(texts)
    return _GROUP_TEXT.sub("", text).strip()

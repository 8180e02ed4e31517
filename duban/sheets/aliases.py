"""Column names → meanings: the built-in synonyms plus the office's own rows (ColumnAlias).

A header is matched on its normalised text (full-width to ASCII, no spaces or line breaks)
after its money unit ("（亿元）", "(万元)", "元") and a "(%)" are taken off; month ranges such
as "1-3月完成投资" also give the month they run to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from duban.sheets.fields import LEDGER, Schema
from duban.sheets.values import MoneyUnit

_SPACES = re.compile(r"\s+")
_UNIT_SUFFIX = re.compile(r"[(\[](亿元|万元|元)[)\]]$|(?<![0-9])(亿元|万元)$")
_PCT_SUFFIX = re.compile(r"[(\[]%[)\]]$|%$|[(\[]百分比[)\]]$")
_YEAR_PREFIX = re.compile(r"^(\d{4})年度?")
_BARE_CUMULATIVE = {"累计完成投资", "累计完成"}
_QUARTERS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
# Month and quarter columns under a 计划 or 完成 parent: a plan curve, or each month's figure.
_SERIES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^[^/]*计划[^/]*/(?:\d{4}年)?(\d{1,2})月份?(?:计划)?(?:投资)?$"), "plan_m"),
    (re.compile(r"^[^/]*计划[^/]*/(?:第)?([一二三四1-4])季度?(?:计划)?(?:投资)?$"), "plan_q"),
    (re.compile(r"^[^/]*(?:完成|实际)[^/]*/(?:\d{4}年)?(\d{1,2})月份?$"), "done_m"),
    (re.compile(r"^(\d{1,2})月份?计划(?:完成)?投资$|^(\d{1,2})月份?计划$"), "plan_m"),
    (re.compile(r"^(?:第)?([一二三四])季度计划(?:投资)?$"), "plan_q"),
]


def _series(text: str) -> str | None:
    """ "月度计划/3月" → plan_m3, "计划/二季度" → plan_q2, "完成投资/3月" → done_m3."""
    for pattern, prefix in _SERIES:
        if m := pattern.match(text):
            raw = next(g for g in m.groups() if g)
            n = _QUARTERS[raw] if prefix == "plan_q" else int(raw)
            if (prefix == "plan_q" and 1 <= n <= 4) or (prefix != "plan_q" and 1 <= n <= 12):
                return f"{prefix}{n}"
    return None


_DASH = r"[-—–~至到]"
_MONTH_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(rf"^1{_DASH}+(\d{{1,2}})月份?(?:累计)?(?:实际)?完成(?:投资|额)?$"),
        "ytd_investment",
    ),
    (re.compile(r"^截至(\d{1,2})月底?(?:累计)?完成(?:投资|额)?$"), "ytd_investment"),
    (re.compile(rf"^1{_DASH}+(\d{{1,2}})月份?(?:累计)?计划(?:完成)?投资$"), "ytd_plan"),
    (re.compile(r"^(\d{1,2})月份?完成(?:投资|额)?$"), "month_investment"),
    (re.compile(r"^(\d{1,2})月份?资金到位$"), "funds"),
]


def normalize_header(text: str) -> str:
    """NFKC, no whitespace or line breaks, 【】 and （） as ASCII brackets."""
    text = unicodedata.normalize("NFKC", text or "")
    text = text.replace("【", "[").replace("】", "]").replace("—", "-").replace("－", "-")
    return _SPACES.sub("", text)


@dataclass(frozen=True)
class ColumnMeaning:
    field: str
    unit: MoneyUnit | None = None  # from the header itself
    percent: bool = False  # the header says (%)
    month: int | None = None  # "1-3月…" → 3
    year: int | None = None  # "2024年度/…" → 2024


def alias_table(extra: Mapping[str, str] | None = None, schema: Schema = LEDGER) -> dict[str, str]:
    """The schema's built-in synonyms overlaid with the office's ColumnAlias rows (ledgers).

    The office's rows win; a row switched off removes that name, built-in or not. `extra`
    (alias → field) replaces the database rows, for callers without a database.
    """
    fields = schema.fields
    table = {normalize_header(k): v for k, v in schema.aliases.items()}
    if extra is None and schema.office_aliases:
        from duban.sheets.models import ColumnAlias

        rows = ColumnAlias.objects.filter(schema=schema.name).values_list(
            "alias", "field", "is_active"
        )
        for alias, field, active in rows:
            if not active:
                table.pop(normalize_header(alias), None)
            elif field in fields:
                table[normalize_header(alias)] = field
        return table
    for alias, field in (extra or {}).items():
        if field in fields:
            table[normalize_header(alias)] = field
    return table


def _strip(text: str) -> tuple[str, MoneyUnit | None, bool]:
    unit: MoneyUnit | None = None
    percent = False
    for _ in range(2):
        if m := _UNIT_SUFFIX.search(text):
            unit = MoneyUnit(m.group(1) or m.group(2))
            text = text[: m.start()]
        if m := _PCT_SUFFIX.search(text):
            percent = True
            text = text[: m.start()]
    return text.rstrip("/"), unit, percent


def column_meaning(parts: list[str], table: Mapping[str, str]) -> ColumnMeaning | None:
    """What a flattened header (its parts, top to bottom) means, or None when unknown."""
    parts = [normalize_header(p) for p in parts if normalize_header(p)]
    if not parts:
        return None
    unit: MoneyUnit | None = None
    percent = False
    year: int | None = None
    cleaned: list[str] = []
    for part in parts:
        text, part_unit, part_pct = _strip(part)
        unit = part_unit or unit
        percent = percent or part_pct
        if m := _YEAR_PREFIX.match(text):
            year = int(m.group(1))
        cleaned.append(text)
    joined = "".join(cleaned)
    candidates = [joined, _YEAR_PREFIX.sub("", joined), cleaned[-1], "/".join(cleaned)]
    if len(cleaned) > 1:
        candidates.append(_YEAR_PREFIX.sub("", "".join(cleaned[1:])))
    if len(cleaned) > 1 and (series := _series("/".join(cleaned[-2:]))):
        return ColumnMeaning(series, unit, percent, None, year)
    if series := _series(joined):
        return ColumnMeaning(series, unit, percent, None, year)
    for text in candidates:
        if not text:
            continue
        for pattern, field in _MONTH_PATTERNS:
            if m := pattern.match(text):
                return ColumnMeaning(field, unit, percent, int(m.group(1)), year)
        if text in table:
            field = table[text]
            if percent and field == "progress":
                field = "progress_pct"  # 形象进度(%): the figure, not the text
            if field == "since_start" and year is not None and text in _BARE_CUMULATIVE:
                field = "ytd_investment"  # "2024年度/累计完成投资": the year's
            return ColumnMeaning(field, unit, percent, None, year)
    return None


def header_alias(header: str) -> str:
    """The name a flattened header is remembered by: its last part, without its unit or (%)."""
    last = header.split("/")[-1] if header else ""
    text, _unit, _pct = _strip(normalize_header(last))
    return text


GUESS_MIN_CHARS = 2


def column_guess(header: str, table: Mapping[str, str], taken: Collection[str]) -> str | None:
    """The field an unrecognised heading probably means, as a hint for the office: that of the
    longest known column name inside it ("企业反映的困难问题" holds 困难问题 → 问题描述), when no
    other field's name of that length is inside it too and no other column has that field."""
    text = normalize_header(header_alias(header))
    longest = 0
    fields: set[str] = set()
    for alias, field in table.items():
        if len(alias) < GUESS_MIN_CHARS or len(alias) < longest or alias not in text:
            continue
        if len(alias) > longest:
            longest, fields = len(alias), set()
        fields.add(field)
    if len(fields) != 1:
        return None
    field = fields.pop()
    return None if field in taken else field

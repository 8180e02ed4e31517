"""Writes of the sheets app: the office's own column names (ColumnAlias)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses
from duban.sheets.aliases import alias_table, header_alias, normalize_header
from duban.sheets.errors import column_letter
from duban.sheets.fields import LEDGER, Schema
from duban.sheets.headers import Column
from duban.sheets.models import ColumnAlias

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ColumnMapping:
    """The office maps a column of one table (sheet, header row) to a field of its schema."""

    sheet: str
    header_row: int  # 1-based, the header's last row
    column: Column
    field: str


def column_mappings_check(
    mappings: Sequence[ColumnMapping],
    matched: Mapping[tuple[str, int], Mapping[str, Column]],
    schema: Schema = LEDGER,
) -> list[str]:
    """Why the mappings can't be saved, naming the sheet, row and column: a field given to two
    columns of one table, or to a column while another already has it. Empty when they can."""
    reasons = []
    taken: dict[tuple[str, int, str], Column] = {}
    for m in mappings:
        where = _("工作表“%(sheet)s”第%(row)s行%(col)s列（%(header)s）") % {
            "sheet": m.sheet,
            "row": m.header_row,
            "col": column_letter(m.column.index),
            "header": m.column.header,
        }
        if m.field not in schema.fields:
            reasons.append(_("%(where)s：未知字段%(field)s") % {"where": where, "field": m.field})
            continue
        label = schema.fields[m.field][0]
        other = matched.get((m.sheet, m.header_row), {}).get(m.field)
        if other is not None and other.index != m.column.index:
            reasons.append(
                _("%(where)s：“%(field)s”已对应%(col)s列（%(header)s），一个字段只能对应一列")
                % {
                    "where": where,
                    "field": label,
                    "col": column_letter(other.index),
                    "header": other.header,
                }
            )
        key = (m.sheet, m.header_row, m.field)
        if key in taken:
            reasons.append(
                _("%(where)s：与%(col)s列都选了“%(field)s”，一个字段只能对应一列")
                % {"where": where, "col": column_letter(taken[key].index), "field": label}
            )
        taken.setdefault(key, m.column)
        if not header_alias(m.column.header):
            reasons.append(_("%(where)s：列名为空，无法记为别名") % {"where": where})
    return reasons


@transaction.atomic
def column_mappings_save(
    *,
    mappings: Sequence[ColumnMapping],
    matched: Mapping[tuple[str, int], Mapping[str, Column]],
    schema: Schema = LEDGER,
) -> list[ColumnAlias]:
    """Save each mapping as a column alias, so that the next file of that layout needs nothing.

    Raises ApplicationError naming every bad mapping (see column_mappings_check), or a column
    name already meaning another field; writes nothing then.
    """
    reasons = column_mappings_check(mappings, matched, schema)
    table = alias_table(schema=schema)
    for m in mappings:
        text = header_alias(m.column.header)
        current = table.get(normalize_header(text))
        if current and current != m.field:
            reasons.append(
                _("列名“%(alias)s”已对应“%(field)s”，请在管理后台的“列名别名”中修改")
                % {"alias": text, "field": schema.fields[current][0]}
            )
    if reasons:
        raise ApplicationError(join_clauses(reasons))
    saved = []
    for m in mappings:
        text = header_alias(m.column.header)
        row, _created = ColumnAlias.objects.update_or_create(
            schema=schema.name,
            alias=text[:100],
            defaults={"field": m.field, "is_active": True, "note": str(_("导入时对应"))},
        )
        saved.append(row)
    logger.info("column_alias.saved", extra={"count": len(saved)})
    return saved

"""The column mapping of an import preview, for every kind of list (ledger, problem list): each
column of the file with the field it was matched to, and the office's mapping of an unmatched
column to a field, saved as a column alias of that kind of list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from duban.core.errors import ApplicationError
from duban.sheets.aliases import alias_table, column_guess
from duban.sheets.errors import SheetFileError, column_letter
from duban.sheets.fields import Schema
from duban.sheets.services import ColumnMapping, column_mappings_save
from duban.sheets.tables import workbook_load
from duban.transfer.imports.result import ImportResult

PREFIX = "map"


def mapping_tables(result: ImportResult, schema: Schema) -> list[dict[str, Any]]:
    """Each table's columns with the field each was matched to ("" when not recognised)."""
    if result.book is None:
        return []
    tables = []
    names = alias_table(schema=schema)
    for t, table in enumerate(result.book.tables):
        taken = set(table.columns)
        columns = []
        for c in table.header.columns:
            if not (c.header or c.field):
                continue
            guess = None if c.field else column_guess(c.header, names, taken)
            columns.append(
                {
                    "key": f"{PREFIX}__{t}__{c.index}",
                    "letter": column_letter(c.index),
                    "header": c.header,
                    "field": c.field,
                    "label": _label(schema, c.field),
                    # A hint only (never preselected: a wrong guess would become an alias).
                    "guess": _label(schema, guess),
                }
            )
        tables.append(
            {
                "sheet": table.sheet,
                "row": table.header.last_row + 1,
                "columns": columns,
                "unmatched": sum(1 for c in columns if not c["field"]),
            }
        )
    return tables


def _label(schema: Schema, field: str | None) -> str:
    return schema.fields[field][0] if field and field in schema.fields else ""


def field_choices(schema: Schema) -> list[tuple[str, str]]:
    return [(key, label) for key, (label, _kind) in schema.fields.items()]


def mappings_save(
    post: Mapping[str, Any], *, content: bytes, file_name: str, schema: Schema
) -> str:
    """Save the mappings the office chose on the preview (`map__<table>__<column>` = field) as
    column aliases of the schema; the reason they were refused, or "" when saved (or none)."""
    try:
        book = workbook_load(content, file_name=file_name, schema=schema)
    except SheetFileError as e:
        return str(e.message)
    mappings = []
    for key, value in post.items():
        parts = key.split("__")
        if len(parts) != 3 or parts[0] != PREFIX or not value:
            continue
        try:
            t, c = int(parts[1]), int(parts[2])
            table = book.tables[t]
            column = next(col for col in table.header.columns if col.index == c)
        except (ValueError, IndexError, StopIteration):
            continue
        mappings.append(ColumnMapping(table.sheet, table.header.last_row + 1, column, str(value)))
    if not mappings:
        return ""
    matched = {(tb.sheet, tb.header.last_row + 1): tb.columns for tb in book.tables}
    try:
        column_mappings_save(mappings=mappings, matched=matched, schema=schema)
    except ApplicationError as e:
        return str(e.message)
    return ""

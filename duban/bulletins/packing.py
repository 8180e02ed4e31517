"""A bulletin's figures as stored: every figure's rows and amounts kept once, compactly.

A province's 月报 states some hundred figures whose rows are mostly the same few sets (the
55,000 problems of the year behind 收集问题 and 办结率, the 15,000 projects behind several
investment figures), and ids that follow each other (a year's problems, numbered as they
came). Stored as they are computed, that is megabytes of JSON encoded at every save. Stored
here: each distinct list of row ids once, with runs of consecutive ids as [first, last]; each
distinct list of amounts once, as one text of its amounts joined by commas (a decimal's text
holds none: a province's 180,000 amounts are then a few texts to encode, not as many strings);
each figure naming its lists by number. `unpack` gives back exactly the figures `pack` was
given (the same keys in the same order, the same ids and amounts), reads the earlier packed
form (format 2: each list of amounts as a list), and passes a bulletin stored before packing
(its figures' rows written out) through unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, repeat
from operator import ne, sub
from typing import Any

FORMAT = 3
# The packed forms `unpack` reads (2: each list of amounts kept as a list).
READ_FORMATS = (2, 3)
# Consecutive ids written as one [first, last] pair from this many on (fewer: one by one).
RUN_MIN = 3
_INT = {int}


def _breaks(values: list[Any], broken: Iterable[bool]) -> list[int]:
    """The positions i (0 < i < len) where `broken` (one flag per pair of neighbours) says
    values[i] does not continue values[i - 1], then len: found by C-level iteration (a
    province's lists hold tens of thousands of values)."""
    return [*compress(range(1, len(values)), broken), len(values)]


def encode_ids(ids: list[Any]) -> list[Any]:
    """Row ids with runs of consecutive integers as [first, last] (ints only: other values,
    booleans and other subclasses of int among them, are kept one by one). The types are
    checked in one C-level pass (a province's lists hold tens of thousands of ids)."""
    if not set(map(type, ids)) <= _INT:
        return list(ids)
    out: list[Any] = []
    if not ids:
        return out
    ends = _breaks(ids, map(ne, map(sub, ids[1:], ids), repeat(1)))
    if len(ends) == len(ids):
        return list(ids)  # no two consecutive (a level's or an industry's projects)
    start = 0
    for end in ends:
        if end - start >= RUN_MIN:
            out.append([ids[start], ids[end - 1]])
        else:
            out.extend(ids[start:end])
        start = end
    return out


def decode_ids(packed: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in packed:
        if type(v) is list:
            out.extend(range(v[0], v[1] + 1))
        else:
            out.append(v)
    return out


def join_amounts(amounts: list[Any]) -> Any:
    """A list of amounts as one text, joined by commas; as a list when the text would not
    split back into the same list (empty, a value not a text, a text holding a comma)."""
    try:
        joined = ",".join(amounts)
    except TypeError:
        return list(amounts)
    if joined.count(",") != len(amounts) - 1:
        return list(amounts)
    return joined


def split_amounts(stored: Any) -> list[Any]:
    """The list `join_amounts` was given."""
    return stored.split(",") if isinstance(stored, str) else list(stored)


class _Amounts:
    """Distinct lists of amounts, each kept once (joined), by position."""

    def __init__(self) -> None:
        self.seen: dict[Any, int] = {}
        self.lists: list[Any] = []

    def add(self, values: list[Any]) -> int:
        stored = join_amounts(values)
        key = stored if isinstance(stored, str) else tuple(values)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = len(self.lists)
            self.lists.append(stored)
        return found


class _Pool:
    """Distinct lists, each kept once, by position."""

    def __init__(self, encode: Any) -> None:
        self.encode = encode
        self.seen: dict[tuple[Any, ...], int] = {}
        self.lists: list[list[Any]] = []

    def add(self, values: list[Any]) -> int:
        key = tuple(values)
        found = self.seen.get(key)
        if found is None:
            found = self.seen[key] = len(self.lists)
            self.lists.append(self.encode(values))
        return found


def pack(figures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The stored form of a bulletin's figures (see the module's docstring). The figures' order
    and their fields' order are written out too: PostgreSQL's jsonb keeps neither."""
    rows, amounts = _Pool(encode_ids), _Amounts()
    out: dict[str, dict[str, Any]] = {}
    fields: dict[str, None] = {}
    for key, fig in figures.items():
        stored = dict(fig)
        fields.update(dict.fromkeys(fig))
        stored["rows"] = rows.add(fig["rows"])
        if fig.get("amounts") is not None:
            stored["amounts"] = amounts.add(fig["amounts"])
        out[key] = stored
    return {
        "format": FORMAT,
        "order": list(out),
        "fields": list(fields),
        "rows": rows.lists,
        "amounts": amounts.lists,
        "figures": out,
    }


def is_packed(stored: Any) -> bool:
    return isinstance(stored, dict) and stored.get("format") in READ_FORMATS and "figures" in stored


def unpack(stored: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The figures as `pack` was given them (in their order, each with its fields in their
    order); an older bulletin's figures as they are."""
    if not is_packed(stored):
        return stored
    rows = [decode_ids(p) for p in stored["rows"]]
    amounts = stored["amounts"]
    if stored["format"] >= 3:
        amounts = [split_amounts(a) for a in amounts]
    fields = stored["fields"]
    figures = stored["figures"]
    out: dict[str, dict[str, Any]] = {}
    for key in stored["order"]:
        fig = figures[key]
        figure = {f: fig[f] for f in fields if f in fig}
        figure["rows"] = list(rows[fig["rows"]])
        if fig.get("amounts") is not None:
            figure["amounts"] = list(amounts[fig["amounts"]])
        out[key] = figure
    return out

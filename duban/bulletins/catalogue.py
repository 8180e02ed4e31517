"""The catalogue of figures: every number a bulletin states is one registered function.

A figure has a key, a Chinese label, a one-sentence definition and a kind (count, money in
万元, percentage, points, days). Given a `FigureQuery` (the year and month, the 口径 levels, a
unit or a leader's area) it returns its exact value AND the ids of the rows behind it, so a
reader can click a number and see what it adds up. No figure is computed anywhere else: the
documents, pages, API and CLI all read this catalogue. A figure may be given in grouped form
(`register_grouped`): its values and rows over groups of the 口径's rows in one pass, which
the tables by level, industry and unit read (`compute_groups`); the figure over the whole
口径 is the same function over one group.

Apps above bulletins in the layering cannot be imported here; apps below it (supervision,
assessment when they exist) register their figures with `register_figure` from their
AppConfig.ready().
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from itertools import repeat
from typing import Any, TypeVar

from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _

from duban.core.formatting import (
    FigureStyle,
    count_text,
    gap_phrase,
    growth_text,
    money_text,
    number_text,
    pct_text,
    points_text,
)
from duban.core.money import quantize, ratio_pct
from duban.core.periods import Period

COUNT = "count"
MONEY = "money"  # 万元
PCT = "pct"
GROWTH = "growth"  # a change in percent against a base (同比)
POINTS = "points"  # a difference of rates, 个百分点
GAP = "gap"  # completion against 序时进度, in points
DAYS = "days"
SCORE = "score"  # an assessment score, 分
KINDS = (COUNT, MONEY, PCT, GROWTH, POINTS, GAP, DAYS, SCORE)


@dataclass(frozen=True)
class FigureQuery:
    """口径: whose figures, for which time.

    month: the figures up to this month's end (a year's figures: month 12). levels: the
    WorkItem levels that count (empty: all). unit_id: items led by this unit or a unit below it.
    leader_id: the items and units in this leader's area (lead leader or responsibility).
    item_id: one work item (a 项目专报), with the same project's items of other years."""

    year: int
    month: int = 12
    levels: tuple[str, ...] = ()
    unit_id: int | None = None
    leader_id: int | None = None
    item_id: int | None = None

    @property
    def period(self) -> Period:
        return Period(self.year, self.month)

    def last_year(self) -> FigureQuery:
        return FigureQuery(
            self.year - 1, self.month, self.levels, self.unit_id, self.leader_id, self.item_id
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "month": self.month,
            "levels": list(self.levels),
            "unit_id": self.unit_id,
            "leader_id": self.leader_id,
            "item_id": self.item_id,
        }


@dataclass(frozen=True)
class FigureValue:
    """A figure's value with its provenance.

    rows: ids of `row_model` behind the value. For a count, the rows counted; for a sum, the
    rows summed, with `amounts` their contributions (they add up to the value); for a rate,
    the rows of the denominator, with `amounts` their contributions to the numerator and
    `numerator`/`denominator` the unrounded sums. `note` says why a value is missing (无去年台账…).
    """

    value: Decimal | int | None
    rows: tuple[int, ...] = ()
    amounts: tuple[Decimal, ...] | None = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    note: str = ""


def lazy_format(message: str, values: dict[str, Any]) -> Promise:
    """gettext(message) % values, translated when shown (labels are made at import time)."""
    made: Promise = lazy(lambda: _(message) % {k: str(v) for k, v in values.items()}, str)()  # type: ignore[assignment]
    return made


# A row's group, from its id (a row of the figure's `row_model`); None: one group, None, of
# all the rows (the figure over the whole 口径).
GroupOf = Callable[[int], Hashable] | None
# A figure's grouped form: its values over groups of its rows in one pass, for each group
# asked for (a group without rows: the value over no rows). See `register_grouped`.
Grouped = Callable[["FigureContext", GroupOf, Sequence[Hashable]], dict[Hashable, "FigureValue"]]


@dataclass(frozen=True)
class Figure:
    key: str
    label: str | Promise
    definition: str | Promise
    kind: str
    row_model: str
    compute: Callable[[FigureContext], FigureValue]
    measure: str = "project"  # the measure word of a count (MEASURE_WORDS)
    group: str = ""
    grouped: Grouped | None = None
    # What a change measures, for a pair whose changes differ in sign (项目数增长…，完成投资下降…)
    subject: str | Promise = ""


@dataclass(frozen=True)
class FigureResult:
    figure: Figure
    query: FigureQuery
    value: FigureValue
    style: FigureStyle | None = None  # None: the office's (core.formatting.office_style)

    @property
    def key(self) -> str:
        return self.figure.key

    @property
    def text(self) -> str:
        return figure_text(self.figure, self.value, self.style)

    def as_json(self) -> dict[str, Any]:
        v = self.value.value
        return {
            "key": self.figure.key,
            "label": str(self.figure.label),
            "definition": str(self.figure.definition),
            "kind": self.figure.kind,
            "value": None if v is None else str(v),
            "text": self.text,
            "note": self.value.note,
            "row_model": self.figure.row_model,
            "rows": list(self.value.rows),
            # Each row's contribution (a sum's amounts, a rate's numerator parts), or null.
            "amounts": None if self.value.amounts is None else list(map(str, self.value.amounts)),
        }


def figure_text(figure: Figure, value: FigureValue, style: FigureStyle | None = None) -> str:
    """The value as the office writes it; '无' for an empty rate, the note when one explains."""
    v = value.value
    if v is None:
        return value.note or _("无")
    if figure.kind == COUNT:
        return count_text(int(v), figure.measure)
    d = Decimal(v)
    if figure.kind == MONEY:
        return money_text(d, style)
    if figure.kind == PCT:
        return pct_text(d, style)
    if figure.kind == GROWTH:
        return growth_text(d, style)
    if figure.kind == POINTS:
        return points_text(d, style)
    if figure.kind == GAP:
        return gap_phrase(d, style)
    if figure.kind == SCORE:
        return _("%(n)s分") % {"n": number_text(quantize(d, 2), style)}
    # DAYS: days early (planned − actual), written 提前17天 / 推迟3天 / 与计划同日.
    shown = quantize(abs(d), 1)
    if shown == 0:
        return _("与计划同日")
    n = number_text(shown, style)
    return (_("提前%(n)s天") if d > 0 else _("推迟%(n)s天")) % {"n": n}


_REGISTRY: dict[str, Figure] = {}


def register_figure(
    key: str,
    *,
    label: str | Promise,
    definition: str | Promise,
    kind: str,
    row_model: str,
    measure: str = "project",
    group: str = "",
    grouped: Grouped | None = None,
    subject: str | Promise = "",
) -> Callable[[Callable[[FigureContext], FigureValue]], Callable[[FigureContext], FigureValue]]:
    """Register a figure; a key may be registered once (the catalogue has one home per figure).
    `grouped`: the same figure in grouped form (`fn` is then its one group, the whole 口径)."""
    if kind not in KINDS:
        raise ValueError(f"unknown figure kind {kind!r}")

    def decorate(
        fn: Callable[[FigureContext], FigureValue],
    ) -> Callable[[FigureContext], FigureValue]:
        existing = _REGISTRY.get(key)
        if existing is not None and existing.compute is not fn:
            raise ValueError(f"figure {key!r} is already registered")
        _REGISTRY[key] = Figure(
            key, label, definition, kind, row_model, fn, measure, group, grouped, subject
        )
        return fn

    return decorate


def whole(grouped: Grouped) -> Callable[[FigureContext], FigureValue]:
    """The figure over the whole 口径: its grouped form with one group of all its rows."""

    def compute(ctx: FigureContext) -> FigureValue:
        return grouped(ctx, None, _WHOLE)[None]

    return compute


_WHOLE: tuple[None] = (None,)


def register_grouped(
    key: str,
    *,
    label: str | Promise,
    definition: str | Promise,
    kind: str,
    row_model: str,
    measure: str = "project",
    group: str = "",
) -> Callable[[Grouped], Callable[[FigureContext], FigureValue]]:
    """Register a figure given in grouped form, `fn(ctx, group_of, groups)`: its values over
    each of `groups` of its rows (group_of: a row's id → its group), made in one pass over the
    rows (`split`), so that a table of two thousand units costs a pass, not two thousand
    computations. The figure over the whole 口径 is the same function over one group; both
    are this one definition. Returns the figure over the whole 口径 (`whole`)."""

    def decorate(fn: Grouped) -> Callable[[FigureContext], FigureValue]:
        return register_figure(
            key,
            label=label,
            definition=definition,
            kind=kind,
            row_model=row_model,
            measure=measure,
            group=group,
            grouped=fn,
        )(whole(fn))

    return decorate


def figure_keys() -> list[str]:
    return sorted(_REGISTRY)


def get_figure(key: str) -> Figure:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownFigureError(key) from None


def all_figures() -> list[Figure]:
    return [_REGISTRY[k] for k in figure_keys()]


class UnknownFigureError(KeyError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:
        return _("未知的统计指标“%(key)s”。可用的指标：%(keys)s") % {
            "key": self.key,
            "keys": "、".join(figure_keys()),
        }


@dataclass
class FigureContext:
    """One computation of many figures over one 口径: the shared reads are made once and
    cached here, so the catalogue costs a fixed number of queries per figure."""

    query: FigureQuery
    cache: dict[str, Any] = field(default_factory=dict)
    values: dict[str, FigureValue] = field(default_factory=dict)

    def value(self, key: str) -> FigureValue:
        """A figure's value over this 口径, computed once (figures built on others read them
        here: the gap reads the two rates, 同比 this year's and last year's)."""
        if key not in self.values:
            self.values[key] = get_figure(key).compute(self)
        return self.values[key]

    def memo(self, name: str, make: Callable[[], Any]) -> Any:
        if name not in self.cache:
            self.cache[name] = make()
        return self.cache[name]

    @cached_property
    def last_year(self) -> FigureContext:
        return FigureContext(self.query.last_year())


def compute(key: str, ctx: FigureContext, style: FigureStyle | None = None) -> FigureResult:
    return FigureResult(get_figure(key), ctx.query, ctx.value(key), style)


def compute_groups(
    keys: Sequence[str],
    ctx: FigureContext,
    group_of: Callable[[int], Hashable],
    groups: Sequence[Hashable],
) -> dict[Hashable, dict[str, FigureValue]]:
    """The values of the figures named over each of `groups` of the 口径's rows (group_of: a
    row's id → its group; rows of no group asked for are left out), each figure in one pass
    through its grouped form (a figure without one cannot be grouped)."""
    out: dict[Hashable, dict[str, FigureValue]] = {g: {} for g in groups}
    # The figures of a table split the same rows (the 口径's projects) by the same groups:
    # each list of rows split once for all of them (see `split`).
    grouping = _Grouping(group_of)
    for key in keys:
        figure = get_figure(key)
        if figure.grouped is None:
            raise ValueError(f"figure {key!r} has no grouped form")
        values = figure.grouped(ctx, grouping, groups)
        for g in groups:
            out[g][key] = values[g]
    return out


def compute_many(
    keys: list[str] | None, query: FigureQuery, style: FigureStyle | None = None
) -> dict[str, FigureResult]:
    """The figures named (all when None) over one 口径, sharing their reads."""
    ctx = FigureContext(query)
    for key in keys or []:
        get_figure(key)  # refuse unknown keys before computing anything
    return {k: compute(k, ctx, style) for k in (keys if keys is not None else figure_keys())}


# -- helpers for the figure functions --------------------------------------------------------

R = TypeVar("R", bound=tuple[Any, ...])


class _Grouping:
    """A row's group (`group_of`) for the figures `compute_groups` computes together, with
    the rows already split by it: the same list of rows, split again by the same groups,
    is given the lists split the first time (the figures only read them)."""

    def __init__(self, group_of: Callable[[int], Hashable]) -> None:
        self.group_of = group_of
        self.splits: dict[int, tuple[Any, Sequence[Hashable], dict[Hashable, list[Any]]]] = {}

    def __call__(self, pk: int) -> Hashable:
        return self.group_of(pk)


def split(
    rows: Iterable[R], group_of: GroupOf, groups: Sequence[Hashable]
) -> dict[Hashable, list[R]]:
    """Rows (tuples whose first field is the id) by group, in their order, for each group
    asked for (empty when it has none); rows of no group asked for are left out. None: all
    rows in the one group None (the figure over the whole 口径). The lists given are read,
    not changed: within `compute_groups`, a list of rows split once is given to every
    figure that splits it by the same groups."""
    if group_of is None:
        return {None: list(rows)}
    if isinstance(group_of, _Grouping):
        done = group_of.splits.get(id(rows))
        if done is not None and done[0] is rows and done[1] is groups:
            return done[2]
        out = _split(rows, group_of.group_of, groups)
        group_of.splits[id(rows)] = (rows, groups, out)
        return out
    return _split(rows, group_of, groups)


def _split(
    rows: Iterable[R], group_of: Callable[[int], Hashable], groups: Sequence[Hashable]
) -> dict[Hashable, list[R]]:
    out: dict[Hashable, list[R]] = {g: [] for g in groups}
    get = out.get
    for r in rows:
        bucket = get(group_of(r[0]))
        if bucket is not None:
            bucket.append(r)
    return out


_ZERO = Decimal(0)
_new = object.__new__


def _made(
    value: Decimal | int | None,
    rows: tuple[int, ...],
    amounts: tuple[Decimal, ...] | None = None,
    numerator: Decimal | None = None,
    denominator: Decimal | None = None,
) -> FigureValue:
    """FigureValue(value, rows, amounts, numerator, denominator): the same value, its fields
    set directly rather than one by one through a frozen dataclass's `__init__` (a table of
    two thousand units makes eight thousand; this is half their cost)."""
    made: FigureValue = _new(FigureValue)
    made.__dict__.update(
        value=value,
        rows=rows,
        amounts=amounts,
        numerator=numerator,
        denominator=denominator,
        note="",
    )
    return made


def count_of(ids: list[int] | tuple[int, ...]) -> FigureValue:
    rows = tuple(sorted(set(ids)))
    return _made(len(rows), rows)


def sum_of(amounts: dict[int, Decimal]) -> FigureValue:
    rows = tuple(sorted(amounts))
    parts = tuple(map(amounts.__getitem__, rows))
    return _made(sum(parts, _ZERO), rows, parts)


def rate_of(
    numerators: dict[int, Decimal], denominator: Decimal, base_rows: list[int] | None = None
) -> FigureValue:
    """numerator / denominator × 100 unrounded over the base rows; None (无) when the
    denominator is 0, never a division by zero."""
    rows = tuple(sorted(set(base_rows if base_rows is not None else numerators)))
    parts = tuple(map(numerators.get, rows, repeat(_ZERO, len(rows))))
    num = sum(parts, _ZERO)
    return _made(ratio_pct(num, denominator), rows, parts, num, denominator)

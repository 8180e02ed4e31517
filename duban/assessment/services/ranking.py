"""Ranking closed months from their valid events: one grouped query for the points, the
ranking itself over the units' rows (a province's 2,000 a month), and the lines written only
where they changed.

The points of every unit and month asked for (from the first to the last) come from one
aggregate in one pass over their events, in the order of the events' unique index: the
valid events summed per unit and month, each capped rule's own sum (an aggregate `FILTER`)
bounded by its cap. Those of the other months come from their stored month lines (the same
figure, kept in line with the events by every change, which ranks its month again): the
months before the first one asked, and the later unpublished months ranked again with it —
so that ranking June alone reads June's events, not the year's, and so does recomputing June
in December. From those rows each month's ranking follows: the month's points and the
year to date, the score (base + points), the rank within the unit's group with ties sharing
a rank (1, 2, 2, 4), the change since the previous month and, at a quarter's and the year's
end, the span's score and grade. The lines are compared with the stored ones, and only those
that differ are replaced: ranking a month again when nothing changed writes nothing. The
number of queries is fixed, whatever the number of units, events and months ranked.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import accumulate, repeat
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from duban.assessment.models import Ranking, Rule, Scheme, ScoreEvent, Standing
from duban.assessment.rules import competition_ranks, grade_of
from duban.assessment.services.schemes import scheme_ensure
from duban.core import clock
from duban.core.bulk import (
    delete_where,
    gc_paused,
    insert_rows,
    insert_select,
    keys_where,
    rows_select,
)
from duban.core.errors import ApplicationError
from duban.core.periods import Period
from duban.org.models import Unit

S = Standing.Span

# A unit's points per month in hundredths (cents): exact integers, summed and compared in
# Python whatever the database returns (SQLite a float for fractional points).
Cents = int


def _cents(value: Any) -> Cents:
    return round(value * 100) if value is not None else 0


def _cents_sql(expression: str) -> str:
    """`expression` (a decimal) in hundredths, as an integer, in SQL."""
    return f"CAST(ROUND(({expression}) * 100) AS BIGINT)"


def _decimal(cents: Cents) -> Decimal:
    return Decimal(cents).scaleb(-2)


def points_by_month(
    year: int, last_month: int, first_month: int = 1, *, caps: dict[int, Any] | None = None
) -> dict[int, dict[int, Cents]]:
    """Per unit and month (`first_month` to `last_month`), the valid events' points with each
    rule bounded by its cap (per unit and month): one aggregate, its rows one per unit and
    month. `caps` are the capped rules of the year's scheme versions (rule → cap; read when
    not given): an event's rule is one of its year's versions (the services refuse others).

    One pass over the months' events in the order of their unique index (year, month, unit,
    key), no sort: each unit's and month's points summed, and for each capped rule its own
    sum (an aggregate `FILTER`, computed only on its rule's events) brought back within the
    cap — the same figure as summing each rule's points, bounding each sum and adding them
    (`test_points_by_month_bounds_each_rule_by_its_cap`), without grouping the events by
    rule first (which sorted them all)."""
    if caps is None:
        caps = _units_and_caps(year)[1]
    quote = connection.ops.quote_name
    events = quote(ScoreEvent._meta.db_table)
    rules = sorted(caps.items())
    sums = "".join(f", SUM(points) FILTER (WHERE rule_id = %s) AS c{i}" for i in range(len(rules)))
    corrections = "".join(
        f" + COALESCE(CASE WHEN c{i} > CAST(%s AS NUMERIC) THEN CAST(%s AS NUMERIC) - c{i} "
        f"WHEN c{i} < -CAST(%s AS NUMERIC) THEN -CAST(%s AS NUMERIC) - c{i} END, 0)"
        for i in range(len(rules))
    )
    sql = (
        f"SELECT unit_id, month, {_cents_sql(f's.total{corrections}')} FROM ("  # noqa: S608
        f"SELECT unit_id, month, SUM(points) AS total{sums} FROM {events} "
        "WHERE year = %s AND month >= %s AND month <= %s AND state = %s "
        "GROUP BY unit_id, month) s"
    )
    params: list[Any] = [cap for _rule, cap in rules for _ in range(4)]
    params += [rule for rule, _cap in rules]
    params += [year, first_month, last_month, ScoreEvent.State.APPROVED]
    out: dict[int, dict[int, Cents]] = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, month, total in cursor.fetchall():
            out[unit_id][month] = total
    return out


# A ranking's line as computed or stored: (ranking_id, span, unit_id, group, points, score,
# ytd, rank, previous_rank, grade), points and scores in cents; its key is the first three.
Line = tuple[int, str, int, str, Cents, Cents, Cents, int, int | None, str]


def _span_lines(
    *,
    ranking_id: int,
    span: str,
    groups: dict[int, str],
    points: dict[int, Cents],
    base: Cents,
    ytd: dict[int, Cents],
    previous: dict[int, int],
    scheme: Scheme | None,
) -> list[Line]:
    """One span's lines: each group ranked on base + points, ties sharing a rank; graded
    when `scheme` is given (a quarter or the year)."""
    by_group: dict[str, dict[int, Cents]] = defaultdict(dict)
    for unit_id, group in groups.items():
        by_group[group][unit_id] = base + points[unit_id]
    lines = []
    for group, members in by_group.items():
        # A grade follows from the score and the rank in the group (ties share both): made
        # once per pair.
        grades: dict[tuple[Cents, int], str] = {}
        for unit_id, rank in competition_ranks(members).items():
            grade = ""
            if scheme is not None:
                pair = (members[unit_id], rank)
                found = grades.get(pair)
                if found is None:
                    found = grades[pair] = grade_of(
                        score=_decimal(members[unit_id]),
                        rank=rank,
                        size=len(members),
                        by=scheme.grade_by,
                        bands=scheme.bands,
                    )
                grade = found
            lines.append(
                (
                    ranking_id,
                    span,
                    unit_id,
                    group,
                    points[unit_id],
                    members[unit_id],
                    base + ytd[unit_id],
                    rank,
                    previous.get(unit_id),
                    grade,
                )
            )
    return lines


def _scheme_in_force(schemes: Sequence[Scheme], month: int, year: int) -> Scheme:
    """The newest version applying from `month` (as `scheme_for`, from the year's versions)."""
    for scheme in schemes:  # newest first
        if scheme.from_month <= month:
            return scheme
    return scheme_ensure(year=year)


def _rankings(
    year: int, months: Sequence[int], schemes_of_year: Sequence[Scheme], *, later: bool
) -> tuple[dict[int, Ranking], dict[int, Scheme], set[int]]:
    """The months' rankings, made where missing and moved to the scheme in force, with the
    scheme of each and the months whose ranking moved; refuses a published one. With `later`, also every ranking not yet
    published of a month after the first one (their year to date and rank change follow
    from it). Three statements whatever the number of months."""
    schemes = {m: _scheme_in_force(schemes_of_year, m, year) for m in months}
    now = Ranking._meta.get_field("updated_at").get_db_prep_save(clock.now(), connection)
    table = connection.ops.quote_name(Ranking._meta.db_table)
    wanted, params = rows_select(
        [("year", "integer"), ("month", "integer"), ("scheme_id", "bigint")],
        [(year, m, schemes[m].pk) for m in months],
    )
    insert_select(
        Ranking,
        ["year", "month", "scheme", "created_at", "updated_at"],
        f"SELECT w.year, w.month, w.scheme_id, %s, %s FROM ({wanted}) w "  # noqa: S608
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} r WHERE r.year = w.year "
        "AND r.month = w.month)",
        [now, now, *params],
    )
    found = Ranking.objects.filter(year=year)
    found = found.filter(month__gte=months[0]) if later else found.filter(month__in=months)
    rankings = {
        r.month: r for r in found.order_by("month") if r.month in months or r.published_at is None
    }
    for month in rankings.keys() - schemes.keys():
        schemes[month] = _scheme_in_force(schemes_of_year, month, year)
    for month in months:
        if rankings[month].published_at is not None:
            raise ApplicationError(_("%(p)s的月榜已公布。") % {"p": Period(year, month).label})
    shifted = {m for m, r in rankings.items() if r.scheme_id != schemes[m].pk}
    moved, moved_params = rows_select(
        [("id", "bigint"), ("scheme_id", "bigint")],
        [(rankings[m].pk, schemes[m].pk) for m in sorted(shifted)],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET scheme_id = m.scheme_id, updated_at = %s "  # noqa: S608
            f"FROM ({moved}) m WHERE {table}.id = m.id",
            [now, *moved_params],
        )
    for month, ranking in rankings.items():
        ranking.scheme = schemes[month]
    return rankings, schemes, shifted


class _Earlier:
    """What ranking reads of the stored month lines of the months not ranked now: those
    before the first month ranked summed per unit in SQL at the two cut points a ranked
    month needs, and the others (published months after it) per unit and month."""

    def __init__(self) -> None:
        # Per unit: its points (cents) from January to the end of the quarter before the
        # first month's (`head`), then to the end of the month before it (`tail`), the
        # number of those months with a line, and its rank the month before.
        self.head: dict[int, Cents] = {}
        self.tail: dict[int, Cents] = {}
        self.count: dict[int, int] = {}
        self.ranks: dict[int, int] = {}
        # The other months' lines: per month and unit, the points (cents) and the rank.
        self.lines: dict[int, dict[int, tuple[Cents, int]]] = defaultdict(dict)


def _month_lines(year: int, months: Sequence[int], first: int) -> _Earlier:
    """The stored month lines of the year's given months (none ranked now), those before
    `first` summed per unit — the points up to the month ending the quarter before
    `first`'s and from there to the month before `first` — with their number and the
    ranks of the month before `first`; those after it row by row. One query (sent even for
    no month): a month ranked month by month reads its unit's two sums, not every earlier
    month's lines."""
    quote = connection.ops.quote_name
    marks = ", ".join("%s" for _ in months) or "NULL"
    cut = 3 * ((first - 1) // 3)
    cents = _cents_sql("s.points")
    sql = (
        f"SELECT CASE WHEN r.month < %s THEN 0 ELSE r.month END AS m, s.unit_id, "  # noqa: S608
        f"CAST(SUM(CASE WHEN r.month <= %s THEN {cents} ELSE 0 END) AS BIGINT), "
        f"CAST(SUM(CASE WHEN r.month > %s THEN {cents} ELSE 0 END) AS BIGINT), COUNT(*), "
        f"MAX(CASE WHEN r.month >= %s THEN s.{quote('rank')} END) "
        f"FROM {quote(Standing._meta.db_table)} s "
        f"JOIN {quote(Ranking._meta.db_table)} r ON r.id = s.ranking_id "
        f"WHERE r.year = %s AND r.month IN ({marks}) AND s.span = %s "
        "GROUP BY 1, 2"
    )
    out = _Earlier()
    with connection.cursor() as cursor:
        cursor.execute(sql, [first, cut, cut, first - 1, year, *months, S.MONTH])
        for month, unit_id, head, tail, count, rank in cursor.fetchall():
            if month:
                out.lines[month][unit_id] = (tail, rank)
                continue
            out.head[unit_id], out.tail[unit_id], out.count[unit_id] = head, tail, count
            if rank is not None:
                out.ranks[unit_id] = rank
    return out


Stored = dict[tuple[int, str, int], tuple[int, Line]]


def _stored_lines(ranking_ids: Sequence[int]) -> Stored:
    """The stored lines of the rankings, by key, with their row's key: one query."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT id, ranking_id, span, unit_id, {quote('group')}, "  # noqa: S608
        f"{_cents_sql('points')}, {_cents_sql('score')}, {_cents_sql('ytd')}, "
        f"{quote('rank')}, previous_rank, grade FROM {quote(Standing._meta.db_table)} "
        f"WHERE ranking_id IN ({', '.join('%s' for _ in ranking_ids)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, list(ranking_ids))
        return {(row[1], row[2], row[3]): (row[0], tuple(row[1:])) for row in cursor.fetchall()}


def _units_and_caps(year: int) -> tuple[dict[int, str], dict[int, str]]:
    """What ranking reads besides the points, in one query: the assessed units' kinds (unit →
    kind) and the capped rules of the year's scheme versions (rule → cap, as text: bound as
    a parameter and cast in SQL, exact)."""
    quote = connection.ops.quote_name
    rule, scheme = quote(Rule._meta.db_table), quote(Scheme._meta.db_table)
    sql = (
        f"SELECT 0, id, kind FROM {quote(Unit._meta.db_table)} "  # noqa: S608
        "WHERE assessed = %s AND is_active = %s "
        f"UNION ALL SELECT 1, r.id, CAST(r.cap AS TEXT) FROM {rule} r "
        f"JOIN {scheme} s ON s.id = r.scheme_id WHERE s.year = %s AND r.cap IS NOT NULL"
    )
    kinds: dict[int, str] = {}
    caps: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, True, year])
        for which, pk, value in cursor.fetchall():
            (caps if which else kinds)[pk] = value
    return kinds, caps


def _lines_write(lines: list[Line], stored: Stored) -> None:
    """Replace the `stored` lines that differ from `lines` (and drop those not among them):
    one delete and one insert, sent even when there is nothing to write."""
    gone: list[int] = []
    new = lines  # nothing stored (a year ranked afresh): every line, none compared
    if stored:
        # One pass over the lines (their keys are unique): those not stored as they are go
        # in, replacing the stored one; then the stored lines no line names go.
        new, found = [], 0
        for line in lines:
            was = stored.get(line[:3])
            if was is None:
                new.append(line)
                continue
            found += 1
            if was[1] != line:
                new.append(line)
                gone.append(was[0])
        if found < len(stored):
            keys = {line[:3] for line in lines}
            gone += [pk for key, (pk, _line) in stored.items() if key not in keys]
    where, params = keys_where(gone)
    delete_where(Standing, where, params)
    # Each figure as a Decimal, made once per value (a year's 27,200 lines hold a few
    # thousand distinct ones). On SQLite as the number the column stores: an integral figure
    # as an integer, another as the double nearest it (cents / 100, correctly rounded) — what
    # the column's NUMERIC affinity makes of the figure's text (the same values, the same
    # types: checked for every figure within ±200,000.00), without converting text per value.
    decimals: dict[Cents, Decimal | int | float] = {}
    as_number = connection.vendor == "sqlite"

    def dec(cents: Cents) -> Decimal | int | float:
        value = decimals.get(cents)
        if value is None:
            if as_number:
                value = cents // 100 if not cents % 100 else cents / 100
            else:
                value = _decimal(cents)
            decimals[cents] = value
        return value

    insert_rows(
        Standing,
        [
            ("ranking", "bigint"),
            ("span", "text"),
            ("unit", "bigint"),
            ("group", "text"),
            ("points", "numeric"),
            ("score", "numeric"),
            ("ytd", "numeric"),
            ("rank", "integer"),
            ("previous_rank", "integer"),
            ("grade", "text"),
        ],
        [(*n[:4], dec(n[4]), dec(n[5]), dec(n[6]), *n[7:]) for n in new],
    )


class _LaterLines:
    """The stored lines of the later months' rankings, by ranking, and the check that a
    month's computed month lines are its stored ones."""

    def __init__(self, stored: Stored, later_ids: set[int]) -> None:
        self.stored = stored
        self.by_ranking: dict[int, list[Line]] = defaultdict(list)
        self.month_counts: dict[int, int] = defaultdict(int)
        self.kept: set[int] = set()
        if not later_ids:
            return
        for (ranking_id, span, _unit), (_pk, line) in stored.items():
            if ranking_id in later_ids:
                self.by_ranking[ranking_id].append(line)
            if span == S.MONTH:
                self.month_counts[ranking_id] += 1

    def same(self, ranking_id: int, month_lines: list[Line]) -> bool:
        """The ranking's computed month lines are exactly its stored month lines."""
        stored = self.stored
        return self.month_counts[ranking_id] == len(month_lines) and all(
            (found := stored.get(line[:3])) is not None and found[1] == line for line in month_lines
        )

    def members(self, ranking_id: int) -> dict[int, str]:
        return {ln[2]: ln[3] for ln in self.by_ranking[ranking_id] if ln[1] == S.MONTH}

    def ranks(self, ranking_id: int) -> dict[int, int]:
        return {ln[2]: ln[7] for ln in self.by_ranking[ranking_id] if ln[1] == S.MONTH}

    def keep(self, ranking_id: int) -> None:
        self.kept.add(ranking_id)

    def unkept(self) -> Stored:
        """The stored lines but those of the rankings kept as they are."""
        if not self.kept:
            return self.stored
        return {key: found for key, found in self.stored.items() if key[0] not in self.kept}


@transaction.atomic
@gc_paused()
def rankings_compute(*, year: int, months: Sequence[int], later: bool = True) -> dict[int, Ranking]:
    """The rankings of the given closed months of a year from their valid events (and at a
    quarter's or the year's end the grades), each under the scheme in force for its month:
    one aggregate of their events (the other months' points from their stored lines), lines
    written only where they changed. With `later` (the default), the unpublished rankings of
    the months after the first one are ranked again in the same pass: a month's points are
    in every later month's year to date, its ranks in the next month's change. Refuses a
    published month. A fixed number of queries, whatever the months and the data."""
    asked = sorted(set(months))
    if not asked:
        return {}
    schemes_of_year = list(Scheme.objects.filter(year=year).order_by("-number"))
    rankings, schemes, shifted = _rankings(year, asked, schemes_of_year, later=later)
    months = sorted(rankings)
    month_of = {r.pk: month for month, r in rankings.items()}
    kinds, caps = _units_and_caps(year)
    ranked_kinds = {str(k) for m in months for k in (schemes[m].groups or {})}
    grouped = {pk for pk, kind in kinds.items() if str(kind) in ranked_kinds}
    # The stored lines: those of the rankings ranked now (compared with the lines computed
    # below) and the month lines of the earlier months not ranked now. A month line's ranks
    # are the next month's previous ranks, and its points are its month's valid events,
    # capped — what the aggregate gives, kept in line by every change of a month's events,
    # which ranks that month again. So the points of the months not asked for (those before
    # the first one asked, and the later ones ranked again only because their year to date
    # and rank change follow from the months asked) are read from their lines rather than
    # from every event of those months: ranking June alone reads June's events, and so does
    # ranking June again with July to December after it. Only when each unit ranked now has
    # a line in each of those months; else (a unit newly in a group, a month never ranked)
    # every month's points come from the events. The months before the first one asked are
    # summed per unit in SQL at the two cut points the months ranked need (the end of the
    # quarter before the first month's, and the month before it: a span's points are two
    # running sums, see below), with the ranks of the month before: ranking the year month
    # by month reads two sums per unit and month, not every earlier month's lines.
    first, last = asked[0], asked[-1]
    earlier = [m for m in range(1, months[-1]) if m not in rankings]
    prior = _month_lines(year, earlier, first)
    lines_of = prior.lines
    stored = _stored_lines([r.pk for r in rankings.values()])
    for (ranking_id, span, unit_id), (_pk, line) in stored.items():
        if span == S.MONTH:
            lines_of[month_of[ranking_id]][unit_id] = (line[4], line[7])
    cut = 3 * ((first - 1) // 3)
    after = list(range(last + 1, months[-1] + 1))
    # (No unit has more lines in those months than there are months.)
    before = min(map(prior.count.get, grouped, repeat(0)), default=first - 1)
    later_from_lines = before == first - 1 and all(
        grouped <= lines_of.get(m, {}).keys() for m in after
    )
    if later_from_lines:
        points = points_by_month(year, last, first_month=first, caps=caps)
        for month in after:
            for unit_id, (cents, _rank) in lines_of[month].items():
                points[unit_id][month] = cents
        # The months before the first one: their sum to the cut in the cut's month, the
        # rest in the month before the first one (the running sums in between, never
        # read, are not each month's).
        for unit_id in grouped:
            if cut:
                points[unit_id][cut] = prior.head[unit_id]
            if first - 1 > cut:
                points[unit_id][first - 1] = prior.tail[unit_id]
    else:
        points = points_by_month(year, months[-1], caps=caps)
    # Each unit's points from January to the end of each month, so that a span's are two
    # look-ups: running[u][m] - running[u][first - 1].
    # (Only the units in a group of a month ranked: the others have no line.)
    every_month, zeros = range(1, months[-1] + 1), repeat(0)
    empty: dict[int, Cents] = {}
    running: dict[int, list[Cents]] = {
        unit_id: [0, *accumulate(map(points.get(unit_id, empty).get, every_month, zeros))]
        for unit_id in grouped
    }
    # The previous month's ranks: computed here when it is ranked too, else as stored.
    previous_ranks: dict[int, dict[int, int]] = defaultdict(dict)
    previous_ranks[first - 1] = prior.ranks
    for month in earlier:
        if month >= first:
            by_unit = lines_of.get(month, {})
            previous_ranks[month] = {unit_id: rank for unit_id, (_c, rank) in by_unit.items()}
    # A later month ranked again (after the last one asked) whose inputs came out as they
    # were — every month ranked before it with the same month lines (points, ranks, groups)
    # as stored, the same groups as theirs, its own points from its lines, its scheme not
    # moved, its stored lines naming the same units in the same groups — would come out as
    # stored: its stored lines are kept as computed (scoring a month whose events were
    # dropped and derived again as they were ranks nothing after it), left out of the
    # comparison.
    kept = _LaterLines(stored, {rankings[m].pk for m in months if m > last})
    unchanged, shared_groups = later_from_lines, None
    lines: list[Line] = []
    for month in months:
        scheme = schemes[month]
        names = {str(k): str(v) for k, v in (scheme.groups or {}).items()}
        groups = {pk: names[kind] for pk, kind in kinds.items() if kind in names}
        base = _cents(scheme.base_score)
        ranking_id = rankings[month].pk
        if (
            month > last
            and unchanged
            and month not in shifted
            and groups == shared_groups
            and kept.members(ranking_id) == groups
        ):
            kept.keep(ranking_id)
            previous_ranks[month] = kept.ranks(ranking_id)
            continue

        def span_points(first: int, last: int, units: Iterable[int]) -> dict[int, Cents]:
            return {u: running[u][last] - running[u][first - 1] for u in units}

        ytd = span_points(1, month, groups)
        month_lines = _span_lines(
            ranking_id=ranking_id,
            span=S.MONTH,
            groups=groups,
            points=span_points(month, month, groups),
            base=base,
            ytd=ytd,
            previous=previous_ranks[month - 1],
            scheme=None,
        )
        previous_ranks[month] = {line[2]: line[7] for line in month_lines}
        lines += month_lines
        if unchanged and last < months[-1]:
            unchanged = (shared_groups is None or groups == shared_groups) and kept.same(
                ranking_id, month_lines
            )
            shared_groups = groups
        spans: list[tuple[str, int]] = []
        if month % 3 == 0:
            spans.append((S.QUARTER, month - 2))
        if month == 12:
            spans.append((S.YEAR, 1))
        for span, first in spans:
            lines += _span_lines(
                ranking_id=ranking_id,
                span=span,
                groups=groups,
                points=span_points(first, month, groups),
                base=base,
                ytd=ytd,
                previous={},
                scheme=scheme,
            )
    _lines_write(lines, kept.unkept())
    return rankings


def ranking_compute(*, period: Period, later: bool = True) -> Ranking:
    """The month's ranking from its valid events (and at a quarter's or the year's end the
    grades), under the scheme in force, and with `later` the later unpublished months';
    refused once published."""
    return rankings_compute(year=period.year, months=[period.month], later=later)[period.month]

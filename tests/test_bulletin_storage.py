"""What the 月报's speed rests on reads back the same: a bulletin's figures stored packed (each
row set once, runs of ids as ranges), the bulletin's progress read as plain tuples
(`progress_summaries` against `progress_for_items`, open and closed months), rows read without
Django's converters (`plain_values` against `values_list`), and the benchmark's bound check."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import IntegerField, Value

from benchmarks.bench_bulletin import check_bound
from duban.bulletins.models import Bulletin, Kind
from duban.bulletins.output import figures_json, to_html
from duban.bulletins.packing import FORMAT, decode_ids, encode_ids, pack, unpack
from duban.bulletins.services import bulletin_generate
from duban.core.periods import Period
from duban.core.plainread import plain_values
from duban.ledger.models import WorkItem
from duban.reporting.models import MonthlyReport
from duban.reporting.selectors.progress import progress_for_items, progress_summaries
from duban.reporting.services import month_close
from tests import test_bulletin_figures

fig = test_bulletin_figures.fig  # the shared fixture


@pytest.mark.parametrize(
    "ids",
    [
        [],
        [7],
        [1, 2],
        [1, 2, 3],
        [3, 4, 5, 9, 10, 11, 12, 20, 2, 1],
        [1, 3, 5, 4, 9],  # no two consecutive: kept as they are
        [1, 2, 5, 6],  # pairs only: kept as they are
        [*range(100, 5000), 6000, 6002, 6003, 6004],
        ["a", 1, 2, 3],
        [True, False],
        [True, 2, 3, 4],  # a boolean is no id: kept as it is, not read as 1
    ],
)
def test_row_ids_come_back_as_they_were_packed(ids):
    back = decode_ids(encode_ids(ids))
    assert back == ids
    assert list(map(type, back)) == list(map(type, ids))


def test_runs_of_ids_are_stored_as_ranges_and_shared_sets_once():
    many = list(range(1, 55001))
    figures = {
        "a": {"key": "a", "value": "55000", "rows": many, "amounts": None},
        "b": {"key": "b", "value": "1", "rows": list(many), "amounts": ["1", "0"] * 27500},
        "c": {"key": "c", "value": "2", "rows": [5, 9], "amounts": ["1", "0"] * 27500},
    }
    stored = pack(figures)
    assert stored["rows"] == [[[1, 55000]], [5, 9]]  # one set for a and b, as a range
    assert len(stored["amounts"]) == 1
    back = unpack(json.loads(json.dumps(stored)))
    assert back == figures
    assert list(back["b"]) == list(figures["b"])  # the keys in their order


@pytest.mark.parametrize(
    "amounts", [[], [""], ["", ""], ["1.50"], ["1", "0", "-2.25", "1E+2"], ["1,5", "2"]]
)
def test_amounts_come_back_as_they_were_packed(amounts):
    figures = {"a": {"key": "a", "rows": [1], "amounts": amounts}}
    assert unpack(json.loads(json.dumps(pack(figures)))) == figures


def test_amounts_not_texts_are_kept_as_they_are():
    figures = {"a": {"key": "a", "rows": [1], "amounts": [Decimal(1), "2"]}}
    stored = pack(figures)
    assert stored["amounts"] == [[Decimal(1), "2"]]
    assert unpack(stored) == figures


def test_amounts_are_stored_as_one_text_each_distinct_list_once():
    figures = {
        "b": {"key": "b", "rows": [1, 2], "amounts": ["1.50", "0"]},
        "c": {"key": "c", "rows": [3], "amounts": ["1.50", "0"]},
        "d": {"key": "d", "rows": [3], "amounts": ["1,50"]},  # a comma: kept as a list
    }
    stored = pack(figures)
    assert stored["amounts"] == ["1.50,0", ["1,50"]]
    assert unpack(json.loads(json.dumps(stored))) == figures


def test_figures_packed_in_the_earlier_form_read_as_they_were():
    """Format 2 kept each list of amounts as a list."""
    earlier = {
        "format": 2,
        "order": ["b", "a"],
        "fields": ["key", "value", "rows", "amounts"],
        "rows": [[[1, 4]], [9]],
        "amounts": [["1", "0", "1", "1"]],
        "figures": {
            "a": {"key": "a", "value": "4", "rows": 0, "amounts": None},
            "b": {"key": "b", "value": "3", "rows": 0, "amounts": 0},
        },
    }
    back = unpack(earlier)
    assert list(back) == ["b", "a"]
    assert back["b"] == {
        "key": "b",
        "value": "3",
        "rows": [1, 2, 3, 4],
        "amounts": ["1", "0", "1", "1"],
    }
    assert back["a"] == {"key": "a", "value": "4", "rows": [1, 2, 3, 4], "amounts": None}


def test_a_bulletin_stored_before_packing_reads_as_it_was():
    old = {"ledger.projects": {"key": "ledger.projects", "rows": [3, 1], "amounts": None}}
    assert unpack(old) is old


def test_a_generated_bulletin_reads_back_its_figures_and_outputs(fig):
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    again = Bulletin.objects.get(pk=b.pk)
    assert again.figures == b.figures
    # In their order, each with its fields in theirs (PostgreSQL's jsonb keeps neither).
    assert list(again.figures) == list(b.figures)
    assert all(list(again.figures[k]) == list(f) for k, f in b.figures.items())
    assert to_html(again) == to_html(b)
    assert figures_json(again) == figures_json(b)
    assert again.stored_figures["format"] == FORMAT
    # An older bulletin (its figures written out in the column) reads the same.
    Bulletin.objects.filter(pk=b.pk).update(stored_figures=b.figures)
    assert Bulletin.objects.get(pk=b.pk).figures == b.figures


def _same(summary, progress, *, written=True):
    """`written`: both read from stored rows, so even the decimals written agree (an amount
    computed now has the exponent of its sum, a stored one four decimals)."""
    f = progress.figures
    assert summary.light == progress.light
    assert summary.annual_plan == f.annual_plan
    assert summary.ytd_investment == f.ytd_investment
    if written:
        assert str(summary.ytd_investment) == str(f.ytd_investment)
        assert str(summary.annual_plan) == str(f.annual_plan)
    assert summary.investment_month == f.investment_month
    assert summary.time_progress_pct == f.time_progress_pct
    assert summary.reason_texts == progress.reason_texts


def test_progress_summaries_equal_the_progress_core_open_and_closed(fig):
    items = WorkItem.objects.filter(year=2024)
    march = Period(2024, 3)
    computed = progress_summaries(items, march)  # the first read judges and keeps the rows
    kept = progress_summaries(items, march)  # then the kept rows are read
    full = progress_for_items(items, march)
    assert set(computed) == set(kept) == set(full)
    assert any(p.reasons for p in full.values())
    for pk, p in full.items():
        _same(computed[pk], p, written=False)
        _same(kept[pk], p)
    MonthlyReport.objects.update(state=MonthlyReport.State.ACCEPTED)
    month_close(period=march, by=fig.office)
    frozen = progress_for_items(items, march)
    read = progress_summaries(items, march)
    assert set(read) == set(frozen)
    for pk, p in frozen.items():
        _same(read[pk], p)


def test_plain_values_equal_values_list(fig):
    qs = (
        WorkItem.objects.filter(year=2024)
        .annotate(seven=Value(7, output_field=IntegerField()))
        .order_by("pk")
    )
    fields = (
        "pk",
        "seven",
        "annual_plan",
        "planned_start",
        "actual_start",  # dates, some NULL: each distinct day parsed once
        "project__total_investment",
        "level",
        "kind",
    )
    plain = plain_values(qs, *fields)
    assert plain == list(qs.values_list(*fields))
    assert [str(r[2]) for r in plain] == [str(r[2]) for r in qs.values_list(*fields)]
    assert any(isinstance(r[3], date) for r in plain)
    assert any(r[4] is None for r in plain)
    assert len({r[3] for r in plain}) < len(plain)  # days shared by several items
    assert any(isinstance(r[2], Decimal) for r in plain)


@pytest.mark.parametrize(
    "column",
    [
        [],
        [None],
        [1.5, None, 2, 0.0],  # few NULLs: converted in place
        [None, None, None, 12.34, 12.34, 5, 5.0],  # mostly NULLs: each distinct value once
        [None, None, None, 0.0, -0.0],  # equal, written differently: one by one
        [None, None, None, float("nan"), float("nan")],
        [None, None, None, "1.5", 2.25],  # a text SQLite did not read as a number
        [None, None, 1.00005, 1.00015],  # rounded to the field's places like Django
    ],
)
def test_amount_columns_convert_as_one_by_one(column):
    from duban.core.plainread import _decimals

    def one(v):
        if v is None:
            return None
        return (
            Decimal(v).quantize(Decimal("0.0001"))
            if isinstance(v, str)
            else Decimal(format(v, ".4f"))
        )

    assert [str(v) for v in _decimals(4)(column)] == [str(one(v)) for v in column]


def test_the_bench_bound_check_finds_a_wrong_value():
    bound = {"a": 3, "b": Decimal("10.5"), "c": None, "only_bound": 1}
    stored = {"a": Decimal(3), "b": Decimal("10.5000000000001"), "c": None}
    assert check_bound(bound, stored) == (3, [])
    _n, wrong = check_bound({**bound, "b": 10.6}, stored)
    assert wrong and wrong[0].startswith("b:")
    _n, wrong = check_bound({**bound, "c": 0}, stored)
    assert wrong and wrong[0].startswith("c:")

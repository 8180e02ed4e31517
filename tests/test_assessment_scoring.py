"""1+N scoring: each default rule from the facts that trigger it, idempotent recomputation,
caps, ties and rank change, groups, versioning across a change of scheme, and the refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from duban.assessment.models import (
    Ranking,
    Rule,
    Scheme,
    ScoreEvent,
    ScoringRun,
    Source,
    Standing,
)
from duban.assessment.rules import competition_ranks, grade_of
from duban.assessment.selectors import origin_urls, unit_score
from duban.assessment.services.schemes import RuleSpec, rule_check, scheme_revise
from duban.assessment.services.scoring import events_compute, ranking_publish
from duban.core.errors import ApplicationError
from duban.org.models import Unit
from duban.reporting.models import ItemSnapshot
from duban.reporting.services import month_close
from duban.supervision.models import Card
from tests import factories as f
from tests.assessment_fixtures import FEB, JAN, MAR, events_of, january_facts, on_time, points


@pytest.fixture
def january(district):
    return january_facts(district)


def test_report_on_time_scores_plus_one_per_item(january, district):
    [event] = events_of(district.unit_a, Source.REPORT_ON_TIME)
    assert (event.points, event.origin, event.origin_id) == (
        Decimal(1),
        "item",
        district.item_a.pk,
    )
    assert event.label == "发改项目甲"


def test_late_or_missing_report_scores_minus_one_per_item(january, district):
    late = events_of(district.unit_b, Source.REPORT_LATE)
    assert {e.origin_id for e in late} == {
        district.item_b.pk,
        district.item_c.pk,
        district.item_x.pk,
    }
    assert all(e.points == -1 for e in late)
    assert [e.origin_id for e in events_of(district.unit_a1, Source.REPORT_LATE)] == [
        district.task_a.pk
    ]


def test_false_report_scores_minus_two(january, district):
    [event] = events_of(district.unit_b, Source.REPORT_FALSE)
    assert (event.points, event.origin, event.origin_id) == (
        Decimal(-2),
        "report",
        january.false_report.pk,
    )


def test_late_prompt_reply_and_late_feedback_score_minus_one(january, district):
    [reply] = events_of(district.unit_b, Source.REPLY_LATE)
    assert (reply.points, reply.origin_id) == (Decimal(-1), january.prompt.pk)
    [feedback] = events_of(district.unit_a, Source.FEEDBACK_LATE)
    assert (feedback.points, feedback.origin, feedback.origin_id) == (
        Decimal(-1),
        "opinion",
        january.opinion.pk,
    )


def test_missed_meeting_scores_minus_one(january, district):
    [event] = events_of(district.unit_b, Source.MEETING_MISSED)
    assert (event.points, event.origin_id) == (Decimal(-1), january.meeting.pk)
    assert not events_of(district.unit_a, Source.MEETING_MISSED)


def test_card_colour_scores_its_points(january, district):
    for unit in (district.unit_a, district.unit_a1, district.unit_b):
        card = Card.objects.get(unit=unit, year=2024, month=1)
        [event] = ScoreEvent.objects.filter(unit=unit, month=1, origin="card")
        assert event.rule.source == f"card_{card.colour}"
        assert event.origin_id == card.pk
    assert events_of(district.unit_b, Source.CARD_RED)[0].points == -5


def test_problem_closed_by_or_after_its_original_due_date(january, district):
    [on_time_event] = events_of(district.unit_a, Source.PROBLEM_ON_TIME)
    assert (on_time_event.points, on_time_event.origin_id) == (
        Decimal(1),
        january.on_time_problem.pk,
    )
    # Extended to 20 February, closed 28 January: late against the original 20 January.
    [late] = events_of(district.unit_b, Source.PROBLEM_LATE)
    assert (late.points, late.origin_id) == (Decimal(-1), january.late_problem.pk)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_a_problem_is_on_time_by_its_local_closing_date(district, zone, settings):
    """Closed at 23:59:59 local time on its original due date: on time; one second later (the
    same UTC date in Shanghai): late. On SQLite a zone with a steady offset compares the
    stored UTC time shifted in SQL, a zone with daylight saving through Django's lookup."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from duban.assessment.services.facts import _steady_offset
    from tests import problem_factories as pf

    assert _steady_offset("Asia/Shanghai", 2024) == 480
    assert _steady_offset("Europe/Berlin", 2024) is None
    settings.TIME_ZONE = zone
    last = datetime(2024, 1, 20, 23, 59, 59, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    problems = {}
    with timezone.override(zone):
        for name, closed_at in (("on_time", last), ("late", last + timedelta(seconds=1))):
            problems[name] = pf.AssignedProblemFactory(
                work_item=district.item_a,
                reported_by=district.reporter_a,
                due_date=date(2024, 1, 20),
                closed_at=closed_at,
                state="closed",
                resolution="已解决",
                close_year=2024,
                close_month=1,
            )
        month_close(period=JAN, by=district.office)
    sources = {
        e.origin_id: e.rule.source for e in ScoreEvent.objects.filter(origin="problem", month=1)
    }
    assert sources == {
        problems["on_time"].pk: Source.PROBLEM_ON_TIME,
        problems["late"].pk: Source.PROBLEM_LATE,
    }


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin"])
def test_feedback_is_in_time_by_its_local_date(district, zone, settings):
    """Feedback given at 23:59:59 local time on the opinion's deadline is in time; one second
    later (the same UTC date in Shanghai) it is late: the unit loses the point."""
    from datetime import UTC, date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from duban.problems.models import Feedback
    from tests import problem_factories as pf

    settings.TIME_ZONE = zone
    last = datetime(2024, 1, 25, 23, 59, 59, tzinfo=ZoneInfo(zone)).astimezone(UTC)
    with timezone.override(zone):
        problem = pf.AssignedProblemFactory(
            work_item=district.item_a,
            lead_unit=district.unit_a,
            due_date=date(2024, 1, 31),
            reported_by=district.reporter_a,
        )
        opinions = {}
        for unit, given_at in (
            (district.unit_a, last),
            (district.unit_b, last + timedelta(seconds=1)),
        ):
            opinion = pf.CoordinationFactory(
                problem=problem, leader=district.leader, deadline=date(2024, 1, 25), units=[unit]
            )
            feedback = Feedback.objects.create(
                unit=unit, author=district.reporter_a, coordination=opinion, text="已反馈"
            )
            Feedback.objects.filter(pk=feedback.pk).update(created_at=given_at)
            opinions[unit.pk] = opinion.pk
        month_close(period=JAN, by=district.office)
    late = set(
        ScoreEvent.objects.filter(rule__source=Source.FEEDBACK_LATE, month=1).values_list(
            "unit_id", "origin_id"
        )
    )
    assert late == {(district.unit_b.pk, opinions[district.unit_b.pk])}


def test_late_demand_and_missed_flag(january, district):
    [demand] = events_of(district.unit_b, Source.DEMAND_LATE)
    assert (demand.points, demand.origin_id) == (Decimal(-1), january.demand.pk)
    [flag] = events_of(district.unit_b, Source.FLAG_MISSED)
    assert (flag.points, flag.origin_id) == (Decimal(-3), january.flag.pk)


def test_every_event_links_to_its_origin(january, district):
    events = list(ScoreEvent.objects.filter(month=1))
    urls = origin_urls(events, user=district.office)
    assert set(urls) == {e.pk for e in events}
    feedback = events_of(district.unit_a, Source.FEEDBACK_LATE)[0]
    assert urls[feedback.pk] == f"/problems/{january.opinion.problem_id}/"


def test_recomputing_is_idempotent(january, district):
    before = sorted(ScoreEvent.objects.values_list("pk", "unit_id", "key", "points"))
    standings = sorted(Standing.objects.values_list("unit_id", "rank", "score"))
    events_compute(period=JAN, by=district.office)
    call_command("assess", "--period", "2024-01")
    assert sorted(ScoreEvent.objects.values_list("pk", "unit_id", "key", "points")) == before
    assert sorted(Standing.objects.values_list("unit_id", "rank", "score")) == standings


def test_recomputing_follows_a_fact_that_changed(january, district):
    january.flag.delisted_on = january.flag.deadline
    january.flag.save()
    events_compute(period=JAN, by=district.office)
    assert not events_of(district.unit_b, Source.FLAG_MISSED)
    assert len(events_of(district.unit_b, Source.REPORT_LATE)) == 3


def test_month_score_base_and_points(january, district):
    # B: 3 late (-3), false (-2), reply (-1), meeting (-1), problem (-1), demand (-1),
    # flag (-3), red card (-5) = -17.
    assert points(district.unit_b) == Decimal(-17)
    row = Standing.objects.get(unit=district.unit_b, span="month")
    assert row.score == Decimal(83) and row.ytd == Decimal(83)


def test_cap_bounds_a_rule_per_unit_and_month(january, district):
    specs = [RuleSpec.of(r) for r in Scheme.objects.get(year=2024).rules.all()]
    specs = [
        RuleSpec(s.domain, s.code, s.description, s.points, Decimal(2), s.automatic, s.source)
        if s.code == "report-late"
        else s
        for s in specs
    ]
    scheme_revise(year=2024, from_month=1, by=district.office, rules=specs, note="封顶2分")
    assert points(district.unit_b) == Decimal(-16)
    # The events are all kept; the cap applies to the rule's total.
    assert len(events_of(district.unit_b, Source.REPORT_LATE)) == 3
    month = unit_score(user=district.office, unit=district.unit_b, year=2024)[0]
    line = next(ln for ln in month.lines if ln.rule.code == "report-late")
    assert (line.total, line.counted, line.capped) == (Decimal(-3), Decimal(-2), True)


def test_points_by_month_bounds_each_rule_by_its_cap(january, district):
    """The one-pass aggregate (each capped rule's sum filtered out of the unit's and month's
    total) gives what summing each rule, bounding it and adding does — fractional caps, caps
    reached from below and from above, rules without a cap, months under two versions."""
    from collections import defaultdict

    from duban.assessment.services.ranking import points_by_month

    d = district
    on_time(d.item_a, [2])
    month_close(period=FEB, by=d.office)
    caps = {"report-late": Decimal("1.5"), "report-on-time": Decimal("0.5"), "flag": Decimal(1)}
    specs = [
        RuleSpec(s.domain, s.code, s.description, s.points, caps[s.code], s.automatic, s.source)
        if s.code in caps
        else s
        for s in (RuleSpec.of(r) for r in Scheme.objects.get(year=2024).rules.all())
    ]
    scheme_revise(year=2024, from_month=2, by=d.office, rules=specs, note="封顶")
    assert Rule.objects.filter(scheme__year=2024, cap__isnull=False).count() > len(caps)
    sums: dict[tuple[int, int, int], Decimal] = defaultdict(Decimal)
    for unit_id, month, rule_id, value in ScoreEvent.objects.filter(
        year=2024, state="approved"
    ).values_list("unit_id", "month", "rule_id", "points"):
        sums[unit_id, month, rule_id] += value
    rules = {r.pk: r.cap for r in Rule.objects.all()}
    expected: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for (unit_id, month, rule_id), total in sums.items():
        cap = rules[rule_id]
        bounded = total if cap is None else max(-cap, min(cap, total))
        expected[unit_id][month] += int(bounded * 100)
    got = points_by_month(2024, 2)
    assert {u: dict(m) for u, m in got.items()} == {u: dict(m) for u, m in expected.items()}
    # Some rule's total was brought back within its cap, in January and in February.
    assert any(
        rules[r] is not None and abs(t) > rules[r] for (_u, m, r), t in sums.items() if m == 2
    )
    assert points_by_month(2024, 2, first_month=2) == {
        u: {2: m[2]} for u, m in got.items() if 2 in m
    }


def test_ties_share_a_rank_and_the_next_skips():
    assert competition_ranks({1: Decimal(5), 2: Decimal(3), 3: Decimal(3), 4: Decimal(1)}) == {
        1: 1,
        2: 2,
        3: 2,
        4: 4,
    }


def test_grades_by_rank_share_and_by_score():
    bands = [
        {"grade": "优秀", "share": "0.2", "min": "105"},
        {"grade": "良好", "share": "0.7", "min": "95"},
        {"grade": "较差", "share": "1", "min": "0"},
    ]
    assert grade_of(score=Decimal(90), rank=1, size=10, by="rank_share", bands=bands) == "优秀"
    assert grade_of(score=Decimal(90), rank=7, size=10, by="rank_share", bands=bands) == "良好"
    assert grade_of(score=Decimal(90), rank=8, size=10, by="rank_share", bands=bands) == "较差"
    assert grade_of(score=Decimal(96), rank=9, size=10, by="score", bands=bands) == "良好"


def test_rank_change_since_last_month_and_ties(january, district):
    # February: everybody reports on time except A1; A and B tie on points.
    d = district
    on_time(d.item_a, [2])
    for item in (d.item_b, d.item_c, d.item_x):
        on_time(item, [2])
    month_close(period=FEB, by=d.office)
    feb = {s.unit_id: s for s in Standing.objects.filter(ranking__month=2, span="month")}
    jan = {s.unit_id: s for s in Standing.objects.filter(ranking__month=1, span="month")}
    assert jan[d.unit_b.pk].rank == 3
    assert feb[d.unit_b.pk].previous_rank == 3
    assert feb[d.unit_b.pk].change == jan[d.unit_b.pk].rank - feb[d.unit_b.pk].rank
    ranks = sorted(s.rank for s in feb.values())
    assert len(set(ranks)) <= len(ranks)
    scores = sorted((s.score for s in feb.values()), reverse=True)
    expected = competition_ranks({s.unit_id: s.score for s in feb.values()})
    assert {u: s.rank for u, s in feb.items()} == expected
    assert scores[0] >= scores[-1]


def test_units_are_ranked_within_their_group_and_unassessed_left_out(district):
    d = district
    d.unit_b.kind = Unit.Kind.STREET
    d.unit_b.save()
    f.UnitFactory(code="tf", name="招商专班", kind=Unit.Kind.TASK_FORCE)
    f.UnitFactory(code="off", name="不考核局", assessed=False)
    month_close(period=JAN, by=d.office)
    rows = {s.unit.name: s for s in Standing.objects.filter(span="month").select_related("unit")}
    assert rows["区住建局"].group == "街道/镇/乡" and rows["区住建局"].rank == 1
    assert {rows["区发改局"].group, rows["发改局重点项目科"].group} == {"区直部门"}
    assert "招商专班" not in rows and "不考核局" not in rows and "区推进办" not in rows


def test_quarter_and_year_grades(district):
    d = district
    for period in (JAN, FEB, MAR):
        month_close(period=period, by=d.office)
    ranking = Ranking.objects.get(year=2024, month=3)
    quarter = Standing.objects.filter(ranking=ranking, span="quarter")
    assert quarter.count() == 3
    assert all(s.grade for s in quarter)
    assert not Standing.objects.filter(ranking__month=2, span="quarter").exists()


def test_versioning_never_rewrites_a_published_month(january, district):
    d = district
    ranking_publish(period=JAN, by=d.office)
    published = sorted(ScoreEvent.objects.filter(month=1).values_list("pk", "points"))
    specs = [RuleSpec.of(r) for r in Scheme.objects.get(year=2024).rules.all()]
    doubled = [
        RuleSpec(s.domain, s.code, s.description, s.points * 2, s.cap, s.automatic, s.source)
        for s in specs
    ]
    with pytest.raises(ApplicationError, match="已公布"):
        scheme_revise(year=2024, from_month=1, by=d.office, rules=doubled)
    assert Scheme.objects.filter(year=2024).count() == 1
    v2 = scheme_revise(year=2024, from_month=2, by=d.office, rules=doubled, note="加倍")
    assert v2.number == 2
    month_close(period=FEB, by=d.office)
    assert sorted(ScoreEvent.objects.filter(month=1).values_list("pk", "points")) == published
    feb_late = events_of(d.unit_a1, Source.REPORT_LATE, FEB)[0]
    assert feb_late.points == -2 and feb_late.rule.scheme == v2
    with pytest.raises(ApplicationError, match="已公布"):
        events_compute(period=JAN, by=d.office)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (RuleSpec("work", "zero", "无分值", Decimal(0), None, False, ""), "不能为0"),
        (RuleSpec("work", "neg-cap", "负封顶", Decimal(1), Decimal(-1), False, ""), "不能小于0"),
        (RuleSpec("work", "praise", "获得区领导批示肯定加2分", Decimal(2)), "形式主义"),
        (RuleSpec("work", "media", "被市级以上媒体报道", Decimal(1), None, False, ""), "媒体"),
        (RuleSpec("work", "photo", "上传现场照片", Decimal(1), None, False, ""), "照片"),
        (RuleSpec("work", "auto", "自动无依据", Decimal(1), None, True, ""), "计分依据"),
        (RuleSpec("nowhere", "x", "领域不对", Decimal(1), None, False, ""), "领域"),
    ],
)
def test_bad_rules_are_refused_with_a_message(spec, message):
    with pytest.raises(ApplicationError, match=message):
        rule_check(spec)


def test_a_refused_revision_changes_nothing(district):
    month_close(period=JAN, by=district.office)
    bad = [RuleSpec("work", "praise", "领导表扬", Decimal(1), None, False, "")]
    with pytest.raises(ApplicationError, match="表扬"):
        scheme_revise(year=2024, from_month=2, by=district.office, rules=bad)
    assert Scheme.objects.count() == 1 and Rule.objects.filter(code="praise").count() == 0


def test_publishing_an_open_month_is_refused(january, district):
    with pytest.raises(ApplicationError, match="尚未关账"):
        ranking_publish(period=FEB, by=district.office)
    with pytest.raises(ApplicationError, match="推进办"):
        ranking_publish(period=JAN, by=district.head_a)
    assert not Ranking.objects.filter(published_at__isnull=False).exists()
    ranking_publish(period=JAN, by=district.office)
    with pytest.raises(ApplicationError, match="已公布"):
        ranking_publish(period=JAN, by=district.office)


def _queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_scoring_a_month_takes_a_fixed_number_of_queries(district):
    d = district
    month_close(period=JAN, by=d.office)
    month_close(period=FEB, by=d.office)
    ScoreEvent.objects.filter(month=2).delete()
    small = _queries(lambda: events_compute(period=FEB, by=d.office))
    small_again = _queries(lambda: events_compute(period=FEB, by=d.office))
    small_events = ScoreEvent.objects.filter(month=2).count()
    for n in range(12):
        item = f.WorkItemFactory(lead_unit=d.unit_b, title=f"新增项目{n}")
        on_time(item, [3])
    for n in range(5):
        f.UnitFactory(code=f"u{n}", name=f"新增单位{n}")
    month_close(period=MAR, by=d.office)
    ScoreEvent.objects.filter(month=3).delete()
    large = _queries(lambda: events_compute(period=MAR, by=d.office))
    large_again = _queries(lambda: events_compute(period=MAR, by=d.office))
    assert ScoreEvent.objects.filter(month=3).count() > small_events
    # March is a quarter's end (its quarter lines and grades come from the same queries), and
    # holds more units, items and events. Whether the month is closed, published and holds
    # events is one query. A month holding no automatic event is scored in 19 (nothing to
    # compare: the run recorded with the number of facts, the facts inserted); a
    # recomputation that finds everything in place in 23 (the comparison, the gone events,
    # the deletion and the update sent, writing nothing).
    assert large == small == 19
    assert large_again == small_again == 23
    # Ranking a month alone (its events, the earlier months from their lines): 12.
    from duban.assessment.services.ranking import ranking_compute

    assert _queries(lambda: ranking_compute(period=MAR)) == 12


def test_a_recomputation_that_finds_nothing_changed_writes_nothing(january, district):
    events = sorted(ScoreEvent.objects.values_list("pk", "version", "updated_at", "run_id"))
    history = ScoreEvent.history.count()
    standings = sorted(Standing.objects.values_list("pk", "rank", "score", "ytd"))
    events_compute(period=JAN, by=district.office)
    assert sorted(ScoreEvent.objects.values_list("pk", "version", "updated_at", "run_id")) == events
    assert ScoreEvent.history.count() == history
    # Only the run is recorded: by whom, and that it found nothing to write.
    run = ScoringRun.objects.filter(year=2024, month=1).first()
    assert (run.by, run.added, run.changed, run.removed) == (district.office, 0, 0, 0)
    # The ranking's lines are the same rows, not deleted and written again.
    assert sorted(Standing.objects.values_list("pk", "rank", "score", "ytd")) == standings


def test_a_recomputation_writes_each_change_and_records_its_run(january, district):
    d = district
    [late] = events_of(d.unit_b, Source.PROBLEM_LATE)
    [flag] = events_of(d.unit_b, Source.FLAG_MISSED)
    [kept] = events_of(d.unit_a, Source.REPORT_ON_TIME)
    close_run = ScoringRun.objects.get(year=2024, month=1)
    assert close_run.added == ScoreEvent.objects.exclude(origin="manual").count()
    assert kept.run_id == close_run.pk
    january.late_problem.title = "更名后的问题"
    january.late_problem.save()
    january.flag.delisted_on = january.flag.deadline
    january.flag.save()
    item = f.WorkItemFactory(lead_unit=d.unit_a, title="补录项目")
    snapshot = ItemSnapshot.objects.filter(work_item=d.item_a, month=1).first()
    snapshot.pk, snapshot.work_item = None, item
    snapshot.save()
    events_compute(period=JAN, by=d.office)
    run = ScoringRun.objects.filter(year=2024, month=1).first()
    assert run.pk != close_run.pk
    assert (run.by, run.added, run.changed, run.removed) == (d.office, 1, 1, 1)
    late.refresh_from_db()
    assert (late.label, late.version, late.run_id) == ("更名后的问题", 2, run.pk)
    assert not ScoreEvent.objects.filter(pk=flag.pk).exists()
    [new] = [e for e in events_of(d.unit_a, Source.REPORT_ON_TIME) if e.origin_id == item.pk]
    assert (new.points, new.key, new.run_id) == (
        Decimal(1),
        f"report_on_time:item:{item.pk}",
        run.pk,
    )
    kept_again = ScoreEvent.objects.get(pk=kept.pk)
    assert (kept_again.version, kept_again.updated_at, kept_again.run_id) == (
        kept.version,
        kept.updated_at,
        close_run.pk,
    )
    assert points(d.unit_b) == Decimal(-17 + 3)
    # Derived rows keep no history of their own: the facts and the runs are their audit.
    assert not ScoreEvent.history.exclude(origin="manual").exists()


def test_the_benchmarks_month_bound_sums_the_points_scoring_writes(january, district):
    """`points_by_unit_select` (the benchmark's lower bound for a month) reads the same facts
    as the computation: its per-unit totals are the automatic events' (before caps)."""
    from django.db import connection
    from django.db.models import Sum

    from duban.assessment.services.scoring import points_by_unit_select

    sql, params = points_by_unit_select(JAN)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        bound = {unit: Decimal(str(total)) for unit, total in cursor.fetchall()}
    written = dict(
        ScoreEvent.objects.filter(year=2024, month=1)
        .exclude(origin="manual")
        .values("unit_id")
        .annotate(total=Sum("points"))
        .values_list("unit_id", "total")
    )
    assert len(bound) >= 2 and bound == written


def test_ranking_several_months_in_one_pass_equals_ranking_each(district):
    from duban.assessment.services.ranking import ranking_compute, rankings_compute

    d = district
    on_time(d.item_a, [2, 3])
    on_time(d.item_b, [3])
    for period in (JAN, FEB, MAR):
        month_close(period=period, by=d.office)

    def lines():
        return sorted(
            Standing.objects.values_list(
                "ranking__month", "span", "unit_id", "rank", "previous_rank", "score", "ytd"
            )
        )

    one_by_one = lines()
    Standing.objects.all().delete()
    rankings_compute(year=2024, months=[1, 2, 3])
    assert lines() == one_by_one
    Standing.objects.filter(ranking__month=2).delete()
    ranking_compute(period=FEB)
    assert lines() == one_by_one


def _lines(month: int) -> list[tuple]:
    return sorted(
        Standing.objects.filter(ranking__month=month).values_list(
            "span", "unit_id", "group", "points", "score", "ytd", "rank", "previous_rank"
        )
    )


def _ytd(month: int, unit_id: int) -> Decimal:
    [ytd] = [line[5] for line in _lines(month) if line[:2] == ("month", unit_id)]
    return ytd


def test_an_earlier_month_recomputed_ranks_the_later_unpublished_months_again(january, district):
    """A month's points are in every later month's year to date: recomputing January ranks
    February and March again in the same pass (each taking the earlier months' points from
    their stored lines), as ranking all at once does."""
    from duban.assessment.services.ranking import ranking_compute, rankings_compute

    d = district
    on_time(d.item_a, [2, 3])
    month_close(period=FEB, by=d.office)
    month_close(period=MAR, by=d.office)
    before = {m: _ytd(m, d.unit_b.pk) for m in (2, 3)}
    january.flag.delisted_on = january.flag.deadline  # B's −3 in January is gone
    january.flag.save()
    events_compute(period=JAN, by=d.office)
    assert {m: _ytd(m, d.unit_b.pk) for m in (2, 3)} == {m: v + 3 for m, v in before.items()}
    followed = _lines(3)
    ranking_compute(period=MAR)  # nothing left to change
    assert _lines(3) == followed
    Standing.objects.all().delete()
    rankings_compute(year=2024, months=[1, 2, 3])
    assert _lines(3) == followed


def test_a_recomputation_that_changes_nothing_leaves_the_later_months_alone(january, district):
    """Only a month whose events changed ranks the months after it again (their year to date
    holds its points); a recomputation that finds every event as it is ranks its own month."""
    d = district
    on_time(d.item_a, [2])
    month_close(period=FEB, by=d.office)
    feb = _ytd(2, d.unit_b.pk)
    # A mark on February's stored line: ranking February again would put it right.
    Standing.objects.filter(ranking__month=2, span="month", unit=d.unit_b).update(ytd=feb + 50)
    events_compute(period=JAN, by=d.office)
    assert ScoringRun.objects.filter(month=1).first().added == 0
    assert _ytd(2, d.unit_b.pk) == feb + 50
    january.flag.delisted_on = january.flag.deadline  # B's −3 in January is gone
    january.flag.save()
    events_compute(period=JAN, by=d.office)
    assert _ytd(2, d.unit_b.pk) == feb + 3


def test_a_month_derived_again_as_it_was_ranks_nothing_after_it(january, district):
    """January's events dropped and derived again as they were: its lines come out as
    stored, so February and March (ranked again with it because its events changed) keep
    their lines as they are — even a mark on one; a later month whose units changed since it
    was ranked is ranked again."""
    from duban.assessment.services.scoring import automatic_events_delete

    d = district
    on_time(d.item_a, [2, 3])
    month_close(period=FEB, by=d.office)
    month_close(period=MAR, by=d.office)
    mar = _ytd(3, d.unit_b.pk)
    Standing.objects.filter(ranking__month=3, span="month", unit=d.unit_b).update(ytd=mar + 50)
    automatic_events_delete(period=JAN, by=d.office)
    events_compute(period=JAN, by=d.office)
    assert ScoringRun.objects.filter(month=1).first().added > 0
    assert _ytd(3, d.unit_b.pk) == mar + 50
    # March missing A's line (as if A joined a group after March was ranked): ranked again.
    Standing.objects.filter(ranking__month=3, unit=d.unit_a).delete()
    automatic_events_delete(period=JAN, by=d.office)
    events_compute(period=JAN, by=d.office)
    assert _ytd(3, d.unit_b.pk) == mar
    assert Standing.objects.filter(ranking__month=3, span="month", unit=d.unit_a).exists()


def test_a_published_later_month_is_not_ranked_again(january, district):
    """Publishing fixes a month's lines: an earlier month recomputed afterwards ranks the
    unpublished months after it again, never a published one."""
    d = district
    on_time(d.item_a, [2, 3])
    month_close(period=FEB, by=d.office)
    month_close(period=MAR, by=d.office)
    ranking_publish(period=MAR, by=d.office)
    published = _lines(3)
    feb = _ytd(2, d.unit_b.pk)
    january.flag.delisted_on = january.flag.deadline
    january.flag.save()
    events_compute(period=JAN, by=d.office)
    assert _ytd(2, d.unit_b.pk) == feb + 3
    assert _lines(3) == published


def test_ranking_alone_falls_back_to_the_events_when_an_earlier_line_is_missing(january, district):
    """A unit ranked now with no line in an earlier month (not in a group then): the earlier
    months' points come from the events, not from the lines."""
    from duban.assessment.services.ranking import ranking_compute

    d = district
    on_time(d.item_a, [2])
    month_close(period=FEB, by=d.office)
    expected = _lines(2)
    Standing.objects.filter(ranking__month=1, unit=d.unit_b).delete()
    Standing.objects.filter(ranking__month=2).delete()
    ranking_compute(period=FEB)
    got = _lines(2)
    # B's year to date still counts January's events (its rank change is unknown: no line).
    assert [line[:7] for line in got] == [line[:7] for line in expected]


def test_the_later_months_ranked_again_read_their_points_from_their_lines(january, district):
    """Recomputing January ranks February and March again: their points come from their
    stored lines (the aggregate reads January's events alone), and the lines are those of
    ranking the three months from their events; a later month missing a unit's line falls
    back to the events."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from duban.assessment.services.ranking import rankings_compute

    d = district
    on_time(d.item_a, [2, 3])
    month_close(period=FEB, by=d.office)
    month_close(period=MAR, by=d.office)
    january.flag.delisted_on = january.flag.deadline  # B's −3 in January is gone
    january.flag.save()
    with CaptureQueriesContext(connection) as ctx:
        events_compute(period=JAN, by=d.office)
    [aggregate] = [q["sql"] for q in ctx.captured_queries if "GROUP BY unit_id, month" in q["sql"]]
    assert "month >= 1 AND month <= 1" in aggregate
    followed = {m: _lines(m) for m in (1, 2, 3)}
    Standing.objects.all().delete()
    rankings_compute(year=2024, months=[1, 2, 3])
    assert {m: _lines(m) for m in (1, 2, 3)} == followed
    # March missing B's line: every month from the events, the same lines again.
    Standing.objects.filter(ranking__month=3, unit=d.unit_b).delete()
    january.flag.delisted_on = None
    january.flag.save()
    with CaptureQueriesContext(connection) as ctx:
        events_compute(period=JAN, by=d.office)
    [aggregate] = [q["sql"] for q in ctx.captured_queries if "GROUP BY unit_id, month" in q["sql"]]
    assert "month >= 1 AND month <= 3" in aggregate
    followed = {m: _lines(m) for m in (1, 2, 3)}
    Standing.objects.all().delete()
    rankings_compute(year=2024, months=[1, 2, 3])
    assert {m: _lines(m) for m in (1, 2, 3)} == followed


def test_a_scheme_without_automatic_rules_drops_the_automatic_events(january, district):
    d = district
    manual = [RuleSpec.of(r) for r in Scheme.objects.get(year=2024).rules.filter(automatic=False)]
    assert manual and ScoreEvent.objects.filter(month=1).exclude(origin="manual").exists()
    scheme_revise(year=2024, from_month=1, by=d.office, rules=manual, note="只留人工细则")
    assert not ScoreEvent.objects.filter(month=1).exclude(origin="manual").exists()
    assert ScoringRun.objects.filter(year=2024, month=1).first().removed > 0
    assert {s.points for s in Standing.objects.filter(span="month")} == {Decimal(0)}


def test_ranking_month_by_month_sums_the_earlier_months_at_the_quarter(
    january, district, time_machine
):
    """A month ranked alone reads the earlier months' lines summed per unit (to the end of
    the previous quarter, then to the month before): its lines, the quarter's included, are
    those of ranking the six months in one pass from their events; and so with a published
    month between the months ranked again (its points and ranks from its lines)."""
    from duban.assessment.services.ranking import rankings_compute
    from duban.core.periods import Period

    d = district
    on_time(d.item_a, [2, 4, 5, 6])
    on_time(d.item_b, [3, 5])
    time_machine.move_to("2024-07-03 10:00:00+08:00", tick=False)
    for month in range(2, 7):
        month_close(period=Period(2024, month), by=d.office)
    closed = {m: _lines(m) for m in range(1, 7)}
    assert [line for line in closed[6] if line[0] == "quarter" and line[3]]
    Standing.objects.all().delete()
    rankings_compute(year=2024, months=range(1, 7))
    assert {m: _lines(m) for m in range(1, 7)} == closed
    for month in (2, 3, 4, 5, 6):
        Standing.objects.filter(ranking__month=month).delete()
        rankings_compute(year=2024, months=[month], later=False)
        assert _lines(month) == closed[month]
    ranking_publish(period=Period(2024, 4), by=d.office)
    Standing.objects.filter(ranking__month__in=[3, 5, 6]).delete()
    rankings_compute(year=2024, months=[3])
    assert {m: _lines(m) for m in range(1, 7)} == closed

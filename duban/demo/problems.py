"""示例区's problem loop: problems from report to close-out, opinions, feedback, four-level
dispatch, meetings, leaders' liaison, demands and visits (issue 4).

Each problem of `problem_catalogue` is a story: a generator that yields the story time of its
next step and then takes that step through the services. A scheduler runs every story's steps
in story order, alongside the daily `duban escalate` run, the meetings and the visits, up to
the demo's "today"; whatever a story had not reached by then does not happen. The services
stamp real time: `DemoClock` (clock.py) frames the dates and moves the stamps back afterwards.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import random
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from duban.demo.clock import DemoClock
from duban.demo.people import Organisation
from duban.demo.problem_catalogue import (
    CO_ANSWERS,
    ESCALATING,
    EXT_REFUSED,
    EXTENDED,
    EXTENSION_REFUSAL,
    FED_BACK,
    LEADER_FINDINGS,
    MANUAL,
    MEETINGS,
    MERGED,
    OPINION,
    OPINION_RETURN_REASON,
    OPINION_RETURNED,
    PROBLEM_SPECS,
    REJECTED,
    REOPENED,
    RETURN_REASONS,
    RETURNED,
    SLOW,
    STEWARD_FINDINGS,
    VISIT,
    MeetingSpec,
    ProblemSpec,
)
from duban.ledger.models import WorkItem
from duban.liaison.models import Visit
from duban.liaison.services import visit_log, visit_raise_problem
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.services import responsibility_create
from duban.problems.models import (
    AgendaItem,
    Coordination,
    CoUnitResponse,
    Escalation,
    ExtensionRequest,
    Feedback,
    Meeting,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.services import (
    coordination_create,
    coordination_feedback,
    escalate_overdue_problems,
    extension_approve,
    extension_reject,
    extension_request,
    feedback_accept,
    feedback_return,
    meeting_build_agenda,
    meeting_hold,
    meeting_record_decision,
    meeting_schedule,
    problem_accept,
    problem_answer_as_co_unit,
    problem_assign,
    problem_close,
    problem_escalate,
    problem_merge,
    problem_rate_satisfaction,
    problem_reject,
    problem_reopen,
    problem_report,
    problem_return,
    problem_submit_feedback,
    problem_verify,
)

logger = logging.getLogger(__name__)

FIRST_DAY = date(2023, 5, 1)  # the first story day (the daily escalation run starts here)
DEMO_TODAY = date(2024, 6, 12)  # May's reports are coming in; June's close-out is ahead
S = Problem.State
# Leaders' 包联 with projects of the 2024 list (enterprises are in people.py).
PROJECT_LIAISON = (
    ("quzhang", "示例国际会展中心配套商业综合体"),
    ("li-changwu", "示例大街快速路改造工程"),
    ("zhang-fqz", "示例区养老服务综合体"),
    ("liu-fqz", "示例北方冷链物流园"),
    ("chen-fqz", "示例数字经济产业园（软件信息服务中心）"),
    ("zhao-fqz", "示例区城市排水防涝设施建设工程"),
)
STORY_MODELS = (
    Problem,
    ProblemEvent,
    Escalation,
    CoUnitResponse,
    ExtensionRequest,
    Coordination,
    Feedback,
    Meeting,
    AgendaItem,
    Visit,
    Responsibility,
)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def workday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def close_out_day(day: date) -> date:
    """The month's close-out (按月销号): its last working day, or next month's if past it."""
    first = day.replace(day=1)
    for _ in range(2):
        nxt = (first + timedelta(days=32)).replace(day=1)
        last = nxt - timedelta(days=1)
        while last.weekday() >= 5:
            last -= timedelta(days=1)
        if day <= last:
            return last
        first = nxt
    return day


@dataclass
class Story:
    spec: ProblemSpec | None
    item: WorkItem | None
    problem: Problem = field(init=False)

    @property
    def lead(self) -> Unit:
        assert self.problem.lead_unit is not None  # noqa: S101 - read after hand-out
        return self.problem.lead_unit


def build_problems(org: Organisation, rng: random.Random) -> None:
    """Run the problem stories of 示例区 through the services, then move them into 2023–2024."""
    clock = DemoClock(FIRST_DAY)
    clock.watch(list(STORY_MODELS))
    ProblemStories(org, rng, clock).run()
    clock.backdate()
    logger.info("demo.problems", extra={"problems": Problem.objects.count()})


class ProblemStories:
    def __init__(self, org: Organisation, rng: random.Random, clock: DemoClock) -> None:
        self.org = org
        self.rng = rng
        self.clock = clock
        self.office = org.office_user
        self.leaders = {u.username: u for u in org.leaders}
        self.by_key: dict[str, Story] = {}
        self.for_meeting: dict[str, list[Story]] = {}
        self.meetings: dict[str, Meeting] = {}
        self.end = at(DEMO_TODAY, 18)
        self._heap: list[tuple[datetime, int, Iterator[datetime]]] = []
        self._seq = itertools.count()
        self.rules = ProblemSettings.load()

    # -- the scheduler --------------------------------------------------------------------

    def start(self, story: Iterator[datetime]) -> None:
        first = next(story, None)
        if first is not None and first <= self.end:
            heapq.heappush(self._heap, (first, next(self._seq), story))

    def run(self) -> None:
        self.start(self.liaison())
        self.start(self.escalation_runs())
        for spec in PROBLEM_SPECS:
            self.start(self.lifecycle(spec))
        for meeting in MEETINGS:
            self.start(self.meeting(meeting))
        self.start(self.routine_visits())
        while self._heap:
            moment, _, story = heapq.heappop(self._heap)
            self.clock.tick(moment)
            following = next(story, None)
            if following is None or following > self.end:
                continue
            if following < moment:
                raise ValueError(f"a demo story goes back in time: {following} < {moment}")
            heapq.heappush(self._heap, (following, next(self._seq), story))

    # -- times ----------------------------------------------------------------------------

    def moment(self, day: date, after: datetime | None = None) -> datetime:
        """A working-hours time on `day` (moved to a weekday), later than `after`."""
        day = workday(day)
        t = at(day, self.rng.randint(8, 16), self.rng.randint(0, 59))
        if after is not None and t <= after:
            t = after + timedelta(minutes=self.rng.randint(15, 90))
        return t

    def days_after(self, t: datetime, low: int, high: int | None = None) -> datetime:
        return self.moment(t.date() + timedelta(days=self.rng.randint(low, high or low)), t)

    # -- who ------------------------------------------------------------------------------

    def member(self, unit: Unit) -> User:
        """Reporters do most of the writing; heads sometimes do it themselves."""
        if self.rng.random() < 0.25:
            return self.org.heads[unit.code]
        return self.org.reporters[unit.code]

    def liaison_leader(self, enterprise: Enterprise) -> User:
        return Responsibility.objects.get(
            enterprise=enterprise, relation=Responsibility.Relation.LIAISON
        ).leader

    def item(self, name: str, year: int) -> WorkItem:
        return WorkItem.objects.select_related("project", "steward", "lead_unit").get(
            year=year, title=name
        )

    # -- one problem ----------------------------------------------------------------------

    def lifecycle(self, spec: ProblemSpec) -> Iterator[datetime]:
        t = self.moment(spec.reported)
        yield t
        story = Story(spec, self.item(spec.on, spec.reported.year))
        self.report(story, t)
        if spec.key:
            self.by_key[spec.key] = story
        # The office triages the next working day (an urgent demand at once).
        t = (
            self.days_after(t, min(spec.triage, 1))
            if not spec.urgent
            else t + timedelta(minutes=20)
        )
        yield t
        if spec.fate == REJECTED:
            problem_reject(problem=story.problem, by=self.office, reason=spec.note)
            return
        if spec.fate == MERGED:
            problem_merge(
                problem=story.problem, into=self.by_key[spec.note].problem, by=self.office
            )
            return
        problem_accept(problem=story.problem, by=self.office)
        t = self.days_after(t, spec.triage) if not spec.urgent else t + timedelta(minutes=30)
        yield t
        due = t.date() + timedelta(days=spec.days)
        story.problem = problem_assign(
            problem=story.problem,
            by=self.office,
            lead_unit=self.org.units[spec.unit],
            co_units=[self.org.units[c] for c in spec.co],
            level=spec.level,
            due_date=self.clock.frame(due),
        )
        assigned = t
        for code in spec.co:
            t = self.days_after(t, 1, 2)
            yield t
            problem_answer_as_co_unit(
                problem=story.problem,
                by=self.org.reporters[code],
                answer=self.rng.choice(CO_ANSWERS),
            )
        if spec.fate == MANUAL:
            t = max(t, self.days_after(assigned, spec.wait))
            yield t
            by = self.office if spec.leader == "office" else self.leaders[spec.leader]
            problem_escalate(problem=story.problem, by=by, reason=spec.note)
        if spec.meeting:
            self.for_meeting.setdefault(spec.meeting, []).append(story)
            return  # the meeting carries it on
        if spec.fate == ESCALATING:
            return  # nobody acts: the nightly run raises it level by level
        if spec.fate in (EXTENDED, EXT_REFUSED):
            t = self.days_after(t, max(spec.days // 3, 1))
            yield t
            due, t = yield from self.extension(story, t, due)
        if spec.fate in (OPINION, OPINION_RETURNED, MANUAL):
            t = self.days_after(t, 1, 3)
            yield t
            t = yield from self.opinion(story, t, due)
        if spec.fate == SLOW:
            # Fed back after the grace period: the daily run has raised it a level by then.
            t = max(t, self.moment(due + timedelta(days=self.rules.grace_days + 2)))
        else:
            t = max(t, self.moment(due - timedelta(days=self.rng.randint(1, 4)), t))
        yield t
        resolution = spec.resolution or f"已按要求办理：{spec.request}"
        if spec.fate == FED_BACK:
            problem_submit_feedback(
                problem=story.problem, by=self.member(story.lead), text=resolution
            )
            return
        t = yield from self.finish(story, t, resolution, returned=spec.fate == RETURNED)
        if spec.fate == REOPENED:
            t = self.moment(t.date() + timedelta(days=self.rng.randint(6, 12)), t)
            yield t
            due = t.date() + timedelta(days=12)
            problem_reopen(
                problem=story.problem,
                by=self.office,
                reason=spec.note,
                due_date=self.clock.frame(due),
            )
            t = self.moment(due - timedelta(days=3), t)
            yield t
            yield from self.finish(story, t, spec.again)

    def report(self, story: Story, t: datetime) -> None:
        spec, item = story.spec, story.item
        assert spec is not None and item is not None  # noqa: S101
        data: dict[str, object] = {
            "category": spec.category,
            "title": spec.title,
            "description": spec.description,
            "request": spec.request,
        }
        if spec.source == "steward_visit":
            assert item.steward is not None  # noqa: S101 - every demo project has one
            visit = visit_log(
                by=item.steward,
                data={"date": t.date(), "work_item": item, "findings": spec.description},
            )
            story.problem = visit_raise_problem(visit=visit, by=item.steward, data=data)
            return
        owner = item.project.owner if item.project else None
        if spec.source == "demand" and spec.by == VISIT:
            assert owner is not None  # noqa: S101
            leader = self.liaison_leader(owner)
            visit = visit_log(
                by=leader,
                data={"date": t.date(), "enterprise": owner, "findings": spec.description},
            )
            story.problem = visit_raise_problem(visit=visit, by=leader, data=data)
            return
        data |= {"source": spec.source, "work_item": item}
        if spec.source == "demand":
            data |= {"enterprise": owner, "urgent": spec.urgent}
            by = self.office
        elif spec.source == "leader":
            by = self.leaders[spec.by]
        elif spec.source == "unit_report":
            by = self.member(self.org.units[spec.by or item.lead_unit.code])
        else:
            by = self.office
        story.problem = problem_report(by=by, data=data)

    def extension(
        self, story: Story, t: datetime, due: date
    ) -> Generator[datetime, None, tuple[date, datetime]]:
        """Asked by the lead unit's reporter, agreed by its head, decided by the office."""
        spec = story.spec
        assert spec is not None  # noqa: S101
        new_due = due + timedelta(days=self.rng.randint(14, 20))
        extension = extension_request(
            problem=story.problem,
            by=self.org.reporters[story.lead.code],
            reason=spec.note,
            new_due_date=self.clock.frame(new_due),
        )
        t = self.days_after(t, 1)
        yield t
        extension = extension_approve(extension=extension, by=self.org.heads[story.lead.code])
        t = self.days_after(t, 1)
        yield t
        if spec.fate == EXT_REFUSED:
            extension_reject(extension=extension, by=self.office, reason=EXTENSION_REFUSAL)
            return due, t
        extension_approve(extension=extension, by=self.office)
        return new_due, t

    def opinion(self, story: Story, t: datetime, due: date) -> Generator[datetime, None, datetime]:
        """A leader's opinion; each unit named feeds back and the office reviews it."""
        spec = story.spec
        assert spec is not None  # noqa: S101
        units = [story.lead, *story.problem.co_units.order_by("sort_order")]
        deadline = max(due - timedelta(days=3), t.date() + timedelta(days=5))
        text = (
            f"请{story.lead.short_name}牵头"
            + (f"，{'、'.join(u.short_name for u in units[1:])}配合" if len(units) > 1 else "")
            + f"，{spec.request.rstrip('。')}，{deadline.month}月{deadline.day}日前反馈办理情况。"
        )
        leader = self.leaders[spec.leader or "quzhang"]
        opinion = coordination_create(
            problem=story.problem,
            by=leader,
            text=text,
            units=units,
            deadline=self.clock.frame(deadline),
        )
        return (yield from self.opinion_feedback(opinion, t, deadline, spec.fate))

    def opinion_feedback(
        self, opinion: Coordination, t: datetime, deadline: date, fate: str = OPINION
    ) -> Generator[datetime, None, datetime]:
        latest = t
        for n, unit in enumerate(opinion.units.order_by("sort_order")):
            ft = self.moment(deadline - timedelta(days=self.rng.randint(1, 3)), t)
            yield ft
            feedback = coordination_feedback(
                opinion=opinion,
                by=self.member(unit),
                text=f"按照协调意见，{unit.short_name}已安排专人推进，相关工作已落实。",
            )
            ft = self.days_after(ft, 1)
            yield ft
            if fate == OPINION_RETURNED and n == 0:
                feedback_return(feedback=feedback, by=self.office, reason=OPINION_RETURN_REASON)
                ft = self.days_after(ft, 1, 2)
                yield ft
                feedback = coordination_feedback(
                    opinion=opinion,
                    by=self.member(unit),
                    text=f"{unit.short_name}补充反馈：已明确具体方案和完成时间，按期推进。",
                )
                ft = self.days_after(ft, 1)
                yield ft
            feedback_accept(feedback=feedback, by=self.office)
            latest = max(latest, ft)
            t = ft
        return latest

    def finish(
        self, story: Story, t: datetime, resolution: str, *, returned: bool = False
    ) -> Generator[datetime, None, datetime]:
        """Feedback (returned once if asked), verification, close-out, satisfaction."""
        problem_submit_feedback(
            problem=story.problem,
            by=self.member(story.lead),
            text=resolution,
            resolution=resolution,
        )
        if returned:
            t = self.days_after(t, 1)
            yield t
            problem_return(problem=story.problem, by=self.office, reason=RETURN_REASONS[0])
            t = self.days_after(t, 1, 2)
            yield t
            problem_submit_feedback(
                problem=story.problem,
                by=self.member(story.lead),
                text=resolution + "（已补充相关材料）",
                resolution=resolution,
            )
        t = self.days_after(t, 1, 3)
        yield t
        problem_verify(problem=story.problem, by=self.office)
        t = self.moment(close_out_day(t.date()), t)
        yield t
        problem_close(problem=story.problem, by=self.office)
        if story.problem.source == Problem.Source.DEMAND:
            t = self.days_after(t, 1, 4)
            yield t
            spec = story.spec
            problem_rate_satisfaction(
                problem=story.problem,
                by=self.office,
                satisfaction=spec.satisfaction if spec else "satisfied",
            )
        return t

    # -- meetings -------------------------------------------------------------------------

    def meeting(self, spec: MeetingSpec) -> Iterator[datetime]:
        yield at(workday(spec.scheduled), 10)
        chair = self.leaders[spec.chair]
        meeting = meeting_schedule(
            by=self.office,
            data={
                "kind": spec.kind,
                "level": spec.level,
                "title": spec.title,
                "number": spec.number,
                "chair": chair,
                "date": self.clock.frame(spec.day),
                "location": spec.location,
            },
            attendees=list(self.leaders.values()) if spec.level == 4 else [chair],
            attendee_units=[self.org.units[c] for c in spec.units],
        )
        self.meetings[spec.key] = meeting
        # On its day (or at the demo's end for the upcoming one) the meeting takes its story
        # date, so that its agenda looks at the right month and it can be held.
        held = spec.day <= DEMO_TODAY
        yield at(spec.day, 9) if held else self.end - timedelta(minutes=10)
        Meeting.objects.filter(pk=meeting.pk).update(date=spec.day)
        meeting.refresh_from_db()
        meeting_build_agenda(meeting=meeting, by=self.office)
        if not held:
            return
        t = at(spec.day, 11)
        for story in self.for_meeting.get(spec.key, []):
            if story.problem.state in (S.CLOSED, S.REJECTED, S.MERGED):
                continue
            assert story.spec is not None  # noqa: S101
            deadline = spec.day + timedelta(days=14)
            opinion = meeting_record_decision(
                meeting=meeting,
                by=self.office,
                text=story.spec.decision,
                units=[story.lead, *story.problem.co_units.order_by("sort_order")],
                deadline=self.clock.frame(deadline),
                problem=story.problem,
            )
            self.start(self.after_decision(story, opinion, t, deadline))
        behind = meeting.agenda.filter(kind=AgendaItem.Kind.BEHIND).select_related(
            "work_item__lead_unit"
        )
        first = behind.first()
        if first is not None and first.work_item is not None:
            item = first.work_item
            deadline = spec.day + timedelta(days=20)
            opinion = meeting_record_decision(
                meeting=meeting,
                by=self.office,
                text=spec.behind_decision.format(i=item.title),
                units=[item.lead_unit],
                deadline=self.clock.frame(deadline),
                work_item=item,
            )
            story = Story(None, item)
            story.problem = opinion.problem
            self.start(self.after_decision(story, opinion, t, deadline))
        meeting_hold(meeting=meeting, by=self.office, minutes=spec.minutes)

    def after_decision(
        self, story: Story, opinion: Coordination, t: datetime, deadline: date
    ) -> Iterator[datetime]:
        """The lead unit reports quickly (the problem would climb again), then the units
        account for the decision and the office closes the problem out."""
        t = self.days_after(t, 2)
        yield t
        spec = story.spec
        resolution = spec.resolution if spec else f"已按调度会要求制定追赶计划：{opinion.text}"
        problem_submit_feedback(
            problem=story.problem,
            by=self.member(story.lead),
            text=resolution,
            resolution=resolution,
        )
        t = yield from self.opinion_feedback(opinion, t, deadline)
        t = self.days_after(t, 1, 2)
        yield t
        problem_verify(problem=story.problem, by=self.office)
        t = self.moment(close_out_day(t.date()), t)
        yield t
        problem_close(problem=story.problem, by=self.office)
        if story.problem.source == Problem.Source.DEMAND:
            t = self.days_after(t, 2)
            yield t
            problem_rate_satisfaction(
                problem=story.problem, by=self.office, satisfaction="satisfied"
            )

    # -- the rest of the district's routine ------------------------------------------------

    def escalation_runs(self) -> Iterator[datetime]:
        """`duban escalate`, run by the scheduler every night."""
        day = FIRST_DAY
        while day <= DEMO_TODAY:
            yield at(day, 1)
            escalate_overdue_problems(on=self.clock.frame(day))
            day += timedelta(days=1)

    def liaison(self) -> Iterator[datetime]:
        """Leaders take up 包联 of key projects when the 2024 list is handed out."""
        day = date(2024, 1, 22)
        yield at(day, 15)
        for username, name in PROJECT_LIAISON:
            responsibility_create(
                leader=self.leaders[username],
                relation=Responsibility.Relation.LIAISON,
                work_item=self.item(name, 2024),
                start_date=day,
            )

    def routine_visits(self) -> Iterator[datetime]:
        """Stewards visit their projects and leaders their enterprises, mostly finding
        nothing to raise."""
        plans: list[tuple[datetime, User, dict[str, object]]] = []
        for steward in self.org.stewards:
            items = list(WorkItem.objects.filter(year=2024, steward=steward).order_by("pk"))
            for month in (3, 4, 5, 6):
                for item in self.rng.sample(items, 2):
                    day = date(2024, month, self.rng.randint(1, 28 if month < 6 else 11))
                    findings = self.rng.choice(STEWARD_FINDINGS).format(n=self.rng.randint(30, 260))
                    data = {"date": workday(day), "work_item": item, "findings": findings}
                    plans.append((self.moment(day), steward, data))
        for leader in self.org.leaders:
            enterprises = list(
                Enterprise.objects.filter(
                    responsibility__leader=leader,
                    responsibility__relation=Responsibility.Relation.LIAISON,
                ).order_by("pk")
            )
            for enterprise in enterprises[:2]:
                day = date(2024, self.rng.choice((3, 4, 5)), self.rng.randint(1, 28))
                findings = self.rng.choice(LEADER_FINDINGS).format(n=self.rng.randint(5, 30))
                data = {"date": workday(day), "enterprise": enterprise, "findings": findings}
                plans.append((self.moment(day), leader, data))
        plans.sort(key=lambda p: p[0])
        for moment, visitor, data in plans:
            yield moment
            visit_log(by=visitor, data=data)

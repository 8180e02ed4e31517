"""The demo's dispatch meetings and the decisions they carry on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from duban.core.services import current_version
from duban.demo.calendar import STORY_TODAY
from duban.demo.problem_catalogue import MeetingSpec
from duban.demo.problem_lifecycle import ProblemLifecycle
from duban.demo.problem_story import Story, at, close_out_day, workday
from duban.problems.models import AgendaItem, Coordination, Problem
from duban.problems.services import (
    meeting_build_agenda,
    meeting_hold,
    meeting_record_decision,
    meeting_schedule,
    problem_close,
    problem_rate_satisfaction,
    problem_submit_feedback,
    problem_verify,
)

S = Problem.State


class MeetingStories(ProblemLifecycle):
    """Meetings: scheduled, agenda built, decisions recorded and carried on, held."""

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
        # The agenda is built on the meeting's day (or at the demo's end for the upcoming one).
        held = spec.day <= STORY_TODAY
        yield at(spec.day, 9) if held else self.end - timedelta(minutes=10)
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
        meeting_hold(
            meeting=meeting, version=current_version(meeting), by=self.office, minutes=spec.minutes
        )

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
            version=current_version(story.problem),
            by=self.member(story.lead),
            text=resolution,
            resolution=resolution,
        )
        t = yield from self.opinion_feedback(opinion, t, deadline)
        t = self.days_after(t, 1, 2)
        yield t
        problem_verify(
            problem=story.problem, version=current_version(story.problem), by=self.office
        )
        t = self.moment(close_out_day(t.date()), t)
        yield t
        problem_close(problem=story.problem, version=current_version(story.problem), by=self.office)
        if story.problem.source == Problem.Source.DEMAND:
            t = self.days_after(t, 2)
            yield t
            problem_rate_satisfaction(
                problem=story.problem,
                version=current_version(story.problem),
                by=self.office,
                satisfaction="satisfied",
            )

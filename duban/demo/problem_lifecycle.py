"""One problem's story in the demo, from report to close-out."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import date, datetime, timedelta

from duban.core.services import current_version
from duban.demo.problem_catalogue import (
    CO_ANSWERS,
    ESCALATING,
    EXT_REFUSED,
    EXTENDED,
    EXTENSION_REFUSAL,
    FED_BACK,
    MANUAL,
    MERGED,
    OPINION,
    OPINION_RETURN_REASON,
    OPINION_RETURNED,
    REJECTED,
    REOPENED,
    RETURN_REASONS,
    RETURNED,
    SLOW,
    VISIT,
    ProblemSpec,
)
from duban.demo.problem_story import Story, StoryScheduler, close_out_day
from duban.liaison.services import visit_log, visit_raise_problem
from duban.problems.models import Coordination, Problem
from duban.problems.selectors import co_response_for
from duban.problems.services import (
    coordination_create,
    coordination_feedback,
    extension_approve,
    extension_reject,
    extension_request,
    feedback_accept,
    feedback_return,
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


class ProblemLifecycle(StoryScheduler):
    """One problem of the catalogue, step by step through the services."""

    # -- one problem ----------------------------------------------------------------------

    def lifecycle(self, spec: ProblemSpec) -> Iterator[datetime]:
        t = self.moment(spec.reported)
        yield t
        story = Story(spec, self.item(spec.on, self.clock.frame(spec.reported).year))
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
            problem_reject(
                problem=story.problem,
                version=current_version(story.problem),
                by=self.office,
                reason=spec.note,
            )
            return
        if spec.fate == MERGED:
            problem_merge(
                problem=story.problem,
                version=current_version(story.problem),
                into=self.by_key[spec.note].problem,
                by=self.office,
            )
            return
        problem_accept(
            problem=story.problem, version=current_version(story.problem), by=self.office
        )
        t = self.days_after(t, spec.triage) if not spec.urgent else t + timedelta(minutes=30)
        yield t
        due = t.date() + timedelta(days=spec.days)
        story.problem = problem_assign(
            problem=story.problem,
            version=current_version(story.problem),
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
            member = self.org.reporters[code]
            response = co_response_for(story.problem, member)
            assert response is not None  # noqa: S101 - the unit is a co-unit of the problem
            problem_answer_as_co_unit(
                problem=story.problem,
                by=member,
                answer=self.rng.choice(CO_ANSWERS),
                version=response.version,
            )
        if spec.fate == MANUAL:
            t = max(t, self.days_after(assigned, spec.wait))
            yield t
            by = self.office if spec.leader == "office" else self.leaders[spec.leader]
            problem_escalate(
                problem=story.problem,
                version=current_version(story.problem),
                by=by,
                reason=spec.note,
            )
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
                problem=story.problem,
                version=current_version(story.problem),
                by=self.member(story.lead),
                text=resolution,
            )
            return
        t = yield from self.finish(story, t, resolution, returned=spec.fate == RETURNED)
        if spec.fate == REOPENED:
            t = self.moment(t.date() + timedelta(days=self.rng.randint(6, 12)), t)
            yield t
            due = t.date() + timedelta(days=12)
            problem_reopen(
                problem=story.problem,
                version=current_version(story.problem),
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
                data={
                    "date": self.clock.frame(t.date()),
                    "work_item": item,
                    "findings": spec.description,
                },
            )
            story.problem = visit_raise_problem(visit=visit, by=item.steward, data=data)
            return
        owner = item.project.owner if item.project else None
        if spec.source == "demand" and spec.by == VISIT:
            assert owner is not None  # noqa: S101
            leader = self.liaison_leader(owner)
            visit = visit_log(
                by=leader,
                data={
                    "date": self.clock.frame(t.date()),
                    "enterprise": owner,
                    "findings": spec.description,
                },
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
            version=current_version(story.problem),
            by=self.org.reporters[story.lead.code],
            reason=spec.note,
            new_due_date=self.clock.frame(new_due),
        )
        t = self.days_after(t, 1)
        yield t
        extension = extension_approve(
            extension=extension,
            version=current_version(extension),
            by=self.org.heads[story.lead.code],
        )
        t = self.days_after(t, 1)
        yield t
        if spec.fate == EXT_REFUSED:
            extension_reject(
                extension=extension,
                version=current_version(extension),
                by=self.office,
                reason=EXTENSION_REFUSAL,
            )
            return due, t
        extension_approve(extension=extension, version=current_version(extension), by=self.office)
        return new_due, t

    def opinion(self, story: Story, t: datetime, due: date) -> Generator[datetime, None, datetime]:
        """A leader's opinion; each unit named feeds back and the office reviews it."""
        spec = story.spec
        assert spec is not None  # noqa: S101
        units = [story.lead, *story.problem.co_units.order_by("sort_order")]
        deadline = max(due - timedelta(days=3), t.date() + timedelta(days=5))
        shown = self.clock.frame(deadline)
        text = (
            f"请{story.lead.short_name}牵头"
            + (f"，{'、'.join(u.short_name for u in units[1:])}配合" if len(units) > 1 else "")
            + f"，{spec.request.rstrip('。')}，{shown.month}月{shown.day}日前反馈办理情况。"
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
                feedback_return(
                    feedback=feedback,
                    version=current_version(feedback),
                    by=self.office,
                    reason=OPINION_RETURN_REASON,
                )
                ft = self.days_after(ft, 1, 2)
                yield ft
                feedback = coordination_feedback(
                    opinion=opinion,
                    by=self.member(unit),
                    text=f"{unit.short_name}补充反馈：已明确具体方案和完成时间，按期推进。",
                )
                ft = self.days_after(ft, 1)
                yield ft
            feedback_accept(feedback=feedback, version=current_version(feedback), by=self.office)
            latest = max(latest, ft)
            t = ft
        return latest

    def finish(
        self, story: Story, t: datetime, resolution: str, *, returned: bool = False
    ) -> Generator[datetime, None, datetime]:
        """Feedback (returned once if asked), verification, close-out, satisfaction."""
        problem_submit_feedback(
            problem=story.problem,
            version=current_version(story.problem),
            by=self.member(story.lead),
            text=resolution,
            resolution=resolution,
        )
        if returned:
            t = self.days_after(t, 1)
            yield t
            problem_return(
                problem=story.problem,
                version=current_version(story.problem),
                by=self.office,
                reason=RETURN_REASONS[0],
            )
            t = self.days_after(t, 1, 2)
            yield t
            problem_submit_feedback(
                problem=story.problem,
                version=current_version(story.problem),
                by=self.member(story.lead),
                text=resolution + "（已补充相关材料）",
                resolution=resolution,
            )
        t = self.days_after(t, 1, 3)
        yield t
        problem_verify(
            problem=story.problem, version=current_version(story.problem), by=self.office
        )
        t = self.moment(close_out_day(t.date()), t)
        yield t
        problem_close(problem=story.problem, version=current_version(story.problem), by=self.office)
        if story.problem.source == Problem.Source.DEMAND:
            t = self.days_after(t, 1, 4)
            yield t
            spec = story.spec
            problem_rate_satisfaction(
                problem=story.problem,
                version=current_version(story.problem),
                by=self.office,
                satisfaction=spec.satisfaction if spec else "satisfied",
            )
        return t

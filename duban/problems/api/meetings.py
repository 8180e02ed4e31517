"""Dispatch meetings and the liaison figures."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Path, Query, Schema
from pydantic import Field

from duban.core.api.pagination import ListPage, PageParams, page_answer
from duban.core.api.params import Id, Year
from duban.core.api.schemas import Pct, UserRef, user_ref
from duban.org.auth import request_user
from duban.org.models import User
from duban.problems.api.base import ERRORS, router
from duban.problems.models import AgendaItem, Meeting
from duban.problems.selectors import (
    demand_figures,
    meeting_get_for_user,
    meeting_list,
    meetings_agenda_entries,
)


class AgendaOut(Schema):
    kind: str
    text: str
    problem_id: int | None
    work_item_id: int | None


class MeetingOut(Schema):
    id: int
    kind: Meeting.Kind
    level: int
    title: str
    chair: UserRef | None
    date: date
    state: Meeting.State
    agenda: list[AgendaOut] = Field(
        description="The entries in the reader's scope (all of them for the office and the chair)"
    )
    agenda_hidden: int = Field(description="How many entries are outside the reader's scope")


def _meeting(m: Meeting, user: User) -> MeetingOut:
    return _meeting_out(m, meetings_agenda_entries(user=user, meetings=[m])[m.pk])


def _meeting_out(m: Meeting, agenda: tuple[list[AgendaItem], int]) -> MeetingOut:
    entries, hidden = agenda
    return MeetingOut(
        id=m.pk,
        kind=Meeting.Kind(m.kind),
        level=m.level,
        title=m.title,
        chair=user_ref(m.chair),
        date=m.date,
        state=Meeting.State(m.state),
        agenda=[
            AgendaOut(
                kind=a.kind, text=a.text, problem_id=a.problem_id, work_item_id=a.work_item_id
            )
            for a in entries
        ],
        agenda_hidden=hidden,
    )


@router.get(
    "/meetings",
    response={200: ListPage[MeetingOut], **ERRORS},
    summary="Dispatch meetings, the newest first, a page at a time",
)
def meetings(request: HttpRequest, paging: Query[PageParams]) -> Any:
    user = request_user(request)
    page = page_answer(meeting_list(user=user).order_by("-date", "-pk"), paging, lambda m: m)
    # Every meeting's agenda as the reader may see it, for the whole page at once.
    agendas = meetings_agenda_entries(user=user, meetings=page["items"])
    page["items"] = [_meeting_out(m, agendas[m.pk]) for m in page["items"]]
    return page


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **ERRORS}, summary="A meeting")
def meeting_detail(request: HttpRequest, meeting_id: Path[Id]) -> MeetingOut:
    user = request_user(request)
    return _meeting(meeting_get_for_user(user=user, meeting_id=meeting_id), user)


class DemandFiguresOut(Schema):
    year: int
    received: int
    resolved: int
    answered_in_time: int
    answered_late: int
    satisfied: int
    basic: int
    unsatisfied: int
    completion_pct: Pct | None = Field(description="办结率")
    satisfaction_pct: Pct | None = Field(description="满意率 (满意 + 基本满意) among rated")


@router.get(
    "/liaison/demands/{year}",
    response={200: DemandFiguresOut, **ERRORS},
    summary="企业诉求 of a year in scope: received, resolved, answered in time, satisfaction",
)
def liaison_demands(request: HttpRequest, year: Path[Year]) -> DemandFiguresOut:
    f = demand_figures(user=request_user(request), year=year)
    return DemandFiguresOut(
        year=year,
        received=f.received,
        resolved=f.resolved,
        answered_in_time=f.answered_in_time,
        answered_late=f.answered_late,
        satisfied=f.satisfied,
        basic=f.basic,
        unsatisfied=f.unsatisfied,
        completion_pct=f.completion_pct,
        satisfaction_pct=f.satisfaction_pct,
    )

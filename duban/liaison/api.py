"""API: leaders' liaison (包联) figures."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router, Schema

from duban.core.api.errors import ERRORS
from duban.core.api.params import Year
from duban.core.api.schemas import Pct, UserRef, user_ref
from duban.liaison.selectors import liaison_figures
from duban.org.auth import TokenAuth, request_user

router = Router(tags=["liaison"], auth=TokenAuth())


class LiaisonOut(Schema):
    leader: UserRef | None
    enterprises: int
    projects: int
    institutions: int
    demands: int
    resolved: int
    visits: int
    completion_pct: Pct | None


@router.get(
    "/liaison/leaders",
    response={200: list[LiaisonOut], **ERRORS},
    summary="包联 figures per leader: enterprises, projects, demands, 办结率, visits",
)
def liaison_leaders(request: HttpRequest, year: Query[Year | None] = None) -> list[LiaisonOut]:
    return [
        LiaisonOut(
            leader=user_ref(r.leader),
            enterprises=r.enterprises,
            projects=r.projects,
            institutions=r.institutions,
            demands=r.demands,
            resolved=r.resolved,
            visits=r.visits,
            completion_pct=r.completion_pct,
        )
        for r in liaison_figures(user=request_user(request), year=year)
    ]

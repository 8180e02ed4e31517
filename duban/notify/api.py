"""API: the caller's own notifications (`/api/v1/notifications`)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from duban.core.api.errors import ERRORS
from duban.core.api.pagination import PageParams, paginate
from duban.core.api.params import Id
from duban.core.events import NotificationKind
from duban.notify.selectors import notification_list, unread_count
from duban.notify.services import notification_mark_read
from duban.org.auth import TokenAuth, request_user

router = Router(tags=["notifications"], auth=TokenAuth())


class NotificationOut(Schema):
    id: int
    kind: NotificationKind
    text: str
    url: str
    created_at: datetime
    read: bool


class NotificationPage(Schema):
    count: int
    unread: int
    page: int
    page_size: int
    items: list[NotificationOut]


class NotificationQuery(Schema):
    kind: NotificationKind | None = None
    unread: bool | None = None


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=500, description="None: all unread")


class MarkReadOut(Schema):
    marked: int
    unread: int


@router.get(
    "/notifications",
    response={200: NotificationPage, **ERRORS},
    summary="The caller's notifications, newest first",
)
def notifications(
    request: HttpRequest, q: Query[NotificationQuery], paging: Query[PageParams]
) -> NotificationPage:
    user = request_user(request)
    page = paginate(notification_list(user=user, kind=q.kind, unread=q.unread), paging)
    return NotificationPage(
        count=page.count,
        unread=unread_count(user=user),
        page=page.page,
        page_size=page.page_size,
        items=[
            NotificationOut(
                id=n.pk,
                kind=NotificationKind(n.kind),
                text=n.text,
                url=n.url,
                created_at=n.created_at,
                read=n.read_at is not None,
            )
            for n in page.rows
        ],
    )


@router.post(
    "/notifications/read",
    response={200: MarkReadOut, **ERRORS},
    summary="Mark the caller's notifications read (the given ids, or all)",
)
def notifications_read(request: HttpRequest, body: MarkReadIn) -> MarkReadOut:
    user = request_user(request)
    marked = notification_mark_read(user=user, ids=body.ids)
    return MarkReadOut(marked=marked, unread=unread_count(user=user))

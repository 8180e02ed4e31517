"""`{% unread_badge %}`: the header's link to the inbox with the unread count."""

from __future__ import annotations

from typing import Any

from django import template

from duban.notify.selectors import unread_count

register = template.Library()


@register.inclusion_tag("notify/partials/_unread_badge.html", takes_context=True)
def unread_badge(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    count = unread_count(user=user) if user is not None else 0  # type: ignore[arg-type]
    return {"count": count}

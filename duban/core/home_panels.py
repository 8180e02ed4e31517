"""Panels that apps add to a role's first screen (the leader's cockpit, the office's desk).

The pages live in `web`, the top of the layers; the apps that produce what a leader should see
first (supervision's cards and ranking, assessment, bulletins…) sit below it and may not import
it. So they register a panel here, in their AppConfig.ready():

    from duban.core.home_panels import HomePanel, register_home_panel

    register_home_panel(HomePanel(
        key="bulletins",            # unique
        homes=("cockpit",),         # "cockpit" (leaders), "desk" (the office), "item" (an item's page)
        order=50,                   # lower first
        template="bulletins/partials/_cockpit.html",
        context=latest_bulletin_for,  # (user, **subject) -> dict | None; None hides it
    ))

On an item's page the context is called as `context(user, item=item)` (the item is in scope).

The template is included with the returned dict as `panel`; `web/partials/_panel.html` is a
generic one (title, lines of text/url/note, more_url). A panel answers in a fixed number
of queries whatever the scope; it sees only what `user` may see (out of scope stays hidden).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HomePanel:
    key: str
    homes: tuple[str, ...]
    order: int
    template: str
    context: Callable[..., dict[str, Any] | None]


_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    _PANELS[panel.key] = panel


def unregister_home_panel(key: str) -> None:
    _PANELS.pop(key, None)


def home_panels(home: str, user: Any, **subject: Any) -> list[tuple[HomePanel, dict[str, Any]]]:
    """The panels registered for `home`, in order, with their context for `user` (and the
    page's subject, e.g. `item=`); those that answer None are left out."""
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if home not in panel.homes:
            continue
        context = panel.context(user, **subject)
        if context is not None:
            out.append((panel, context))
    return out

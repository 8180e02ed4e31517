"""The one registry of panels that apps add to another app's page: a role's first screen (the
leader's cockpit, the office's desk) and an item's page.

The pages live in `web` (the homes) and `reporting` (the item page); the apps that produce what
should show there (problems, supervision's prompts and flags, cards and ranking, bulletins…) may
sit above them and may not be imported by them. So each registers a panel here, in its
AppConfig.ready():

    from duban.core.home_panels import HomePanel, register_home_panel

    register_home_panel(HomePanel(
        key="bulletins",            # unique; registering the same key again replaces it
        homes=("cockpit",),         # HOMES: "cockpit" (leaders), "desk" (the office), "item"
        order=50,                   # lower first
        template="bulletins/partials/_cockpit.html",
        context=latest_bulletin_for,  # (user, **subject) -> dict | None; None hides it
    ))

On an item's page the context is called as `context(user, item=item)` (the item is in scope),
on a home as `context(user)`. The template is included with the returned dict as `panel`;
`web/partials/_panel.html` is a generic one (title, lines of text/url/note, more_url). A panel
answers in a fixed number of queries whatever the scope; it sees only what `user` may see (out
of scope stays hidden).
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


HOMES = ("cockpit", "desk", "item")
_PANELS: dict[str, HomePanel] = {}


def register_home_panel(panel: HomePanel) -> None:
    unknown = set(panel.homes) - set(HOMES)
    if unknown:
        raise ValueError(f"panel {panel.key}: unknown homes {sorted(unknown)}")
    _PANELS[panel.key] = panel


def unregister_home_panel(key: str) -> None:
    _PANELS.pop(key, None)


def home_panels(home: str, user: Any, **subject: Any) -> list[tuple[HomePanel, dict[str, Any]]]:
    """The panels registered for `home`, in order, with their context for `user` (and the
    page's subject, e.g. `item=`); those that answer None are left out."""
    if home not in HOMES:
        raise ValueError(f"unknown home {home}")
    out = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if home not in panel.homes:
            continue
        context = panel.context(user, **subject)
        if context is not None:
            out.append((panel, context))
    return out

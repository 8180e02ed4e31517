"""Panels the apps above reporting add to the item page (supervision: the prompts that listed
the item and its flags). Each app registers a callable in its AppConfig.ready(); it returns
the panel's template and context, or None to show nothing. Reporting never imports them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from duban.ledger.models import WorkItem
from duban.org.models import User

Panel = Callable[[User, WorkItem], tuple[str, dict[str, Any]] | None]
_PANELS: list[Panel] = []


def register_item_panel(panel: Panel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def item_panels(user: User, item: WorkItem) -> list[tuple[str, dict[str, Any]]]:
    return [shown for panel in _PANELS if (shown := panel(user, item)) is not None]

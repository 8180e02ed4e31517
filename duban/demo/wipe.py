"""Empty the district's data so the demo can be rebuilt (`duban demo --reset`)."""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError

from duban.core.immutable import history_unlocked

# Configuration that migrations seed and the demo relies on: kept.
KEEP = {"ledger.nodetemplateset", "ledger.nodetemplate", "reporting.reportingsettings"}


def _duban_models() -> list[type[models.Model]]:
    return [
        m
        for m in apps.get_models()
        if m.__module__.startswith("duban.")
        and not m._meta.proxy
        and m._meta.label_lower not in KEEP
    ]


def _self_references(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.related_model is model
    ]


def _delete_leaves_first(model: type[models.Model]) -> None:
    # Rows that point at rows of their own model with PROTECT (a unit at its parent, a merged
    # problem at the one it was merged into): delete the rows nobody points at, then the rest.
    manager = model._default_manager
    fields = _self_references(model)
    while manager.exists():
        referenced = set()
        for f in fields:
            referenced |= set(
                manager.exclude(**{f.attname: None}).values_list(f.attname, flat=True)
            )
        deleted, _ = manager.exclude(pk__in=referenced).delete()
        if not deleted:
            raise ProtectedError(f"{model._meta.verbose_name}相互引用成环，无法清空。", set())


@transaction.atomic
def demo_wipe() -> None:
    """Delete every row of every duban model (history included) but the seeded configuration.

    Only for a demo database: it holds nothing else worth keeping. Models protect each other
    (PROTECT), so each pass deletes what it can and the loop repeats until nothing is left.
    """
    # History and event rows are immutable (a trigger on PostgreSQL): a demo wipe is the one
    # act allowed to lift that, for its own transaction.
    with history_unlocked():
        _wipe(_duban_models())


def _wipe(pending: list[type[models.Model]]) -> None:
    while pending:
        blocked = []
        for model in pending:
            try:
                with transaction.atomic():
                    if _self_references(model):
                        _delete_leaves_first(model)
                    else:
                        model._default_manager.all().delete()
            except (ProtectedError, RestrictedError):
                blocked.append(model)
        if len(blocked) == len(pending):
            names = "、".join(m._meta.label for m in blocked)
            raise ProtectedError(f"这些数据相互保护，无法清空：{names}", set())
        pending = blocked

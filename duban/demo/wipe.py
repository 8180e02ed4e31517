"""Empty the district's data so the demo can be rebuilt (`duban demo --reset`)."""

from __future__ import annotations

from django.apps import apps
from django.db import models, transaction
from django.db.models import ProtectedError, RestrictedError

from duban.org.models import Unit

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


def _delete_units() -> None:
    # Units point at their parent with PROTECT: delete the leaves, then their parents.
    while Unit.objects.exists():
        deleted, _ = Unit.objects.filter(children__isnull=True).delete()
        if not deleted:
            raise ProtectedError("单位树有环，无法清空。", set())


@transaction.atomic
def demo_wipe() -> None:
    """Delete every row of every duban model (history included) but the seeded configuration.

    Only for a demo database: it holds nothing else worth keeping. Models protect each other
    (PROTECT), so each pass deletes what it can and the loop repeats until nothing is left.
    """
    pending = _duban_models()
    while pending:
        blocked = []
        for model in pending:
            try:
                with transaction.atomic():
                    if model is Unit:
                        _delete_units()
                    else:
                        model._default_manager.all().delete()
            except (ProtectedError, RestrictedError):
                blocked.append(model)
        if len(blocked) == len(pending):
            names = "、".join(m._meta.label for m in blocked)
            raise ProtectedError(f"这些数据相互保护，无法清空：{names}", set())
        pending = blocked

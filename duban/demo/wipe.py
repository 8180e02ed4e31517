"""Empty the ledger, the reports and the organisation, so the demo can be rebuilt."""

from __future__ import annotations

from django.db import transaction

from duban.ledger.models import Project, WorkItem
from duban.org.models import ApiToken, Enterprise, Responsibility, Unit, User
from duban.reporting.models import MonthClose, MonthlyReport


@transaction.atomic
def demo_wipe() -> None:
    """Delete every report, item, project, enterprise, account and unit (children first).

    Only for `duban demo --reset`: a demo database holds nothing else worth keeping.
    """
    MonthlyReport.objects.all().delete()
    MonthClose.objects.all().delete()
    Responsibility.objects.all().delete()
    WorkItem.objects.update(carried_from=None)
    WorkItem.objects.all().delete()
    Project.objects.all().delete()
    Enterprise.objects.all().delete()
    ApiToken.objects.all().delete()
    User.objects.all().delete()
    # Units reference their parent (PROTECT): leaves first.
    while Unit.objects.exists():
        Unit.objects.filter(children__isnull=True).delete()

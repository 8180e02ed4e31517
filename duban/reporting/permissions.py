"""Who may do what to a monthly report (the state rules live in services)."""

from __future__ import annotations

from duban.ledger.models import WorkItem
from duban.org.models import User
from duban.reporting.models import MonthlyReport

R = User.Role


def _is_lead_unit_member(user: User, item: WorkItem, roles: tuple[str, ...]) -> bool:
    return user.role in roles and user.unit_id is not None and user.unit_id == item.lead_unit_id


def can_fill_report(user: User, item: WorkItem) -> bool:
    """Reporters and heads of the lead unit, the item's steward, and the office."""
    return (
        user.is_office
        or _is_lead_unit_member(user, item, (R.REPORTER, R.UNIT_HEAD))
        or (user.role == R.STEWARD and item.steward_id == user.pk)
    )


def can_sign_off_report(user: User, report: MonthlyReport) -> bool:
    return user.is_office or _is_lead_unit_member(user, report.work_item, (R.UNIT_HEAD,))


def can_review_report(user: User, report: MonthlyReport) -> bool:
    """The office or the item's steward accepts or returns."""
    return user.is_office or (user.role == R.STEWARD and report.work_item.steward_id == user.pk)


def can_close_month(user: User) -> bool:
    return user.is_office


def signs_off_on_submit(user: User, item: WorkItem) -> bool:
    """A head (or the office) submitting needs no separate sign-off."""
    return user.is_office or _is_lead_unit_member(user, item, (R.UNIT_HEAD,))


def can_fill_unit_reports(user: User, unit_id: int) -> bool:
    """The unit's monthly workbook: its reporters and head, and the office for any unit."""
    return user.is_office or (
        user.role in (R.REPORTER, R.UNIT_HEAD)
        and user.unit_id is not None
        and user.unit_id == unit_id
    )


def fills_unit_reports(user: User) -> bool:
    """Whether the user fills some unit's monthly workbook at all (else the page is refused)."""
    return user.is_office or (user.role in (R.REPORTER, R.UNIT_HEAD) and user.unit_id is not None)

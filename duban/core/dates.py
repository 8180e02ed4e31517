"""The days a person may write: one plausible range for every date a page, the API or an
import takes, so that 0001-01-01 or 9999-12-31 (a slip of the keyboard, a spreadsheet's
blank read as a date) never reaches a light, a deadline or a score.

- Anything: from 1 January 2000 (the district's ledgers start well after it) to 31 December
  of the year ten years from today (a plan or deadline past a five-year plan and the next).
- Something that already happened (a start, a finish, a visit, a node reached): from 1 January
  2000 to today.

Services call `date_check` (or `dates_check` for a model's fields) before they write; the
imports call `date_problem` to put the reason on the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db import models
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import date_cn
from duban.core.services import field_label

EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 10


def latest_day(*, happened: bool = False) -> date:
    """The last day a date may be: today for what already happened, else the end of the year
    `YEARS_AHEAD` years from now."""
    today = clock.today()
    return today if happened else date(today.year + YEARS_AHEAD, 12, 31)


def date_problem(value: date | None, *, label: str, happened: bool = False) -> str | None:
    """Why `value` is refused as `label` (None when it is plausible or empty)."""
    if value is None:
        return None
    latest = latest_day(happened=happened)
    if EARLIEST_DAY <= value <= latest:
        return None
    params = {
        "f": label,
        "d": value.isoformat(),
        "lo": date_cn(EARLIEST_DAY),
        "hi": date_cn(latest),
    }
    if happened:
        return _("%(f)s%(d)s不在合理范围内：应在%(lo)s至今天（%(hi)s）之间。") % params
    return _("%(f)s%(d)s不在合理范围内：应在%(lo)s至%(hi)s之间。") % params


def date_check(value: date | None, *, label: str, field: str, happened: bool = False) -> None:
    """Refuse (ApplicationError on `field`, nothing written) a day outside the range."""
    message = date_problem(value, label=label, happened=happened)
    if message:
        raise ApplicationError(message, field=field)


def dates_check(obj: models.Model, fields: Sequence[str], *, happened: Sequence[str] = ()) -> None:
    """`date_check` on each of `obj`'s `fields` and `happened` fields, labelled by the model's
    verbose names; the first refused one raises."""
    for name in (*fields, *happened):
        date_check(
            getattr(obj, name),
            label=field_label(type(obj), name),
            field=name,
            happened=name in happened,
        )

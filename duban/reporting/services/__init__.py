"""The monthly report workflow.

draft → (pending_signoff →) submitted → accepted, or → returned (with a reason) → resubmitted.
A closed month locks its reports. Every write validates first and writes nothing on error.
"""

from duban.reporting.services.base import (
    period_is_closed,
    report_due_date,
    report_is_late,
)
from duban.reporting.services.batch import (
    BatchResult,
    BatchRow,
    BatchRowsError,
    report_put,
    reports_batch_save,
)
from duban.reporting.services.carry_over import (
    work_items_carry_over,
)
from duban.reporting.services.closing import (
    CloseBlocker,
    month_close,
    month_close_blockers,
    month_close_refusal,
    report_correct,
)
from duban.reporting.services.filling import (
    REPORT_FIELDS,
    report_prepare,
    report_save,
    report_start,
)
from duban.reporting.services.workflow import (
    report_accept,
    report_no_change,
    report_return,
    report_save_and_submit,
    report_sign_off,
    report_submit,
)

__all__ = [
    "REPORT_FIELDS",
    "BatchResult",
    "BatchRow",
    "BatchRowsError",
    "CloseBlocker",
    "month_close",
    "month_close_blockers",
    "month_close_refusal",
    "period_is_closed",
    "report_accept",
    "report_correct",
    "report_due_date",
    "report_is_late",
    "report_no_change",
    "report_prepare",
    "report_put",
    "report_return",
    "report_save",
    "report_save_and_submit",
    "report_sign_off",
    "report_start",
    "report_submit",
    "reports_batch_save",
    "work_items_carry_over",
]

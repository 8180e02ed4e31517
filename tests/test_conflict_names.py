"""A conflict says who changed the record and when (issue 12)."""

from __future__ import annotations

import pytest

from duban.core.errors import ConflictError
from duban.reporting.services import report_accept, report_return
from tests import factories as f


def test_conflict_message_names_who_changed_the_report(district):
    # given: the steward opened a submitted report; meanwhile the office returned it
    report = f.ReportFactory(work_item=district.item_c, month=3)
    seen = report.version
    report_return(report=report, by=district.office, reason="数据有误", version=seen)
    # when: the steward accepts at the version they saw
    with pytest.raises(ConflictError) as refused:
        report_accept(report=report, by=district.steward, version=seen)
    # then
    message = str(refused.value.message)
    assert district.office.display_name in message
    assert "2024年4月3日" in message


def test_conflict_without_history_user_still_explains(district):
    report = f.ReportFactory(work_item=district.item_c, month=3)
    with pytest.raises(ConflictError) as refused:
        report_accept(report=report, by=district.steward, version=report.version + 1)
    assert "已被他人修改" in str(refused.value.message)

"""Excel downloads from the ledger and report list pages, in scope."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
from django.urls import reverse

from tests import factories as f


def _cells(response) -> str:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return " ".join(
        str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None
    )


def test_ledger_export_from_the_page_holds_the_users_scope(district, login):
    # when
    response = login(district.reporter_a).get(reverse("ledger_export:ledger") + "?year=2024")
    # then
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = _cells(response)
    assert district.item_a.project.name in text and "优化营商环境" in text
    assert district.item_x.project.name not in text  # unit B's alone


def test_ledger_export_of_an_out_of_scope_unit_is_404(district, login):
    client = login(district.reporter_a)
    assert (
        client.get(
            reverse("ledger_export:ledger") + f"?year=2024&unit={district.unit_b.pk}"
        ).status_code
        == 200
    )  # co-unit item
    other = f.UnitFactory()
    assert (
        client.get(reverse("ledger_export:ledger") + f"?year=2024&unit={other.pk}").status_code
        == 404
    )


def test_reports_export_from_the_page(district, login):
    f.ReportFactory(work_item=district.item_a, month=3, investment_month=Decimal("1234.5"))
    client = login(district.office)
    response = client.get(reverse("ledger_export:reports") + "?period=2024-03")
    assert response.status_code == 200
    assert "1234.5" in _cells(response)
    assert client.get(reverse("ledger_export:reports") + "?period=2024-13").status_code == 404


def test_list_pages_link_to_their_exports(district, login):
    client = login(district.office)
    assert reverse("ledger_export:ledger") in client.get(reverse("ledger:list")).content.decode()
    html = client.get(reverse("reporting:list") + "?year=2024&month=2").content.decode()
    assert reverse("ledger_export:reports") + "?period=2024-02" in html

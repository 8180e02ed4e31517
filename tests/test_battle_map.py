"""The battle map (挂图作战): items against their nodes, filters, Gantt, Excel (issue 12)."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import openpyxl
from django.urls import reverse

from duban.ledger.models import Milestone
from duban.reporting.selectors.progress import REFRESH_QUERIES
from duban.web.battlemap import node_state
from tests import factories as f


def _node(item, name, planned, actual=None, order=1):
    return Milestone.objects.create(
        work_item=item, sort_order=order, name=name, planned_date=planned, actual_date=actual
    )


def test_node_states_against_today():
    today = date(2024, 4, 3)
    m = Milestone(planned_date=date(2024, 3, 1), actual_date=date(2024, 3, 5))
    assert node_state(m, today) == "done"
    assert node_state(Milestone(planned_date=date(2024, 3, 31)), today) == "overdue"
    assert node_state(Milestone(planned_date=date(2024, 4, 30)), today) == "due"
    assert node_state(Milestone(planned_date=date(2024, 6, 1)), today) == "ahead"
    assert node_state(Milestone(planned_date=None), today) == "undated"


def test_wall_shows_scoped_items_with_coloured_nodes_and_todays_month(district, login):
    _node(district.item_a, "立项批复", date(2024, 2, 10), date(2024, 2, 12))
    _node(district.item_a, "施工许可", date(2024, 3, 20), order=2)
    _node(district.item_x, "住建节点", date(2024, 5, 1))
    html = login(district.leader).get(reverse("web:battle_map")).content.decode()
    assert "立项批复" in html and "node-done" in html
    assert "施工许可" in html and "node-overdue" in html
    assert "住建节点" not in html  # item_x is outside the leader's scope
    assert html.count("bm-today") >= 2  # the header and each row mark April


def test_filters_by_unit_and_light(district, login):
    _node(district.item_b, "乙节点", date(2024, 5, 1))
    client = login(district.office)
    html = client.get(reverse("web:battle_map"), {"unit": district.unit_a.pk}).content.decode()
    assert "发改项目甲" in html and "住建项目丁" not in html
    html = client.get(reverse("web:battle_map"), {"light": "green"}).content.decode()
    assert "battle-map" in html


def test_gantt_of_an_item_and_of_a_unit_and_scope(district, login):
    _node(district.item_a, "开工", date(2024, 3, 1))
    client = login(district.leader)
    html = client.get(reverse("web:gantt"), {"item": district.item_a.pk}).content.decode()
    assert "开工" in html and "gantt-today" in html
    html = client.get(reverse("web:gantt"), {"unit": district.unit_a.pk}).content.decode()
    assert "开工" in html
    assert client.get(reverse("web:gantt"), {"item": district.item_x.pk}).status_code == 404
    assert client.get(reverse("web:gantt"), {"item": "x"}).status_code == 404
    assert client.get(reverse("web:gantt")).status_code == 404


def test_export_holds_every_filtered_item_and_node(district, login):
    _node(district.item_a, "立项批复", date(2024, 2, 10), date(2024, 2, 12))
    _node(district.item_a, "施工许可", date(2024, 3, 20), order=2)
    response = login(district.leader).get(reverse("web:battle_map_export"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    text = "\n".join(
        str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value
    )
    assert "立项批复" in text and "施工许可" in text and "逾期未完成" in text
    assert "住建项目丁" not in text


def test_battle_map_query_count_is_fixed(district, login, django_assert_max_num_queries):
    for n in range(40):
        item = f.WorkItemFactory(lead_unit=district.unit_a, annual_plan=Decimal(100))
        _node(item, f"节点{n}", date(2024, 5, 1))
    client = login(district.office)
    # a fixed number, whatever the items: the page, its lights (judged and kept the first
    # time), the header (with the unread count)
    with django_assert_max_num_queries(21 + REFRESH_QUERIES):
        assert client.get(reverse("web:battle_map")).status_code == 200
    # a light filter judges the whole scope once (the progress core and the trend, as the
    # cockpit does), then reads it from the cache
    with django_assert_max_num_queries(40):
        assert client.get(reverse("web:battle_map"), {"light": "yellow"}).status_code == 200
    with django_assert_max_num_queries(26):
        assert client.get(reverse("web:battle_map"), {"light": "red"}).status_code == 200

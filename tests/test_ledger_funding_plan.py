"""An item's funding breakdown (资金来源) and monthly plan curve (月度计划): the item page's
editors, the API's PUT endpoints, the services' rules and the figures that follow the curve."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from duban.core.errors import ApplicationError, ConflictError
from duban.core.services import current_version
from duban.ledger.models import FundingSource, PlanMonth, WorkItem
from duban.ledger.services import funding_set, work_item_set_plan_curve
from duban.org.services import api_token_create
from tests import factories as f

Src = FundingSource.Source
# item_a: annual plan 12000, project total investment 50000 (factories).
SEASON = [0, 0, 600, 1200, 1800, 1800, 1800, 1800, 1500, 900, 600, 0]


def funding_post(version: int, lines, *, initial: int = 0, delete=()) -> dict[str, object]:
    data: dict[str, object] = {
        "version": version,
        "funding-TOTAL_FORMS": len(lines),
        "funding-INITIAL_FORMS": initial,
        "funding-MIN_NUM_FORMS": 0,
        "funding-MAX_NUM_FORMS": 1000,
    }
    for i, (source, amount, note) in enumerate(lines):
        data[f"funding-{i}-source"] = source
        data[f"funding-{i}-amount"] = amount
        data[f"funding-{i}-note"] = note
    for i in delete:
        data[f"funding-{i}-DELETE"] = "on"
    return data


def plan_post(version: int, amounts) -> dict[str, object]:
    data: dict[str, object] = {"version": version}
    for month, amount in enumerate(amounts, start=1):
        data[f"m{month}"] = "" if amount is None else str(amount)
    return data


def lines_of(item: WorkItem) -> list[tuple[str, Decimal, str]]:
    return [(f.source, f.amount, f.note) for f in item.funding.order_by("pk")]


def curve_of(item: WorkItem) -> list[Decimal]:
    return list(item.plan_months.order_by("month").values_list("amount", flat=True))


# --- the item page -------------------------------------------------------------------------


def test_funding_editor_round_trip(district, login):
    # given
    item = district.item_a
    client = login(district.office)
    page = client.get(item.get_absolute_url()).content.decode()
    assert "编辑资金来源" in page
    assert 'name="funding-TOTAL_FORMS" value="2"' in page  # two blank rows to add
    # when
    response = client.post(
        reverse("ledger:funding", args=[item.pk]),
        funding_post(
            1,
            [(Src.SPECIAL_BOND, "8000", " 2024年第一批 "), (Src.SELF, "4000.5", ""), ("", "", "")],
        ),
    )
    # then
    assert response.status_code == 302
    assert response["Location"].endswith(f"{item.get_absolute_url()}#funding")
    assert lines_of(item) == [
        (Src.SPECIAL_BOND, Decimal("8000"), "2024年第一批"),
        (Src.SELF, Decimal("4000.5"), ""),
    ]
    item.refresh_from_db()
    assert item.version == 2
    page = client.get(item.get_absolute_url()).content.decode()
    assert "地方政府专项债券 8,000.00万元（2024年第一批）" in page
    assert "（合计12,000.50万元）" in page
    assert 'name="funding-TOTAL_FORMS" value="4"' in page
    assert 'value="4000.5"' in page
    assert 'name="version" value="2"' in page
    assert "资金来源：企业自筹" in page  # history


def test_funding_editor_changes_and_removes_lines_with_history(district, login):
    # given: two saved lines
    item = district.item_a
    funding_set(
        item=item,
        version=item.version,
        lines=[(Src.CENTRAL, Decimal(3000), ""), (Src.LOAN, Decimal(5000), "")],
    )
    bond_row = item.funding.get(source=Src.CENTRAL)
    client = login(district.office)
    # when: change the first, remove the second, add a third
    response = client.post(
        reverse("ledger:funding", args=[item.pk]),
        funding_post(
            2,
            [(Src.CENTRAL, "3500", "追加"), (Src.LOAN, "5000", ""), (Src.DISTRICT, "100", "")],
            initial=2,
            delete=[1],
        ),
    )
    # then
    assert response.status_code == 302
    assert lines_of(item) == [
        (Src.CENTRAL, Decimal("3500"), "追加"),
        (Src.DISTRICT, Decimal("100"), ""),
    ]
    assert item.funding.get(source=Src.CENTRAL).pk == bond_row.pk  # changed, not recreated
    changed = FundingSource.history.filter(id=bond_row.pk, history_type="~").get()
    assert changed.history_user == district.office
    assert FundingSource.history.get(source=Src.LOAN, history_type="-").history_user == (
        district.office
    )
    html = client.get(item.get_absolute_url()).content.decode()
    assert "资金来源：中央预算内资金" in html
    assert "3000" in html and "3500" in html  # old → new
    assert "删除" in html


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "第1行：金额不能为负数。"),
        ("1.23456", "第1行：金额最多保留4位小数（万元精确到元）。"),
        ("1000000000000", "第1行：金额整数部分最多12位。"),
        ("60000", "资金来源合计60000万元，超过项目总投资50000万元。"),
    ],
)
def test_funding_editor_refuses_bad_amounts_and_keeps_the_input(district, login, amount, message):
    # given
    item = district.item_a
    client = login(district.office)
    # when
    response = client.post(
        reverse("ledger:funding", args=[item.pk]),
        funding_post(1, [(Src.SELF, amount, "自筹部分")]),
    )
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'value="{amount}"' in html
    assert "自筹部分" in html
    assert '<details class="card" id="funding" open>' in html
    assert not item.funding.exists()
    item.refresh_from_db()
    assert item.version == 1


def test_funding_editor_marks_a_line_that_is_not_a_number(district, login):
    response = login(district.office).post(
        reverse("ledger:funding", args=[district.item_a.pk]),
        funding_post(1, [(Src.SELF, "八千", ""), (Src.LOAN, "", "")]),
    )
    html = response.content.decode()
    assert "请填写数字金额（万元）。" in html
    assert "资金来源未保存：请按提示修改标红的行。" in html
    assert not district.item_a.funding.exists()


def test_funding_of_a_task_has_no_ceiling_and_no_plan_editor(district, login):
    # given: a task has no project, hence no total investment
    task = district.task_a
    client = login(district.office)
    page = client.get(task.get_absolute_url()).content.decode()
    assert "编辑资金来源" in page
    assert "编辑月度计划" not in page
    # when
    response = client.post(
        reverse("ledger:funding", args=[task.pk]),
        funding_post(task.version, [(Src.DISTRICT, "900000", "")]),
    )
    # then
    assert response.status_code == 302
    assert lines_of(task) == [(Src.DISTRICT, Decimal("900000"), "")]


def test_funding_editor_stale_version_keeps_the_first_and_the_typed_lines(district, login):
    # given: two office users opened the page at version 1
    item = district.item_a
    first, second = login(district.office), login(f.UserFactory(role="office", unit=None))
    first.post(reverse("ledger:funding", args=[item.pk]), funding_post(1, [(Src.SELF, "100", "")]))
    # when
    response = second.post(
        reverse("ledger:funding", args=[item.pk]), funding_post(1, [(Src.LOAN, "777", "")])
    )
    # then
    html = response.content.decode()
    assert "已被他人修改（您打开的是第1版，当前是第2版）" in html
    assert 'value="777"' in html
    assert 'name="version" value="2"' in html  # a deliberate second save goes through
    assert lines_of(item) == [(Src.SELF, Decimal("100"), "")]


def test_an_item_edit_makes_an_open_funding_form_stale(district, login):
    # given: the funding form was loaded at version 1, then someone edited the item
    item = district.item_a
    client = login(district.office)
    from duban.ledger.services import work_item_update

    work_item_update(item=item, version=1, data={"schedule": "四月开工"})
    # when
    response = client.post(
        reverse("ledger:funding", args=[item.pk]), funding_post(1, [(Src.SELF, "1", "")])
    )
    # then
    assert "已被他人修改" in response.content.decode()
    assert not item.funding.exists()


def test_plan_curve_editor_round_trip_and_figures(district, login):
    # given: March's figures; 3000 of 12000 completed by March
    item = district.item_a
    f.ReportFactory(work_item=item, month=2, investment_month=Decimal("1000"))
    f.ReportFactory(work_item=item, month=3, investment_month=Decimal("2000"))
    client = login(district.office)
    before = client.get(item.get_absolute_url()).content.decode()
    assert "未设月度计划：序时进度按月份/12计算。" in before
    assert "编辑月度计划" in before
    # when
    response = client.post(reverse("ledger:plan_curve", args=[item.pk]), plan_post(1, SEASON))
    # then
    assert response.status_code == 302
    assert response["Location"].endswith("#plan-curve")
    assert curve_of(item) == [Decimal(v) for v in SEASON]
    item.refresh_from_db()
    assert item.version == 2
    html = client.get(item.get_absolute_url()).content.decode()
    assert 'name="m4" value="1200"' in html
    assert "合计12,000.00万元。" in html
    # 序时 by March = 600 / 12000 = 5.0%; completion 25.0% → 超序时进度20.0个百分点
    assert "超序时进度20.0个百分点" in html
    assert "月度计划：4月" in html  # history


def test_plan_curve_editor_all_blank_removes_the_curve(district, login):
    item = district.item_a
    work_item_set_plan_curve(item=item, version=item.version, amounts=[Decimal(1000)] * 12)
    response = login(district.office).post(
        reverse("ledger:plan_curve", args=[item.pk]), plan_post(2, [None] * 12)
    )
    assert response.status_code == 302
    assert not item.plan_months.exists()
    assert PlanMonth.history.filter(work_item_id=item.pk, history_type="-").count() == 12


def test_plan_curve_editor_blank_months_count_as_zero(district, login):
    item = district.item_a
    amounts = [None, None, *SEASON[2:11], None]
    response = login(district.office).post(
        reverse("ledger:plan_curve", args=[item.pk]), plan_post(1, amounts)
    )
    assert response.status_code == 302
    assert curve_of(item) == [Decimal(v) for v in SEASON]


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ([1000] * 11 + [900], "12个月计划合计11900万元，与年度计划投资12000万元不一致。"),
        ([-1000, *[1000] * 10, 3000], "1月计划投资不能为负数。"),
        ([1000] * 11 + ["1000.00001"], "12月计划投资最多保留4位小数（万元精确到元）。"),
        ([1000] * 11 + ["abc"], "请填写数字金额（万元）。"),
    ],
)
def test_plan_curve_editor_refuses_and_keeps_the_input(district, login, amounts, message):
    item = district.item_a
    response = login(district.office).post(
        reverse("ledger:plan_curve", args=[item.pk]), plan_post(1, amounts)
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'name="m12" value="{amounts[11]}"' in html
    assert '<details class="card" id="plan-curve" open>' in html
    assert not item.plan_months.exists()


def test_plan_curve_editor_stale_version(district, login):
    item = district.item_a
    client = login(district.office)
    client.post(reverse("ledger:plan_curve", args=[item.pk]), plan_post(1, [1000] * 12))
    response = client.post(reverse("ledger:plan_curve", args=[item.pk]), plan_post(1, SEASON))
    html = response.content.decode()
    assert "已被他人修改" in html
    assert 'name="m4" value="1200"' in html
    assert 'name="version" value="2"' in html
    assert curve_of(item) == [Decimal(1000)] * 12


def test_item_page_warns_when_the_annual_plan_no_longer_matches_the_curve(district, login):
    # given: a curve for 12000, then the annual plan is changed on the edit page
    item = district.item_a
    work_item_set_plan_curve(item=item, version=item.version, amounts=[Decimal(1000)] * 12)
    from duban.ledger.services import work_item_update

    work_item_update(item=item, version=current_version(item), data={"annual_plan": Decimal(15000)})
    # when
    html = login(district.office).get(item.get_absolute_url()).content.decode()
    # then
    assert "月度计划合计12,000.00万元，与年度计划投资15,000.00万元不一致" in html


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("office", 302),
        ("head_a", 403),  # the lead unit reads the item but doesn't keep the ledger
        ("reporter_a", 403),
        ("leader", 403),  # in charge of unit A
        ("reporter_b", 404),  # another unit: as if the item did not exist
    ],
)
def test_who_may_edit_funding_and_plan_curve(district, login, role, status):
    # given
    item = district.item_a
    client = login(district.users()[role])
    page = client.get(item.get_absolute_url())
    # when
    funding = client.post(
        reverse("ledger:funding", args=[item.pk]), funding_post(1, [(Src.SELF, "1", "")])
    )
    item.refresh_from_db()
    plan = client.post(
        reverse("ledger:plan_curve", args=[item.pk]), plan_post(item.version, [1000] * 12)
    )
    # then
    assert (funding.status_code, plan.status_code) == (status, status)
    if status == 404:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        editors = "编辑资金来源" in page.content.decode()
        assert editors == (role == "office")
    if status != 302:
        assert not item.funding.exists()
        assert not item.plan_months.exists()


def test_item_editors_in_english(district, login, settings):
    client = login(district.office)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(district.item_a.get_absolute_url()).content.decode()
    assert "编辑资金来源" not in html and "编辑月度计划" not in html
    assert "Month 4" in html


# --- the API -------------------------------------------------------------------------------


def api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def put(client: Client, path: str, body: dict):
    return client.put(path, body, content_type="application/json")


def test_api_put_funding_replaces_the_breakdown(district):
    # given
    item = district.item_a
    funding_set(item=item, version=item.version, lines=[(Src.LOAN, Decimal(5000), "")])
    client = api(district.office)
    version = client.get(f"/api/v1/work-items/{item.pk}").json()["version"]
    assert version == 2
    # when
    response = put(
        client,
        f"/api/v1/work-items/{item.pk}/funding",
        {
            "version": version,
            "funding": [
                {"source": "special_bond", "amount": "8000", "note": "2024年第一批"},
                {"source": "self", "amount": "4000.5"},
            ],
        },
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "version": 3,
        "total": "12000.5000",
        "funding": [
            {
                "source": "special_bond",
                "source_label": "地方政府专项债券",
                "amount": "8000.0000",
                "note": "2024年第一批",
            },
            {"source": "self", "source_label": "企业自筹", "amount": "4000.5000", "note": ""},
        ],
    }
    detail = client.get(f"/api/v1/work-items/{item.pk}").json()
    assert detail["version"] == 3
    assert [line["amount"] for line in detail["funding"]] == ["8000.0000", "4000.5000"]
    # and: [] removes every line
    emptied = put(client, f"/api/v1/work-items/{item.pk}/funding", {"version": 3, "funding": []})
    assert emptied.json() == {"version": 4, "total": "0.0000", "funding": []}
    assert not item.funding.exists()


@pytest.mark.parametrize(
    ("lines", "detail"),
    [
        ([{"source": "self", "amount": "-1"}], "第1行：金额不能为负数。"),
        (
            [{"source": "self", "amount": "30000"}, {"source": "loan", "amount": "20000.0001"}],
            "资金来源合计50000.0001万元，超过项目总投资50000万元。",
        ),
        ([{"source": "self", "amount": "1", "note": "长" * 201}], "第1行：说明最多200个字。"),
    ],
)
def test_api_put_funding_invalid_answers_422_with_the_reason(district, lines, detail):
    item = district.item_a
    response = put(
        api(district.office),
        f"/api/v1/work-items/{item.pk}/funding",
        {"version": 1, "funding": lines},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": detail}
    assert not item.funding.exists()


def test_api_put_funding_unknown_source_or_no_version_answers_422(district):
    client = api(district.office)
    path = f"/api/v1/work-items/{district.item_a.pk}/funding"
    bad_source = put(client, path, {"version": 1, "funding": [{"source": "x", "amount": "1"}]})
    no_version = put(client, path, {"funding": []})
    assert bad_source.status_code == 422
    assert no_version.status_code == 422
    assert isinstance(no_version.json()["detail"], list)


def test_api_put_funding_refuses_more_lines_than_a_breakdown_has(district):
    # given: one line past the bound (a client could send hundreds of thousands in one body)
    item = district.item_a
    lines = [{"source": "self", "amount": "0", "note": str(n)} for n in range(51)]
    # when
    response = put(
        api(district.office),
        f"/api/v1/work-items/{item.pk}/funding",
        {"version": 1, "funding": lines},
    )
    # then
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "body", "funding"]
    assert not item.funding.exists()


def test_api_put_plan_curve_refuses_more_than_twelve_months(district):
    item = district.item_a
    curve = [{"month": m % 12 + 1, "amount": "0"} for m in range(13)]
    response = put(
        api(district.office),
        f"/api/v1/work-items/{item.pk}/plan-curve",
        {"version": 1, "plan_curve": curve},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "body", "plan_curve"]


def test_api_put_funding_stale_version_answers_409(district):
    item = district.item_a
    funding_set(item=item, version=item.version, lines=[(Src.SELF, Decimal(100), "")])
    response = put(
        api(district.office),
        f"/api/v1/work-items/{item.pk}/funding",
        {"version": 1, "funding": [{"source": "loan", "amount": "1"}]},
    )
    assert response.status_code == 409
    assert "已被他人修改" in response.json()["detail"]
    assert lines_of(item) == [(Src.SELF, Decimal(100), "")]


@pytest.mark.parametrize(
    ("role", "status"),
    [("head_a", 403), ("reporter_a", 403), ("leader", 403), ("reporter_b", 404)],
)
def test_api_put_funding_and_plan_curve_by_role(district, role, status):
    client = api(district.users()[role])
    item = district.item_a
    funding = put(
        client,
        f"/api/v1/work-items/{item.pk}/funding",
        {"version": 1, "funding": [{"source": "self", "amount": "1"}]},
    )
    plan = put(client, f"/api/v1/work-items/{item.pk}/plan-curve", {"version": 1, "plan_curve": []})
    assert (funding.status_code, plan.status_code) == (status, status)
    if status == 403:
        assert funding.json() == {"detail": "只有推进办可以修改台账。"}
    else:
        assert funding.json() == {"detail": "Not Found"}
    assert not item.funding.exists()


def test_api_put_on_a_missing_item_or_without_a_token(district):
    body = {"version": 1, "funding": []}
    assert put(api(district.office), "/api/v1/work-items/999999/funding", body).status_code == 404
    assert put(Client(), f"/api/v1/work-items/{district.item_a.pk}/funding", body).status_code == (
        401
    )


def test_api_put_plan_curve_and_the_figures_follow_it(district):
    # given: 3000 counted by March
    item = district.item_a
    f.ReportFactory(work_item=item, month=2, investment_month=Decimal("1000"))
    f.ReportFactory(work_item=item, month=3, investment_month=Decimal("2000"))
    client = api(district.office)
    # when: months 1, 2 and 12 left out count as 0
    response = put(
        client,
        f"/api/v1/work-items/{item.pk}/plan-curve",
        {
            "version": 1,
            "plan_curve": [
                {"month": m, "amount": str(a)} for m, a in enumerate(SEASON, start=1) if a
            ],
        },
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2
    assert body["annual_plan"] == "12000.0000"
    assert [p["amount"] for p in body["plan_curve"]] == [f"{v}.0000" for v in SEASON]
    detail = client.get(f"/api/v1/work-items/{item.pk}", {"period": "2024-03"}).json()
    listed = client.get("/api/v1/work-items", {"period": "2024-03"}).json()["items"]
    in_list = next(i for i in listed if i["id"] == item.pk)["figures"]
    for figures in (detail["figures"], in_list):
        assert figures["uses_plan_curve"] is True
        assert figures["time_progress_pct"] == "5.0000"  # 600 / 12000
        assert figures["completion_pct"] == "25.0000"
        assert figures["gap_pp"] == "20.0000"
    # and: [] removes the curve, back to the straight line 3/12
    removed = put(
        client, f"/api/v1/work-items/{item.pk}/plan-curve", {"version": 2, "plan_curve": []}
    )
    assert removed.json()["plan_curve"] == []
    figures = client.get(f"/api/v1/work-items/{item.pk}", {"period": "2024-03"}).json()["figures"]
    assert (figures["uses_plan_curve"], figures["time_progress_pct"]) == (False, "25.0000")


@pytest.mark.parametrize(
    ("curve", "status", "detail"),
    [
        (
            [{"month": 1, "amount": "100"}],
            422,
            "12个月计划合计100万元，与年度计划投资12000万元不一致。",
        ),
        ([{"month": 1, "amount": "6000"}, {"month": 1, "amount": "6000"}], 422, "1月重复出现。"),
        (
            [{"month": 1, "amount": "12000.5"}, {"month": 2, "amount": "-0.5"}],
            422,
            "2月计划投资不能为负数。",
        ),
    ],
)
def test_api_put_plan_curve_invalid_answers_422(district, curve, status, detail):
    item = district.item_a
    response = put(
        api(district.office),
        f"/api/v1/work-items/{item.pk}/plan-curve",
        {"version": 1, "plan_curve": curve},
    )
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert not item.plan_months.exists()


def test_api_put_plan_curve_month_out_of_range_or_stale(district):
    client = api(district.office)
    path = f"/api/v1/work-items/{district.item_a.pk}/plan-curve"
    month_13 = put(client, path, {"version": 1, "plan_curve": [{"month": 13, "amount": "1"}]})
    assert month_13.status_code == 422
    work_item_set_plan_curve(
        item=district.item_a, version=district.item_a.version, amounts=[Decimal(1000)] * 12
    )
    stale = put(client, path, {"version": 1, "plan_curve": []})
    assert stale.status_code == 409
    assert district.item_a.plan_months.count() == 12


def test_api_put_plan_curve_of_a_task_answers_422(district):
    task = district.task_a
    response = put(
        api(district.office),
        f"/api/v1/work-items/{task.pk}/plan-curve",
        {"version": task.version, "plan_curve": [{"month": 1, "amount": "1"}]},
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "请先填写年度计划投资，再设置月度计划曲线。"}


# --- the services --------------------------------------------------------------------------


def test_funding_set_checks_the_version_and_writes_nothing_on_conflict(district):
    item = district.item_a
    funding_set(item=item, lines=[(Src.SELF, Decimal(1), "")], version=1, by=district.office)
    with pytest.raises(ConflictError):
        funding_set(item=item, lines=[], version=1, by=district.office)
    assert lines_of(item) == [(Src.SELF, Decimal(1), "")]


def test_funding_set_lists_every_problem(district):
    with pytest.raises(ApplicationError) as caught:
        funding_set(
            item=district.item_a,
            version=district.item_a.version,
            lines=[("nowhere", Decimal(1), ""), (Src.SELF, Decimal("-1"), "")],
        )
    assert str(caught.value) == "第1行：请选择资金来源。；第2行：金额不能为负数。"


def test_funding_set_refuses_more_than_fifty_lines_and_writes_nothing(district):
    item = district.item_a
    with pytest.raises(ApplicationError) as caught:
        funding_set(
            item=item,
            version=item.version,
            lines=[(Src.SELF, Decimal(0), str(n)) for n in range(51)],
        )
    assert str(caught.value) == "资金来源最多50行，提交了51行。"
    assert not item.funding.exists()
    funding_set(item=item, version=item.version, lines=[(Src.SELF, Decimal(0), "")] * 50)
    assert item.funding.count() == 50


def test_funding_set_without_changes_keeps_the_version(district):
    item = district.item_a
    lines = [(Src.SELF, Decimal(100), "自筹")]
    funding_set(item=item, lines=lines, version=1)
    funding_set(item=item, lines=[(Src.SELF, Decimal("100.0000"), "自筹")], version=2)
    item.refresh_from_db()
    assert item.version == 2
    assert FundingSource.history.filter(work_item_id=item.pk).count() == 1


def test_plan_curve_changes_only_the_months_that_changed(district):
    item = district.item_a
    work_item_set_plan_curve(
        item=item, version=item.version, amounts=[Decimal(1000)] * 12, by=district.office
    )
    amounts = [Decimal(1000)] * 12
    amounts[3], amounts[4] = Decimal(1500), Decimal(500)
    saved = work_item_set_plan_curve(item=item, amounts=amounts, version=2, by=district.office)
    assert saved.version == 3
    changed = PlanMonth.history.filter(work_item_id=item.pk, history_type="~")
    assert sorted(changed.values_list("month", flat=True)) == [4, 5]
    assert {r.history_user for r in changed} == {district.office}

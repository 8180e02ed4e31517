"""Bulletin pages and API: the office generates and publishes; a unit sees its own rows and
is told the figure covers more (issue 11 §5)."""

from __future__ import annotations

import pytest
from django.test import Client

from duban.bulletins.models import Bulletin, Kind
from duban.bulletins.services import bulletin_generate
from duban.org.services import api_token_create
from duban.reporting.models import MonthClose
from duban.reporting.selectors.periods import reporting_period_default
from tests import test_bulletin_figures

fig = test_bulletin_figures.fig  # the shared fixture


def _api(user) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}")


def test_office_previews_generates_and_reads_a_bulletin(fig, login):
    c = login(fig.office)
    page = c.get("/bulletins/")
    assert page.status_code == 200 and "生成通报" in page.content.decode()
    data = {"kind": "special", "period": "2024-03", "levels": ["province", "city"]}
    preview = c.post("/bulletins/", {**data, "preview": "1"})
    assert "开工率" in preview.content.decode() and not Bulletin.objects.exists()
    done = c.post("/bulletins/", {**data, "generate": "1"})
    b = Bulletin.objects.get()
    assert done.status_code == 302 and b.levels == ["province", "city"]
    detail = c.get(f"/bulletins/{b.pk}/").content.decode()
    assert f'href="/bulletins/{b.pk}/figures/starts.rate/"' in detail
    assert "草稿" in detail
    rows = c.get(f"/bulletins/{b.pk}/figures/starts.actual/").content.decode()
    assert fig.item_a.title in rows and fig.item_b.title in rows
    assert c.get(f"/bulletins/{b.pk}/docx/download/").status_code == 200
    bad = c.post("/bulletins/", {"kind": "monthly", "period": "2024-13", "generate": "1"})
    assert bad.status_code == 200 and Bulletin.objects.count() == 1


def test_generate_form_starts_at_the_last_closed_month(fig, login):
    # given: the period field was empty, with an example from 2024, on every visit
    c = login(fig.office)
    open_month = str(reporting_period_default())
    assert f'name="period" value="{open_month}"' in c.get("/bulletins/").content.decode()
    # when: a month is closed
    MonthClose.objects.create(year=2024, month=2, closed_by=fig.office)
    # then: the form offers it
    assert 'name="period" value="2024-02"' in c.get("/bulletins/").content.decode()


def test_template_page_refuses_unknown_keys(fig, login):
    c = login(fig.office)
    assert "ledger.projects" in c.get("/bulletins/templates/monthly/").content.decode()
    r = c.post("/bulletins/templates/monthly/", {"title": "t", "body": "{nope.x}"})
    assert "nope.x" in r.content.decode()
    assert login(fig.head_a).get("/bulletins/templates/monthly/").status_code == 404


def test_a_unit_sees_its_own_rows_and_is_told_the_figure_covers_more(fig, login):
    b = bulletin_generate(kind=Kind.SPECIAL, year=2024, month=3, by=fig.office)
    Bulletin.objects.filter(pk=b.pk).update(draft=False, published_at="2024-04-03T10:00+08:00")
    c = login(fig.reporter_b)
    page = c.get(f"/bulletins/{b.pk}/figures/starts.actual/").content.decode()
    assert fig.item_b.title in page and fig.item_a.title not in page
    assert "权限范围以外的 1 条记录" in page
    # drafts are the office's until published
    draft = bulletin_generate(kind=Kind.SPECIAL, year=2024, month=3, by=fig.office)
    assert c.get(f"/bulletins/{draft.pk}/").status_code == 404


def test_api_figures_are_scoped(fig):
    office = _api(fig.office).get("/api/v1/figures?year=2024&month=3&key=starts.actual").json()
    (f,) = office["figures"]
    assert f["value"] == "2" and f["text"] == "2个" and f["rows_hidden"] == 0
    unit = _api(fig.reporter_b).get("/api/v1/figures?year=2024&month=3&key=starts.actual").json()
    assert unit["unit_id"] == fig.unit_b.pk
    (f,) = unit["figures"]
    assert f["value"] == "1" and f["rows"] == [fig.item_b.pk]
    bad = _api(fig.office).get("/api/v1/figures?year=2024&month=13")
    assert bad.status_code == 422
    # the month is optional: the whole year (December), as documented
    year = _api(fig.office).get("/api/v1/figures?year=2024&key=starts.actual")
    assert year.status_code == 200 and year.json()["month"] == 12


def test_api_bulletins(fig):
    b = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    listed = _api(fig.office).get("/api/v1/bulletins").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == b.pk
    assert listed["items"][0]["draft"]
    # a page at a time, the newest first, and the count says how many there are in all
    newer = bulletin_generate(kind=Kind.ANNUAL, year=2024, month=None, by=fig.office)
    first = _api(fig.office).get("/api/v1/bulletins?page_size=1").json()
    second = _api(fig.office).get("/api/v1/bulletins?page_size=1&page=2").json()
    assert first["count"] == second["count"] == 2
    assert [first["items"][0]["id"], second["items"][0]["id"]] == [newer.pk, b.pk]
    one = _api(fig.office).get(f"/api/v1/bulletins/{b.pk}").json()
    assert any("开工建设重点项目4个" in p for p in one["paragraphs"])
    assert _api(fig.reporter_b).get(f"/api/v1/bulletins/{b.pk}").status_code == 404


def test_a_project_report_finds_its_item_by_name_code_or_number(fig):
    from duban.bulletins.selectors import special_item
    from duban.core.errors import ApplicationError

    a = fig.item_a
    # this year's item first: item_a's project is on last year's list too, with its name
    assert special_item(user=fig.office, text=a.title, year=2024) == a
    assert special_item(user=fig.office, text=f" {a.project.code} ", year=2024) == a
    assert special_item(user=fig.office, text=str(a.pk), year=2024) == a
    # a part of the name that only one item bears
    assert special_item(user=fig.office, text="项目甲", year=2024) == a
    # several: the message names them with their numbers; none: it says what to write
    with pytest.raises(ApplicationError, match="有多个事项符合") as many:
        special_item(user=fig.office, text="住建项目", year=2024)
    assert f"住建项目乙（2024年，编号{fig.item_b.pk}）" in many.value.message
    # no item of the year bears it: any year's (last year's list names the project so)
    assert special_item(user=fig.office, text=a.project.name, year=2024).year == 2023
    with pytest.raises(ApplicationError, match="没有名称或项目代码含“不存在”的事项"):
        special_item(user=fig.office, text="不存在", year=2024)
    with pytest.raises(ApplicationError, match="没有编号为99999999999的事项"):
        special_item(user=fig.office, text="99999999999", year=2024)
    # out of scope reads as missing
    with pytest.raises(ApplicationError, match="没有编号"):
        special_item(user=fig.head_b, text=str(a.pk), year=2024)


def test_the_item_page_opens_the_project_report_form_with_its_item(fig, login):
    c = login(fig.office)
    item = fig.item_a
    page = c.get(f"/ledger/{item.pk}/").content.decode()
    link = f"/bulletins/?kind=project&amp;item={item.pk}"
    assert link in page and "生成项目专报" in page
    form = c.get(f"/bulletins/?kind=project&item={item.pk}").content.decode()
    assert f'name="item" value="{item.title}"' in form
    assert '<option value="project" selected>' in form
    # the name as filled in generates the 项目专报 on that item
    done = c.post(
        "/bulletins/",
        {"kind": "project", "period": "2024-03", "item": item.title, "generate": "1"},
    )
    b = Bulletin.objects.get()
    assert done.status_code == 302 and b.kind == Kind.PROJECT and b.work_item_id == item.pk
    # a name that matches nothing: the field says so, nothing is stored
    bad = c.post("/bulletins/", {"kind": "project", "period": "2024-03", "item": "无此项目"})
    assert "没有名称或项目代码含“无此项目”的事项" in bad.content.decode()
    assert Bulletin.objects.count() == 1
    # units have no such button
    assert "生成项目专报" not in login(fig.head_a).get(f"/ledger/{item.pk}/").content.decode()


def test_the_list_of_bulletins_goes_a_page_at_a_time(fig, login, settings):
    # given: more bulletins than a page holds (the list stopped at 200 without saying so)
    settings.DUBAN_PAGE_SIZE = 5
    Bulletin.objects.bulk_create(
        Bulletin(kind=Kind.MONTHLY, year=2020 + i // 12, month=i % 12 + 1, title=f"月报{i:02d}")
        for i in range(12)
    )
    c = login(fig.office)
    first = c.get("/bulletins/").content.decode()
    assert "第1页，共3页（12条）" in first
    assert "月报11" in first and "月报06" not in first  # newest first
    last = c.get("/bulletins/?page=3").content.decode()
    assert "月报01" in last and "月报00" in last and "月报11" not in last

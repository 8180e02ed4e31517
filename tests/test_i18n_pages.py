"""English pages carry no Chinese of their own: only the names and texts that come from the database.

Each page is filled with data that reaches the fragments most easily left in Chinese: full-width
punctuation between a label and a value, lists of units, levels, months and dates.
"""

from __future__ import annotations

import html as html_lib
import re
from datetime import date

from django.conf import settings
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import translation

from duban.ledger.models import Indicator, Milestone, Project, WorkItem
from duban.org.models import Enterprise, Unit, User
from duban.problems.models import (
    Coordination,
    CoUnitResponse,
    ExtensionRequest,
    Feedback,
    Problem,
    ProblemEvent,
    ProblemSettings,
)
from duban.problems.services.assignment import (
    problem_answer_as_co_unit,
    problem_assign,
    problem_submit_feedback,
)
from duban.problems.services.coordination import coordination_create, coordination_feedback
from duban.problems.services.extensions import extension_request
from duban.problems.services.intake import problem_accept, problem_report
from duban.reporting.models import MonthlyReport
from tests import factories as f

# CJK ideographs and the full-width punctuation that Chinese text brings with it (：，（）、；。).
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# A run of Chinese with what surrounds it on the same line, to say where it is.
CJK_RUN = re.compile(rf"[^\n<>]{{0,20}}{CJK.pattern}+[^\n<>]{{0,20}}")
# The language switch names each language in itself.
ENDONYMS = ("简体中文",)


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _visible_text(page: str) -> str:
    """What a reader sees: the text between tags, plus placeholders and titles."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    attributes = re.findall(r'\b(?:placeholder|title|aria-label)="([^"]*)"', page)
    text = re.sub(r"<[^>]+>", " ", page)
    return html_lib.unescape(" ".join([text, *attributes]))


def _database_texts() -> list[str]:
    """Every name and free text the pages may show from the database, longest first."""
    texts: set[str] = set(ENDONYMS)
    fields: list[tuple[type[Model], tuple[str, ...]]] = [
        (Unit, ("name",)),
        (Enterprise, ("name",)),
        (Project, ("name",)),
        (User, ("full_name", "username")),
        (WorkItem, ("title", "content_scale", "schedule")),
        (Indicator, ("name", "unit_of_measure")),
        (Milestone, ("name",)),
        (MonthlyReport, ("progress_text", "problems_text", "next_steps", "return_reason")),
        (Problem, ("title", "description", "request", "resolution")),
        (ProblemEvent, ("note",)),
        (CoUnitResponse, ("answer",)),
        (ExtensionRequest, ("reason",)),
        (Coordination, ("text",)),
        (Feedback, ("text",)),
    ]
    for model, names in fields:
        for row in model._default_manager.values_list(*names):
            texts.update(str(value) for value in row if value)
    rules = ProblemSettings.load()
    texts.update(rules.level_name(level) for level in range(1, 5))
    return sorted(texts, key=len, reverse=True)


def _chinese_outside_data(page: str) -> list[str]:
    text = _visible_text(page)
    for value in _database_texts():
        text = text.replace(value, " ")
    return [" ".join(run.split()) for run in CJK_RUN.findall(text)]


def _problem_with_every_part_of_its_page(district) -> Problem:
    """An urgent demand reported → assigned with a co-unit → answered, extension asked, opinion given."""
    problem = problem_report(
        by=district.reporter_a,
        data={
            "source": Problem.Source.DEMAND,
            "work_item": district.item_a,
            "enterprise": district.item_a.project.owner,
            "category": Problem.Category.LAND,
            "title": "用地指标未落实",
            "description": "缺少用地指标",
            "request": "请自然资源局协调",
            "urgent": True,
        },
    )
    problem = problem_accept(problem=problem, version=problem.version, by=district.office)
    problem = problem_assign(
        problem=problem,
        version=problem.version,
        by=district.office,
        lead_unit=district.unit_a,
        co_units=[district.unit_b],
        level=1,
        due_date=date(2024, 4, 30),
    )
    problem_answer_as_co_unit(
        problem=problem, by=district.reporter_b, answer="同意配合办理", version=1
    )
    problem.refresh_from_db()
    extension_request(
        problem=problem,
        version=problem.version,
        by=district.reporter_a,
        reason="需等待规划调整",
        new_due_date=date(2024, 5, 31),
    )
    problem.refresh_from_db()
    opinion = coordination_create(
        problem=problem,
        by=district.leader,
        text="请区发改局牵头解决",
        units=[district.unit_a, district.unit_b],
        deadline=date(2024, 4, 25),
    )
    coordination_feedback(opinion=opinion, by=district.reporter_a, text="已对接自然资源局")
    problem.refresh_from_db()
    problem_submit_feedback(
        problem=problem, version=problem.version, by=district.reporter_a, text="指标已申请"
    )
    problem.refresh_from_db()
    return problem


def test_problem_page_in_english_has_no_chinese_of_its_own(district, login):
    # given
    problem = _problem_with_every_part_of_its_page(district)
    client = _english(login(district.office))
    # when
    page = client.get(reverse("problems:problem", args=[problem.pk])).content.decode()
    # then
    assert '<html lang="en">' in page
    assert "Level 1" in page
    assert "(urgent)" in page
    assert "区住建局 (answered: 同意配合办理)" in page
    assert "区发改局, 区住建局" in page
    assert "Taken up" in page and "Assigned" in page
    assert _chinese_outside_data(page) == []


def test_problem_page_in_chinese_keeps_its_punctuation(district, login):
    # given
    problem = _problem_with_every_part_of_its_page(district)
    client = login(district.office)
    # when
    page = client.get(reverse("problems:problem", args=[problem.pk])).content.decode()
    # then
    assert "1级" in page
    assert "（紧急）" in page
    assert "区住建局（已答复：同意配合办理）" in page
    assert "区发改局、区住建局" in page


def test_report_fill_page_in_english_has_no_chinese_of_its_own(district, login):
    # given: a returned March report on an item with a milestone and an indicator
    f.MilestoneFactory(work_item=district.item_a, name="主体封顶", planned_date=date(2024, 6, 30))
    f.IndicatorFactory(work_item=district.item_a, name="新增就业", unit_of_measure="人")
    f.ReportFactory(
        work_item=district.item_a,
        state=MonthlyReport.State.RETURNED,
        progress_text="桩基完成",
        return_reason="数据不一致",
    )
    client = _english(login(district.reporter_a))
    # when
    url = reverse("reporting:fill", args=[district.item_a.pk, "2024-03"])
    page = client.get(url).content.decode()
    # then
    assert "Lead unit: 区发改局" in page
    assert "Reason for return: </strong>数据不一致" in page
    assert "(planned 2024-6-30)" in page
    assert _chinese_outside_data(page) == []


def test_home_page_in_english_has_no_chinese_of_its_own(district, login):
    # given: one report returned, the others still to fill in
    f.ReportFactory(
        work_item=district.item_a,
        state=MonthlyReport.State.RETURNED,
        return_reason="数据不一致",
    )
    client = _english(login(district.reporter_a))
    # when
    page = client.get(reverse("web:home")).content.decode()
    # then
    assert "Reporting period: 2024-3" in page
    assert "Reason for return: 数据不一致" in page
    assert _chinese_outside_data(page) == []


def test_database_texts_do_not_hide_the_interface(district):
    # A check that removed every Chinese string would pass on any page.
    with translation.override("zh-hans"):
        assert "牵头单位" not in _database_texts()
    assert _chinese_outside_data("<p>牵头单位：区发改局</p>") == ["牵头单位："]

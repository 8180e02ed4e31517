"""The problem pages: the five lists with export, a problem's page and its transitions."""

from __future__ import annotations

import io
from datetime import date

import docx
import openpyxl
import pytest

from duban.problems.models import Problem
from tests.problem_factories import AssignedProblemFactory, ClosedProblemFactory, MeetingFactory

LIST_URLS = [
    "/problems/",
    "/problems/tasks/",
    "/problems/coordination/",
    "/problems/feedback/",
    "/problems/closeout/",
]


@pytest.fixture
def problems(district):
    mine = AssignedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, title="=HYPERLINK(1)"
    )
    theirs = AssignedProblemFactory(
        work_item=district.item_x, reported_by=district.reporter_b, title="住建局问题"
    )
    ClosedProblemFactory(
        work_item=district.item_a,
        reported_by=district.reporter_a,
        close_month=4,
        title="已销号问题",
    )
    return mine, theirs


@pytest.mark.parametrize("url", LIST_URLS)
def test_lists_render_with_figures_and_export(district, problems, login, url):
    client = login(district.reporter_a)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "办结率" in body
    assert "住建局问题" not in body
    export = client.get(url, {"format": "xlsx"})
    assert export.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sheet["A1"].value.startswith("2024年")
    assert sheet.max_row >= 3


def test_problem_list_export_keeps_formula_text_as_text(district, problems, login):
    export = login(district.office).get("/problems/", {"format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    titles = [sheet.cell(row=r, column=2) for r in range(4, sheet.max_row + 1)]
    cell = next(c for c in titles if c.value == "=HYPERLINK(1)")
    assert cell.data_type == "s"


def test_closeout_list_shows_the_month(district, problems, login):
    body = (
        login(district.office)
        .get("/problems/closeout/", {"year": 2024, "month": 4})
        .content.decode()
    )
    assert "已销号问题" in body
    body = (
        login(district.office)
        .get("/problems/closeout/", {"year": 2024, "month": 3})
        .content.decode()
    )
    assert "已销号问题" not in body


def test_problem_page_404_out_of_scope(district, problems, login):
    mine, theirs = problems
    client = login(district.reporter_a)
    assert client.get(f"/problems/{mine.pk}/").status_code == 200
    assert client.get(f"/problems/{theirs.pk}/").status_code == 404
    assert client.post(f"/problems/{theirs.pk}/feedback/", {"text": "x"}).status_code == 404
    assert client.get("/problems/999999/").status_code == 404


def test_problem_page_forbidden_action_and_validation_error(district, problems, login):
    mine, _theirs = problems
    client = login(district.reporter_a)
    assert client.post(f"/problems/{mine.pk}/close/", {}).status_code == 403
    response = client.post(f"/problems/{mine.pk}/feedback/", {"text": "", "version": mine.version})
    assert response.status_code == 400
    mine.refresh_from_db()
    assert mine.state == Problem.State.ASSIGNED


def test_problem_page_stale_version_is_refused(district, problems, login):
    mine, _theirs = problems
    client = login(district.reporter_a)
    response = client.post(
        f"/problems/{mine.pk}/feedback/", {"text": "已办", "version": mine.version - 1 or 99}
    )
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    mine.refresh_from_db()
    assert mine.state == Problem.State.ASSIGNED


def test_problem_from_report_to_close_through_the_pages(district, login):
    # report
    reporter = login(district.reporter_a)
    response = reporter.post(
        "/problems/report/",
        {
            "source": "unit_report",
            "work_item": district.item_a.pk,
            "category": "land",
            "title": "用地指标未落实",
            "description": "缺少用地指标",
        },
    )
    assert response.status_code == 302
    problem = Problem.objects.get(title="用地指标未落实")
    office = login(district.office)
    # the office sees what it may do
    page = office.get(f"/problems/{problem.pk}/").content.decode()
    assert "act-accept" in page and "act-close" not in page
    steps = [
        (office, "accept", {"note": ""}),
        (office, "assign", {"lead_unit": district.unit_a.pk, "level": 1, "due_date": "2024-04-30"}),
        (reporter, "feedback", {"text": "已落实指标", "resolution": "指标已下达"}),
        (office, "verify", {"resolution": ""}),
        (office, "close", {"note": ""}),
    ]
    for client, action, data in steps:
        problem.refresh_from_db()
        response = client.post(
            f"/problems/{problem.pk}/{action}/", {**data, "version": problem.version}
        )
        assert response.status_code == 302, (action, response.content.decode()[:2000])
    problem.refresh_from_db()
    assert problem.state == Problem.State.CLOSED
    page = office.get(f"/problems/{problem.pk}/").content.decode()
    for label in ("上报", "受理", "交办", "反馈", "核实", "销号"):
        assert label in page


def test_meeting_pages_and_minutes_download(district, login):
    meeting = MeetingFactory(
        chair=district.leader, created_by=district.office, date=date(2024, 4, 20)
    )
    office = login(district.office)
    assert office.get("/problems/meetings/").status_code == 200
    assert office.get(f"/problems/meetings/{meeting.pk}/").status_code == 200
    response = office.get(f"/problems/meetings/{meeting.pk}/minutes.docx")
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    assert document.paragraphs[0].text == "2024年4月重点项目调度会纪要"
    assert login(district.reporter_b).get(f"/problems/meetings/{meeting.pk}/").status_code == 404


def test_list_page_query_count(district, problems, login, django_assert_max_num_queries):
    for _ in range(10):
        AssignedProblemFactory(work_item=district.item_b, reported_by=district.reporter_b)
    client = login(district.office)
    with django_assert_max_num_queries(20):
        assert client.get("/problems/").status_code == 200


def test_inbox_partial_renders_what_waits(district, problems):
    from django.template.loader import render_to_string

    from duban.problems.selectors import problem_inbox

    html = render_to_string(
        "problems/partials/_inbox.html", {"box": problem_inbox(user=district.reporter_a)}
    )
    assert "待办理反馈" in html
    assert (
        render_to_string(
            "problems/partials/_inbox.html", {"box": problem_inbox(user=district.viewer)}
        ).strip()
        == ""
    )


def test_meeting_scheduled_decided_and_held_through_the_pages(district, login, time_machine):
    problem = AssignedProblemFactory(
        work_item=district.item_a, reported_by=district.reporter_a, level=4, title="四级问题"
    )
    office = login(district.office)
    response = office.post(
        "/problems/meetings/",
        {
            "kind": "monthly",
            "level": 4,
            "title": "4月调度会",
            "chair": district.leader.pk,
            "date": "2024-04-20",
            "attendee_units": [district.unit_a.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    from duban.problems.models import Meeting

    meeting = Meeting.objects.get(title="4月调度会")
    point = meeting.agenda.get(problem=problem)
    response = office.post(
        f"/problems/meetings/{meeting.pk}/decide/",
        {
            "agenda_item": point.pk,
            "text": "限期解决",
            "units": [district.unit_a.pk],
            "deadline": "2024-04-30",
        },
    )
    assert response.status_code == 302
    assert problem.opinions.get().meeting == meeting
    # the chair may record too; another leader's unit member may not
    assert login(district.reporter_a).post(
        f"/problems/meetings/{meeting.pk}/agenda/"
    ).status_code in (403, 404)
    response = office.post(
        f"/problems/meetings/{meeting.pk}/hold/", {"minutes": "x", "version": meeting.version}
    )
    assert response.status_code == 400
    assert "还未到" in response.content.decode()
    time_machine.move_to("2024-04-20 18:00:00+08:00", tick=False)
    meeting.refresh_from_db()
    office = login(district.office)  # a new session: the first one is older than two weeks now
    response = office.post(
        f"/problems/meetings/{meeting.pk}/hold/",
        {"minutes": "压实责任", "version": meeting.version},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.state, meeting.minutes) == ("held", "压实责任")


def test_task_list_export_has_a_total_row(district, problems, login):
    export = login(district.office).get("/problems/tasks/", {"format": "xlsx", "year": 2024})
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[0] == "合计"
    # open problems: mine and theirs; overdue: none (due 2024-04-30)
    assert last[4:6] == [2, 0]


def test_admin_pages_render(district, problems, login):
    from duban.problems.models import ProblemSettings
    from tests.problem_factories import VisitFactory

    admin = district.office
    admin.is_staff = admin.is_superuser = True
    admin.save()
    mine, _theirs = problems
    VisitFactory(visitor=district.steward, work_item=district.item_c)
    MeetingFactory(chair=district.leader, created_by=district.office)
    client = login(admin)
    rules = ProblemSettings.load()
    for url in (
        "/admin/problems/problem/",
        f"/admin/problems/problem/{mine.pk}/change/",
        f"/admin/problems/problemsettings/{rules.pk}/change/",
        "/admin/problems/meeting/",
        "/admin/problems/coordination/",
        "/admin/problems/feedback/",
        "/admin/problems/extensionrequest/",
        "/admin/liaison/visit/",
    ):
        assert client.get(url).status_code == 200, url


def test_lists_open_on_the_latest_year_with_items_and_its_last_closeout_month(
    district, login, time_machine
):
    # given: the clock moves to 2025, the district's data stays in 2024
    from django.urls import reverse

    from tests.problem_factories import ClosedProblemFactory

    ClosedProblemFactory(
        work_item=district.item_a,
        title="树木移植已协调",
        close_year=2024,
        close_month=3,
        closed_at=None,
        resolution="已完成移植",
    )
    time_machine.move_to("2025-02-10 10:00:00+08:00", tick=False)
    client = login(district.office)
    # when
    html = client.get(reverse("problems:closeout")).content.decode()
    bad = client.get(reverse("problems:closeout") + "?year=abc")
    # then
    assert 'value="2024"' in html and "树木移植已协调" in html
    assert bad.status_code == 200


def test_problem_page_offers_the_states_action_first_and_the_rest_folded(district, problems, login):
    mine, _theirs = problems
    html = login(district.reporter_a).get(f"/problems/{mine.pk}/").content.decode()
    # the lead unit's job on an assigned problem: 反馈, alone in red, before 其他操作
    primary = html.index('class="stack primary-action" id="act-feedback"')
    assert primary < html.index('class="other-actions"')
    assert html.count("btn btn-primary") == 1 or "act-extension" in html
    # 2024-04-03 is before the due date (2024-04-30): an extension is still offered, folded
    assert 'id="act-extension"' in html and html.index('id="act-extension"') > primary


def test_problem_page_hides_forms_the_user_cannot_use_now(district, problems, login, time_machine):
    mine, _theirs = problems
    # after the due date an extension cannot be asked for: the form is not offered
    time_machine.move_to("2024-05-06 10:00:00+08:00", tick=False)
    html = login(district.reporter_a).get(f"/problems/{mine.pk}/").content.decode()
    assert 'id="act-extension"' not in html and 'id="act-feedback"' in html


def test_a_failed_post_renders_a_page_that_turns_itself_into_a_get(district, problems, login):
    mine, _theirs = problems
    response = login(district.reporter_a).post(
        f"/problems/{mine.pk}/feedback/", {"text": "", "version": mine.version}
    )
    assert response.status_code == 400
    # duban.js replaces the history entry of a page answering a POST (a refresh does not post)
    assert b"data-posted" in response.content
    assert b"data-posted" not in login(district.reporter_a).get(f"/problems/{mine.pk}/").content


def test_reporter_is_not_offered_leadership_sources_and_the_form_takes_its_link(district, login):
    html = (
        login(district.reporter_a)
        .get(
            "/problems/report/",
            {"item": district.item_a.pk, "source": "unit_report", "title": "施工用水未接入"},
        )
        .content.decode()
    )
    assert 'value="leader"' not in html and 'value="meeting"' not in html
    assert 'value="施工用水未接入"' in html
    assert f'<option value="{district.item_a.pk}" selected>' in html
    # a post naming a leadership source is refused by the form
    response = login(district.reporter_a).post(
        "/problems/report/",
        {"source": "leader", "category": "land", "title": "x", "description": "y"},
    )
    assert response.status_code == 200 and "source" in response.context["form"].errors
    office_html = login(district.office).get("/problems/report/").content.decode()
    assert 'value="leader"' in office_html


def test_merge_picks_the_target_by_title_and_assign_starts_from_the_items_unit(district, login):
    from tests.problem_factories import ProblemFactory

    target = ProblemFactory(work_item=district.item_a, title="用地指标未落实")
    dup = ProblemFactory(work_item=district.item_a, title="用地指标问题（重复）")
    Problem.objects.filter(pk=dup.pk).update(state=Problem.State.ACCEPTED)
    html = login(district.office).get(f"/problems/{dup.pk}/").content.decode()
    assert f'<option value="{target.pk}">#{target.pk} 用地指标未落实</option>' in html
    assert "data-searchable" in html
    # 交办 starts from the item's lead unit
    assert f'<option value="{district.item_a.lead_unit_id}" selected>' in html
    # merging by the picked id works
    response = login(district.office).post(
        f"/problems/{dup.pk}/merge/", {"into": target.pk, "version": dup.version}
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into_id == target.pk


def test_a_visit_finding_opens_the_problem_form_already_filled(district, login):
    from urllib.parse import parse_qs, urlsplit

    from tests.problem_factories import VisitFactory

    VisitFactory(visitor=district.steward, work_item=district.item_c, findings="施工便道未硬化")
    html = login(district.steward).get("/liaison/").content.decode()
    link = next(
        part.split('"', 1)[0].replace("&amp;", "&")
        for part in html.split('href="')
        if part.startswith("/problems/report/?source=steward_visit")
    )
    query = parse_qs(urlsplit(link).query)
    assert query["description"] == ["施工便道未硬化"] and query["item"] == [str(district.item_c.pk)]
    form_html = login(district.steward).get(link).content.decode()
    assert "施工便道未硬化</textarea>" in form_html
    assert '<option value="steward_visit" selected>' in form_html


def test_a_unit_asked_to_help_sees_the_items_title_without_a_link_it_may_not_open(district, login):
    # item_x is led by unit B alone: unit A sees the problem (asked to help), not the item.
    problem = AssignedProblemFactory(
        work_item=district.item_x, reported_by=district.reporter_b, title="协办问题"
    )
    problem.co_units.add(district.unit_a)
    client = login(district.reporter_a)
    assert client.get(district.item_x.get_absolute_url()).status_code == 404
    body = client.get(f"/problems/{problem.pk}/").content.decode()
    assert "住建项目丁" in body
    assert f'href="{district.item_x.get_absolute_url()}"' not in body
    # Whoever may open the item gets the link.
    body = login(district.reporter_b).get(f"/problems/{problem.pk}/").content.decode()
    assert f'href="{district.item_x.get_absolute_url()}"' in body

"""The admin: the office superuser opens every page of ours; lists stay at a fixed query count."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from duban.ledger.models import (
    Indicator,
    Milestone,
    NodeTemplateSet,
    PlanMonth,
    Project,
    WorkItem,
)
from duban.org.models import ApiToken, Enterprise, Responsibility, Unit, User
from duban.org.services import api_token_create
from duban.reporting.models import (
    IndicatorValue,
    MonthClose,
    MonthlyReport,
    ReportingSettings,
    ReportMilestone,
)
from tests import factories as f

OUR_MODELS = [
    Unit,
    User,
    Enterprise,
    Responsibility,
    ApiToken,
    Project,
    WorkItem,
    NodeTemplateSet,
    ReportingSettings,
    MonthClose,
    MonthlyReport,
]


def _url(model: type, view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client_office(district, login):
    superuser = f.UserFactory(
        username="root",
        role=User.Role.OFFICE,
        unit=district.office_unit,
        is_staff=True,
        is_superuser=True,
    )
    return login(superuser)


@pytest.fixture
def filled(district):
    """Some of everything, so the lists and change pages render real rows."""
    item = district.item_a
    f.IndicatorFactory(work_item=item)
    milestone = f.MilestoneFactory(work_item=item)
    PlanMonth.objects.create(work_item=item, month=4, amount=100)
    item.funding.create(source="self", amount=500)
    report = f.ReportFactory(work_item=district.task_a, month=3)
    IndicatorValue.objects.create(
        report=report, indicator=district.task_a.indicators.get(), value=5
    )
    ReportMilestone.objects.create(
        report=f.ReportFactory(work_item=item, month=3),
        milestone=milestone,
        reached_on="2024-03-20",
    )
    f.ResponsibilityFactory(leader=district.leader, work_item=item, relation="lead")
    MonthClose.objects.create(year=2024, month=1, closed_by=district.office)
    ReportingSettings.load()
    api_token_create(user=district.reporter_a)
    return district


def test_every_model_of_ours_is_registered():
    registered = set(admin.site._registry)
    assert set(OUR_MODELS) <= registered


@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda m: m.__name__)
def test_office_superuser_opens_each_changelist(admin_client_office, filled, model):
    response = admin_client_office.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert str(model._meta.verbose_name_plural) in response.content.decode()


@pytest.mark.parametrize(
    "model", [Unit, User, Enterprise, Project, WorkItem, NodeTemplateSet, Responsibility]
)
def test_office_superuser_opens_each_add_page(admin_client_office, model):
    assert admin_client_office.get(_url(model, "add")).status_code == 200


def test_work_item_change_page_shows_inlines(admin_client_office, filled):
    # when
    response = admin_client_office.get(_url(WorkItem, "change", filled.item_a.pk))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    for model in (Indicator, Milestone, PlanMonth):
        assert str(model._meta.verbose_name_plural) in body
    assert "资金来源" in body
    assert filled.item_a.title in body


def test_change_pages_of_read_mostly_models_open(admin_client_office, filled):
    report = MonthlyReport.objects.filter(work_item=filled.task_a).get()
    pages = [
        _url(MonthlyReport, "change", report.pk),
        _url(MonthClose, "change", MonthClose.objects.get().pk),
        _url(ApiToken, "change", ApiToken.objects.get().pk),
        _url(NodeTemplateSet, "change", NodeTemplateSet.objects.first().pk),
        _url(Unit, "change", filled.unit_a.pk),
        _url(User, "change", filled.reporter_a.pk),
        _url(Project, "change", filled.item_a.project.pk),
        _url(Unit, "history", filled.unit_a.pk),
    ]
    for page in pages:
        assert admin_client_office.get(page).status_code == 200, page


def test_work_item_changelist_query_count_does_not_grow(
    admin_client_office, district, django_assert_max_num_queries
):
    # given many items across units, leaders and projects
    for n in range(30):
        f.WorkItemFactory(
            lead_unit=district.unit_b if n % 2 else district.unit_a, lead_leader=district.leader
        )
    # then
    with django_assert_max_num_queries(12):
        response = admin_client_office.get(_url(WorkItem, "changelist"))
    assert response.status_code == 200


def test_report_changelist_query_count_is_bounded(
    admin_client_office, district, django_assert_max_num_queries
):
    for month in range(1, 4):
        for item in (district.item_a, district.item_b, district.item_c, district.item_x):
            f.ReportFactory(work_item=item, month=month)
    with django_assert_max_num_queries(12):
        response = admin_client_office.get(_url(MonthlyReport, "changelist"))
    assert response.status_code == 200


def test_reporting_settings_is_a_singleton(admin_client_office, filled):
    # given the row exists
    assert ReportingSettings.objects.count() == 1
    # then no second row can be added and it cannot be deleted
    assert admin_client_office.get(_url(ReportingSettings, "add")).status_code == 403
    row = ReportingSettings.objects.get()
    assert admin_client_office.get(_url(ReportingSettings, "delete", row.pk)).status_code == 403
    assert admin_client_office.get(_url(ReportingSettings, "change", row.pk)).status_code == 200


def test_reporting_settings_can_be_added_when_missing(admin_client_office):
    ReportingSettings.objects.all().delete()
    assert admin_client_office.get(_url(ReportingSettings, "add")).status_code == 200


def test_reports_are_read_only_in_the_admin(admin_client_office, filled):
    report = MonthlyReport.objects.filter(work_item=filled.task_a).get()
    # when someone tries to change a report through the admin
    response = admin_client_office.post(
        _url(MonthlyReport, "change", report.pk), {"state": "accepted"}
    )
    # then it is refused and nothing changed
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.state == MonthlyReport.State.SUBMITTED
    assert admin_client_office.get(_url(MonthlyReport, "add")).status_code == 403


def test_revoke_action_revokes_tokens(admin_client_office, filled):
    token = ApiToken.objects.get()
    response = admin_client_office.post(
        _url(ApiToken, "changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked
    assert admin_client_office.get(_url(ApiToken, "add")).status_code == 403


def test_admin_edit_of_a_work_item_bumps_its_version(admin_client_office, district):
    # given
    item = WorkItem.objects.get(pk=district.task_a.pk)
    before = item.version
    page = admin_client_office.get(_url(WorkItem, "change", item.pk))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "co_units"}
    data.update(title="优化营商环境（调整）", year=2024, kind="task", lead_unit=item.lead_unit_id)
    for formset in page.context["inline_admin_formsets"]:
        fs = formset.formset
        data[f"{fs.prefix}-TOTAL_FORMS"] = str(fs.total_form_count())
        data[f"{fs.prefix}-INITIAL_FORMS"] = str(fs.initial_form_count())
        for i, (inline_form, row) in enumerate(zip(fs.forms, fs.get_queryset(), strict=True)):
            data[f"{fs.prefix}-{i}-id"] = row.pk
            data[f"{fs.prefix}-{i}-work_item"] = item.pk
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None and name not in ("id", "work_item"):
                    data[f"{fs.prefix}-{i}-{name}"] = getattr(value, "pk", value)
    # when
    response = admin_client_office.post(_url(WorkItem, "change", item.pk), data)
    # then
    assert response.status_code == 302, [
        fs.formset.errors for fs in response.context["inline_admin_formsets"]
    ]
    item.refresh_from_db()
    assert item.title == "优化营商环境（调整）"
    assert item.version == before + 1


def test_light_rules_add_a_version_checked_and_never_changed(admin_client_office, district):
    from duban.reporting.models import LightRules

    first = LightRules.objects.order_by("-pk").first()
    url = reverse("admin:reporting_lightrules_add")
    # the form starts from the version in force
    assert 'value="30.00"' in admin_client_office.get(url).content.decode()
    data = {
        "due_soon_days": 3,
        "behind_yellow_pp": "40",
        "behind_red_pp": "30",
        "start_red_months": 3,
        "statistics_yellow_months": 1,
        "statistics_red_months": 2,
        "statistics_threshold": "500",
        "note": "试行",
    }
    refused = admin_client_office.post(url, data)
    assert "不能高于红灯" in refused.content.decode()
    assert LightRules.objects.order_by("-pk").first() == first
    data["behind_yellow_pp"] = "15"
    admin_client_office.post(url, data)
    newest = LightRules.objects.order_by("-pk").first()
    assert newest.pk != first.pk and newest.behind_yellow_pp == 15
    # an existing version is shown read-only, never changed or deleted
    change = reverse("admin:reporting_lightrules_change", args=[first.pk])
    data["behind_yellow_pp"] = "5"
    admin_client_office.post(change, data)
    first.refresh_from_db()
    assert first.behind_yellow_pp == 10
    delete = reverse("admin:reporting_lightrules_delete", args=[first.pk])
    assert admin_client_office.post(delete, {"post": "yes"}).status_code == 403

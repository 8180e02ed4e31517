"""Error pages in Chinese and the product's look; the admin titled as duban (issue 12)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse


def test_404_is_chinese_and_says_what_to_do(district, login):
    response = login(district.reporter_a).get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "返回首页" in html and "Not Found" not in html
    assert 'class="mainnav"' in html  # the product's frame


def test_out_of_scope_problem_is_the_same_chinese_404(district, login):
    from tests.problem_factories import AssignedProblemFactory

    problem = AssignedProblemFactory(work_item=district.item_x, reported_by=district.reporter_b)
    response = login(district.reporter_a).get(problem.get_absolute_url())
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_500_page_renders_without_a_request_context():
    from django.template import loader

    html = loader.get_template("500.html").render({})
    assert "系统出错" in html and "duban.css" in html


def test_admin_is_titled_as_duban(district):
    from duban.org.models import User

    User.objects.filter(pk=district.office.pk).update(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(User.objects.get(pk=district.office.pk))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "督办" in html and "Django 管理" not in html and "Django administration" not in html

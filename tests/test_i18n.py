"""English through Django i18n: the pages, the service messages, and a complete catalogue."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from duban.core.errors import ApplicationError
from duban.reporting.services import report_return
from tests import factories as f

PO_PATH = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|\{[0-9a-z_]*\}")
# Help text that quotes a Chinese spreadsheet heading on purpose, and import messages that
# quote the Chinese words a ledger cell or heading must hold (the ledgers stay Chinese).
QUOTED_CHINESE = {
    "表头文字，如“包抓领导”。",
    "工作表“%(sheet)s”中找不到表头：需要一行同时有“序号”和“项目名称”（或“督办事项”）"
    "等列名。如列名不同，请在管理后台的“列名别名”中添加。",
    "级别应为省重点、市重点或区重点",
    "建设性质无法识别（新建/续建/改扩建/前期/竣工），未导入",
    "项目阶段无法识别（谋划储备/前期/在建/竣工/投产/停缓建）",
    "无法确定月份：请在表头写明“1-N月”或在标题写明“截至N月底”",
    "无法确定月份（标题未写“截至N月”），形象进度等未导入月报",
    # Words the file must hold (an example name with a title; 是/否 in a cell).
    "有多位同名人员：%(names)s，请在表中写明职务（如“张伟（副区长）”）或在预览中选定",
    "是否解决应为“是”或“否”（或已解决/未解决）",
}


def _english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _nav(html: str) -> str:
    match = re.search(r'<nav class="mainnav">(.*?)</nav>', html, re.S)
    assert match, "the page has no main navigation"
    return match.group(1)


def test_home_page_in_english(district, login):
    # given
    client = _english(login(district.office))
    # when
    html = client.get(reverse("web:home")).content.decode()
    # then
    assert '<html lang="en">' in html
    nav = _nav(html)
    for label in ("My to-do", "Ledger", "Monthly reports", "Report review", "Annual overview"):
        assert label in nav
    assert not CJK.search(re.sub(r"<[^>]+>", " ", nav)), nav
    assert "Log out" in html
    assert "District Office for Promoting Key Projects and Key Tasks" in html
    assert "我的待办" not in html


def test_ledger_list_in_english(district, login):
    # given
    client = _english(login(district.reporter_a))
    # when
    html = client.get(reverse("ledger:list"), {"year": 2024}).content.decode()
    # then
    assert "2024 Ledger of Key Projects and Key Tasks" in html
    for header in ("Lead unit", "Annual planned investment", "Completion rate", "Filter"):
        assert header in html
    assert not CJK.search(re.sub(r"<[^>]+>", " ", _nav(html)))
    assert "重点项目重点工作台账" not in html


def test_login_page_in_english(db):
    # given
    client = _english(Client())
    # when
    html = client.get(reverse("login")).content.decode()
    # then
    assert "Log in to the supervision system" in html
    assert "Username" in html and "Password" in html
    assert "登录督办系统" not in html


def test_chinese_is_the_default(district, login):
    # given: no language cookie and no Accept-Language header
    client = login(district.office)
    # when
    html = client.get(reverse("web:home")).content.decode()
    # then
    assert '<html lang="zh-hans">' in html
    assert "我的待办" in _nav(html)
    assert "My to-do" not in html


def test_service_error_in_english(district):
    # given: a submitted March report
    report = f.ReportFactory(work_item=district.item_a)
    # when
    with translation.override("en"):
        with pytest.raises(ApplicationError) as caught:
            report_return(report=report, by=district.office, reason="  ", version=report.version)
        message = str(caught.value)
    # then
    assert message == "A reason is required to return a monthly report."


def test_catalogue_is_complete():
    po = polib.pofile(str(PO_PATH))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert untranslated == [], f"untranslated: {untranslated}"
    assert fuzzy == [], f"fuzzy: {fuzzy}"


def test_catalogue_keeps_placeholders_and_leaves_no_chinese():
    po = polib.pofile(str(PO_PATH))
    for entry in po.translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in texts:
            assert sorted(PLACEHOLDER.findall(text)) == wanted, entry.msgid
            if entry.msgid not in QUOTED_CHINESE:
                assert not CJK.search(text), entry.msgid


def test_problem_level_filter_follows_the_language(district, login, settings):
    from django.urls import reverse

    client = login(district.office)
    assert "1级" in client.get(reverse("problems:list")).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("problems:list")).content.decode()
    assert "1级" not in html


# A template's own text outside translation: tags, outputs and comments split it.
TEMPLATE_TOKEN = re.compile(r"({%.*?%}|{{.*?}}|{#.*?#})", re.S)
SEPARATORS = re.compile(r"[：（）、，；]")


def test_templates_put_no_chinese_separator_between_translated_words():
    """A separator written between a translated label and a value ("{% translate '事项' %}：
    {{ x }}") stays Chinese in English ("Item：…"): it goes through its context instead
    ({% translate "：" context "label separator" %}). Chinese sentences written in a template
    are a matter for the catalogue, not this test."""
    root = Path(settings.BASE_DIR)
    found = []
    for path in sorted(root.rglob("templates/**/*.html")):
        depth = 0
        for part in TEMPLATE_TOKEN.split(path.read_text(encoding="utf-8")):
            if TEMPLATE_TOKEN.fullmatch(part):
                if re.match(r"{%\s*blocktranslate", part):
                    depth += 1
                elif re.match(r"{%\s*endblocktranslate", part):
                    depth -= 1
                continue
            if depth == 0 and SEPARATORS.search(part) and not CJK.search(SEPARATORS.sub("", part)):
                found.append(f"{path.relative_to(root)}: {part.strip()[:40]!r}")
    assert found == [], found

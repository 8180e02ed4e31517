"""Optional clauses in bulletin templates (``[?…]``): written when a figure in them is not zero,
left out, brackets and all, when every figure in them is zero or has no value, in every output
(the bulletin page, HTML, Word, JSON); their figures still stored; refused when their brackets
do not pair, when nested, or without a figure."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from duban.bulletins.catalogue import COUNT, FigureQuery, FigureResult, FigureValue, get_figure
from duban.bulletins.models import Bulletin, BulletinTemplate, Kind
from duban.bulletins.output import to_docx, to_html, to_json
from duban.bulletins.services import bulletin_generate, template_save
from duban.bulletins.templates_text import WORDS, line_parts, template_errors
from duban.core.errors import ApplicationError
from duban.org.models import Responsibility
from tests import test_bulletin_figures
from tests.test_bulletin_documents import _docx_text

fig = test_bulletin_figures.fig  # the shared fixture

BODY = (
    "本区包联{liaison.enterprises}企业[?和{liaison.institutions}高校及机构]。\n"
    "# 集中开工\n"
    "[?集中开工{starts.batches}，共{starts.batch_projects}。]\n"
    "下一段。"
)
SAY = {"year": "2024", "month": "3", "scope": "全区"}


def _bulletin(fig) -> tuple[Bulletin, list[str], str, str]:
    """A monthly bulletin of March from BODY: its JSON paragraphs, Word text and HTML text
    (the page without its list of figures)."""
    b = bulletin_generate(kind=Kind.MONTHLY, year=2024, month=3, by=fig.office)
    paragraphs = json.loads(to_json(b))["paragraphs"]
    word, _header = _docx_text(to_docx(b))
    text_of_page, _figures = to_html(b).decode().split("<hr>")
    return b, paragraphs, word, text_of_page


def test_a_clause_is_written_when_its_figure_is_not_zero_and_left_out_at_zero(fig, login):
    # given: one institution liaised with, and no 集中开工 (two starts on different days)
    template_save(kind=Kind.MONTHLY, title="{year}年{month}月简报", body=BODY, by=fig.office)
    # when
    kept, paragraphs, word, html = _bulletin(fig)
    # then: the institutions' clause is written, its number linked to its rows; the line that
    # was only a clause of zeros is not written at all
    assert paragraphs == ["本区包联2家企业和1所高校及机构。", "集中开工", "下一段。"]
    assert "本区包联2家企业和1所高校及机构。" in word and "一、集中开工\n下一段。" in word
    assert '和<a class="figure" href="#fig-liaison.institutions">1所</a>高校及机构。' in html
    assert "[?" not in word + html and "]" not in word + html
    page = login(fig.office).get(f"/bulletins/{kept.pk}/").content.decode()
    assert f'href="/bulletins/{kept.pk}/figures/liaison.institutions/"' in page
    assert "集中开工0" not in page

    # given: no institution is liaised with any more
    Responsibility.objects.filter(unit__isnull=False).delete()
    # when
    dropped, paragraphs, word, html = _bulletin(fig)
    # then: the clause is left out of every output, its figure stored with the bulletin
    assert paragraphs == ["本区包联2家企业。", "集中开工", "下一段。"]
    assert "本区包联2家企业。" in word
    assert '本区包联<a class="figure" href="#fig-liaison.enterprises">2家</a>企业。' in html
    for written in (word, html):
        assert "高校及机构" not in written and "0所" not in written
    figures = Bulletin.objects.get(pk=dropped.pk).figures
    assert figures["liaison.institutions"]["value"] == "0"
    assert figures["starts.batches"]["value"] == "0"
    assert dropped.template_body == BODY


def test_a_clause_of_the_special_report_and_of_the_notice_at_zero(fig):
    # given: no 集中开工 batch, no flag and no interview
    # when
    special = bulletin_generate(kind=Kind.SPECIAL, year=2024, month=3, by=fig.office)
    notice = bulletin_generate(kind=Kind.NOTICE, year=2024, month=3, by=fig.office)
    # then
    special_text = "\n".join(json.loads(to_json(special))["paragraphs"])
    notice_text = "\n".join(json.loads(to_json(notice))["paragraphs"])
    assert special_text.endswith("项目开工时间平均推迟0.5天。")
    assert "集中开工" not in special_text
    assert "本年已下发工作提示0次、0件。" in notice_text
    assert "挂牌督办" not in notice_text and "约谈" not in notice_text


def _results(values: dict[str, Decimal | int | None]) -> dict[str, FigureResult]:
    query = FigureQuery(2024, 3)
    return {key: FigureResult(get_figure(key), query, FigureValue(v)) for key, v in values.items()}


def _written(line: str, values: dict[str, Decimal | int | None]) -> str:
    return "".join(p["text"] for p in line_parts(line, _results(values), SAY))


@pytest.mark.parametrize(
    ("values", "written"),
    [
        ({"starts.rate": None, "liaison.projects": 0}, "开工。"),  # 无 and 0: left out
        ({"starts.rate": Decimal("0"), "liaison.projects": 0}, "开工。"),
        ({"starts.rate": Decimal("50"), "liaison.projects": 0}, "开工，{y}年开工率50%、0个。"),
        ({"starts.rate": None, "liaison.projects": 3}, "开工，{y}年开工率无、3个。"),
    ],
)
def test_a_clause_is_kept_when_any_of_its_figures_is_not_zero(values, written):
    line = "开工[?，{year}年开工率{starts.rate}、{liaison.projects}]。"
    assert _written(line, values) == written.format(y=2024)


def test_a_pair_in_a_clause_counts_as_zero_when_both_changes_are_missing_or_zero():
    line = "全年[?，同比{yoy.projects,yoy.investment_ytd|pair}]。"
    both_missing = {"yoy.projects": None, "yoy.investment_ytd": None}
    assert _written(line, both_missing) == "全年。"
    assert _written(line, {"yoy.projects": Decimal(0), "yoy.investment_ytd": Decimal(0)}) == (
        "全年。"
    )
    one = {"yoy.projects": Decimal("10"), "yoy.investment_ytd": Decimal(0)}
    assert _written(line, one) == "全年，同比重点项目数增长10%，累计完成投资持平。"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "包联[?和{liaison.institutions}所",
            "第1行：可选段“[?和{liaison.institutions}所”没有结尾的“]”",
        ),
        (
            "甲\n包联[?和{liaison.institutions}]]所",
            "第2行：“[?和{liaison.institutions}]]”中多了一个“]”",
        ),
        ("[?和[?{liaison.institutions}]]", "可选段不能嵌套"),
        ("[附[?{liaison.institutions}]]", "可选段不能嵌套"),
        ("[?含[注]{liaison.institutions}]", "可选段不能嵌套"),
        ("[?截至{year}年{month}月]", "第1行：可选段“[?截至{year}年{month}月]”中没有统计指标"),
        ("[?]", "中没有统计指标"),
        ("正文[注", "“[注”中的“[”没有对应的“]”"),
    ],
)
def test_template_clause_errors_say_what_to_fix(district, body, message):
    # when
    errors = template_errors("标题", body)
    with pytest.raises(ApplicationError) as refused:
        template_save(kind=Kind.ANNUAL, title="标题", body=body, by=district.office)
    # then
    assert any(message in e for e in errors), errors
    assert message in refused.value.message and refused.value.field == "body"
    assert not BulletinTemplate.objects.exists()


def test_template_clause_errors_in_the_title_and_in_english():
    assert template_errors("[?{year}年]简报", "正文") == [
        "标题：可选段“[?{year}年]”中没有统计指标（可选段在其中的指标都为零时省略），"
        "请在其中写入指标，或去掉“[?”和“]”。"
    ]
    with translation.override("en"):
        assert template_errors("简报", "甲\n[?{liaison.institutions}") == [
            'Line 2: The optional clause "[?{liaison.institutions}" has no closing "]": add '
            '"]" at the end of the clause (a clause cannot run over lines).'
        ]


def test_unknown_figures_in_a_clause_are_reported_as_unknown_figures():
    errors = template_errors("标题", "包联[?和{nope.x}高校]")
    assert len(errors) == 1 and errors[0].startswith("模板中有未知的统计指标：nope.x。")


def test_brackets_that_are_not_clauses_stay_text_and_lists_stay_lists():
    assert template_errors("标题", "[注]正文[?{liaison.institutions}所]\n[[red_items]]") == []
    assert _written("[注]正文[?{liaison.institutions}]", {"liaison.institutions": 0}) == (
        "[注]正文"
    )


def test_template_page_documents_the_clauses_and_refuses_a_bad_one(district, login):
    c = login(district.office)
    page = c.get("/bulletins/templates/annual/").content.decode()
    assert "可选段 [?……]" in page and "[?和{liaison.institutions}高校及机构]" in page
    r = c.post(
        "/bulletins/templates/annual/", {"title": "t", "body": "包联[?和{liaison.institutions}"}
    )
    assert r.status_code == 200 and "没有结尾的“]”" in r.content.decode()
    assert not BulletinTemplate.objects.exists()
    assert login(district.head_a).get("/bulletins/templates/annual/").status_code == 404


# -- property: a template of random optional clauses is written without a bracket -------------

KEYS = (
    "liaison.institutions",
    "liaison.projects",
    "starts.batches",
    "investment.ytd",
    "starts.rate",
    "yoy.projects",
)
texts = st.text(alphabet="和、，。个甲 ?|x", max_size=4)
figures = st.sampled_from(KEYS).map(lambda k: ("figure", k))
words = st.sampled_from(WORDS).map(lambda w: ("word", w))
plain = st.one_of(texts.map(lambda t: ("text", t)), figures, words)
clause = st.tuples(st.lists(plain, max_size=3), figures, st.lists(plain, max_size=3)).map(
    lambda c: ("clause", [*c[0], c[1], *c[2]])
)
lines = st.lists(st.one_of(plain, clause), min_size=1, max_size=8)
values = st.one_of(st.none(), st.just(0), st.integers(min_value=1, max_value=999))


def _source(pieces: list[tuple[str, object]]) -> str:
    out = []
    for kind, what in pieces:
        if kind == "text":
            out.append(str(what))
        elif kind == "clause":
            out.append("[?" + _source(what) + "]")  # type: ignore[arg-type]
        else:
            out.append("{" + str(what) + "}")
    return "".join(out)


def _expected(pieces: list[tuple[str, object]], results: dict[str, FigureResult]) -> str:
    out = []
    for kind, what in pieces:
        if kind == "text":
            out.append(str(what))
        elif kind == "word":
            out.append(SAY[str(what)])
        elif kind == "figure":
            out.append(results[str(what)].text)
        else:
            inner: list[tuple[str, object]] = what  # type: ignore[assignment]
            said = [results[k].value.value for kind_, k in inner if kind_ == "figure"]
            if any(v is not None and v != 0 for v in said):
                out.append(_expected(inner, results))
    return "".join(out)


@given(line=lines, drawn=st.fixed_dictionaries(dict.fromkeys(KEYS, values)))
def test_random_optional_clauses_are_written_or_left_out_without_a_bracket(line, drawn):
    # given: a line of text, figures, words and optional clauses, and the figures' values
    source = _source(line)
    results = _results(
        {k: v if v is None or get_figure(k).kind == COUNT else Decimal(v) for k, v in drawn.items()}
    )
    # when
    assert template_errors("标题", source) == []
    written = "".join(p["text"] for p in line_parts(source, results, SAY))
    # then
    assert "[" not in written and "]" not in written
    assert written == _expected(line, results)


# Pieces of lines: whole clauses (so that a fair share of the lines drawn pass validation),
# clause marks, brackets and question marks alone, text and placeholders.
PIECES = (
    "[?和{liaison.institutions}]",
    "[?{year}{liaison.institutions}所]",
    "[?",
    "]",
    "[",
    "?",
    "和",
    "x",
    "{liaison.institutions}",
    "{year}",
)


@given(
    line=st.lists(st.sampled_from(PIECES), max_size=8).map("".join),
    institutions=values,
)
def test_any_bracketed_line_is_refused_or_written_with_its_brackets_paired(line, institutions):
    # given: any line of brackets, question marks, text and placeholders
    if template_errors("标题", line):
        return  # refused: the office is told what to fix
    # when
    written = _written(line, {"liaison.institutions": institutions})
    # then: no clause mark is left, and the text's own brackets pair up
    assert "[?" not in written
    depth = 0
    for ch in written:
        depth += {"[": 1, "]": -1}.get(ch, 0)
        assert depth >= 0, written
    assert depth == 0, written


def test_a_pair_whose_changes_differ_in_sign_says_each_with_what_it_measures():
    # CONVENTIONS §4: "split when signs differ" (A增长x%，B下降y%), never 分别增长…、下降…
    line = "完成投资54亿元[?，同比{yoy.projects,yoy.investment_ytd|pair}]。"
    mixed = {"yoy.projects": Decimal("33.33"), "yoy.investment_ytd": Decimal("-72")}
    assert _written(line, mixed) == (
        "完成投资54亿元，同比重点项目数增长33.3%，累计完成投资下降72%。"
    )
    same = {"yoy.projects": Decimal("36.36"), "yoy.investment_ytd": Decimal("130")}
    assert _written(line, same) == "完成投资54亿元，同比分别增长36.4%、130%。"


def test_a_title_made_only_of_optional_clauses_is_refused():
    # it would be blank when its figures are zero, and a bulletin needs a title
    assert template_errors("[?{liaison.institutions}所高校]", "正文") == [
        "标题不能只由可选段组成（指标都为零时标题会成为空白），请在可选段外写出标题。"
    ]
    assert template_errors("简报[?：{liaison.institutions}所高校]", "正文") == []

"""Units and leaders as offices name them: the resolver, aliases, candidates, choices."""

from __future__ import annotations

import unicodedata
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from duban.core.errors import ApplicationError
from duban.ledger.models import WorkItem
from duban.org.models import NameAlias, Unit, User
from duban.org.names import UnitNames, district_prefixes, name_key, unit_key
from duban.org.services import name_alias_add
from duban.transfer.imports.plan_names import NameChoices
from duban.transfer.imports.service import ledger_import
from tests import factories as f
from tests.sheets_fixtures import to_bytes

pytestmark = pytest.mark.django_db

UNITS = [
    ("fgj", "示例区发展和改革局", "发改局"),
    ("zjj", "示例区住房和城乡建设局", "住建局"),
    ("jyj", "示例区教育局", "教育局"),
    ("kfq", "示例经济技术开发区管理委员会", "经开区"),
    ("zrzy", "市自然资源局示例分局", "自然资源分局"),
    ("zx1", "示例区第1中学(高中部)", "1中"),
]


@pytest.fixture
def units():
    return {
        code: f.UnitFactory(code=code, name=name, short_name=short) for code, name, short in UNITS
    }


@pytest.fixture
def office(units):
    return f.UserFactory(role=User.Role.OFFICE, unit=units["fgj"])


def book(rows, *, header=("序号", "项目名称", "责任单位", "年度计划投资", "责任领导")):
    wb = Workbook()
    ws = wb.active
    ws.append(["2024年示例区重点项目台账"])
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    return to_bytes(wb)


def run(content, office, **kwargs):
    return ledger_import(content=content, file_name="台账.xlsx", by=office, **kwargs)


def test_names_resolve_through_prefix_short_name_and_alias(units):
    # given one alias
    name_alias_add(alias="发展改革局", unit=units["fgj"])
    names = UnitNames.load()
    # then
    for written in (
        "区发改局",
        "发改局",
        "示例区发改局",
        "示例发改局",
        "发展改革局",
        "区发展和改革局",
    ):
        assert names.resolve(written) == units["fgj"], written
    assert names.resolve("示例区住房和城乡建设局") == units["zjj"]
    assert names.resolve("经开区") == units["kfq"]
    assert names.resolve("区财政局") is None
    assert names.prefixes[0] == "示例区"


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    which=st.sampled_from([c for c, _n, _s in UNITS]),
    form=st.sampled_from(["name", "short"]),
    prefix=st.sampled_from(["", "区", "示例区", "示例"]),
    spaces=st.lists(st.integers(min_value=0, max_value=12), max_size=4),
    space=st.sampled_from([" ", "\u3000", "\t", "\n"]),
    wide=st.booleans(),
)
def test_written_forms_resolve_to_the_same_unit(units, which, form, prefix, spaces, space, wide):
    unit = units[which]
    base = unit.name if form == "name" else unit.short_name
    text = base if base.startswith(("示例", "市")) else prefix + base
    for at in spaces:
        text = text[: at % (len(text) + 1)] + space + text[at % (len(text) + 1) :]
    if wide:
        text = fullwidth(text)  # 第１中学（高中部）
    assert UnitNames.load().resolve(text) == unit, text


@given(text=st.text(max_size=300))
def test_keys_are_bounded_and_normalised(text):
    key = unit_key(text, ["示例区", "示例"])
    assert len(key) <= 100
    assert not any(ch.isspace() for ch in key)
    assert name_key(unicodedata.normalize("NFKC", text)) == name_key(text)


def test_district_prefix_is_learned_only_when_shared():
    assert district_prefixes(["示例区发展和改革局", "示例区教育局"])[0] == "示例区"
    assert district_prefixes(["示例区发展和改革局", "某某县教育局"]) == []


def test_unknown_name_offers_closest_units_and_never_creates(units, office):
    # given a name close to 住建局, and --create-missing
    content = book([(1, "甲项目", "区住建委", 100, "")])
    # when
    result = run(content, office, create_missing=True)
    # then nothing is written and 住建局 is offered first
    assert not result.ok
    assert result.unit_candidates[0][0] == "区住建委"
    assert result.unit_candidates[0][1][0] == units["zjj"]
    assert "最接近" in result.errors[0].reason and "住建局" in result.errors[0].reason
    assert Unit.objects.count() == len(UNITS)
    assert WorkItem.objects.count() == 0


def test_choice_is_remembered_as_alias(units, office):
    content = book([(1, "甲项目", "区住建委", 100, "")])
    choices = NameChoices(units={name_key("区住建委"): units["zjj"]})
    # when the office chooses 住建局 for 区住建委
    result = run(content, office, choices=choices)
    # then the row imports and the name is remembered
    assert result.ok and result.applied, result.errors
    assert result.learned == ["区住建委 → 示例区住房和城乡建设局"]
    assert WorkItem.objects.get().lead_unit == units["zjj"]
    alias = NameAlias.objects.get()
    assert (alias.alias, alias.unit, alias.learned) == ("区住建委", units["zjj"], True)
    # and the next file needs no choice
    again = run(book([(1, "乙项目", "区住建委", 50, "")]), office)
    assert again.ok and WorkItem.objects.get(title="乙项目").lead_unit == units["zjj"]


def test_new_unit_only_when_chosen(units, office):
    content = book([(1, "甲项目", "区住建委", 100, "")])
    result = run(content, office, choices=NameChoices(units={name_key("区住建委"): None}))
    assert result.ok and result.applied
    assert result.created_units == ["区住建委"]
    assert Unit.objects.count() == len(UNITS) + 1


def test_create_missing_creates_a_name_with_no_candidate(units, office):
    result = run(book([(1, "甲项目", "区退役军人事务局", 100, "")]), office, create_missing=True)
    assert result.ok and result.created_units == ["区退役军人事务局"]


def test_alias_for_two_units_is_refused(units):
    name_alias_add(alias="建设局", unit=units["zjj"])
    with pytest.raises(ApplicationError, match="已是"):
        name_alias_add(alias="建设局", unit=units["fgj"])
    with pytest.raises(ApplicationError, match="已是"):
        name_alias_add(alias="区发改局", unit=units["zjj"])  # 发改局's short name
    assert NameAlias.objects.count() == 1
    assert name_alias_add(alias="区住建局", unit=units["zjj"]) is None  # resolves already


def test_leaders_by_name_and_by_title_when_two_share_it(units, office):
    a = f.UserFactory(role=User.Role.LEADER, full_name="张伟", title="副区长", username="zw1")
    b = f.UserFactory(role=User.Role.LEADER, full_name="张伟", title="区委常委、常务副区长")
    rows = [
        (1, "甲项目", "发改局", 100, "张伟（副区长）"),
        (2, "乙项目", "发改局", 100, "常务副区长张伟"),
    ]
    result = run(book(rows), office)
    assert result.ok, result.errors
    assert WorkItem.objects.get(title="甲项目").lead_leader == a
    assert WorkItem.objects.get(title="乙项目").lead_leader == b
    ambiguous = run(book([(3, "丙项目", "发改局", 100, "张伟")]), office)
    assert not ambiguous.ok and "职务" in ambiguous.errors[0].reason
    assert ambiguous.leader_candidates[0][1] == [a, b]


def test_file_without_unit_column_goes_to_unassigned_or_the_chosen_unit(units, office):
    header = ("序号", "项目名称", "计划总投资", "建设内容", "项目阶段")
    content = book([(1, "储备甲", 5000, "厂房", "谋划")], header=header)
    preview = run(content, office, dry_run=True)
    assert preview.ok and preview.unassigned == 1
    result = run(content, office)
    assert result.ok and result.applied
    item = WorkItem.objects.get()
    assert item.lead_unit.code == "unassigned" and item.status == WorkItem.Status.DRAFT
    # a second file picks a unit for the whole file
    other = book([(1, "储备乙", 800, "仓库", "谋划")], header=header)
    chosen = run(other, office, choices=NameChoices(unit_for_file=units["jyj"]))
    assert chosen.ok and WorkItem.objects.get(title="储备乙").lead_unit == units["jyj"]
    # re-importing the first without a unit leaves its (later assigned) unit alone
    WorkItem.objects.filter(pk=item.pk).update(lead_unit=units["fgj"])
    again = run(content, office)
    assert again.ok and again.counts()["unchanged"] == 1
    assert WorkItem.objects.get(pk=item.pk).lead_unit == units["fgj"]


def test_cli_alias_and_unit(units, office, tmp_path):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(book([(1, "甲项目", "区住建委", 100, "")]))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import", "ledger", str(path), "--dry-run", stdout=StringIO(), stderr=err)
    out = StringIO()
    call_command("import", "ledger", str(path), "--alias", "区住建委=zjj", stdout=out)
    assert "已记住的名称：区住建委 → 示例区住房和城乡建设局" in out.getvalue()
    with pytest.raises(CommandError) as e:
        call_command("import", "ledger", str(path), "--alias", "区住建委=nope", stdout=StringIO())
    assert e.value.returncode == 2
    with pytest.raises(CommandError) as e:
        call_command("import", "ledger", str(path), "--unit", "不存在的局", stdout=StringIO())
    assert e.value.returncode == 2


def test_preview_page_asks_and_remembers_the_choice(units, office, login):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(office)
    content = book([(1, "甲项目", "区住建委", 100, "")])
    # when the office uploads a file naming 区住建委
    response = client.post("/ledger/import/", {"file": SimpleUploadedFile("台账.xlsx", content)})
    body = response.content.decode()
    # then the preview asks, 住建局 first, and offers 新建 last
    assert 'name="unit__区住建委"' in body
    assert body.index('value="zjj"') < body.index('value="new"')
    assert "确认导入" not in body
    # when it chooses 住建局
    confirm = response.context["confirm"]
    fields = {k: v for k, v in confirm.initial.items() if v not in (None, False)}
    response = client.post("/ledger/import/choose/", {**fields, "unit__区住建委": "zjj"})
    assert response.status_code == 200 and "确认导入" in response.content.decode()
    assert NameAlias.objects.count() == 0  # nothing written by a preview
    # and confirms
    confirm = response.context["confirm"]
    fields = {k: v for k, v in confirm.initial.items() if v not in (None, False)}
    response = client.post("/ledger/import/confirm/", fields)
    assert response.status_code == 302
    assert WorkItem.objects.get().lead_unit == units["zjj"]
    assert NameAlias.objects.get().alias == "区住建委"


def test_choose_page_is_for_the_office(units, login):
    reporter = f.UserFactory(role=User.Role.REPORTER, unit=units["zjj"])
    response = login(reporter).post("/ledger/import/choose/", {})
    assert response.status_code == 403


def test_a_file_of_thousands_of_unknown_names_stays_cheap(units, office):
    from duban.org.names import MAX_CANDIDATE_NAMES

    content = book([(n, f"项目{n}", f"区住建局第{n}分局", 1, "") for n in range(1, 301)])
    result = run(content, office, dry_run=True)
    assert not result.ok
    assert len(result.unit_candidates) == MAX_CANDIDATE_NAMES
    assert len(result.unit_candidates) + len(result.missing_units) == 300


def test_leader_choice_is_remembered(units, office):
    a = f.UserFactory(role=User.Role.LEADER, full_name="张伟", title="副区长", username="zw1")
    content = book([(1, "甲项目", "发改局", 100, "张副区长")])
    first = run(content, office, dry_run=True)
    assert not first.ok and first.leader_candidates[0][0] == "张副区长"
    result = run(content, office, choices=NameChoices(leaders={name_key("张副区长"): a}))
    assert result.ok and result.applied
    assert WorkItem.objects.get().lead_leader == a
    assert NameAlias.objects.get(user=a).alias == "张副区长"
    assert run(book([(2, "乙项目", "发改局", 1, "张副区长")]), office).ok


def test_cli_unit_for_a_file_without_unit_column(units, office, tmp_path):
    header = ("序号", "项目名称", "计划总投资", "建设内容", "项目阶段")
    path = tmp_path / "储备.xlsx"
    path.write_bytes(book([(1, "储备甲", 5000, "厂房", "谋划")], header=header))
    call_command("import", "ledger", str(path), "--unit", "教育局", stdout=StringIO())
    assert WorkItem.objects.get().lead_unit == units["jyj"]

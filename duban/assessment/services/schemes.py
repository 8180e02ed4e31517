"""The scheme (实施办法) and its rules: a default version per year, revisions that apply from a
chosen month and never into a published one, and the checks every rule passes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from duban.assessment.models import Domain, Ranking, Rule, Scheme, Source
from duban.assessment.rules import (
    DEFAULT_MANUAL_RULES,
    DEFAULT_RULES,
    bands_problems,
    banned_reason,
)
from duban.core.errors import ApplicationError
from duban.core.money import to_decimal
from duban.core.periods import Period
from duban.core.services import refuse_unless, require
from duban.org.models import Unit, User


@dataclass(frozen=True)
class RuleSpec:
    domain: str
    code: str
    description: str
    points: Decimal
    cap: Decimal | None = None
    automatic: bool = True
    source: str = ""

    @classmethod
    def of(cls, rule: Rule) -> RuleSpec:
        return cls(
            rule.domain,
            rule.code,
            rule.description,
            rule.points,
            rule.cap,
            rule.automatic,
            rule.source,
        )


def _decimal(value: Any, label: str) -> Decimal:
    number = to_decimal(value)
    if number is None or not number.is_finite():
        raise ApplicationError(_("%(l)s须为数字。") % {"l": label})
    return number


def rule_check(spec: RuleSpec) -> None:
    """Refuse a rule with no points, a cap below zero, an unknown domain or source, a manual
    rule with a source, an automatic one without, or wording that scores what the 2024 rules
    against formalism ban."""
    require(spec.domain in Domain.values, _("细则领域无效：%(d)s") % {"d": spec.domain})
    require(bool(spec.code.strip()), _("细则代码不能为空。"))
    require(bool(spec.description.strip()), _("细则说明不能为空。"))
    ban = banned_reason(spec.code, spec.description)
    require(ban is None, ban or "")
    points = _decimal(spec.points, _("分值"))
    require(points != 0, _("细则“%(c)s”没有分值：分值不能为0。") % {"c": spec.code})
    require(abs(points) <= 100, _("分值过大。"))
    require(points == points.quantize(Decimal("0.01")), _("分值最多保留两位小数。"))
    if spec.cap is not None:
        cap = _decimal(spec.cap, _("封顶分"))
        require(cap >= 0, _("细则“%(c)s”的每月封顶分不能小于0。") % {"c": spec.code})
    if spec.automatic:
        require(
            spec.source in Source.values,
            _("自动计分的细则须指明计分依据（duban中的哪类事实）。"),
        )
    else:
        require(not spec.source, _("人工计分的细则不能指定自动计分依据。"))


def _create_rules(scheme: Scheme, specs: Sequence[RuleSpec]) -> None:
    codes = [s.code for s in specs]
    require(len(codes) == len(set(codes)), _("细则代码不能重复。"))
    Rule.objects.bulk_create(
        [
            Rule(
                scheme=scheme,
                domain=s.domain,
                code=s.code,
                description=s.description,
                points=_decimal(s.points, _("分值")),
                cap=None if s.cap is None else _decimal(s.cap, _("封顶分")),
                automatic=s.automatic,
                source=s.source if s.automatic else "",
                sort_order=n,
            )
            for n, s in enumerate(specs)
        ]
    )


def default_rule_specs() -> list[RuleSpec]:
    return [
        RuleSpec(r.domain, r.code, r.description, r.points, r.cap, True, r.source)
        for r in DEFAULT_RULES
    ] + [
        RuleSpec(r.domain, r.code, r.description, r.points, r.cap, False, "")
        for r in DEFAULT_MANUAL_RULES
    ]


@transaction.atomic
def scheme_ensure(*, year: int, by: User | None = None) -> Scheme:
    """The year's first scheme version, created with the defaults (DOMAIN.md §4) when missing."""
    existing = Scheme.objects.filter(year=year).order_by("number").first()
    if existing is not None:
        return existing
    scheme = Scheme.objects.create(
        year=year,
        number=1,
        from_month=1,
        name=_("%(y)s年度重点项目和重点工作“1+N”考核评价实施办法") % {"y": year},
        note=_("默认细则"),
        created_by=by,
    )
    _create_rules(scheme, default_rule_specs())
    return scheme


def scheme_for(period: Period) -> Scheme:
    """The scheme version in force for a month: the newest of the year applying from it."""
    scheme = (
        Scheme.objects.filter(year=period.year, from_month__lte=period.month)
        .order_by("-number")
        .first()
    )
    return scheme or scheme_ensure(year=period.year)


def published_months(year: int) -> list[int]:
    return sorted(
        Ranking.objects.filter(year=year, published_at__isnull=False).values_list(
            "month", flat=True
        )
    )


@transaction.atomic
def scheme_revise(
    *,
    year: int,
    from_month: int,
    by: User,
    rules: Sequence[RuleSpec] | None = None,
    changes: Mapping[str, Any] | None = None,
    note: str = "",
) -> Scheme:
    """A new version of the year's scheme, applying from `from_month`: the rules (the previous
    version's when not given) and any of name, base score, grading, bands, groups and the
    objection window. Refuses a month already published; nothing changes on refusal. The
    closed months from `from_month` on are rescored under the new version."""
    from duban.assessment.services.scoring import closed_unpublished_months, months_rescore

    refuse_unless(by.is_office, _("只有推进办可以修订考核办法。"))
    require(1 <= from_month <= 12, _("起用月份应在1到12之间。"), field="from_month")
    published = [m for m in published_months(year) if m >= from_month]
    require(
        not published,
        _("%(y)s年%(m)s月的月榜已公布，修订只能从其后的月份起用。")
        % {"y": year, "m": published[-1] if published else from_month},
        field="from_month",
    )
    previous = Scheme.objects.select_for_update().filter(year=year).order_by("-number").first()
    if previous is None:
        previous = scheme_ensure(year=year, by=by)
    specs = list(rules) if rules is not None else [RuleSpec.of(r) for r in previous.rules.all()]
    require(bool(specs), _("考核办法至少要有一条细则。"))
    for spec in specs:
        rule_check(spec)
    data = dict(changes or {})
    allowed = {"name", "base_score", "grade_by", "bands", "groups", "objection_days"}
    unknown = set(data) - allowed
    require(not unknown, _("不能修改这些字段：%(f)s") % {"f": "、".join(sorted(unknown))})
    scheme = Scheme(
        year=year,
        number=previous.number + 1,
        from_month=from_month,
        name=previous.name,
        base_score=previous.base_score,
        grade_by=previous.grade_by,
        bands=previous.bands,
        groups=previous.groups,
        objection_days=previous.objection_days,
        note=note.strip()[:200],
        created_by=by,
    )
    for field, value in data.items():
        setattr(scheme, field, value)
    scheme.base_score = _decimal(scheme.base_score, _("基础分"))
    require(scheme.grade_by in Scheme.GradeBy.values, _("定等方式无效。"))
    problems = bands_problems(scheme.bands if isinstance(scheme.bands, list) else [])
    require(not problems, "；".join(problems))
    require(
        isinstance(scheme.groups, dict)
        and all(k in Unit.Kind.values and str(v).strip() for k, v in scheme.groups.items()),
        _("考核分组须把单位类别对应到组名。"),
    )
    require(1 <= int(scheme.objection_days) <= 30, _("异议期应在1到30个工作日之间。"))
    scheme.save()
    _create_rules(scheme, specs)
    months_rescore(
        year=year,
        months=[p.month for p in closed_unpublished_months(year) if p.month >= from_month],
        by=by,
    )
    return scheme

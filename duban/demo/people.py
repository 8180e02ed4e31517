"""The demo's organisation: units, accounts, enterprises and leaders' responsibilities."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.hashers import make_password

from duban.demo.catalogue import (
    DEMO_PASSWORD,
    ENTERPRISES,
    GIVEN,
    LEADERS,
    OFFICE_USER,
    REGION_CODE,
    STEWARDS,
    SURNAMES,
    UNITS,
    VIEWER,
)
from duban.org.models import Enterprise, Responsibility, Unit, User
from duban.org.services import (
    enterprise_create,
    responsibility_create,
    unit_create,
    user_create,
)
from duban.org.validators import credit_code_check_char

_CREDIT_BODY = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@dataclass
class Organisation:
    units: dict[str, Unit] = field(default_factory=dict)
    heads: dict[str, User] = field(default_factory=dict)
    reporters: dict[str, User] = field(default_factory=dict)
    leaders: list[User] = field(default_factory=list)
    leader_for_unit: dict[str, User] = field(default_factory=dict)
    stewards: list[User] = field(default_factory=list)
    enterprises: list[Enterprise] = field(default_factory=list)
    office: User | None = None
    viewer: User | None = None
    since: date = date(2000, 1, 1)  # when the leaders' responsibilities began

    @property
    def office_user(self) -> User:
        assert self.office is not None  # noqa: S101 - set by build_organisation
        return self.office


def credit_code(kind: str, rng: random.Random) -> str:
    """A well-formed 统一社会信用代码 of the district: 登记管理部门+类别, region, body, check."""
    body = "".join(rng.choice(_CREDIT_BODY[:10]) for _ in range(8)) + rng.choice(_CREDIT_BODY)
    first17 = kind + REGION_CODE + body
    return first17 + credit_code_check_char(first17)


def _person_name(rng: random.Random, used: set[str]) -> str:
    while True:
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        if name not in used:
            used.add(name)
            return name


def _phone(rng: random.Random) -> str:
    return f"0451-8{rng.randint(1000000, 9999999)}"


def build_organisation(rng: random.Random, *, since: date) -> Organisation:
    """Units, one head and one reporter per unit, leaders, stewards, a viewer, enterprises;
    the leaders' responsibilities begin on `since`."""
    org = Organisation(since=since)
    used_names = {spec.full_name for spec in LEADERS} | {n for _, n in STEWARDS}
    used_names |= {OFFICE_USER[1], VIEWER[1]}
    for order, spec in enumerate(UNITS, start=1):
        org.units[spec.code] = unit_create(
            code=spec.code,
            name=spec.name,
            short_name=spec.short_name,
            kind=spec.kind,
            parent=org.units[spec.parent] if spec.parent else None,
            assessed=spec.assessed,
            sort_order=order * 10,
        )
    username, full_name, title = OFFICE_USER
    org.office = user_create(
        username=username,
        role=User.Role.OFFICE,
        unit_code="tjb",
        full_name=full_name,
        title=title,
        phone=_phone(rng),
        is_superuser=True,
    )
    for spec in UNITS:
        org.heads[spec.code] = user_create(
            username=f"{spec.code}-head",
            role=User.Role.UNIT_HEAD,
            unit_code=spec.code,
            full_name=_person_name(rng, used_names),
            title=spec.head_title,
            phone=_phone(rng),
        )
        org.reporters[spec.code] = user_create(
            username=f"{spec.code}-reporter",
            role=User.Role.REPORTER,
            unit_code=spec.code,
            full_name=_person_name(rng, used_names),
            title="联络员",
            phone=_phone(rng),
        )
    for leader_spec in LEADERS:
        leader = user_create(
            username=leader_spec.username,
            role=User.Role.LEADER,
            full_name=leader_spec.full_name,
            title=leader_spec.title,
            principal=leader_spec.principal,
        )
        org.leaders.append(leader)
        for relation, codes in (
            (Responsibility.Relation.IN_CHARGE, leader_spec.in_charge),
            (Responsibility.Relation.CONTACT, leader_spec.contact),
        ):
            for code in codes:
                responsibility_create(
                    leader=leader,
                    relation=relation,
                    unit=org.units[code],
                    start_date=org.since,
                )
                org.leader_for_unit.setdefault(code, leader)
    org.leader_for_unit.setdefault("tjb", org.leaders[0])
    for username, full_name in STEWARDS:
        org.stewards.append(
            user_create(
                username=username,
                role=User.Role.STEWARD,
                unit_code="tjb",
                full_name=full_name,
                title="项目管家",
                phone=_phone(rng),
            )
        )
    username, full_name, title, contact_units = VIEWER
    org.viewer = user_create(
        username=username, role=User.Role.VIEWER, full_name=full_name, title=title
    )
    for code in contact_units:
        responsibility_create(
            leader=org.viewer,
            relation=Responsibility.Relation.CONTACT,
            unit=org.units[code],
            start_date=org.since,
        )
    for name, kind in ENTERPRISES:
        org.enterprises.append(
            enterprise_create(
                name=name,
                credit_code=credit_code(kind, rng),
                contact_name=_person_name(rng, used_names),
                contact_phone=f"1{rng.randint(3000000000, 8999999999)}",
            )
        )
    # 包联: each leader liaises with a few enterprises (the businesses, not the institutions).
    businesses = [
        e for e, (_, kind) in zip(org.enterprises, ENTERPRISES, strict=True) if kind == "91"
    ]
    for i, enterprise in enumerate(businesses):
        responsibility_create(
            leader=org.leaders[i % len(org.leaders)],
            relation=Responsibility.Relation.LIAISON,
            enterprise=enterprise,
            start_date=org.since,
        )
    # One hash for every demo account: hashing is deliberately slow, and the password is shared.
    User.objects.filter(pk__in=[u.pk for u in all_users(org)]).update(
        password=make_password(DEMO_PASSWORD)
    )
    return org


def all_users(org: Organisation) -> list[User]:
    users = [org.office_user, *org.heads.values(), *org.reporters.values(), *org.leaders]
    users += org.stewards
    if org.viewer is not None:
        users.append(org.viewer)
    return users

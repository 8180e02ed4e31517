"""Writes on the organisation: API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import models, transaction
from django.utils.translation import gettext as _

from duban.core import clock
from duban.core.errors import ApplicationError
from duban.core.formatting import join_clauses, join_items
from duban.core.text import strip_controls
from duban.org.models import ApiToken, Enterprise, NameAlias, Responsibility, Unit, User

logger = logging.getLogger(__name__)

# Touch `last_used_at` at most this often: a busy client must not write on every request.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


@transaction.atomic
def api_token_create(*, user: User) -> str:
    """Store a new token for `user` and return its plain key, which is never stored or shown again.

    Raises ApplicationError for an inactive user (the token could not authenticate).
    """
    if not user.is_active:
        raise ApplicationError(_("用户%(u)s已停用，不能签发令牌。") % {"u": user.username})
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, key_hash=ApiToken.hash_key(key), prefix=key[:8])
    logger.info("api_token.created", extra={"token_id": token.pk, "user_id": user.pk})
    return key


@transaction.atomic
def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Revoke one token; revoking a revoked token changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if not token.revoked:
        token.revoked = True
        token.save(update_fields=["revoked", "updated_at"])
        logger.info("api_token.revoked", extra={"token_id": token.pk, "user_id": token.user_id})
    return token


@transaction.atomic
def api_token_revoke_all(*, user: User) -> int:
    """Revoke every live token of `user`; returns how many were revoked."""
    count = ApiToken.objects.filter(user=user, revoked=False).update(
        revoked=True, updated_at=clock.now()
    )
    logger.info("api_token.revoked_all", extra={"user_id": user.pk, "count": count})
    return count


def api_token_authenticate(*, key: str) -> User | None:
    """The active user owning the live token `key`, or None; records when it was last used."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__unit")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        # A plain UPDATE: no row lock, no history row, no `updated_at` churn.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    unit_code: str | None = None,
    full_name: str = "",
    title: str = "",
    phone: str = "",
    password: str | None = None,
    is_superuser: bool = False,
    must_change_password: bool = False,
    principal: bool = False,
) -> User:
    """Create an account; raises ApplicationError for an unknown role or unit, a unit role
    without a unit, a taken username or a weak password.

    Without a password the account cannot log in until one is set.
    """
    # Imported here: this block is appended to a module others edit (see the brief).
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), field="username")
    if role not in User.Role.values:
        raise ApplicationError(
            _("未知角色：%(r)s（可选：%(all)s）")
            % {"r": role, "all": join_items(f"{v}={lbl}" for v, lbl in User.Role.choices)},
            field="role",
        )
    unit = None
    if unit_code:
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise ApplicationError(_("未知单位代码：%(c)s") % {"c": unit_code}, field="unit")
    if role in (User.Role.UNIT_HEAD, User.Role.REPORTER) and unit is None:
        raise ApplicationError(
            _("角色“%(r)s”必须指定所在单位（--unit 单位代码）。") % {"r": User.Role(role).label},
            field="unit",
        )
    if principal and role != User.Role.LEADER:
        raise ApplicationError(_("只有区领导可以标为主要领导。"), field="principal")
    username = strip_controls(username).strip()
    if not username:
        raise ApplicationError(_("请填写用户名。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(_("用户名%(u)s已存在。") % {"u": username}, field="username")
    user = User(
        username=username,
        role=role,
        unit=unit,
        full_name=full_name,
        title=title,
        phone=phone,
        is_staff=is_superuser,
        is_superuser=is_superuser,
        must_change_password=must_change_password and bool(password),
        principal=principal,
    )
    if password:
        try:
            validate_password(password, user)
        except ValidationError as e:
            raise ApplicationError(join_clauses(e.messages), field="password") from e
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    logger.info("user.created", extra={"user_id": user.pk, "role": role})
    return user


@transaction.atomic
def responsibility_create(
    *,
    leader: User,
    relation: str,
    unit: Unit | None = None,
    # A ledger WorkItem: org sits below the ledger, so it is typed as any model here.
    work_item: models.Model | None = None,
    enterprise: Enterprise | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Responsibility:
    """Give a leader (or viewer, steward) a relation to exactly one unit, item or enterprise.

    Raises ApplicationError when the target is not exactly one, or the dates are reversed.
    """
    from duban.core.dates import dates_check
    from duban.core.services import full_clean_or_raise

    if leader.role not in (User.Role.LEADER, User.Role.VIEWER, User.Role.STEWARD):
        raise ApplicationError(
            _("只有区领导、查看人员和项目管家可以承担领导责任：%(u)s") % {"u": leader}
        )
    responsibility = Responsibility(
        leader=leader,
        relation=relation,
        unit=unit,
        work_item_id=work_item.pk if work_item is not None else None,
        enterprise=enterprise,
        start_date=start_date,
        end_date=end_date,
    )
    dates_check(responsibility, ("start_date", "end_date"))
    full_clean_or_raise(responsibility)
    responsibility.save()
    return responsibility


@transaction.atomic
def unit_create(
    *,
    code: str,
    name: str,
    kind: str,
    short_name: str = "",
    parent: Unit | None = None,
    assessed: bool = True,
    sort_order: int = 0,
) -> Unit:
    """Create a unit of the district's tree; raises ApplicationError on a taken code or name."""
    from duban.core.services import full_clean_or_raise

    unit = Unit(
        code=code,
        name=name,
        kind=kind,
        short_name=short_name,
        parent=parent,
        assessed=assessed,
        sort_order=sort_order,
    )
    full_clean_or_raise(unit)
    unit.save()
    return unit


@transaction.atomic
def enterprise_create(
    *, name: str, credit_code: str = "", contact_name: str = "", contact_phone: str = ""
) -> Enterprise:
    """Create an enterprise; the 统一社会信用代码 is checked, check character included."""
    from duban.core.services import full_clean_or_raise

    enterprise = Enterprise(
        name=name,
        credit_code=(credit_code or "").strip().upper(),
        contact_name=contact_name,
        contact_phone=contact_phone,
    )
    full_clean_or_raise(enterprise)
    enterprise.save()
    return enterprise


@transaction.atomic
def user_password_set_by_office(*, user: User) -> User:
    """The office set or reset this user's password: they must change it at next sign-in."""
    User.objects.filter(pk=user.pk).update(must_change_password=True)
    user.must_change_password = True
    logger.info("user.password_reset", extra={"user_id": user.pk})
    return user


@transaction.atomic
def user_password_changed(*, user: User) -> User:
    """The user chose their own password: the forced change is done."""
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    logger.info("user.password_changed", extra={"user_id": user.pk})
    return user


def name_alias_add(
    *, alias: str, unit: Unit | None = None, user: User | None = None, learned: bool = False
) -> NameAlias | None:
    """Remember `alias` as another name of `unit` (or of the leader `user`).

    Returns None when the name already resolves to that unit or person (nothing to remember).
    Raises ApplicationError when it is blank, too long, or already names someone else: one
    written name never points to two units.
    """
    from duban.core.services import full_clean_or_raise
    from duban.org.names import MAX_NAME, LeaderNames, UnitNames, name_key

    text = " ".join((alias or "").split())
    if not text:
        raise ApplicationError(_("请填写别名。"), field="alias")
    if len(name_key(text)) >= MAX_NAME:
        raise ApplicationError(
            _("别名太长（最多%(n)s个字）。") % {"n": MAX_NAME - 1}, field="alias"
        )
    if (unit is None) == (user is None):
        raise ApplicationError(_("别名必须且只能指向一个单位或一位领导。"))
    found: list[Unit] | list[User]
    target: Unit | User
    if unit is not None:
        found, target = UnitNames.load().matches(text), unit
    elif user is not None:
        found, target = LeaderNames.load().matches(text), user
    others = [o for o in found if o.pk != target.pk]
    if others:
        raise ApplicationError(
            _("“%(alias)s”已是%(other)s的名称或别名，不能再作为%(target)s的别名。")
            % {"alias": text, "other": join_items(str(o) for o in others), "target": target},
            field="alias",
        )
    if found:
        return None
    existing = NameAlias.objects.filter(key=name_key(text)).first()
    if existing is not None:
        raise ApplicationError(
            _("别名“%(alias)s”已指向%(other)s。")
            % {"alias": text, "other": existing.unit or existing.user},
            field="alias",
        )
    row = NameAlias(alias=text, key=name_key(text), unit=unit, user=user, learned=learned)
    full_clean_or_raise(row, exclude=["key"])
    row.save()
    logger.info(
        "name_alias.added",
        extra={"alias_id": row.pk, "unit_id": getattr(unit, "pk", None), "learned": learned},
    )
    return row

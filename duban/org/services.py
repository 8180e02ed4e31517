"""Writes on the organisation: API tokens (only their SHA-256 is stored)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.core.errors import ApplicationError
from duban.org.models import ApiToken, User

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
        revoked=True, updated_at=timezone.now()
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
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        # A plain UPDATE: no row lock, no history row, no `updated_at` churn.
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user

"""Personal API tokens: issue one (shown once), revoke it, list a user's own, and find the user a
presented token acts as.

A token expires: ``DEFAULT_DAYS`` after it is issued unless the issuer picks a lifetime from
``MIN_DAYS`` to ``MAX_DAYS``. An expired or revoked token is kept (the audit trail names it) and
refused like an unknown one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import ApiToken, AuditEvent, User

TOKEN_PREFIX = "egt_"  # noqa: S105 (not a secret: it marks a string as an EpiGrid token)
# The secret is the prefix and 43 URL-safe characters; anything much longer is not one of ours and is
# refused before it is hashed.
SECRET_MAX_LENGTH = 100
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough
# for "is this token still in use?".
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

# Lifetime in days: a leaked token stops working by itself; a client rotates before the end.
DEFAULT_DAYS = 90
MIN_DAYS = 1
MAX_DAYS = 365
# Tokens a user may hold that are neither revoked nor expired: enough for every machine a person
# runs, few enough that a forgotten script cannot fill the table.
MAX_ACTIVE_PER_USER = 20
NAME_MAX_LENGTH = 100

ERR_NAME_REQUIRED = _("请填写令牌名称（用途）。")
ERR_NAME_LONG = _("令牌名称不能超过 %(count)d 个字符。")
ERR_DAYS_RANGE = _("有效期须为 %(low)d 到 %(high)d 天。")
ERR_TOO_MANY = _("您的有效令牌已达 %(count)d 个，请先吊销不再使用的令牌。")
ERR_OWNER_DISABLED = _("该用户已停用，不能签发令牌。")


class TokenState(StrEnum):
    ACTIVE = "active"
    EXPIRED = "expired"
    REVOKED = "revoked"


STATE_LABELS = {
    TokenState.ACTIVE: _("有效"),
    TokenState.EXPIRED: _("已过期"),
    TokenState.REVOKED: _("已吊销"),
}


def token_state(token: ApiToken, *, at: dt.datetime | None = None) -> TokenState:
    """Revoked wins over expired: a token revoked before it ran out says so."""
    if token.revoked_at is not None:
        return TokenState.REVOKED
    if token.expires_at is not None and token.expires_at <= (at or now()):
        return TokenState.EXPIRED
    return TokenState.ACTIVE


def days_range_message() -> str:
    return str(ERR_DAYS_RANGE) % {"low": MIN_DAYS, "high": MAX_DAYS}


class TokenInvalid(Exception):
    """Nothing was issued; ``errors`` maps each wrong field (``name``, ``days``, ``""``) to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _active_q(at: dt.datetime) -> Q:
    return Q(revoked_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=at))


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the operator once; only its digest is stored


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str, days: int | None = None) -> IssuedToken:
    """Issue a token that acts as ``user`` for ``days`` (default ``DEFAULT_DAYS``); return it with the
    secret, which is never stored. Raise ``TokenInvalid`` (nothing written) for a bad name or lifetime.
    """
    lifetime = DEFAULT_DAYS if days is None else days
    clean_name = name.strip()
    errors: dict[str, str] = {}
    if not clean_name:
        errors["name"] = str(ERR_NAME_REQUIRED)
    elif len(clean_name) > NAME_MAX_LENGTH:
        errors["name"] = str(ERR_NAME_LONG) % {"count": NAME_MAX_LENGTH}
    if not MIN_DAYS <= lifetime <= MAX_DAYS:
        errors["days"] = days_range_message()
    if not user.is_active:
        errors[""] = str(ERR_OWNER_DISABLED)
    if not errors:
        # The owner's row is locked so that two requests at once cannot both pass the count.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if ApiToken.objects.filter(_active_q(now()), user=user).count() >= MAX_ACTIVE_PER_USER:
            errors[""] = str(ERR_TOO_MANY) % {"count": MAX_ACTIVE_PER_USER}
    if errors:
        raise TokenInvalid(errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=clean_name,
        prefix=secret[: len(TOKEN_PREFIX) + 4],
        key_hash=_digest(secret),
        expires_at=now() + dt.timedelta(days=lifetime),
    )
    audit_log(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="api_token", object_id=token.pk,
        detail={"user": user.pk, "days": lifetime},
    )  # fmt: skip
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token for good; revoking twice keeps the first time (and logs once)."""
    stamp = now()
    # Conditional UPDATE: two revocations at once write (and audit) one.
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=stamp)
    if changed:
        audit_log(
            actor=actor, action=AuditEvent.Action.UPDATE, object_type="api_token", object_id=token.pk,
            detail={"fields": ["revoked_at"], "user": token.user_id},
        )  # fmt: skip
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first (never anyone else's, whatever the role)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def api_token_get_own(*, user: User, token_id: int) -> ApiToken:
    """One of the user's own tokens; another user's token is a 404 exactly like a missing one."""
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise Http404
    return token


def api_token_user(*, secret: str) -> User | None:
    """Return the active user a presented token acts as, or None for an unknown, expired or revoked
    token, one of a disabled user, or anything that cannot be a token (too long, not ASCII)."""
    if len(secret) > SECRET_MAX_LENGTH or not secret.isascii() or not secret.startswith(TOKEN_PREFIX):
        return None
    stamp = now()
    token = (
        ApiToken.objects.filter(_active_q(stamp), key_hash=_digest(secret), user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stamp - LAST_USED_RESOLUTION), pk=token.pk
    ).update(last_used_at=stamp)
    return token.user

"""Personal API tokens: issue one (shown once), revoke it, and find the user a presented token acts as."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import ApiToken, AuditEvent, User

TOKEN_PREFIX = "egt_"  # noqa: S105 (not a secret: it marks a string as an EpiGrid token)
# Writing last_used_at on every request would turn each read into a write; a minute is precise enough
# for "is this token still in use?".
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown to the operator once; only its digest is stored


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> IssuedToken:
    """Issue a token that acts as ``user``; return it with the secret, which is never stored."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=secret[: len(TOKEN_PREFIX) + 4], key_hash=_digest(secret)
    )
    audit_log(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="api_token", object_id=token.pk,
        detail={"user": user.pk},
    )  # fmt: skip
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revoke a token for good; revoking twice keeps the first time."""
    if token.revoked_at is None:
        token.revoked_at = now()
        token.save(update_fields=["revoked_at"])
        audit_log(
            actor=actor, action=AuditEvent.Action.UPDATE, object_type="api_token", object_id=token.pk,
            detail={"fields": ["revoked_at"], "user": token.user_id},
        )  # fmt: skip
    return token


def api_token_user(*, secret: str) -> User | None:
    """Return the active user a presented token acts as, or None for an unknown or revoked token."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    token = (
        ApiToken.objects.filter(key_hash=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None:
        return None
    stamp = now()
    ApiToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stamp - LAST_USED_RESOLUTION), pk=token.pk
    ).update(last_used_at=stamp)
    return token.user

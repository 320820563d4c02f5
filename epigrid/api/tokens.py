"""The caller's own personal API tokens: list them, issue one (the secret answered once), revoke one.

Only the caller's own tokens exist here: another user's token id is a 404, whatever the caller's role.
Issuing needs a logged-in session (a person who typed a password): a token cannot issue its own
successor, so a leaked token stops at its expiry. Listing and revoking work by token too (a client
may revoke itself).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Schema, Status
from ninja.errors import HttpError, ValidationError

from epigrid.api.auth import via_token
from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, paginate
from epigrid.core.models import ApiToken
from epigrid.core.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    NAME_MAX_LENGTH,
    TokenInvalid,
    api_token_create,
    api_token_get_own,
    api_token_revoke,
    api_tokens_of,
    token_state,
)

router = ApiRouter(tags=["tokens"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(description="the first characters of the secret, to tell tokens apart")
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None = Field(description="null only for tokens issued before expiry existed")
    revoked_at: dt.datetime | None
    state: str = Field(description="active, expired or revoked")


class TokenIssuedOut(TokenOut):
    secret: str = Field(description="Authorization: Bearer <secret>. Shown in this answer only, never again")


class TokenIn(Schema):
    name: str = Field(max_length=NAME_MAX_LENGTH, description="what the token is for, e.g. 区教育局名单推送")
    days: int = Field(DEFAULT_DAYS, ge=MIN_DAYS, le=MAX_DAYS, description="lifetime in days")


def _out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "state": str(token_state(token)),
    }


@router.get("/tokens", response=Page[TokenOut], summary="The caller's own API tokens, newest first")
def token_list(request: HttpRequest, page: Query[PageParams]) -> dict[str, object]:
    user = actor(request)
    count, tokens = paginate(api_tokens_of(user=user), page)
    return {"count": count, "limit": page.limit, "offset": page.offset, "items": [_out(t) for t in tokens]}


@router.post(
    "/tokens",
    response={201: TokenIssuedOut},
    summary="Issue a token acting as the caller (logged-in session only); the secret is answered once",
)
def token_create(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status[dict[str, object]]:
    user = actor(request)
    if via_token(request):
        raise HttpError(403, _("不能用 API 令牌签发新令牌：请登录网页，在“我的 API 令牌”中签发"))
    try:
        issued = api_token_create(actor=user, user=user, name=payload.name, days=payload.days)
    except TokenInvalid as exc:
        raise ValidationError(
            [
                {"loc": ["body", "payload", field or "__all__"], "msg": message, "type": "value_error"}
                for field, message in exc.errors.items()
            ]
        ) from None
    # The secret must not stay in a browser's or a proxy's cache.
    response["Cache-Control"] = "no-store"
    return Status(201, {**_out(issued.token), "secret": issued.secret})


@router.post(
    "/tokens/{int:token_id}/revoke",
    response=TokenOut,
    summary="Revoke one of the caller's tokens; revoking again answers the same",
)
def token_revoke(request: HttpRequest, token_id: PathId) -> dict[str, object]:
    user = actor(request)
    token = api_token_get_own(user=user, token_id=token_id)
    return _out(api_token_revoke(actor=user, token=token))

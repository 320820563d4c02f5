"""What every router shares: the acting user, capability checks, pagination and list audit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Capabilities

LIMIT_DEFAULT = 50
LIMIT_MAX = 200
# Deep offsets cost a scan on both databases; a client reading more should narrow its filter.
OFFSET_MAX = 100_000


def actor(request: HttpRequest) -> User:
    """Return the user the request acts as (set by ``epigrid.api.auth``)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):
        raise AuthenticationError  # unreachable while every operation requires auth
    return user


def require(user: User, capability: str) -> None:
    """Refuse (403) unless the user's role has ``capability`` (a ``Capabilities`` field)."""
    if capability not in Capabilities.__dataclass_fields__:
        raise ValueError(f"unknown capability {capability!r}")
    if not getattr(user.caps, capability):
        raise HttpError(403, _("您的角色无权执行此操作"))


class PageParams(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description="每页条数")
    offset: int = Field(0, ge=0, le=OFFSET_MAX, description="跳过条数")


class Page[Item](Schema):
    count: int
    limit: int
    offset: int
    items: list[Item]


def paginate[M: Model](qs: QuerySet[M], page: PageParams) -> tuple[int, list[M]]:
    """Return the total and one slice of ``qs``."""
    return qs.count(), list(qs[page.offset : page.offset + page.limit])


def audit_listing(
    *,
    user: User,
    request: HttpRequest,
    object_type: str,
    ids: Sequence[int],
    filters: Sequence[str] = (),
    object_id: str | int = "",
    region_path: str = "",
    extra: dict[str, Any] | None = None,
) -> None:
    """Log that a list of personal records was handed out: which ids, filtered by which fields.

    Filter *values* are not logged: an ID number typed as a filter is personal data.
    """
    audit_log(
        actor=user,
        action=AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_id=object_id,
        region_path=region_path,
        detail={"ids": list(ids), "filters": sorted(filters), "via": "api", **(extra or {})},
        request=request,
    )

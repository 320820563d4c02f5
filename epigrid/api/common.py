"""What every router shares: the acting user, capability checks, pagination and list audit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Capabilities

LIMIT_DEFAULT = 50
LIMIT_MAX = 200
# Deep offsets cost a scan on both databases; a client reading more should narrow its filter.
OFFSET_MAX = 100_000
# The largest primary key (a signed 64-bit integer): a larger id in a list (``pk__in``) overflows the
# database driver, a 500 instead of a 422. Single lookups (``pk=``) already find nothing.
ID_MAX = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=ID_MAX)]
"""A record's id in a body or query: a positive 64-bit integer (422 otherwise, naming the field)."""
PathId = Annotated[int, Path(ge=0, le=ID_MAX)]
"""A path's ``{int:…}`` id as the schema declares it: the URL converter takes digits only, so a negative
id never reaches the operation (it is an unknown path, 404)."""


# A report day, a duty's day, a period's end: this century. Before 1901 local time has no whole-minute
# offset (LMT +08:05:43 in Shanghai), which no client reads as a date-time; at the ends of the calendar
# a day's arithmetic (the day before, the week after) overflows.
DAY_MIN = dt.date(2000, 1, 1)
DAY_MAX = dt.date(2099, 12, 31)
Day = Annotated[dt.date, Field(ge=DAY_MIN, le=DAY_MAX)]
"""A working day in a query or body (2000-01-01 … 2099-12-31; 422 otherwise, naming the field)."""


class ErrorOut(Schema):
    detail: str = Field(description="what went wrong, without personal data")


# The error answers every operation may give (api.py's exception handlers write them), declared in the
# schema so that clients and the schema-conformance test know them. Inline JSON schemas: they are the
# same for every operation and need no component.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
_FIELD_ERRORS = {
    "type": "object",
    "properties": {
        "detail": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                    "type": {"type": "string"},
                },
                "required": ["loc", "msg", "type"],
            },
        }
    },
    "required": ["detail"],
}
ERROR_RESPONSES: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("the body is not JSON", _DETAIL),
    413: ("the body is too large", _DETAIL),
    415: ("the body is not sent as JSON (Content-Type)", _DETAIL),
    401: ("no or bad credentials", _DETAIL),
    403: ("the role lacks the capability, or a session write without CSRF token", _DETAIL),
    404: ("missing, or outside the caller's subtrees", _DETAIL),
    422: ("validation: each error's loc names the parameter or field", _FIELD_ERRORS),
}
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class ApiRouter(Router):
    """A router whose operations declare the error answers they may give besides their own.

    Every operation: 401 and 403; with parameters or a body: 404 and 422; a write with input: 400, 413
    and 415 (api.py's parser). A status the operation declares itself (``response={409: ErrorOut}``)
    keeps its own schema.
    """

    def add_api_operation(self, path: str, methods: list[str], view_func: Any, **kwargs: Any) -> None:
        super().add_api_operation(path, methods, view_func, **kwargs)
        operation = self.path_operations[path].operations[-1]
        declared = set(operation.response_models)
        has_input = any(model.model_fields for model in operation.models)
        codes = [401, 403]
        if has_input:
            codes += [404, 422]
        if has_input and _UNSAFE & set(methods):
            codes += [400, 413, 415]
        extra = dict(operation.openapi_extra or {})
        responses = dict(extra.get("responses", {}))
        for code in sorted(codes):
            if code not in declared and code not in responses:
                description, schema = ERROR_RESPONSES[code]
                responses[code] = {
                    "description": description,
                    "content": {"application/json": {"schema": schema}},
                }
        extra["responses"] = responses
        operation.openapi_extra = extra


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


def page_out(count: int, page: PageParams, items: list[Any]) -> dict[str, object]:
    """The body of a ``Page``: the total, the paging asked for and this page's items."""
    return {"count": count, "limit": page.limit, "offset": page.offset, "items": items}


def _loc(field: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def body_errors(errors: Mapping[str, object]) -> ValidationError:
    """A service's refusal as ninja's own 422: one error per body field (``"measures.leaflets"`` is
    ``["body", "payload", "measures", "leaflets"]``), with the service's message. Raise it."""
    return ValidationError(
        [
            {"loc": ["body", "payload", *_loc(field)], "msg": str(message), "type": "value_error"}
            for field, message in errors.items()
        ]
    )


def query_error(field: str, message: object) -> ValidationError:
    """A refused query parameter as ninja's own 422, ``loc`` ``["query", field]``. Raise it."""
    return ValidationError([{"loc": ["query", field], "msg": str(message), "type": "value_error"}])


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

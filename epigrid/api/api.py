"""The NinjaAPI behind /api/v1/: authentication, errors, and the deny-by-default declaration.

How to add a router (for example ``screenings``)::

    # epigrid/api/screenings.py
    router = Router(tags=["screenings"])

    @router.get("/screenings/{int:screening_id}", response=ScreeningOut)
    def screening_detail(request: HttpRequest, screening_id: int) -> ScreeningOut:
        user = actor(request)                  # the caller's User, by session or token
        screening = screening_get_for_user(user=user, screening_id=screening_id, request=request)
        ...                                    # scoped selector: 404 outside the subtree, audited

    # below, in this module
    api.add_router("", "epigrid.api.screenings.router")

Rules every operation follows (``tests/api/test_walk.py`` checks the first three for all of them):

- Authentication is inherited from the API (``AUTH``); never pass ``auth=None``. An operation without
  authentication is not declared scope-checked, so ``ScopeDeclarationMiddleware`` refuses its URL.
- Read through the app's scoped selectors (``*_for_user``), which raise ``Http404`` for rows outside
  the caller's subtrees exactly as for missing ones. Path ids use ``{int:name}``.
- Mask identifiers with ``user.caps.identifiers()``; audit each record read (the selectors do) and
  each list of personal data (``audit_listing``).
- Writes call the app's services and first ``require(user, "<capability>")`` (403 otherwise).
- Lists take ``page: Query[PageParams]`` and answer ``Page[ItemOut]``.
- The router's tag names its area (``TAG_AREA``): a role confined to other areas (``Capabilities.areas``)
  is refused with 403 before the handler runs.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.urls import path as django_path
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.utils import normalize_path, replace_path_param_notation

from epigrid.api.auth import AUTH
from epigrid.core.access import ACCESS_ATTR, AREA_ATTR, PUBLIC, SCOPED, public

# The area (``Capabilities.areas``: the namespace of the pages of the same work) of each router, by its
# tag; a tag not listed is its own area. A role confined to other areas gets 403 (``epigrid.api.auth``).
TAG_AREA = {
    "persons": "people",
    "episodes": "monitoring",
    "checks": "monitoring",
    "alerts": "monitoring",
    "chains": "cases",
    "forms": "deptforms",
    "roads": "checkpoints",
    "supplies": "resources",
}
# Operations whose record belongs to another area than their router's: a person's history is read on
# the person's page; the observation sites (who is in which room) are the supplies pages', while the
# list of hospitals and fever clinics (no personal data) is the "facilities" area a clinic posts to.
PATH_AREA = {
    "/persons/{int:person_id}/timeline": "people",
    "/sites": "resources",
    "/sites/{int:site_id}": "resources",
}


def operation_area(tags: list[str] | None, path: str) -> str | None:
    """The area of an operation at ``path`` of a router tagged ``tags``; None for an untagged router."""
    if path in PATH_AREA:
        return PATH_AREA[path]
    return TAG_AREA.get(tags[0], tags[0]) if tags else None


class EpiGridAPI(NinjaAPI):
    """A NinjaAPI whose URL patterns carry the access declarations ``epigrid.core.access`` defines.

    The schema, docs and root views show no personal data: ``public``. An operation's view is
    ``scoped`` only when every operation on its path requires authentication; one that does not is
    left undeclared, and the middleware refuses it before it runs.
    """

    def _get_urls(self) -> list[URLPattern | URLResolver]:
        patterns: list[URLPattern | URLResolver] = []
        for pattern in super()._get_urls():
            if isinstance(pattern, URLPattern) and pattern.name in (
                "openapi-json",
                "openapi-view",
                "api-root",
            ):
                setattr(pattern.callback, ACCESS_ATTR, PUBLIC)
                patterns.append(pattern)
        root = patterns.pop()  # ninja puts the catch-all root last; keep it last
        # The operations' patterns are rebuilt (as ninja's BoundRouter.urls_paths builds them) so that
        # each view is declared from the operations it serves.
        for bound in self._get_bound_routers():
            prefix = replace_path_param_notation(bound.prefix)
            for path, path_view in bound.path_operations.items():
                route = "/".join(i for i in (prefix, replace_path_param_notation(path)) if i)
                route = normalize_path(route).lstrip("/")
                view = path_view.get_view()
                setattr(view, AREA_ATTR, operation_area(bound.template.tags, path))
                if all(operation.auth_callbacks for operation in path_view.operations):
                    setattr(view, ACCESS_ATTR, SCOPED)
                for operation in path_view.operations:
                    name = getattr(operation, "url_name", "") or self.get_operation_url_name(
                        operation, router=bound.template
                    )
                    patterns.append(django_path(route, view, name=name))
        patterns.append(root)
        # Anything else under /api/v1/ (a mistyped path, "/persons/abc") answers JSON, not an HTML page.
        patterns.append(re_path(r"^.*$", public(csrf_exempt(_unknown_path)), name="not-found"))
        return patterns


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": _("未找到")}, status=404)


class ReadableJSONRenderer(JSONRenderer):
    # Chinese as characters, not \uXXXX escapes: readable in curl and in a department's logs.
    json_dumps_params = {"ensure_ascii": False}


# Invisible characters that change how text is shown or compared without being seen: zero-width
# space, non-joiner and joiner, word joiner, byte-order mark, and the bidirectional marks, embeddings,
# overrides and isolates (U+202E turns "张伟" + "exe.txt" around on screen). They are removed from every
# string of a JSON body, so a name typed with one is stored and compared as the name.
INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff]")


def _json_media_type(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _clean(value: Any, loc: list[str | int], nul_at: list[list[str | int]]) -> Any:
    """Return ``value`` with its strings cleaned (invisible characters removed, NFC); note in
    ``nul_at`` where a string holds a NUL character, which PostgreSQL cannot store."""
    if isinstance(value, str):
        if "\x00" in value:
            nul_at.append(loc)
            return value
        if INVISIBLE_RE.search(value):
            value = INVISIBLE_RE.sub("", value)
        return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [_clean(item, [*loc, i], nul_at) for i, item in enumerate(value)]
    if isinstance(value, dict):
        for key in value:
            if "\x00" in key:
                nul_at.append([*loc, key.replace("\x00", "")])
        return {key: _clean(item, [*loc, key], nul_at) for key, item in value.items()}
    return value


class _NotJSON(ValueError):
    """NaN and Infinity: Python reads them, JSON (and PostgreSQL's jsonb) does not."""


def _refuse_nul(nul_at: list[list[str | int]]) -> None:
    if nul_at:
        message = _("不能包含空字符（NUL, U+0000）")
        raise ValidationError([{"loc": loc, "msg": message, "type": "value_error"} for loc in nul_at])


def _not_json(constant: str) -> Any:
    raise _NotJSON(constant)


class CleanJSONParser(Parser):
    """ninja's parser, stricter: a JSON body must say so, and its strings are cleaned.

    - A body sent as anything but JSON (``text/plain``, a form) answers 415 before it is read as JSON:
      nothing is written from a body the client did not mean as JSON.
    - A body that is not JSON answers 400 with where it broke (line and column, never the text).
    - A NUL character anywhere (body, query or form field) answers 422 naming the field.
    - Invisible characters (``INVISIBLE_RE``) are removed and strings put in Unicode NFC, so that
      "张伟" typed with a zero-width space or a combining accent is stored as everyone else types it.
    """

    def parse_body(self, request: HttpRequest) -> Any:
        # ninja re-parses each field of a multipart form through a bare HttpRequest (no content type).
        content_type = getattr(request, "content_type", None)
        if content_type and not _json_media_type(content_type):
            raise HttpError(415, _("请求体须为 JSON，请设置请求头 Content-Type: application/json"))
        nul_at: list[list[str | int]] = []
        try:
            data = _clean(json.loads(request.body, parse_constant=_not_json), ["body"], nul_at)
        except UnicodeDecodeError:
            raise HttpError(400, _("请求体须为 UTF-8 编码的 JSON")) from None
        except json.JSONDecodeError as exc:
            message = _("请求体不是有效的 JSON（第 %(line)d 行第 %(column)d 列）")
            raise HttpError(400, message % {"line": exc.lineno, "column": exc.colno}) from None
        except _NotJSON:
            raise HttpError(400, _("请求体不是有效的 JSON：不接受 NaN 或 Infinity")) from None
        except RecursionError:
            raise HttpError(400, _("请求体的 JSON 嵌套过深")) from None
        _refuse_nul(nul_at)
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        source = "query" if data is request.GET else "form"
        nul_at: list[list[str | int]] = [
            [source, key] for key, values in data.lists() if any("\x00" in str(v) for v in values)
        ]
        _refuse_nul(nul_at)
        return super().parse_querydict(data, list_fields, request)


api = EpiGridAPI(
    title="EpiGrid API",
    version="1",
    description="EpiGrid 基层疫情防控网格化管理平台: scoped by region, masked by role, every read audited.",
    auth=AUTH,
    renderer=ReadableJSONRenderer(),
    parser=CleanJSONParser(),
    urls_namespace="api",
    # Swagger UI from ninja's bundled static files (ninja is in INSTALLED_APPS): no CDN. The validator
    # badge would call validator.swagger.io, so it is switched off.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _detail(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    if "Authorization" in request.headers:
        # One answer for a forged, unknown, expired or revoked token (and any other scheme): a caller
        # holding a stolen token learns nothing about it. The token itself is never echoed.
        message = _("API 令牌无效、已过期或已吊销，请在 Authorization 头中提供有效的令牌（Bearer egt_…）")
    else:
        message = _("需要登录，或在 Authorization 头中提供有效的 API 令牌")
    response = _detail(request, message, 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    message = _("请求体过大：不能超过 %(size)s MB（文件上传另有限制）") % {"size": f"{megabytes:g}"}
    return _detail(request, message, 413)


@api.exception_handler(TooManyFieldsSent)
def _too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
    return _detail(request, _("表单字段过多"), 400)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja wraps whatever the parser raises in a 400 "Cannot parse request body" (English, no reason);
    # the parser's own answer is in the cause.
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        return _invalid(request, cause)
    if isinstance(cause, RequestDataTooBig):
        return _too_big(request, cause)
    if isinstance(cause, HttpError):
        exc = cause
    elif cause is not None and exc.status_code == 400:
        return _detail(request, _("无法解析请求体"), 400)
    return _detail(request, exc.message, exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # The same answer for a missing id and for one outside the caller's subtrees.
    return _detail(request, _("未找到"), 404)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _detail(request, _("您的角色无权执行此操作"), 403)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    # ninja already drops the input value; the context can still echo it (a pattern, an enum value).
    errors: list[dict[str, Any]] = [
        {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
        for e in exc.errors
    ]
    return api.create_response(request, {"detail": errors}, status=422)


api.add_router("", "epigrid.api.regions.router")
api.add_router("", "epigrid.api.people.router")
api.add_router("", "epigrid.api.lists.router")
api.add_router("", "epigrid.api.screenings.router")
api.add_router("", "epigrid.api.episodes.router")
api.add_router("", "epigrid.api.checks.router")
api.add_router("", "epigrid.api.alerts.router")
api.add_router("", "epigrid.api.cases.router")
api.add_router("", "epigrid.api.chains.router")
api.add_router("", "epigrid.api.reports.router")
api.add_router("", "epigrid.api.deptforms.router")
api.add_router("", "epigrid.api.checkpoints.router")
api.add_router("", "epigrid.api.roads.router")
api.add_router("", "epigrid.api.supplies.router")
api.add_router("", "epigrid.api.supply_allocation.router")
api.add_router("", "epigrid.api.facilities.router")
api.add_router("", "epigrid.api.dashboard.router")
api.add_router("", "epigrid.api.measurelog.router")
api.add_router("", "epigrid.api.volunteers.router")
api.add_router("", "epigrid.api.followups.router")
api.add_router("", "epigrid.api.clues.router")
api.add_router("", "epigrid.api.triage.router")
api.add_router("", "epigrid.api.risk.router")
api.add_router("", "epigrid.api.publicinfo.router")
api.add_router("", "epigrid.api.tokens.router")

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
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, URLResolver, re_path
from django.urls import path as django_path
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer
from ninja.utils import normalize_path, replace_path_param_notation

from epigrid.api.auth import AUTH
from epigrid.core.access import ACCESS_ATTR, PUBLIC, SCOPED, public


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
                if all(operation.auth_callbacks for operation in path_view.operations):
                    setattr(view, ACCESS_ATTR, SCOPED)
                for operation in path_view.operations:
                    name = getattr(operation, "url_name", "") or self.get_operation_url_name(
                        operation, router=bound.template
                    )
                    patterns.append(django_path(route, view, name=name))
        patterns.append(root)
        # Anything else under /api/v1/ (a mistyped path, "/persons/abc") answers JSON, not an HTML page.
        patterns.append(re_path(r"^.*$", public(_unknown_path), name="not-found"))
        return patterns


def _unknown_path(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"detail": _("未找到")}, status=404)


class ReadableJSONRenderer(JSONRenderer):
    # Chinese as characters, not \uXXXX escapes: readable in curl and in a department's logs.
    json_dumps_params = {"ensure_ascii": False}


api = EpiGridAPI(
    title="EpiGrid API",
    version="1",
    description="EpiGrid 基层疫情防控网格化管理平台: scoped by region, masked by role, every read audited.",
    auth=AUTH,
    renderer=ReadableJSONRenderer(),
    urls_namespace="api",
    # Swagger UI from ninja's bundled static files (ninja is in INSTALLED_APPS): no CDN. The validator
    # badge would call validator.swagger.io, so it is switched off.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _detail(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return api.create_response(request, {"detail": message}, status=status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = _detail(request, _("需要登录，或在 Authorization 头中提供有效的 API 令牌"), 401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
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

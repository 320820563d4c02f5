"""Deny by default: a view must declare itself public or scope-checked (``epigrid.core.access``), and a
scope-checked page must be in an area the user's role works in (``Capabilities.areas``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from epigrid.core.access import ACCESS_ATTR, PUBLIC, SCOPED, page_area
from epigrid.core.models import User

logger = logging.getLogger(__name__)

UNDECLARED_MESSAGE = "此页面未声明访问范围，已拒绝。"


class ScopeDeclarationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        access = getattr(view_func, ACCESS_ATTR, None)
        if access == PUBLIC:
            return None
        if access == SCOPED:
            self._confine(request)
            return None
        # The view's dotted name is not personal data; the URL may carry ids, so it is not logged.
        logger.error("refused undeclared view %s.%s", view_func.__module__, view_func.__qualname__)
        return HttpResponseForbidden(UNDECLARED_MESSAGE)

    @staticmethod
    def _confine(request: HttpRequest) -> None:
        """Refuse (403, the forbidden page) a page outside the areas the user's role is confined to."""
        user = request.user
        match = request.resolver_match
        if not isinstance(user, User) or not user.is_authenticated or match is None:
            return  # an anonymous caller is sent to log in by the view's login_required
        area = page_area(match)
        if area is not None and not user.caps.works_in(area):
            raise PermissionDenied

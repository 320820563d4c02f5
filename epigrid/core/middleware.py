"""Deny by default: a view must declare itself public or scope-checked (``epigrid.core.access``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden

from epigrid.core.access import ACCESS_ATTR, PUBLIC, SCOPED

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
        if getattr(view_func, ACCESS_ATTR, None) in (PUBLIC, SCOPED):
            return None
        # The view's dotted name is not personal data; the URL may carry ids, so it is not logged.
        logger.error("refused undeclared view %s.%s", view_func.__module__, view_func.__qualname__)
        return HttpResponseForbidden(UNDECLARED_MESSAGE)

"""Declare how a view is protected; ``ScopeDeclarationMiddleware`` refuses views that declare nothing.

Two declarations exist:

- ``@public``: shows no personal data (log-in page, language switch, health probe).
- ``@scoped``: requires a logged-in user, and the view promises to read every row through a scoped
  selector (``epigrid.regions.scope``) that answers 404 for rows outside the user's subtrees.

A ``@scoped`` page is also refused (403) to a role confined to other areas (``Capabilities.areas``):
``ScopeDeclarationMiddleware`` checks the page's area (``page_area``) before the view runs.

A new view that forgets both is refused with 403 before it runs, and
``tests/core/test_url_scope_walk.py`` fails, so it cannot ship by accident.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import ResolverMatch
from django_htmx.middleware import HtmxDetails

from epigrid.core.models import User
from epigrid.core.roles import ACCOUNT_AREA, Capabilities


class ScopedRequest(HttpRequest):
    """The request a ``@scoped`` view receives: a logged-in EpiGrid user, and htmx details."""

    user: User
    htmx: HtmxDetails


ACCESS_ATTR = "epigrid_access"
PUBLIC = "public"
SCOPED = "scoped"
# The area (``Capabilities.areas``) an API operation's view belongs to, set by ``epigrid.api.api``.
AREA_ATTR = "epigrid_area"
# The namespace of the API's URLs: its operations are confined by ``epigrid.api.auth`` (a token client
# is anonymous to the middleware), not by their namespace.
API_NAMESPACE = "api"


def page_area(match: ResolverMatch) -> str | None:
    """The area of a page: the top namespace of its URL, ``ACCOUNT_AREA`` without one; None for the API."""
    if not match.namespaces:
        return ACCOUNT_AREA
    top = match.namespaces[0]
    return None if top == API_NAMESPACE else top


def public[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Mark a view as showing no personal data: anyone may open it."""
    setattr(view, ACCESS_ATTR, PUBLIC)
    return view


def scoped[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Mark a view as reading only through scoped selectors, and require log-in."""
    wrapped = login_required(view)
    setattr(wrapped, ACCESS_ATTR, SCOPED)
    return wrapped


def requires[View: Callable[..., HttpResponseBase]](flag: str) -> Callable[[View], View]:
    """Refuse the view (403) unless the user's role has the capability ``flag``."""
    if not hasattr(Capabilities, flag) and flag not in Capabilities.__dataclass_fields__:
        raise ValueError(f"unknown capability {flag!r}")  # a typo fails at import, not at request time

    def decorate(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            caps: Capabilities | None = user.caps if isinstance(user, User) else None
            if caps is None or not getattr(caps, flag):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return inner  # type: ignore[return-value]

    return decorate

"""Who is calling the API: a personal API token (Bearer) or the browser's session (CSRF on writes).

Either way the caller acts as one ``core.User`` with that user's role and scope; handlers read it with
``epigrid.api.common.actor(request)`` (``request.user`` stays anonymous for a token client). Both
then ``confine`` the caller to the areas its role works in.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from epigrid.core.access import AREA_ATTR
from epigrid.core.models import User
from epigrid.core.roles import ACCOUNT_AREAS
from epigrid.core.tokens import api_token_user

# Set on the request when the caller was let in by a token rather than by the browser's session.
VIA_TOKEN_ATTR = "epigrid_via_token"  # noqa: S105 (an attribute name, not a secret)


def confine(request: HttpRequest, user: User) -> User:
    """Let ``user`` in only to an operation of an area its role works in (``Capabilities.areas``); a
    confined role gets 403 elsewhere, by token or by session alike. The area is the operation's view's
    (set by ``epigrid.api.api``); an operation without one is refused to every confined role."""
    resolved = request.resolver_match
    area = getattr(resolved.func, AREA_ATTR, None) if resolved is not None else None
    caps = user.caps
    if caps.works_in(area):
        return user
    allowed = "、".join(sorted((caps.areas or frozenset()) | ACCOUNT_AREAS))
    message = _("您的角色（%(role)s）只能使用这些部分的接口：%(areas)s")
    raise HttpError(403, message % {"role": user.get_role_display(), "areas": allowed})


def via_token(request: HttpRequest) -> bool:
    """Tell whether the request acts by a personal API token (not a logged-in session)."""
    return bool(getattr(request, VIA_TOKEN_ATTR, False))


class TokenAuth(HttpBearer):
    """``Authorization: Bearer egt_…``: a token issued by ``epigrid api-token create`` or by its owner
    on the 我的 API 令牌 page; unknown, expired and revoked tokens are refused alike."""

    def __call__(self, request: HttpRequest) -> User | None:
        # Reimplemented so that a malformed header is never written to the log (the parent logs it
        # in DEBUG, and it may hold a password or a token).
        scheme, _sep, secret = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return None
        return self.authenticate(request, secret.strip())

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = api_token_user(secret=token)
        if user is None:
            return None
        setattr(request, VIA_TOKEN_ATTR, True)
        return confine(request, user)


class SessionAuth(APIKeyCookie):
    """The log-in session of the pages; unsafe methods need the CSRF token, as on the pages."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check waits for ``authenticate``: an anonymous caller gets 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
            return None
        if self.csrf and check_csrf(request) is not None:
            raise HttpError(403, _("CSRF 校验失败：请在请求头 X-CSRFToken 中带上 csrftoken Cookie 的值"))
        return confine(request, user)


AUTH = [TokenAuth(), SessionAuth()]

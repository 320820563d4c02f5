"""我的 API 令牌: a logged-in user lists, issues and revokes their own personal API tokens.

Only the user's own tokens are read (``epigrid.core.tokens.api_tokens_of`` / ``api_token_get_own``):
another user's token id is a 404 exactly like a missing one, whatever the role. A new token's secret
is shown once, in the answer to the form that issued it (not cached, never stored).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from epigrid.core.access import ScopedRequest, scoped
from epigrid.core.clock import now
from epigrid.core.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    MIN_DAYS,
    NAME_MAX_LENGTH,
    STATE_LABELS,
    TokenInvalid,
    api_token_create,
    api_token_get_own,
    api_token_revoke,
    api_tokens_of,
    days_range_message,
    token_state,
)

# A person has a handful of tokens at most (the service caps the active ones); revoked and expired
# ones stay listed, newest first, up to this many.
LIST_MAX = 100


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称（用途）"),
        max_length=NAME_MAX_LENGTH,
        help_text=gettext_lazy("例如：区教育局名单推送"),
    )
    days = forms.IntegerField(
        label=gettext_lazy("有效期（天）"),
        initial=DEFAULT_DAYS,
        widget=forms.NumberInput(attrs={"min": MIN_DAYS, "max": MAX_DAYS}),
        help_text=gettext_lazy("到期后令牌自动失效，可随时吊销。"),
    )

    def clean_days(self) -> int:
        days: int = self.cleaned_data["days"]
        if not MIN_DAYS <= days <= MAX_DAYS:
            raise forms.ValidationError(days_range_message())
        return days


def _listing(request: ScopedRequest, form: TokenForm) -> HttpResponse:
    at = now()
    rows = []
    for token in api_tokens_of(user=request.user)[:LIST_MAX]:
        state = token_state(token, at=at)
        rows.append((token, str(state), STATE_LABELS[state]))
    return render(request, "core/token_list.html", {"rows": rows, "form": form})


@scoped
def token_list(request: ScopedRequest) -> HttpResponse:
    """List the user's tokens; a POST issues one and answers its secret, once."""
    if request.method != "POST":
        return _listing(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _listing(request, form)
    try:
        issued = api_token_create(
            actor=request.user,
            user=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
    except TokenInvalid as exc:
        for field, message in exc.errors.items():
            form.add_error(field or None, message)
        return _listing(request, form)
    response = render(request, "core/token_created.html", {"token": issued.token, "secret": issued.secret})
    # The secret must not stay in the browser's cache (Back, or a shared office computer).
    response["Cache-Control"] = "no-store"
    return response


@scoped
def token_revoke(request: ScopedRequest, token_id: int) -> HttpResponse:
    """Ask, then revoke one of the user's own tokens; revoking a revoked token changes nothing."""
    token = api_token_get_own(user=request.user, token_id=token_id)
    if request.method != "POST":
        return render(request, "core/token_revoke.html", {"token": token})
    api_token_revoke(actor=request.user, token=token)
    messages.success(request, _("令牌 %(prefix)s… 已吊销，使用它的请求将被拒绝。") % {"prefix": token.prefix})
    return HttpResponseRedirect(reverse("tokens:list"))

"""The residents' page of a village or community ``/clues/p/<token>/``: no account, three small forms.

Access: declared ``@public`` on purpose, like the personal self-report page
(``monitoring.selfreport_views``): whoever holds the link on the notice board may report; the page
shows the village's name and nothing personal, and a forged or revoked token gets a plain page. No
session or cookie: the POST is ``csrf_exempt`` (a phone opening the poster's QR code in WeChat has no
session to tie a CSRF token to; a forged cross-site POST would need the token, and could then post
anyway).

Spam: a honeypot field that people never see (a bot filling it is answered "received" and nothing is
written), a signed timestamp in the form (a submission faster than ``MIN_FILL_SECONDS`` or older than
``FORM_MAX_AGE`` is shown again to confirm), a cheap per-process limit per address here and the exact
per-address and per-link limits of ``entries.entry_submit``.

Self-contained (inline CSS under a CSP nonce, no script, no external resource) and far under 30 KB.
Language: ``?lang=en`` or ``?lang=zh-hans``, otherwise the browser's Accept-Language.
"""

from __future__ import annotations

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.template.context_processors import csp as csp_context
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from epigrid.clues.entries import CLOSED, LIMITED, EntryInput, entry_submit, link_resolve
from epigrid.clues.errors import ClueInvalid
from epigrid.clues.models import ClueKind, CommunityLink, ResidentEntry
from epigrid.core import ratelimit
from epigrid.core.access import public
from epigrid.core.audit import client_ip
from epigrid.core.clock import now
from epigrid.monitoring.selfreport_views import page_headers, page_language

UNKNOWN_LIMIT = 20  # requests with a token that opens nothing, per address and minute, per process
POST_LIMIT = 6  # posts per address and minute, per process (a first cheap guard)
MIN_FILL_SECONDS = 3  # a person needs longer than this to read and fill the form
FORM_MAX_AGE = 24 * 3600  # a form left open for a day is shown again with a fresh stamp
STAMP_SALT = "epigrid.clues.community-form"
FIELDS = ("name", "phone", "origin", "arrived_on", "address", "temperature", "clue_kind", "description")
MAX_LENGTHS = {"description": 1200, "arrived_on": 20, "temperature": 10}


def form_stamp(link: CommunityLink) -> str:
    """The signed moment the form was shown, tied to the link (a stamp of another link is forged)."""
    return signing.dumps([link.pk, int(now().timestamp())], salt=STAMP_SALT)


def stamp_age(link: CommunityLink, stamp: str) -> int | None:
    """Seconds since the form was shown; None for a forged, foreign or expired stamp."""
    try:
        link_id, shown = signing.loads(stamp[:200], salt=STAMP_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    age = int(now().timestamp()) - int(shown)
    if link_id != link.pk or age < 0 or age > FORM_MAX_AGE:
        return None
    return age


def _render(
    request: HttpRequest, template: str, context: dict[str, object], status: int = 200
) -> HttpResponse:
    lang = str(context["lang"])
    # Without the site's context processors (user, messages, navigation): the page shows none of them.
    body = get_template(f"clues/{template}").render(
        {**context, "html_lang": "en" if lang == "en" else "zh-CN", **csp_context(request)}
    )
    response = HttpResponse(body, status=status)
    response["Content-Language"] = "en" if lang == "en" else "zh-Hans"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never pass it on
    response["X-Robots-Tag"] = "noindex"
    return response


def _invalid(request: HttpRequest, lang: str, status: int = 404) -> HttpResponse:
    return _render(request, "public_invalid.html", {"lang": lang, "status": status}, status=status)


def _kind(request: HttpRequest) -> str:
    kind = request.POST.get("kind") or request.GET.get("k", "")
    return kind if kind in ResidentEntry.Kind.values else ResidentEntry.Kind.RETURNEE


def _form(
    request: HttpRequest,
    link: CommunityLink,
    lang: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    notice: str = "",
    stamp: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, object] = {
        "lang": lang,
        "village": link.village.name,
        "kind": _kind(request),
        "kinds": ResidentEntry.Kind.choices,
        "clue_kinds": ClueKind.choices,
        "values": values or {},
        "errors": errors or {},
        "notice": notice,
        "stamp": stamp or form_stamp(link),
        "other_lang": "zh-hans" if lang == "en" else "en",
        "other_lang_label": "中文" if lang == "en" else "English",
    }
    return _render(request, "public_form.html", context, status=status)


def _done(request: HttpRequest, lang: str, kind: str) -> HttpResponse:
    return _render(request, "public_done.html", {"lang": lang, "kind": kind})


@public
@csrf_exempt
@page_headers
@require_http_methods(["GET", "POST"])
def community_page(request: HttpRequest, token: str) -> HttpResponse:
    lang = page_language(request)
    with translation.override(lang):
        address = client_ip(request) or "-"
        link = link_resolve(token)
        if link is None:
            if not ratelimit.allow("clues-unknown", address, limit=UNKNOWN_LIMIT, window=60):
                return _invalid(request, lang, status=429)
            return _invalid(request, lang)
        if request.method != "POST":
            return _form(request, link, lang)
        if not ratelimit.allow("clues-post", address, limit=POST_LIMIT, window=60):
            return _invalid(request, lang, status=429)
        return _submit(request, link, lang, address)


def _submit(request: HttpRequest, link: CommunityLink, lang: str, address: str) -> HttpResponse:
    kind = _kind(request)
    values = {name: request.POST.get(name, "")[: MAX_LENGTHS.get(name, 120)] for name in FIELDS}
    if request.POST.get("website", ""):
        return _done(request, lang, kind)  # the honeypot: only a robot fills a field nobody sees
    stamp = request.POST.get("t", "")
    age = stamp_age(link, stamp)
    if age is None:
        notice = _("页面已过期，请核对后再提交一次。")
        return _form(request, link, lang, values=values, notice=notice, status=400)
    if age < MIN_FILL_SECONDS:
        notice = _("提交太快了，请核对后再提交一次。")
        return _form(request, link, lang, values=values, notice=notice, stamp=stamp, status=400)
    data = EntryInput(kind=kind, **values)
    try:
        result = entry_submit(link=link, data=data, address=address)
    except ClueInvalid as exc:
        errors = exc.by_field
        return _form(request, link, lang, values=values, errors=errors, stamp=stamp, status=400)
    if result.refused == LIMITED:
        return _invalid(request, lang, status=429)
    if result.refused == CLOSED:
        return _invalid(request, lang)
    return _done(request, lang, kind)

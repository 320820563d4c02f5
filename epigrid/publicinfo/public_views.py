"""The public pages: no login, aggregate figures only, cacheable by anyone in between.

``/public/`` lists the districts; ``/public/<code>/`` is a district's or town's page (figures as of
the last daily cut-off, risk levels with their reasons, the latest bulletin, guidance and hotlines);
``/public/<code>/feed.json`` is the same as JSON; ``/public/<code>/bulletins/`` and
``/public/<code>/bulletins/<day>/`` are the published bulletins.

Access: ``@public`` on purpose: nothing personal is read. A page reads one snapshot row (counts,
``figures``), the published bulletins and the notices of its region: no query touches a person's row.

Caching: every answer carries ``Cache-Control: public, max-age=N`` (``EPIGRID_PUBLIC_CACHE_SECONDS``,
60) and an ETag (a conditional request gets 304), so a proxy or a browser keeps it; and
``cache_wsgi.PublicPageCache`` keeps the whole answer in the web process for N seconds and replays it
without Django, which is what lets one office PC take a spike of thousands of requests a second.
Language: ``?lang=en`` or ``?lang=zh-hans``, otherwise the language Django chose for the request.

Rate limit: the cache keys on the whole query string and answers only 200s, so a request with a query
other than ``lang`` or for a region that does not exist reaches Django every time. Those are counted per
client address (``core.ratelimit.allow``, per process): past ``ODD_LIMIT`` a minute the answer is 429
with a plain message and ``Retry-After``. The pages' own URLs are not counted: each reaches Django once
per cache period and process, and many residents share one carrier address (mobile NAT); a cached
replay never reaches Django and costs less than counting it would.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from epigrid.core import ratelimit
from epigrid.core.access import public
from epigrid.core.audit import client_ip
from epigrid.monitoring.selfreport_views import page_language
from epigrid.publicinfo import presenters
from epigrid.publicinfo.selectors import (
    active_notices,
    public_districts,
    public_region,
    published_bulletin,
    published_bulletins,
    snapshot_get,
)

CACHE_HEADER = "X-Epigrid-Public-Cache"  # the view's consent to ``cache_wsgi``; removed before sending
ODD_LIMIT = 60  # requests per address and minute (per process) that the cache cannot answer
LIMIT_WINDOW = 60
LANGUAGE_ONLY = {"lang"}


def cache_seconds() -> int:
    return int(getattr(settings, "EPIGRID_PUBLIC_CACHE_SECONDS", 60))


def _answer(request: HttpRequest, body: bytes, content_type: str, lang: str) -> HttpResponse:
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type=content_type)
    seconds = cache_seconds()
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={seconds}"
    response["Content-Language"] = lang
    if response.status_code == 200 and seconds:
        response[CACHE_HEADER] = str(seconds)
    return response


def _page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    lang = page_language(request)
    with translation.override(lang):
        body = get_template(f"publicinfo/{template}").render({**context, "lang": lang})
    return _answer(request, body.encode(), "text/html; charset=utf-8", lang)


def _too_many(request: HttpRequest, *, json_answer: bool) -> HttpResponse:
    lang = page_language(request)
    with translation.override(lang):
        if json_answer:
            body = json.dumps({"detail": _("请求过于频繁，请一分钟后再试。")}, ensure_ascii=False).encode()
            response = HttpResponse(body, content_type="application/json; charset=utf-8", status=429)
        else:
            page = get_template("publicinfo/public_limited.html").render({"lang": lang})
            response = HttpResponse(page.encode(), content_type="text/html; charset=utf-8", status=429)
    response["Retry-After"] = str(LIMIT_WINDOW)
    response["Cache-Control"] = "no-store"
    return response


def _allow(address: str) -> bool:
    return ratelimit.allow("public-odd", address, limit=ODD_LIMIT, window=LIMIT_WINDOW)


def limited[View: Callable[..., HttpResponse]](*, json_answer: bool = False) -> Callable[[View], View]:
    """Count the requests the cache cannot answer (an odd query, an unknown region) per address."""

    def decorate(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            address = client_ip(request) or "-"
            odd = bool(set(request.GET) - LANGUAGE_ONLY)
            if odd and not _allow(address):
                return _too_many(request, json_answer=json_answer)
            try:
                return view(request, *args, **kwargs)
            except Http404:
                if not odd and not _allow(address):
                    return _too_many(request, json_answer=json_answer)
                raise

        return inner  # type: ignore[return-value]

    return decorate


@public
@require_safe
@limited()
def public_index(request: HttpRequest) -> HttpResponse:
    return _page(request, "public_index.html", {"districts": public_districts()})


@public
@require_safe
@limited()
def public_page(request: HttpRequest, code: str) -> HttpResponse:
    region = public_region(code)
    data = snapshot_get(region)
    lang = page_language(request)
    with translation.override(lang):
        view = presenters.public_view(data, english=lang == "en")
    bulletins = published_bulletins(region, limit=5)
    return _page(
        request,
        "public_page.html",
        {
            "region": region,
            "view": view,
            "bulletin": bulletins[0] if bulletins else None,
            "earlier": bulletins[1:],
            "notices": active_notices(region),
        },
    )


@public
@require_safe
@limited(json_answer=True)
def public_feed(request: HttpRequest, code: str) -> HttpResponse:
    region = public_region(code)
    data = snapshot_get(region)
    bulletins = published_bulletins(region, limit=1)
    feed = presenters.feed(data, bulletins[0] if bulletins else None, active_notices(region))
    body = json.dumps(feed, ensure_ascii=False, separators=(",", ":")).encode()
    return _answer(request, body, "application/json; charset=utf-8", "zh-hans")


@public
@require_safe
@limited()
def public_bulletins(request: HttpRequest, code: str) -> HttpResponse:
    region = public_region(code)
    return _page(
        request, "public_bulletins.html", {"region": region, "bulletins": published_bulletins(region, 365)}
    )


@public
@require_safe
@limited()
def public_bulletin(request: HttpRequest, code: str, day: str) -> HttpResponse:
    region = public_region(code)
    try:
        parsed = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404 from None
    bulletin = published_bulletin(region, parsed)
    return _page(request, "public_bulletin.html", {"region": region, "bulletin": bulletin})

"""The personal self-report page ``/r/<token>/``: no log-in, one small form, a clear confirmation.

Access: declared ``@public`` on purpose. The page is opened by whoever holds the unguessable link
(192 random bits, only their SHA-256 stored), like a password-reset link; it shows no identifier — the
name masked to its first character ("张*"), the day and the slot — and nothing at all for a token
that is forged, revoked or belongs to a closed episode (a plain 404 page). No session, no cookie: the
POST is ``csrf_exempt`` because a phone opening the link from WeChat has no session to tie a CSRF
token to; what a forged cross-site POST would need is the token itself, and then it could post
anyway. Submissions and unknown tokens are rate-limited per client address (``ratelimit``).

The page is self-contained (inline CSS under a CSP nonce, no script, no external resource) and far
below 30 KB, so it loads on a weak connection and in WeChat's built-in browser. Language: ``?lang=en``
or ``?lang=zh-hans``, otherwise the browser's Accept-Language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.template.context_processors import csp as csp_context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from epigrid.core import ratelimit
from epigrid.core.access import public
from epigrid.core.audit import client_ip
from epigrid.core.clock import now
from epigrid.lib.masking import mask_name
from epigrid.monitoring import selfreport
from epigrid.monitoring.checks import CheckInvalid, link_resolve, parse_temperature
from epigrid.monitoring.models import ReportLink
from epigrid.monitoring.policy import slot_at, slots
from epigrid.monitoring.selfreport_page import done_page
from epigrid.people.models import Symptom

# Requests with a token that opens nothing, per client address, counted in each web worker process
# (cheap: no database round trip). Submissions are limited across processes by ``selfreport``.
UNKNOWN_LIMIT = 20  # requests with a token that opens nothing
UNKNOWN_WINDOW = 60

# Slot labels are policy data; the usual ones are translated.
SLOT_LABELS = {"上午": gettext_lazy("上午"), "下午": gettext_lazy("下午"), "晚上": gettext_lazy("晚上")}

PAGE_CSP: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.NONCE], "form-action": [CSP.SELF]}


def page_headers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """What every answer of the page carries: no caching, the page's own CSP (inline style by nonce).

    Used on the view and on ``submission_answer``, the answer the WSGI fast path
    (``selfreport_wsgi``) gives after it has submitted.
    """
    return never_cache(csp_override(PAGE_CSP)(view))


def page_language(request: HttpRequest) -> str:
    wanted = request.GET.get("lang", "")
    if wanted in ("en", "zh-hans"):
        return wanted
    return "en" if str(getattr(request, "LANGUAGE_CODE", "")).startswith("en") else "zh-hans"


def _slot_label(label: str) -> str:
    return str(SLOT_LABELS.get(label, label))


def _symptom_label(key: str) -> str:
    return str(Symptom(key).label) if key in Symptom.values else key


def _page(request: HttpRequest, template: str, context: dict[str, object], status: int = 200) -> HttpResponse:
    lang = context["lang"]
    # Rendered without the site's context processors (user, messages, navigation): the page shows none
    # of them, and it is the busiest page of all. Only the CSP nonce of its inline style is needed.
    body = get_template(f"monitoring/{template}").render({**context, **csp_context(request)})
    return _answer(body, str(lang), status)


def _answer(body: str, lang: str, status: int) -> HttpResponse:
    response = HttpResponse(body, status=status)
    response["Content-Language"] = "en" if lang == "en" else "zh-Hans"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL: never pass it on
    response["X-Robots-Tag"] = "noindex"
    return response


def _invalid(request: HttpRequest, lang: str, status: int = 404) -> HttpResponse:
    context: dict[str, object] = {
        "lang": lang,
        "html_lang": "en" if lang == "en" else "zh-CN",
        "status": status,
    }
    return _page(request, "selfreport_invalid.html", context, status=status)


@public
@csrf_exempt
@page_headers
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    lang = page_language(request)
    with translation.override(lang):
        address = client_ip(request) or "-"
        link = selfreport.link_for_submission(token) if request.method == "POST" else link_resolve(token)
        if link is None:
            if not ratelimit.allow("selfreport-unknown", address, limit=UNKNOWN_LIMIT, window=UNKNOWN_WINDOW):
                return _invalid(request, lang, status=429)
            return _invalid(request, lang)
        if request.method == "POST":
            # A first cheap guard in this process; the exact count across processes is taken when the
            # submission is written (``selfreport.record_batch``).
            if not ratelimit.allow(
                "selfreport-post", address, limit=selfreport.SUBMIT_LIMIT, window=selfreport.SUBMIT_WINDOW
            ):
                return _invalid(request, lang, status=429)
            return _submit(request, link, lang, address, token)
        return _form(request, link, lang)


def _context(link: ReportLink, lang: str, **extra: object) -> dict[str, object]:
    episode = link.episode
    policy = episode.policy
    moment = now()
    day_slots = {s.key: s.label for s in slots(policy)}
    current = slot_at(policy, moment)
    return {
        "lang": lang,
        "html_lang": "en" if lang == "en" else "zh-CN",
        "name": mask_name(episode.person.name),
        "day": timezone.localdate(moment),
        "slot": current,
        "slot_label": _slot_label(day_slots.get(current, current)),
        "symptoms": [(key, _symptom_label(key)) for key in policy.symptoms],
        "other_lang": "zh-hans" if lang == "en" else "en",
        "other_lang_label": "中文" if lang == "en" else "English",
        **extra,
    }


def _form(request: HttpRequest, link: ReportLink, lang: str) -> HttpResponse:
    return _page(request, "selfreport.html", _context(link, lang, ticked=[], went_out=False))


@dataclass(frozen=True)
class Reading:
    """What the form sent, read the one way both the view and the WSGI fast path read it."""

    slot: str
    ticked: list[str]
    went_out: bool
    typed: str  # the temperature as typed, cut to 10 characters


def reading_from(data: QueryDict, link: ReportLink, moment: dt.datetime) -> Reading:
    """Read the posted form; a slot the policy does not know is the slot of ``moment``."""
    policy = link.episode.policy
    slot = data.get("slot", "")
    if slot not in policy.slot_keys:
        slot = slot_at(policy, moment)
    typed = data.get("temperature", "")[:10]
    return Reading(
        slot=slot, ticked=data.getlist("symptoms"), went_out=data.get("went_out") == "1", typed=typed
    )


def reading_prepare(
    link: ReportLink, reading: Reading, address: str, moment: dt.datetime
) -> selfreport.Submission:
    """Validate the reading for the link's episode (``CheckInvalid`` lists every problem)."""
    return selfreport.submission_prepare(
        link, slot=reading.slot, temperature=parse_temperature(reading.typed), symptoms=reading.ticked,
        went_out=reading.went_out, address=address, moment=moment,
    )  # fmt: skip


def _submit(request: HttpRequest, link: ReportLink, lang: str, address: str, token: str) -> HttpResponse:
    moment = now()
    reading = reading_from(request.POST, link, moment)
    try:
        prepared = reading_prepare(link, reading, address, moment)
    except CheckInvalid as exc:
        errors = [str(e.message) for e in exc.errors]
        context = _context(
            link, lang, ticked=reading.ticked, went_out=reading.went_out, typed=reading.typed, errors=errors
        )
        return _page(request, "selfreport.html", context, status=400)
    return _submitted(request, link, lang, token, selfreport.submit(prepared))


def _submitted(
    request: HttpRequest, link: ReportLink, lang: str, token: str, outcome: selfreport.Submission
) -> HttpResponse:
    """The answer to a submission once ``selfreport.submit`` has returned (written, refused or failed)."""
    if outcome.refused == selfreport.LIMITED:
        return _invalid(request, lang, status=429)
    if outcome.refused == selfreport.CLOSED:
        selfreport.link_forget(token)
        return _invalid(request, lang)
    check = outcome.check
    if check is None:  # the group's transaction failed (the database is down or restarting)
        return _invalid(request, lang, status=503)
    day_slots = {s.key: s.label for s in slots(link.episode.policy)}
    body = done_page(
        lang=lang,
        nonce=str(csp_context(request)["csp_nonce"]),
        temperature=check.temperature,
        day=check.day,
        slot_label=_slot_label(day_slots.get(check.slot, check.slot)),
        at=timezone.localtime(check.recorded_at),
        symptoms=[_symptom_label(s) for s in check.symptoms],
        fever=check.fever,
    )
    return _answer(body, lang, 200)


# The answer after a submission with the page's headers, as the view gives it (for the fast path).
submission_answer = page_headers(_submitted)

# The page that says a request failed after its submission was handed over (for the fast path).
unavailable_answer = page_headers(lambda request, lang: _invalid(request, lang, status=503))

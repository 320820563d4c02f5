"""A short way through for self-report submissions, around Django's WSGI application.

The busiest request of all is a phone's ``POST /r/<token>/``. Through Django it passes eleven
middlewares, the URL resolver and the view's decorators, which cost about as much CPU as the work of
the submission itself. ``SelfReportFastPath`` answers that request's usual case in place, with the
view's own pieces (``selfreport_views``: the form's reading, its validation, the answer after a
submission and the page's headers) and Django's own request, middleware response steps and signals:

- only a POST to exactly ``/r/<token>/`` with a form-encoded body of at most ``MAX_BODY`` bytes is
  looked at; anything else goes to Django untouched;
- the body is read once and put back (``wsgi.input``) for Django whenever the request goes on there;
- it goes on there for everything but the happy path, decided before anything is written: a host not
  allowed, the https redirect, a token that opens nothing, a reading that does not validate, the
  address over its limit, any exception;
- once ``selfreport.submit`` has been called the submission is never handed on (it would be written
  twice): the answer is the view's (``selfreport_views.submission_answer``), or, if building it fails,
  the view's 503 page.

Headers: the response passes the same response steps as through Django (SecurityMiddleware,
XFrameOptionsMiddleware, ContentSecurityPolicyMiddleware, LocaleMiddleware's Vary, CommonMiddleware's
Content-Length) and the view's decorators (``page_headers``); ``tests/monitoring/test_selfreport_wsgi.py``
compares the two paths header by header. ``request_started`` and ``request_finished`` are sent as
Django's handler sends them, so database connections are checked and recycled the same way.

Switched off with ``EPIGRID_SELFREPORT_FAST_PATH=0``.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterable
from typing import IO
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from django.core import signals
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest, get_script_name
from django.http import HttpResponse
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_header_parameters

from epigrid.core import ratelimit
from epigrid.core.audit import client_ip
from epigrid.core.clock import now
from epigrid.monitoring import selfreport
from epigrid.monitoring.selfreport_views import (
    page_language,
    reading_from,
    reading_prepare,
    submission_answer,
    unavailable_answer,
)

logger = logging.getLogger(__name__)

# The page's URL (``path("r/<str:token>/")``) for the tokens links are made with (``secrets``'
# URL-safe alphabet); any other token is Django's to answer.
PATH = re.compile(r"/r/([A-Za-z0-9_-]{1,200})/")
MAX_BODY = 4096  # the form is a few dozen bytes; a larger body is Django's (and its limits')
FORM = "application/x-www-form-urlencoded"


def _unused(_request: object) -> HttpResponse:  # the middlewares below are only asked for their steps
    raise NotImplementedError


class SelfReportFastPath:
    """WSGI application: the self-report submissions' happy path here, everything else to ``app``."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app
        self._security = SecurityMiddleware(_unused)
        self._frames = XFrameOptionsMiddleware(_unused)
        self._csp = ContentSecurityPolicyMiddleware(_unused)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST":
            return self.app(environ, start_response)
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        body = _form_body(environ) if match else None
        if match is None or body is None:
            return self.app(environ, start_response)
        try:
            response = self._answer(environ, match.group(1), body)
        finally:
            environ["wsgi.input"] = io.BytesIO(body)  # whatever happened, Django can read it again
        if response is None:
            return self.app(environ, start_response)
        start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
        return response

    def _answer(self, environ: WSGIEnvironment, token: str, body: bytes) -> HttpResponse | None:
        """The response to a submission, or None: Django is to answer (nothing was submitted)."""
        try:
            set_script_prefix(get_script_name(environ))
            signals.request_started.send(sender=WSGIHandler, environ=environ)
            request = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)})
            request.get_host()  # DisallowedHost: Django's 400
            if self._security.process_request(request) is not None:  # the https redirect
                return None
            self._csp.process_request(request)
            # As LocaleMiddleware (the site has no language prefixes in its URLs).
            request.LANGUAGE_CODE = translation.get_language_from_request(request)
            lang = page_language(request)
            address = client_ip(request) or "-"
            link = selfreport.link_for_submission(token)
            if link is None:
                return None
            moment = now()
            with translation.override(lang):
                prepared = reading_prepare(link, reading_from(request.POST, link, moment), address, moment)
            # Last, so that a request handed on is counted once, by the view.
            if not ratelimit.allow(
                "selfreport-post", address, limit=selfreport.SUBMIT_LIMIT, window=selfreport.SUBMIT_WINDOW
            ):
                return None
        except Exception:  # Django answers it: a validation error, a fault, whatever
            return None
        # From here on the submission may be written: never hand it on.
        try:
            with translation.override(lang):
                response = submission_answer(request, link, lang, token, selfreport.submit(prepared))
        except Exception as exc:
            # The class only: a message can quote the values of a row.
            logger.error("self-report answered 503 after its submission: %s", type(exc).__name__)
            try:
                with translation.override(lang):
                    response = unavailable_answer(request, lang)
            except Exception:
                response = HttpResponse("Service unavailable", status=503, content_type="text/plain")
        return self._finish(request, response)

    def _finish(self, request: WSGIRequest, response: HttpResponse) -> HttpResponse:
        """The response steps of Django's middlewares that touch this page's answer, in their order."""
        self._csp.process_response(request, response)
        self._frames.process_response(request, response)
        if not response.has_header("Content-Length"):  # CommonMiddleware
            response.headers["Content-Length"] = str(len(response.content))
        patch_vary_headers(response, ("Accept-Language",))  # LocaleMiddleware
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        self._security.process_response(request, response)
        # Closing the response (the server does, once it is sent) sends ``request_finished``.
        response._handler_class = WSGIHandler  # type: ignore[attr-defined]
        return response


def _form_body(environ: WSGIEnvironment) -> bytes | None:
    """The body of a small form-encoded request, read whole; None (nothing read) for any other."""
    content_type, params = parse_header_parameters(environ.get("CONTENT_TYPE", ""))
    if content_type != FORM or params.get("charset", "utf-8").lower() != "utf-8":
        return None
    try:
        length = int(environ.get("CONTENT_LENGTH") or "")
    except ValueError:
        return None
    if not 0 < length <= MAX_BODY:
        return None
    stream: IO[bytes] = environ["wsgi.input"]
    chunks: list[bytes] = []
    left = length
    while left > 0:
        chunk = stream.read(left)
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)

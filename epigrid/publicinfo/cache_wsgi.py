"""Keep the public pages' answers in the web process and replay them without Django for a minute.

A public page is the same for everyone asking in the same language, changes once a day (the cut-off)
or when staff publish, and is what a crowd opens when a bulletin goes round in group chats. Through
Django an answer costs its eleven middlewares, the URL resolver and the view even when the view reads
one row; replayed from memory it costs a dictionary lookup. ``PublicPageCache`` wraps the WSGI
application:

- only ``GET``/``HEAD`` under ``/public/`` are looked at (not ``/public/manage/``, the staff pages);
- an answer is kept only when the view consented (``public_views.CACHE_HEADER``, removed before any
  answer leaves), it is a 200, and it sets no cookie; it is kept for the seconds the view said
  (``EPIGRID_PUBLIC_CACHE_SECONDS``), so a published bulletin shows within that time;
- the key is everything the answer depends on: host, scheme, path, query string, ``Accept-Language``
  and the language cookie; an answer for a host Django would refuse is never stored (it is not a 200);
- a conditional request whose ``If-None-Match`` holds the kept ETag gets 304 from memory;
- at most ``MAX_ENTRIES`` answers are kept (least recently used go first), per process.

Replayed answers carry the headers Django gave them (security headers, CSP, Vary, ETag,
Cache-Control). Switched off with ``EPIGRID_PUBLIC_CACHE_SECONDS=0``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from epigrid.publicinfo.public_views import CACHE_HEADER

PREFIX = "/public/"
EXCLUDED = "/public/manage/"
MAX_ENTRIES = 512
_CONSENT = CACHE_HEADER.lower()


@dataclass(frozen=True)
class _Entry:
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    expires: float


def _language_cookie(environ: WSGIEnvironment) -> str:
    cookie = environ.get("HTTP_COOKIE", "")
    if "django_language=" not in cookie:
        return ""
    for part in cookie.split(";"):
        name, _, value = part.strip().partition("=")
        if name == "django_language":
            return str(value)
    return ""


class PublicPageCache:
    def __init__(self, application: WSGIApplication, max_entries: int = MAX_ENTRIES) -> None:
        self.application = application
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _key(self, environ: WSGIEnvironment) -> tuple[str, ...]:
        return (
            str(environ.get("HTTP_HOST", environ.get("SERVER_NAME", ""))),
            str(environ.get("wsgi.url_scheme", "http")),
            str(environ.get("HTTP_X_FORWARDED_PROTO", "")),
            str(environ.get("PATH_INFO", "")),
            str(environ.get("QUERY_STRING", "")),
            str(environ.get("HTTP_ACCEPT_LANGUAGE", "")),
            _language_cookie(environ),
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if method not in ("GET", "HEAD") or not path.startswith(PREFIX) or path.startswith(EXCLUDED):
            return self.application(environ, start_response)
        key = self._key(environ)
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry.expires > time.monotonic():
                    self._entries.move_to_end(key)
                else:
                    del self._entries[key]
                    entry = None
        if entry is not None:
            return self._replay(entry, environ, start_response, head=method == "HEAD")
        return self._through(key, environ, start_response)

    @staticmethod
    def _replay(
        entry: _Entry, environ: WSGIEnvironment, start_response: StartResponse, *, head: bool
    ) -> Iterable[bytes]:
        if entry.etag and entry.etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            kept = [(k, v) for k, v in entry.headers if k.lower() not in ("content-length", "content-type")]
            start_response("304 Not Modified", kept)
            return [b""]
        start_response(entry.status, entry.headers)
        return [b""] if head else [entry.body]

    def _through(
        self, key: tuple[str, ...], environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        captured: dict[str, str] = {}
        kept_headers: list[tuple[str, str]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept_headers[:] = [(k, v) for k, v in headers if k.lower() != _CONSENT]
            captured["status"] = status
            captured["seconds"] = next((v for k, v in headers if k.lower() == _CONSENT), "")
            if exc_info:
                return start_response(status, kept_headers, exc_info)
            return start_response(status, kept_headers)

        result = self.application(environ, capture)
        seconds = captured.get("seconds", "")
        status = captured.get("status", "")
        headers = list(kept_headers)
        storable = (
            environ.get("REQUEST_METHOD") == "GET"
            and status.startswith("200")
            and seconds.isdigit()
            and int(seconds) > 0
            and not any(k.lower() == "set-cookie" for k, _ in headers)
        )
        if not storable:
            return result
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        etag = next((v for k, v in headers if k.lower() == "etag"), "")
        entry = _Entry(status, headers, body, etag, time.monotonic() + int(seconds))
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return [body]

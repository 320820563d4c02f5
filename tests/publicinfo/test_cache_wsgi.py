"""The public pages' cache in the web process: the second request is answered from memory without
Django or the database, a conditional one gets 304, staff pages, posts, cookies and errors pass by."""

from __future__ import annotations

import io
from collections.abc import Iterable

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from epigrid.publicinfo.cache_wsgi import PublicPageCache
from epigrid.publicinfo.public_views import CACHE_HEADER


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """As Django's test client does: the request signals would close it inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Counting:
    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        self.calls += 1
        return self.django(environ, start_response)


def call(app, path: str, method: str = "GET", **headers: str) -> tuple[str, dict[str, str], bytes]:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": io.StringIO(),
        "CONTENT_LENGTH": "0",
        **{f"HTTP_{k.upper()}": v for k, v in headers.items()},
    }
    answer: dict[str, object] = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    body = b"".join(app(environ, start_response))
    return str(answer["status"]), answer["headers"], body  # type: ignore[return-value]


def test_the_second_request_is_replayed_without_django(world):
    app = Counting()
    cache = PublicPageCache(app)
    path = f"/public/{world.district.code}/"
    status, headers, body = call(cache, path)
    assert status.startswith("200") and CACHE_HEADER not in headers and app.calls == 1
    with CaptureQueriesContext(connection) as queries:
        again_status, again_headers, again_body = call(cache, path)
    assert again_status.startswith("200") and again_body == body and app.calls == 1
    assert len(queries) == 0
    assert again_headers["Content-Security-Policy"] == headers["Content-Security-Policy"]
    status_304, _, empty = call(cache, path, if_none_match=headers["ETag"])
    assert status_304.startswith("304") and empty == b""
    # Another language is another answer.
    call(cache, path, accept_language="en")
    assert app.calls == 2


def test_staff_pages_posts_and_errors_are_not_kept(world):
    app = Counting()
    cache = PublicPageCache(app)
    for _ in range(2):
        call(cache, f"/public/manage/{world.district.pk}/")
        call(cache, "/public/000000/")
        call(cache, f"/public/{world.district.code}/", method="POST")
    assert app.calls == 6


def test_entries_are_bounded(world):
    app = Counting()
    cache = PublicPageCache(app, max_entries=1)
    call(cache, f"/public/{world.district.code}/")
    call(cache, f"/public/{world.town.code}/")
    call(cache, f"/public/{world.district.code}/")
    assert app.calls == 3

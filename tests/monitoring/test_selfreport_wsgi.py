"""The WSGI fast path of self-report submissions: the same answer as Django's, headers included; every
case but the happy path goes to Django with its body intact; a submission is never handed on twice."""

from __future__ import annotations

import io
import re
import sys
import urllib.parse
from collections.abc import Iterable
from wsgiref.types import StartResponse, WSGIEnvironment

import pytest
import time_machine
from django.core import signals
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.utils import timezone

from epigrid import config
from epigrid.core.models import AuditEvent
from epigrid.monitoring import selfreport, selfreport_views, selfreport_wsgi
from epigrid.monitoring.checks import link_create
from epigrid.monitoring.models import Episode, HealthCheck
from epigrid.monitoring.selfreport_wsgi import SelfReportFastPath

FORM = "application/x-www-form-urlencoded"
NONCE = re.compile(r"nonce-[A-Za-z0-9_-]+|nonce=\"[A-Za-z0-9_-]+\"")


@pytest.fixture(autouse=True)
def _isolated(monkeypatch):
    """Fresh rate counters and link copies; the test's connection kept open (as Django's test client
    does: the request signals would close it inside the test's transaction)."""
    caches["default"].clear()
    selfreport._links.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    caches["default"].clear()
    selfreport._links.clear()


@pytest.fixture
def frozen(monkeypatch):
    """One moment for both paths, so that the confirmation's time is the same — and the clock stopped,
    so that the two answers' ``Expires`` headers (``never_cache``: now, to the second) cannot fall on
    either side of a second (that made this comparison fail now and then on a busy host)."""
    moment = timezone.now()
    monkeypatch.setattr(selfreport_views, "now", lambda: moment)
    monkeypatch.setattr(selfreport_wsgi, "now", lambda: moment)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def linked(world, open_episode):
    episode = open_episode(world.zhang)
    _link, token = link_create(actor=world.grid_worker_a, episode=episode)
    return episode, token


class Spy:
    """Django's application, noting the body of every request handed to it."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.bodies: list[bytes] = []

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        self.bodies.append(body)
        environ["wsgi.input"] = io.BytesIO(body)
        return self.django(environ, start_response)


@pytest.fixture
def apps():
    spy = Spy()
    return spy, SelfReportFastPath(spy)


def environ(
    token: str, data: dict[str, object] | bytes | None = None, *, method: str = "POST", query: str = "",
    accept: str = "zh-CN,zh;q=0.9", remote: str = "10.1.0.1", content_type: str = FORM,
    host: str = "testserver",
) -> WSGIEnvironment:  # fmt: skip
    if data is None:
        data = {"temperature": "36.6", "went_out": "0"}
    body = data if isinstance(data, bytes) else urllib.parse.urlencode(data, doseq=True).encode()
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": f"/r/{token}/",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "HTTP_ACCEPT_LANGUAGE": accept,
        "REMOTE_ADDR": remote,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def call(app, env: WSGIEnvironment) -> tuple[int, dict[str, str], str]:
    seen: dict[str, object] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        seen["status"], seen["headers"] = status, headers

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = seen["headers"]
    assert isinstance(headers, list)
    names = [name.lower() for name, _ in headers]
    assert len(names) == len(set(names))
    return int(str(seen["status"]).split()[0]), dict(headers), body.decode()


def without_nonce(text: str) -> str:
    return NONCE.sub("nonce-N", text)


@pytest.mark.parametrize(
    ("query", "accept", "words"),
    [
        ("", "zh-CN,zh;q=0.9", ('<html lang="zh-CN">', "已收到您的报告")),
        ("", "en-US,en;q=0.9", ('<html lang="en">', "Temperature")),
        ("lang=en", "zh-CN", ('<html lang="en">', "Temperature")),
        ("lang=zh-hans", "en", ('<html lang="zh-CN">', "已收到您的报告")),
    ],
)
def test_the_fast_path_answers_as_django_does(linked, apps, frozen, query, accept, words):
    _episode, token = linked
    spy, fast = apps
    data = {"temperature": "38.1", "symptoms": ["cough"], "went_out": "1", "slot": "am"}
    slow = call(spy.django, environ(token, data, query=query, accept=accept, remote="10.1.0.1"))
    quick = call(fast, environ(token, data, query=query, accept=accept, remote="10.1.0.2"))
    assert spy.bodies == []  # answered by the fast path
    assert slow[0] == quick[0] == 200
    assert {k: without_nonce(v) for k, v in slow[1].items()} == {
        k: without_nonce(v) for k, v in quick[1].items()
    }
    assert without_nonce(slow[2]) == without_nonce(quick[2])
    assert all(word in quick[2] for word in words)
    # A fresh nonce per answer, the same in the header and the inline style.
    nonce = re.search(r"'nonce-([^']+)'", quick[1]["Content-Security-Policy"])
    assert nonce and f'nonce="{nonce.group(1)}"' in quick[2] and nonce.group(1) not in slow[2]
    assert {"Expires", "X-Frame-Options", "Cross-Origin-Opener-Policy", "Vary"} <= set(quick[1])
    assert quick[1]["Referrer-Policy"] == "no-referrer" and "private" in quick[1]["Cache-Control"]
    assert int(quick[1]["Content-Length"]) == len(quick[2].encode())


def test_a_fast_submission_is_recorded_once_with_its_audit_event(linked, apps):
    episode, token = linked
    spy, fast = apps
    started: list[object] = []
    finished: list[object] = []

    def on_start(**kwargs: object) -> None:
        started.append(kwargs)

    def on_finish(**kwargs: object) -> None:
        finished.append(kwargs)

    signals.request_started.connect(on_start)
    signals.request_finished.connect(on_finish)
    try:
        status, _headers, body = call(fast, environ(token, remote="10.1.0.7"))
    finally:
        signals.request_started.disconnect(on_start)
        signals.request_finished.disconnect(on_finish)
    assert status == 200 and "36.6 °C" in body and spy.bodies == []
    assert len(started) == 1 and len(finished) == 1
    check = HealthCheck.objects.get()
    assert check.episode == episode and check.channel == HealthCheck.Channel.SELF
    event = AuditEvent.objects.get(object_type="health_check")
    assert event.ip == "10.1.0.7" and event.user is None and event.object_id == str(check.pk)


def test_other_requests_go_to_django_with_their_body(db, linked, apps, monkeypatch):
    _episode, token = linked
    spy, fast = apps
    # A token that opens nothing.
    env = environ("forged" + token[6:])
    sent = env["wsgi.input"].getvalue()
    status, _h, body = call(fast, env)
    assert status == 404 and "链接无效或已收回" in body and spy.bodies == [sent]
    # A reading that does not validate: the view's page and message.
    env = environ(token, {"temperature": "30", "went_out": "0"})
    status, _h, body = call(fast, env)
    assert status == 400 and "34.0至43.0" in body and spy.bodies[-1] == env["wsgi.input"].getvalue()
    # Not a form post, or not a POST: Django's, untouched.
    status, _h, _b = call(fast, environ(token, b'{"temperature": "36.6"}', content_type="application/json"))
    assert status == 400 and len(spy.bodies) == 3  # the view read no form fields: no temperature
    status, _h, body = call(fast, environ(token, method="GET", data=b""))
    assert status == 200 and "<form" in body and len(spy.bodies) == 4
    # A host the site does not answer to.
    status, _h, _b = call(fast, environ(token, host="evil.example"))
    assert status == 400 and len(spy.bodies) == 5
    assert HealthCheck.objects.count() == 0


def test_the_address_over_its_limit_gets_djangos_429(linked, apps, monkeypatch):
    _episode, token = linked
    spy, fast = apps
    monkeypatch.setattr(selfreport, "SUBMIT_LIMIT", 2)
    statuses = [call(fast, environ(token, remote="10.2.0.1"))[0] for _ in range(4)]
    assert statuses == [200, 200, 429, 429]
    assert len(spy.bodies) == 2  # the limited ones, handed on
    assert HealthCheck.objects.count() == 2
    assert call(fast, environ(token, remote="10.2.0.2"))[0] == 200


def test_a_refused_submission_is_answered_here_not_handed_on(linked, apps):
    episode, token = linked
    spy, fast = apps
    assert call(fast, environ(token))[0] == 200  # the link is now this process's copy
    Episode.objects.filter(pk=episode.pk).update(status=Episode.Status.RELEASED)
    status, headers, body = call(fast, environ(token, remote="10.1.0.3"))
    assert status == 404 and "链接无效或已收回" in body and spy.bodies == []
    assert "Content-Security-Policy" in headers and "Expires" in headers
    assert HealthCheck.objects.count() == 1
    assert call(fast, environ(token, remote="10.1.0.4"))[0] == 404  # forgotten: now Django's
    assert len(spy.bodies) == 1


def test_a_fault_before_submitting_goes_to_django_and_after_is_a_503(linked, apps, monkeypatch):
    _episode, token = linked
    spy, fast = apps

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("broken")

    with monkeypatch.context() as m:
        m.setattr(selfreport_wsgi, "reading_prepare", broken)
        assert call(fast, environ(token, remote="10.3.0.1"))[0] == 200
    assert len(spy.bodies) == 1 and HealthCheck.objects.count() == 1  # written once, by Django
    monkeypatch.setattr(selfreport_wsgi, "submission_answer", broken)
    status, headers, body = call(fast, environ(token, remote="10.3.0.2"))
    assert status == 503 and "Traceback" not in body and "broken" not in body
    assert headers["Content-Type"].startswith("text/html") and "Content-Security-Policy" in headers
    assert len(spy.bodies) == 1 and HealthCheck.objects.count() == 2  # not handed on: not written twice


def test_the_fast_path_is_on_unless_switched_off():
    assert config.load({"EPIGRID_MODE": "test"}).selfreport_fast_path is True
    assert (
        config.load({"EPIGRID_MODE": "test", "EPIGRID_SELFREPORT_FAST_PATH": "0"}).selfreport_fast_path
        is False
    )

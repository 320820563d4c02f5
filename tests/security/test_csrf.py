"""CSRF: every URL that takes a POST refuses one without the token (403) and writes nothing.

Pages: Django's CsrfViewMiddleware, with a persona the matrix allows there (so the refusal is CSRF's,
not the role's). API: the session authentication checks the token on unsafe methods
(``epigrid.api.auth.SessionAuth``); a Bearer token is not a cookie a browser sends by itself, so
token clients need none.

Two public pages take POSTs without a CSRF token, on purpose and documented in their modules: the
personal self-report link ``/r/<token>/`` and a village's residents' page ``/clues/p/<token>/``. A phone
opening them from WeChat has no session to tie a token to, and they set no cookie and act for no
account: the capability is the unguessable token in the URL (192 bits, only its hash stored), which a
cross-site forger would need, and with it could post directly anyway. They are rate-limited per address
(tests/security/test_ratelimit.py). Any other exempt view fails here.
"""

from __future__ import annotations

import json

from django.apps import apps
from django.test import Client

from epigrid.core.access import ACCESS_ATTR
from tests.security.matrix_support import API_PREFIX, _walk, matrix_url, prepare, walk_all
from tests.security.matrix_table import POST_ONLY, PUBLIC, STAFF, expected

CSRF_EXEMPT_BY_DESIGN = {"self_report", "clues:community"}
API_CSRF_MESSAGE = "CSRF 校验失败：请在请求头 X-CSRFToken 中带上 csrftoken Cookie 的值"


def _row_counts() -> dict[str, int]:
    # Sessions are left out: force_login makes one per client, before its first request.
    models = [m for m in apps.get_models() if m._meta.managed and m._meta.label != "sessions.Session"]
    return {m._meta.label: m.objects.count() for m in models}


def _persona_for(name: str) -> str | None:
    rule = expected(name)
    if rule == PUBLIC:
        return None
    if rule == POST_ONLY or rule is None:
        return "hq"
    assert isinstance(rule, frozenset)
    return next(p for p in STAFF if p in rule)


def _client(world, persona: str | None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if persona is not None:
        client.force_login(getattr(world, persona))
    return client


def test_only_the_two_token_pages_are_csrf_exempt():
    # The API's views are exempt from the middleware: its session authentication checks the token
    # itself (test_every_api_write_refuses_a_session_without_the_token).
    exempt = {
        name
        for name, route, pattern in _walk_patterns()
        if getattr(pattern.callback, "csrf_exempt", False) and not route.startswith(API_PREFIX)
    }
    assert exempt == CSRF_EXEMPT_BY_DESIGN


def _walk_patterns():
    from django.urls import get_resolver

    return list(_walk(get_resolver()))


def test_the_exempt_pages_set_no_cookie_and_act_for_no_account(world):
    prepare(world)
    for name, route, _methods in walk_all():
        if name not in CSRF_EXEMPT_BY_DESIGN:
            continue
        url, _query = matrix_url(name, route, world)
        client = Client(enforce_csrf_checks=True)
        response = client.post(url, {"temperature": "36.5"})
        assert response.status_code != 403 and response.status_code < 500, name
        assert response.cookies == {}, name
        assert getattr(_pattern(name).callback, ACCESS_ATTR) == "public"


def _pattern(name: str):
    return next(p for n, _r, p in _walk_patterns() if n == name)


def test_every_page_refuses_a_post_without_the_token(world):
    prepare(world)
    clients: dict[str | None, Client] = {}
    before = _row_counts()
    refused, wrong = 0, []
    for name, route, _methods in walk_all():
        if route.startswith(API_PREFIX) or name in CSRF_EXEMPT_BY_DESIGN:
            continue
        persona = _persona_for(name)
        if persona not in clients:
            clients[persona] = _client(world, persona)
        url, _query = matrix_url(name, route, world)
        response = clients[persona].post(url, {"name": "x", "text": "x", "reason": "x"})
        if response.status_code == 403 and b"CSRF" in response.content:
            refused += 1
        else:
            wrong.append(f"{name} as {persona}: {response.status_code}")
    assert wrong == []
    assert refused > 150
    assert _row_counts() == before


def test_the_same_post_with_the_token_reaches_the_form(world):
    client = _client(world, "hq")
    page = client.get("/accounts/password/")
    token = page.cookies["csrftoken"].value
    response = client.post("/accounts/password/", {"csrfmiddlewaretoken": token, "old_password": ""})
    assert response.status_code == 200  # the form again, with its errors: the token was accepted
    assert b"CSRF" not in response.content


def test_every_api_write_refuses_a_session_without_the_token(world):
    prepare(world)
    clients: dict[str | None, Client] = {}
    before = _row_counts()
    wrong = []
    writes = [(n, r, m) for n, r, m in walk_all() if r.startswith(API_PREFIX) and m - {"GET"}]
    for name, route, methods in writes:
        rule = expected(name)
        persona = "hq" if not isinstance(rule, frozenset) or "hq" in rule else next(iter(sorted(rule)))
        if persona not in clients:
            clients[persona] = _client(world, persona)
        url, _query = matrix_url(name, route, world)
        for method in sorted(methods - {"GET"}):
            response = clients[persona].generic(method, url, json.dumps({}), content_type="application/json")
            body = response.content.decode()
            if response.status_code != 403 or json.loads(body).get("detail") != API_CSRF_MESSAGE:
                wrong.append(f"{method} {name}: {response.status_code} {body[:80]}")
    assert wrong == []
    assert len(writes) > 50
    assert _row_counts() == before

"""Rate limits on the public URLs, per client address (``epigrid.core.ratelimit``): 429 with a plain
Chinese message.

Every ``@public`` URL is listed in ``PUBLIC_LIMITS`` with how it is limited, or why it needs no limit;
a new public URL fails ``test_every_public_url_says_how_it_is_limited`` until it is listed.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from epigrid.core.access import ACCESS_ATTR, PUBLIC
from epigrid.publicinfo import public_views
from tests.security.matrix_support import _walk

PUBLIC_LIMITS = {
    "publicinfo:index": "odd queries and unknown regions per address (public_views.limited)",
    "publicinfo:page": "odd queries and unknown regions per address (public_views.limited)",
    "publicinfo:feed": "odd queries and unknown regions per address (public_views.limited)",
    "publicinfo:bulletins": "odd queries and unknown regions per address (public_views.limited)",
    "publicinfo:bulletin": "odd queries and unknown regions per address (public_views.limited)",
    "clues:community": "unknown tokens and posts per address; entries per address and link (entries.py)",
    "self_report": "unknown tokens and submissions per address, in both paths (selfreport_wsgi too)",
    "login": "failures lock the account and the address (core.lockout; tests/security/test_lockout.py)",
    "root": "a redirect to home or to the log-in page: no data",
    "logout": "ends the caller's own session",
    "set_language": "writes a cookie and redirects: no data read",
    "healthz": "one query, no data; answered for the load balancer",
    "api:openapi-json": "the schema, built once per process: no data",
    "api:openapi-view": "a static page: no data",
    "api:api-root": "a JSON 404: no data",
    "api:not-found": "a JSON 404: no data",
}
TOO_MANY = "来自您网络地址的请求过多，请一分钟后再试。"


def test_every_public_url_says_how_it_is_limited():
    from django.urls import get_resolver

    public = {
        name for name, _route, p in _walk(get_resolver()) if getattr(p.callback, ACCESS_ATTR, None) == PUBLIC
    }
    assert public == set(PUBLIC_LIMITS)


@pytest.fixture
def low_limit(monkeypatch):
    monkeypatch.setattr(public_views, "ODD_LIMIT", 3)


def test_cache_busting_queries_from_one_address_get_429(world, low_limit):
    code = world.district.code
    client = Client(REMOTE_ADDR="10.5.0.1")
    statuses = [client.get(f"/public/{code}/", {"x": i}).status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    response = client.get(f"/public/{code}/", {"x": "again"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert response["Retry-After"] == "60"
    assert response["Cache-Control"] == "no-store"
    # the page itself (no query, or only the language) is not counted: the cache answers it
    assert client.get(f"/public/{code}/").status_code == 200
    assert client.get(f"/public/{code}/", {"lang": "en"}).status_code == 200
    # another address is not affected
    assert Client(REMOTE_ADDR="10.5.0.2").get(f"/public/{code}/", {"x": 1}).status_code == 200


def test_unknown_regions_from_one_address_get_429(world, low_limit):
    client = Client(REMOTE_ADDR="10.5.0.3")
    statuses = [client.get(f"/public/42019{i}/").status_code for i in range(5)]
    assert statuses == [404, 404, 404, 429, 429]


def test_the_feed_answers_429_as_json(world, low_limit):
    client = Client(REMOTE_ADDR="10.5.0.4")
    for i in range(3):
        assert client.get(f"/public/{world.district.code}/feed.json", {"v": i}).status_code == 200
    response = client.get(f"/public/{world.district.code}/feed.json", {"v": 9})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert json.loads(response.content) == {"detail": "请求过于频繁，请一分钟后再试。"}


def test_the_limit_page_keeps_the_pages_language(world, low_limit):
    client = Client(REMOTE_ADDR="10.5.0.5")
    for i in range(4):
        response = client.get(f"/public/{world.district.code}/bulletins/", {"lang": "en", "p": i})
    assert response.status_code == 429
    assert '<html lang="en">' in response.content.decode()


def test_many_plain_requests_are_not_limited(world, low_limit):
    client = Client(REMOTE_ADDR="10.5.0.6")
    assert {client.get(f"/public/{world.district.code}/").status_code for _ in range(10)} == {200}


def test_the_residents_page_limits_guessing_with_a_chinese_message(world):
    client = Client(REMOTE_ADDR="10.5.0.7")
    statuses = [client.get(f"/clues/p/guess-{i}/").status_code for i in range(25)]
    assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}
    body = client.get("/clues/p/guess-x/").content.decode()
    assert "提交过于频繁" in body and "请稍后再试" in body


def test_the_self_report_link_limits_guessing_with_a_chinese_message(world):
    client = Client(REMOTE_ADDR="10.5.0.8")
    statuses = [client.get(f"/r/guess{i}/").status_code for i in range(25)]
    assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}
    body = client.get("/r/guessx/").content.decode()
    assert "提交过于频繁" in body and "请稍等一分钟后再试。" in body

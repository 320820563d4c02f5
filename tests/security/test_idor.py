"""IDOR on writes, inside one district: staff of 乙街道 post to 甲镇's ids and change nothing.

tests/api/test_walk.py sends every API operation from another district. Here the callers are next door,
in the same district, where a check on the district alone would let them through: the grid worker of
乙社区第1网格, the village leader of 乙社区 and the officer of 乙街道 (who may write, classify, publish).
Every API write operation (with the API walk's valid bodies, naming 甲's objects and regions) and every
page that takes an id (a POST with an empty form) must answer 403 or 404, and no row may change.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from epigrid.core.roles import Role
from tests import factories as f
from tests.api.test_walk import _call, _operations, _state
from tests.api.test_walk import _url as api_url
from tests.security.matrix_support import API_PREFIX, matrix_url, prepare, walk_all

# handover_b hands 李娜 over to 乙社区: updating it is the receiving side's work, not an IDOR.
RECEIVED_HERE = {"/api/v1/handovers/{handover_id}", "checkpoints:handover"}
# The district's own objects, shared by all its towns: its fever clinic (facility_a, where any town's
# health staff record visits) and its observation site. A token is the caller's own (no foreign id).
SHARED = ("facility_id", "site_id")
OWN = {"/api/v1/tokens"}


def _neighbours_may(route: str) -> bool:
    return route in RECEIVED_HERE or route in OWN or any(p in route for p in SHARED)


def _row_counts() -> dict[str, int]:
    models = [m for m in apps.get_models() if m._meta.managed and m._meta.label != "sessions.Session"]
    return {m._meta.label: m.objects.count() for m in models}


def _neighbours(world) -> dict[str, object]:
    return {
        "grid_worker_b": world.grid_worker_b,
        "village_leader_b": f.user("village_b", Role.VILLAGE_LEADER, world.village_b),
        "street_officer": f.user("street", Role.TOWN_OFFICER, world.street),
    }


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.parametrize("neighbour", ["grid_worker_b", "village_leader_b", "street_officer"])
def test_api_writes_to_a_neighbours_ids_change_nothing(world, neighbour):
    prepare(world)
    client = _client(_neighbours(world)[neighbour])
    writes = [(method, route) for method, route in _operations() if method != "GET"]
    urls = [(method, route, api_url(route, world)) for method, route in writes]  # objects made first
    before, counts = _state(world), _row_counts()
    wrong = []
    for method, route, url in urls:
        if _neighbours_may(route):
            continue
        response = _call(client, method, url, world)
        if response.status_code not in (403, 404):
            wrong.append(f"{method} {route}: {response.status_code} {response.content.decode()[:100]}")
    assert wrong == [], "\n".join(wrong)
    assert len(urls) > 50
    assert _state(world) == before
    assert _row_counts() == counts


@pytest.mark.parametrize("neighbour", ["grid_worker_b", "village_leader_b", "street_officer"])
def test_page_posts_to_a_neighbours_ids_change_nothing(world, neighbour):
    prepare(world)
    client = _client(_neighbours(world)[neighbour])
    pages = [
        (name, route, matrix_url(name, route, world)[0])
        for name, route, _methods in walk_all()
        if "<int:" in route
        and not route.startswith(API_PREFIX)
        and not _neighbours_may(name)
        and not _neighbours_may(route)
    ]
    before, counts = _state(world), _row_counts()
    wrong = []
    for name, _route, url in pages:
        response = client.post(url, {})
        # 405: a page that only shows (GET) refuses the POST before anything else.
        if response.status_code not in (403, 404, 405):
            wrong.append(f"{name}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert len(pages) > 80
    assert _state(world) == before
    assert _row_counts() == counts

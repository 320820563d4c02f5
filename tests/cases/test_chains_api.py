"""GET /clusters, /clusters/{id}, /persons/{id}/hops: scoped, masked, people outside left unnamed."""

from __future__ import annotations

import pytest

from epigrid.core.models import AuditEvent
from tests.api.conftest import API, session_client, token_client
from tests.cases.chain_data import build


@pytest.fixture
def chains(world):
    return build(world)


def test_cluster_list(world, chains):
    response = token_client(world.hq).get(f"{API}/clusters", {"region_id": world.district.pk})
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    first = data["items"][0]
    assert first["id"] == chains.zhang.pk and first["size"] == 5 and first["generations"] == 3
    assert first["index"] == {"person_id": chains.zhang.pk, "name": "张*", "classification": "confirmed"}
    assert first["counts"] == {"close_contact": 2, "confirmed": 2, "suspected": 1}
    assert first["first_date"] == "2020-01-19" and first["last_date"] == "2020-01-29"
    data = (
        token_client(world.hq)
        .get(f"{API}/clusters", {"region_id": world.district.pk, "limit": 1, "offset": 1})
        .json()
    )
    assert [i["id"] for i in data["items"]] == [chains.zhou.pk] and data["count"] == 2
    data = (
        token_client(world.hq)
        .get(f"{API}/clusters", {"region_id": world.district.pk, "start": "2020-02-01"})
        .json()
    )
    assert [i["id"] for i in data["items"]] == [chains.zhou.pk]


def test_cluster_list_of_a_grid_worker_hides_the_index_outside(world, chains):
    data = session_client(world.grid_worker_b).get(f"{API}/clusters", {"region_id": world.grid_b.pk}).json()
    assert data["items"][0]["index"] == {"person_id": None, "name": "辖区外", "classification": "confirmed"}


def test_cluster_graph(world, chains):
    response = session_client(world.grid_worker_b).get(f"{API}/clusters/{chains.li.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == chains.zhang.pk
    nodes = {n["key"]: n for n in data["nodes"]}
    assert len(nodes) == 5
    named = {n["person_id"]: n for n in data["nodes"] if n["in_scope"]}
    assert set(named) == {chains.li.pk, chains.sun.pk}
    assert named[chains.li.pk]["name"] == "李娜" and named[chains.li.pk]["generation"] == 1
    hidden = [n for n in data["nodes"] if not n["in_scope"]]
    assert all(n["person_id"] is None and n["name"] == "辖区外" for n in hidden)
    assert "张伟" not in response.content.decode()
    edges = {(nodes[e["source"]]["name"], nodes[e["target"]]["name"], e["setting"]) for e in data["edges"]}
    assert ("李娜", "孙丽", "household") in edges and len(data["edges"]) == 4
    assert AuditEvent.objects.filter(object_type="cluster", user=world.grid_worker_b).count() == 1


def test_cluster_graph_outside_the_scope_is_404(world, chains):
    assert session_client(world.outsider).get(f"{API}/clusters/{chains.zhang.pk}").status_code == 404
    assert session_client(world.hq).get(f"{API}/clusters/{chains.zhao.pk}").status_code == 404


def test_hops(world, chains):
    response = session_client(world.hq).get(f"{API}/persons/{chains.wang.pk}/hops", {"k": 2})
    assert response.status_code == 200
    data = response.json()
    assert data["cluster_id"] == chains.zhang.pk and data["k"] == 2
    assert [(i["person_id"], i["distance"], i["via_person_id"], i["setting"]) for i in data["items"]] == [
        (chains.zhang.pk, 1, chains.wang.pk, "household"),
        (chains.li.pk, 2, chains.zhang.pk, "meal"),
    ]
    assert session_client(world.hq).get(f"{API}/persons/{chains.wang.pk}/hops", {"k": 9}).status_code == 422
    assert session_client(world.grid_worker_b).get(f"{API}/persons/{chains.wang.pk}/hops").status_code == 404

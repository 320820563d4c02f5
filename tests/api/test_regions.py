"""Region tree nodes with counts: each persona sees its own subtree only."""

from __future__ import annotations

from tests.api.conftest import API, session_client


def test_roots_are_the_callers_assignments(world):
    response = session_client(world.grid_worker_a).get(f"{API}/regions")
    assert response.status_code == 200
    assert [r["name"] for r in response.json()] == ["甲村第1网格"]
    assert session_client(world.hq).get(f"{API}/regions").json()[0]["id"] == world.district.pk


def test_node_lists_children_with_counts(world, django_assert_max_num_queries):
    client = session_client(world.hq)
    with django_assert_max_num_queries(8):
        node = client.get(f"{API}/regions/{world.district.pk}").json()
    assert node["code"] == "420199" and node["level"] == 1
    children = {c["name"]: c for c in node["children"]}
    assert set(children) == {"甲镇", "乙街道"}
    assert children["甲镇"]["child_count"] == 1 and children["甲镇"]["kind"] == "镇"
    grid = client.get(f"{API}/regions/{world.grid_a.pk}").json()
    assert grid["person_count"] == 3 and grid["household_count"] == 2 and grid["children"] == []


def test_region_outside_scope_is_404_like_a_missing_one(world):
    client = session_client(world.grid_worker_a)
    foreign = client.get(f"{API}/regions/{world.grid_b.pk}")
    missing = client.get(f"{API}/regions/999999")
    assert foreign.status_code == missing.status_code == 404
    assert foreign.content == missing.content
    # Above one's own grid is outside the scope too.
    assert client.get(f"{API}/regions/{world.village_a.pk}").status_code == 404

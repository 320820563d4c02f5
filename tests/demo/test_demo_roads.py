"""The demo's road network: imported as HQ would, around the whole district, with blind spots left to
find and some entries already covered by county-junction points."""

from __future__ import annotations

import pytest

from epigrid.checkpoints import roads
from epigrid.checkpoints.models import Checkpoint, RoadNetwork
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.checkpoints import demo_checkpoints_load
from epigrid.demo.generator import generate
from epigrid.demo.roads import demo_roads_load


@pytest.mark.django_db(transaction=True)
def test_demo_roads_have_covered_entries_blind_spots_and_proposals():
    generate(size="small")
    demo_accounts_ensure()
    demo_checkpoints_load()
    loaded = demo_roads_load(edges=3_000)
    network = RoadNetwork.objects.get()
    assert loaded.network == network and network.current and network.edge_count >= 3_000
    coverage = roads.coverage_of(network)
    assert not coverage.fresh  # stored with the checkpoints as they are
    summary = coverage.coverage["summary"]
    assert summary["entries"] > summary["blind_spots"] > 0 and summary["proposals"] > 0
    assert loaded.junction_points >= 4
    assert Checkpoint.objects.filter(kind=Checkpoint.Kind.COUNTY_JUNCTION).count() >= loaded.junction_points
    # Every demo checkpoint lies inside the road network's boundary.
    statuses = {p["status"] for p in coverage.coverage["points"]}
    assert "outside" not in statuses
    # Loading again changes nothing.
    assert demo_roads_load().network is None and RoadNetwork.objects.count() == 1

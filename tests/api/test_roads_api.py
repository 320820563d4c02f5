"""The road coverage API: the district's entries, blind spots and proposals; the import, HQ only."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from epigrid.checkpoints import roads
from epigrid.checkpoints.models import RoadNetwork
from epigrid.lib.roadnet_synth import synthetic_district
from tests.api.conftest import API, session_client, token_client


def _files(seed: int = 3):
    synth = synthetic_district(seed=seed, edges=1500, radius_m=6000.0)
    return json.dumps(synth.roads).encode(), json.dumps(synth.boundary).encode()


def test_coverage_is_404_until_a_network_is_imported(world):
    response = session_client(world.town_officer).get(f"{API}/roads/coverage")
    assert response.status_code == 404 and "尚未导入路网" in response.json()["detail"]


def test_hq_imports_and_everyone_in_the_district_reads_the_coverage(world):
    road_bytes, boundary_bytes = _files()
    response = token_client(world.hq).post(
        f"{API}/roads",
        {"name": "区路网", "roads_file": SimpleUploadedFile("r.geojson", road_bytes),
         "boundary_file": SimpleUploadedFile("b.geojson", boundary_bytes)},
    )  # fmt: skip
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["network"]["name"] == "区路网" and body["summary"]["entries"] == len(body["entries"])
    assert body["summary"]["blind_spots"] == sum(1 for e in body["entries"] if not e["covered"])
    read = session_client(world.grid_worker_a).get(f"{API}/roads/coverage", {"region_id": world.grid_a.pk})
    assert read.status_code == 200 and read.json()["summary"] == body["summary"]


def test_only_hq_imports_and_a_bad_file_imports_nothing(world):
    road_bytes, _ = _files()
    refused = session_client(world.town_officer).post(
        f"{API}/roads", {"roads_file": SimpleUploadedFile("r.geojson", road_bytes)}
    )
    assert refused.status_code == 403
    bad = session_client(world.hq).post(
        f"{API}/roads",
        {"roads_file": SimpleUploadedFile("r.geojson", b'{"type": "Point", "coordinates": [1, 2]}'),
         "boundary_file": SimpleUploadedFile("b.geojson", b"[")},
    )  # fmt: skip
    assert bad.status_code == 400
    detail = bad.json()["detail"]
    assert "道路文件" in detail and "边界文件" in detail
    assert not RoadNetwork.objects.exists()


def test_another_district_sees_nothing(world):
    road_bytes, boundary_bytes = _files()
    roads.network_import(
        actor=world.hq, district=world.district, name="n", roads=road_bytes, boundary=boundary_bytes
    )
    response = session_client(world.outsider).get(f"{API}/roads/coverage", {"region_id": world.grid_a.pk})
    assert response.status_code == 404
    own = session_client(world.outsider).get(f"{API}/roads/coverage")
    assert own.status_code == 404

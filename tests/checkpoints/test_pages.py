"""Checkpoint pages: the list and its figures, the registration screen, lookups, handovers, road coverage."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from epigrid.checkpoints.models import Checkpoint, Handover, Passage, RoadNetwork
from epigrid.core.models import AuditEvent
from epigrid.lib.roadnet_synth import synthetic_district


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**extra):
    data = {
        "key": "k-page-1", "rows": "2", "vehicle_type": "car", "plate": "鄂A12345", "direction": "in",
        "disposition": "through", "p1-name": "陈明", "p1-temperature": "36.5", "p2-name": "",
        "origin": "武汉",
    }  # fmt: skip
    data.update(extra)
    return data


def test_the_list_shows_each_checkpoint_with_the_days_figures(world, gate):
    client = _client(world.checkpoint)
    client.post(f"/checkpoints/{gate.pk}/register/", _form())
    response = client.get(f"/checkpoints/regions/{world.town.pk}/")
    body = response.content.decode()
    assert response.status_code == 200 and "甲村村口卡点" in body
    assert 'data-figure="vehicles">1<' in body and 'data-figure="people">1<' in body


def test_registration_saves_and_returns_to_an_empty_form(world, gate):
    client = _client(world.checkpoint)
    response = client.post(f"/checkpoints/{gate.pk}/register/", _form(), follow=True)
    assert response.redirect_chain[-1][0] == f"/checkpoints/{gate.pk}/register/"
    body = response.content.decode()
    assert "已登记" in body and 'value="陈明"' not in body
    assert Passage.objects.get().people.get().name == "陈明"
    again = client.post(f"/checkpoints/{gate.pk}/register/", _form(), follow=True)
    assert "没有重复保存" in again.content.decode() and Passage.objects.count() == 1


def test_a_bad_row_is_named_and_the_typed_values_stay(world, gate):
    client = _client(world.checkpoint)
    response = client.post(f"/checkpoints/{gate.pk}/register/", _form(**{"p1-temperature": "高"}))
    assert response.status_code == 400
    body = response.content.decode()
    assert "第1人 体温" in body and 'value="陈明"' in body and 'value="高"' in body
    assert not Passage.objects.exists()


def test_one_more_row_keeps_what_was_typed(world, gate):
    client = _client(world.checkpoint)
    response = client.post(f"/checkpoints/{gate.pk}/register/", _form(more="1"))
    body = response.content.decode()
    assert 'name="p3-name"' in body and 'value="陈明"' in body and not Passage.objects.exists()


def test_the_lookup_says_whether_the_id_is_registered(world, gate):
    client = _client(world.checkpoint)
    found = client.get(
        f"/checkpoints/{gate.pk}/lookup/", {"p1-id_number": world.li.id_number}
    ).content.decode()
    assert "已在册" in found and "李*" in found and "李娜" not in found
    assert AuditEvent.objects.filter(object_type="checkpoint_lookup", object_id=str(world.li.pk)).exists()
    bad = client.get(
        f"/checkpoints/{gate.pk}/lookup/", {"p2-id_number": "420106198803041234"}
    ).content.decode()
    assert "校验位" in bad


def test_a_department_may_read_but_not_register(world, gate):
    client = _client(world.department)
    assert client.get(f"/checkpoints/{gate.pk}/").status_code == 200
    assert client.post(f"/checkpoints/{gate.pk}/register/", _form()).status_code == 403


def test_only_managers_set_up_checkpoints(world):
    data = {"name": "甲镇农贸市场入口", "kind": "market", "region": world.town.pk, "active": "on"}
    assert _client(world.checkpoint).post("/checkpoints/new/", data).status_code == 403
    response = _client(world.town_officer).post("/checkpoints/new/", data)
    checkpoint = Checkpoint.objects.get(name="甲镇农贸市场入口")
    assert response.status_code == 302 and checkpoint.town_id == world.town.pk


def test_the_grid_worker_receives_a_handover(world):
    handover = world.handover_b
    client = _client(world.grid_worker_b)
    body = client.get("/checkpoints/handovers/").content.decode()
    assert "李娜" in body and "鄂A12345" in body
    assert "李娜" not in _client(world.grid_worker_a).get("/checkpoints/handovers/").content.decode()
    client.post(f"/checkpoints/handovers/{handover.pk}/", {"status": "received", "note": "已入户"})
    assert Handover.objects.get(pk=handover.pk).status == Handover.Status.RECEIVED


@pytest.fixture
def synth():
    return synthetic_district(seed=3, edges=1500, radius_m=6000.0)


def test_road_import_analyses_and_draws_the_map(world, synth):
    client = _client(world.hq)
    roads = json.dumps(synth.roads, ensure_ascii=False).encode()
    boundary = json.dumps(synth.boundary).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/checkpoints/roads/",
        {"name": "测试路网", "roads": SimpleUploadedFile("roads.geojson", roads),
         "boundary": SimpleUploadedFile("boundary.geojson", boundary)},
    )  # fmt: skip
    assert response.status_code == 302
    network = RoadNetwork.objects.get()
    assert network.current and network.analysis is not None and network.edge_count > 1000
    body = client.get("/checkpoints/roads/").content.decode()
    summary = network.analysis["summary"]
    assert (
        summary["entries"] > 0 and f'data-figure="blind_spots" class="bad">{summary["blind_spots"]}<' in body
    )
    svg = client.get("/checkpoints/roads/map.svg")
    assert svg["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    assert AuditEvent.objects.filter(object_type="road_network", action="import").exists()


def test_a_checkpoint_on_a_blind_road_closes_it(world, synth):
    from epigrid.checkpoints import roads
    from epigrid.checkpoints.services import CheckpointInput, checkpoint_save

    network = roads.network_import(
        actor=world.hq, district=world.district, name="n", roads=json.dumps(synth.roads).encode(),
        boundary=json.dumps(synth.boundary).encode(),
    )  # fmt: skip
    before = roads.coverage_of(network).coverage
    blind = [e for e in before["entries"] if not e["covered"]]
    assert blind
    spot = blind[0]
    # a point a few metres inside, on the entry itself
    checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(name="新监测点", kind="junction", region=world.town, longitude=spot["lon"],
                             latitude=spot["lat"]),
    )  # fmt: skip
    after = roads.coverage_of(RoadNetwork.objects.get(pk=network.pk))
    assert after.fresh
    assert after.coverage["summary"]["blind_spots"] < before["summary"]["blind_spots"]


def test_unreadable_geojson_imports_nothing_and_says_why(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = _client(world.hq)
    bad_roads = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": []}}],
        }
    ).encode()
    response = client.post(
        "/checkpoints/roads/",
        {
            "roads": SimpleUploadedFile("r.geojson", bad_roads),
            "boundary": SimpleUploadedFile("b.geojson", b"{not json"),
        },
    )
    body = response.content.decode()
    assert response.status_code == 400 and "道路文件" in body and "边界文件" in body and "第 1 个要素" in body
    assert not RoadNetwork.objects.exists()


def test_a_checkpoint_outside_the_district_is_refused(world, synth):
    from epigrid.checkpoints import roads
    from epigrid.checkpoints.services import CheckpointInput, CheckpointInvalid, checkpoint_save

    roads.network_import(
        actor=world.hq, district=world.district, name="n", roads=json.dumps(synth.roads).encode(),
        boundary=json.dumps(synth.boundary).encode(),
    )  # fmt: skip
    with pytest.raises(CheckpointInvalid) as caught:
        checkpoint_save(
            actor=world.town_officer,
            data=CheckpointInput(name="远处", kind="road", region=world.town, longitude=100.0, latitude=30.0),
        )
    assert "longitude" in caught.value.by_field


def test_the_registration_screen_works_in_english(world, gate):
    client = _client(world.checkpoint)
    client.cookies["django_language"] = "en"
    body = client.get(f"/checkpoints/{gate.pk}/register/").content.decode()
    assert "Register a passage" in body and "One more person" in body and "登记通行" not in body

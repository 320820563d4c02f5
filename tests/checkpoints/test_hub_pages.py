"""The hub's registration page (one traveller at a time, the service number, 留观 offered only at a hub
with a room), setting up a hub with its room, and the passages API with the hub fields."""

from __future__ import annotations

import json

from django.test import Client

from epigrid.checkpoints.models import Checkpoint, Disposition, HubObservation, Passage

API = "/api/v1"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_station_page_registers_one_traveller_with_the_service_number(world, station):
    client = _client(world.checkpoint)
    page = client.get(f"/checkpoints/{station.pk}/register/").content.decode()
    assert 'name="service_no"' in page and 'name="plate"' not in page and "p2-name" not in page
    assert f'value="{Disposition.OBSERVATION}"' in page and "外地人员移交清单" in page
    response = client.post(
        f"/checkpoints/{station.pk}/register/",
        {
            "key": "k-1", "rows": "1", "vehicle_type": "foot", "service_no": "K 599", "origin": "西安",
            "disposition": "through", "p1-name": "陈明", "p1-temperature": "37.9",
            "destination_province": "陕西省", "destination_city": "宝鸡市",
        },
    )  # fmt: skip
    assert response.status_code == 302
    passage = Passage.objects.get()
    assert passage.service_no == "K599" and passage.destination_province == "陕西省"
    assert HubObservation.objects.filter(passage_person__passage=passage, outcome="").count() == 1
    follow = client.get(response["Location"]).content.decode()
    assert "已安排到留观室复测" in follow


def test_the_station_page_names_the_missing_service_number(world, station):
    response = _client(world.checkpoint).post(
        f"/checkpoints/{station.pk}/register/",
        {"key": "k-2", "rows": "1", "vehicle_type": "foot", "disposition": "through", "p1-name": "陈明"},
    )
    assert response.status_code == 400 and "请填写车次/航班/班次。" in response.content.decode()
    assert not Passage.objects.exists()


def test_an_ordinary_checkpoint_page_does_not_offer_observation(world, gate):
    page = _client(world.checkpoint).get(f"/checkpoints/{gate.pk}/register/").content.decode()
    assert f'value="{Disposition.OBSERVATION}"' not in page and 'name="service_no"' not in page


def test_a_town_sets_up_a_hub_with_its_room(world):
    response = _client(world.town_officer).post(
        "/checkpoints/new/",
        {
            "name": "甲镇汽车站检测点",
            "kind": "coach",
            "region": world.town.pk,
            "observation_places": "3",
            "active": "on",
        },
    )
    assert response.status_code == 302
    hub = Checkpoint.objects.get(name="甲镇汽车站检测点")
    assert hub.is_hub and hub.observation_places == 3
    detail = _client(world.town_officer).get(f"/checkpoints/{hub.pk}/").content.decode()
    assert "留观室" in detail and "外地人员移交清单" in detail


def _post(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def test_the_api_registers_a_traveller_at_a_station_and_refuses_observation_elsewhere(world, station, gate):
    client = _client(world.checkpoint)
    body = {
        "service_no": "CZ3456", "origin": "武汉", "from_outbreak_area": True,
        "destination_province": "广东省", "destination_city": "广州市",
        "people": [{"name": "孙红", "temperature": "36.4"}], "idempotency_key": "hub-1",
    }  # fmt: skip
    first = _post(client, f"{API}/checkpoints/{station.pk}/passages", body)
    again = _post(client, f"{API}/checkpoints/{station.pk}/passages", body)
    assert (first.status_code, again.status_code) == (201, 200)
    out = first.json()
    assert out["vehicle_type"] == "foot" and out["service_no"] == "CZ3456"
    assert out["destination_province"] == "广东省" and out["people"][0]["disposition"] == "handover"
    assert Passage.objects.count() == 1
    refused = _post(
        client,
        f"{API}/checkpoints/{gate.pk}/passages",
        {"vehicle_type": "foot", "people": [{"name": "陈明"}, {"name": "陈亮", "disposition": "observe"}]},
    )
    assert refused.status_code == 422
    assert refused.json()["detail"] == [
        {
            "loc": ["body", "payload", "people", 1, "disposition"],
            "msg": "第2人：只有交通枢纽检测点设有留观室，不能选择留观。",
            "type": "value_error",
        }
    ]
    missing = _post(client, f"{API}/checkpoints/{station.pk}/passages", {"people": [{"name": "陈明"}]})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "payload", "service_no"]
    assert Passage.objects.count() == 1


def test_the_api_sets_up_a_hub_and_shows_its_room(world):
    client = _client(world.town_officer)
    made = _post(
        client, f"{API}/checkpoints",
        {"name": "甲镇港口码头检测点", "kind": "port", "region_id": world.town.pk, "observation_places": 2},
    )  # fmt: skip
    assert (
        made.status_code == 201 and made.json()["is_hub"] is True and made.json()["observation_places"] == 2
    )
    refused = _post(
        client, f"{API}/checkpoints",
        {"name": "村口", "kind": "village", "region_id": world.village_a.pk, "observation_places": 2},
    )  # fmt: skip
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "observation_places",
    ]

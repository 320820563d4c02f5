"""The checkpoints API: checkpoints of a scope, registering a stop (idempotent, all errors at once,
nothing written on error), the day's passages (masked, audited), figures, and handovers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from epigrid.checkpoints.models import Checkpoint, Disposition, Handover, Passage, PassagePerson
from epigrid.checkpoints.services import CheckpointInput, checkpoint_save
from epigrid.core.models import AuditEvent
from epigrid.lib.idcard import make_id
from epigrid.people.models import Person
from tests.api.conftest import API, api_events, session_client, token_client

NEW_ID = make_id(address_code="420106", birth=dt.date(1988, 3, 4), sequence=123)


def rows(model) -> int:
    """How many rows a table holds (what a refused request must leave unchanged)."""
    return model._default_manager.count()


@pytest.fixture
def gate(world) -> Checkpoint:
    return checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲村村口卡点", kind=Checkpoint.Kind.VILLAGE_ENTRANCE, region=world.village_a,
            road_name="X101县道", unit="甲村村委会", person_in_charge="周主任", phone="13912345678",
        ),
    )  # fmt: skip


def _post(client, url, body, method="post"):
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json")


def _stop(**kw):
    body = {
        "vehicle_type": "car",
        "plate": "鄂A12345",
        "origin": "武汉",
        "destination": "外省",
        "people": [{"name": "陈明", "phone": "13800001111", "temperature": 36.6}, {"name": "陈亮"}],
    }
    body.update(kw)
    return body


# --- checkpoints -----------------------------------------------------------------------------------


def test_list_and_detail_are_scoped_and_phones_masked_per_role(world, gate):
    response = token_client(world.checkpoint).get(f"{API}/checkpoints")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    item = body["items"][0]
    assert (item["id"], item["name"], item["kind"], item["kind_label"]) == (
        gate.pk, "甲村村口卡点", "village", "村口卡点"
    )  # fmt: skip
    assert (item["region_id"], item["region_name"], item["around_the_clock"]) == (
        world.village_a.pk, "甲村", True
    )  # fmt: skip
    assert item["phone"] != "13912345678" and item["phone"].endswith("5678")  # checkpoint role: masked
    full = session_client(world.town_officer).get(f"{API}/checkpoints/{gate.pk}").json()
    assert full["phone"] == "13912345678" and full["unit"] == "甲村村委会"
    # Filtered by a region outside the checkpoint: none; by another district's region: 404.
    street = session_client(world.hq).get(f"{API}/checkpoints", {"region_id": world.street.pk}).json()
    assert street["count"] == 0
    assert session_client(world.checkpoint).get(
        f"{API}/checkpoints", {"region_id": world.other_grid.pk}
    ).status_code == 404  # fmt: skip


def test_another_districts_checkpoint_is_404(world, gate):
    client = session_client(world.outsider)
    assert client.get(f"{API}/checkpoints/{gate.pk}").status_code == 404
    assert client.get(f"{API}/checkpoints").json()["count"] == 0
    response = _post(client, f"{API}/checkpoints/{gate.pk}/passages", _stop())
    assert response.status_code == 404
    assert client.get(f"{API}/checkpoints/{gate.pk}/passages").status_code == 404
    assert rows(Passage) == 0


def test_a_checkpoint_set_up_twice_with_one_key_is_set_up_once(world):
    client = session_client(world.town_officer)
    body = {"name": "甲镇东卡口", "kind": "road", "region_id": world.town.pk, "idempotency_key": "c-1"}
    first = _post(client, f"{API}/checkpoints", body)
    again = _post(client, f"{API}/checkpoints", {**body, "name": "别的名字"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["name"] == "甲镇东卡口"
    assert Checkpoint.objects.filter(created_by=world.town_officer).count() == 1
    assert [e.action for e in api_events("checkpoint")] == [AuditEvent.Action.CREATE]


def test_a_checkpoint_key_is_per_account_and_refused_in_another_region(world):
    body = {"name": "甲镇东卡口", "kind": "road", "region_id": world.town.pk, "idempotency_key": "k"}
    town = _post(session_client(world.town_officer), f"{API}/checkpoints", body)
    hq = _post(session_client(world.hq), f"{API}/checkpoints", {**body, "name": "甲镇西卡口"})
    assert (town.status_code, hq.status_code) == (201, 201) and town.json()["id"] != hq.json()["id"]
    elsewhere = _post(
        session_client(world.town_officer), f"{API}/checkpoints",
        {**body, "name": "甲村卡口", "region_id": world.village_a.pk},
    )  # fmt: skip
    assert elsewhere.status_code == 422
    assert [e["loc"] for e in elsewhere.json()["detail"]] == [["body", "payload", "idempotency_key"]]
    assert elsewhere.json()["detail"][0]["msg"] == "这个提交标识已用于另一条记录。"
    assert not Checkpoint.objects.filter(name="甲村卡口").exists()


def test_town_officer_creates_and_updates_a_checkpoint(world):
    client = session_client(world.town_officer)
    body = {
        "name": "甲镇农贸市场入口", "kind": "market", "region_id": world.town.pk, "unit": "甲镇市场监管所",
        "opens_at": "06:00", "closes_at": "18:00", "phone": "13900001111",
    }  # fmt: skip
    response = _post(client, f"{API}/checkpoints", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["kind_label"] == "农贸市场入口" and created["opens_at"] == "06:00:00"
    assert created["around_the_clock"] is False
    checkpoint = Checkpoint.objects.get(pk=created["id"])
    assert checkpoint.town_id == world.town.pk and checkpoint.created_by == world.town_officer
    response = _post(client, f"{API}/checkpoints/{checkpoint.pk}", {**body, "active": False}, "put")
    assert response.status_code == 200 and response.json()["active"] is False
    assert [e.action for e in api_events("checkpoint")] == [
        AuditEvent.Action.CREATE,
        AuditEvent.Action.UPDATE,
    ]


def test_checkpoint_errors_name_their_fields_and_nothing_is_saved(world):
    body = {"name": " ", "kind": "road", "region_id": world.town.pk, "longitude": 114.3, "opens_at": "06:00"}
    response = _post(session_client(world.town_officer), f"{API}/checkpoints", body)
    assert response.status_code == 422
    fields = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {
        ("body", "payload", "name"),
        ("body", "payload", "longitude"),
        ("body", "payload", "opens_at"),
    } <= fields
    assert rows(Checkpoint) == 0


def test_writes_are_refused_to_roles_without_them(world, gate):
    body = {"name": "甲村二号卡点", "kind": "village", "region_id": world.village_a.pk}
    # A department user cannot write at all; a checkpoint worker registers stops but sets none up.
    for user in (world.department, world.checkpoint):
        assert _post(session_client(user), f"{API}/checkpoints", body).status_code == 403
    assert (
        _post(session_client(world.department), f"{API}/checkpoints/{gate.pk}/passages", _stop()).status_code
        == 403
    )
    assert rows(Checkpoint) == 1 and rows(Passage) == 0


# --- registration ----------------------------------------------------------------------------------


def test_registration_is_201_then_200_for_the_same_key_with_one_passage(world, gate):
    client = token_client(world.checkpoint)
    url = f"{API}/checkpoints/{gate.pk}/passages"
    body = _stop(idempotency_key="phone-1-0001", notes="过境")
    first = _post(client, url, body)
    assert first.status_code == 201, first.content
    answer = first.json()
    assert answer["created"] is True and answer["plate"] == "鄂A12345" and answer["plate_warnings"] == []
    assert answer["notes"] == "过境" and answer["handovers"] == [] and answer["warnings"] == []
    people = answer["people"]
    assert [(p["seq"], p["seat"], p["name"]) for p in people] == [
        (1, "driver", "陈明"),
        (2, "passenger", "陈亮"),
    ]
    assert people[0]["temperature"] == "36.6" and people[0]["fever"] is False
    assert people[0]["phone"] != "13800001111"  # checkpoint role: masked
    assert [p["person_id"] for p in people] == [None, None]  # passers-by are not in the registry
    again = _post(client, url, body)
    assert again.status_code == 200
    replay = again.json()
    assert replay["created"] is False and replay["id"] == answer["id"] and replay["people"] == people
    assert rows(Passage) == 1 and rows(PassagePerson) == 2
    assert len(api_events("passage", AuditEvent.Action.CREATE)) == 1


def test_registration_errors_name_each_field_and_write_nothing(world, gate):
    people_before = rows(Person)
    body = _stop(
        vehicle_type="car",
        plate="",
        disposition="handover",  # without a destination village
        people=[
            {"name": "陈明", "temperature": "36.5"},
            {},  # a blank row is left out, not counted
            {"name": "陈亮", "id_number": "420106198803041234"},
            {"name": "陈光", "temperature": "热"},
        ],
    )
    response = _post(token_client(world.checkpoint), f"{API}/checkpoints/{gate.pk}/passages", body)
    assert response.status_code == 422
    detail = response.json()["detail"]
    locs = {tuple(e["loc"]) for e in detail}
    assert ("body", "payload", "plate") in locs
    assert ("body", "payload", "destination_region_id") in locs
    assert ("body", "payload", "people", 2, "id_number") in locs  # the index of the list sent
    assert ("body", "payload", "people", 3, "temperature") in locs
    assert all(e["msg"] for e in detail)
    assert rows(Passage) == 0 and rows(PassagePerson) == 0
    assert rows(Person) == people_before and Handover.objects.count() == 0
    # Too late: more than three days ago.
    old = (timezone.now() - dt.timedelta(days=4)).isoformat()
    response = _post(
        token_client(world.checkpoint), f"{API}/checkpoints/{gate.pk}/passages", _stop(checked_at=old)
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "body",
        "payload",
        "checked_at",
    ]
    # The schema itself: an unknown vehicle type is ninja's 422.
    response = _post(
        token_client(world.checkpoint), f"{API}/checkpoints/{gate.pk}/passages", _stop(vehicle_type="ufo")
    )
    assert response.status_code == 422 and rows(Passage) == 0


def test_outbreak_traveller_is_handed_over_and_fever_sent_to_clinic(world, gate):
    body = _stop(
        origin="武汉",
        destination="",
        destination_region_id=world.village_a.pk,
        from_outbreak_area=True,
        plate="鄂A1234",  # one character short: registered, with a warning
        people=[
            {"name": "孙红", "id_number": NEW_ID, "phone": "13700002222", "temperature": "36.4"},
            {"name": world.zhang.name, "id_number": world.zhang.id_number, "temperature": "38.2"},
        ],
    )
    response = _post(token_client(world.checkpoint), f"{API}/checkpoints/{gate.pk}/passages", body)
    assert response.status_code == 201, response.content
    answer = response.json()
    assert answer["plate_warnings"] and answer["warnings"]
    sun, zhang = answer["people"]
    assert sun["disposition"] == Disposition.HANDED_OVER and sun["id_number"] != NEW_ID
    assert sun["id_number"].startswith("420106")  # masked for the checkpoint role
    assert zhang["fever"] is True and zhang["disposition"] == Disposition.FEVER_CLINIC
    assert zhang["person_id"] == world.zhang.pk  # 张伟 lives in the checkpoint worker's town
    assert sun["person_id"] == Person.objects.get(id_number=NEW_ID).pk  # added to 甲村, unplaced
    assert len(answer["decisions"]) == 2
    (handover,) = answer["handovers"]
    assert (handover["region_id"], handover["region_name"], handover["status"]) == (
        world.village_a.pk, "甲村", "open"
    )  # fmt: skip
    # The village's grid worker sees it (ID masked for that role) and receives the traveller.
    client = session_client(world.grid_worker_a)
    listed = client.get(f"{API}/handovers").json()
    assert listed["count"] == 1
    item = listed["items"][0]
    assert (
        item["id"] == handover["id"] and item["name"] == "孙红" and item["checkpoint_name"] == "甲村村口卡点"
    )
    assert item["id_number"] != NEW_ID and item["phone"] == "13700002222"  # grid worker: full phone
    assert api_events("handover", AuditEvent.Action.EXPORT)[-1].detail["ids"] == [handover["id"]]
    assert session_client(world.grid_worker_b).get(f"{API}/handovers").json()["count"] == 0
    assert (
        _post(
            session_client(world.grid_worker_b), f"{API}/handovers/{handover['id']}", {"status": "received"}
        ).status_code
        == 404
    )
    response = _post(
        client, f"{API}/handovers/{handover['id']}", {"status": "received", "note": "已入户登记"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "received" and response.json()["note"] == "已入户登记"
    assert client.get(f"{API}/handovers").json()["count"] == 0
    assert client.get(f"{API}/handovers", {"status": ""}).json()["count"] == 1
    assert Handover.objects.get().received_by == world.grid_worker_a
    assert _post(client, f"{API}/handovers/{handover['id']}", {"status": "maybe"}).status_code == 422


def test_department_cannot_close_a_handover(world, gate):
    body = _stop(
        destination_region_id=world.village_a.pk,
        from_outbreak_area=True,
        people=[{"name": "孙红", "id_number": NEW_ID}],
    )
    handover_id = _post(token_client(world.checkpoint), f"{API}/checkpoints/{gate.pk}/passages", body).json()[
        "handovers"
    ][0]["id"]
    response = _post(
        session_client(world.department), f"{API}/handovers/{handover_id}", {"status": "received"}
    )
    assert response.status_code == 403
    assert Handover.objects.get().status == Handover.Status.OPEN


# --- reads -----------------------------------------------------------------------------------------


def test_the_days_passages_are_masked_and_audited(world, gate):
    url = f"{API}/checkpoints/{gate.pk}/passages"
    body = _stop(
        people=[
            {"name": world.zhang.name, "id_number": world.zhang.id_number, "phone": world.zhang.phone},
            {"name": world.li.name, "id_number": world.li.id_number},  # lives in 乙街道, not this town
        ]
    )
    _post(token_client(world.checkpoint), url, body)
    _post(token_client(world.checkpoint), url, _stop(plate="鄂A54321"))
    listed = token_client(world.checkpoint).get(url)
    assert listed.status_code == 200
    page = listed.json()
    assert page["count"] == 2 and [p["plate"] for p in page["items"]] == ["鄂A54321", "鄂A12345"]
    zhang = page["items"][1]["people"][0]
    assert zhang["id_number"] != world.zhang.id_number and zhang["phone"] != world.zhang.phone
    assert zhang["person_id"] == world.zhang.pk
    assert page["items"][1]["people"][1]["person_id"] is None  # linked, but outside the caller's scope
    assert PassagePerson.objects.get(name=world.li.name).person_id == world.li.pk
    (event,) = api_events("passage_list", AuditEvent.Action.READ)
    assert event.user == world.checkpoint and world.zhang.pk in event.detail["persons"]
    # The village leader sees the ID number in full; another day is empty and not audited.
    full = session_client(world.village_leader).get(url).json()["items"][1]["people"][0]
    assert full["id_number"] == world.zhang.id_number
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert session_client(world.village_leader).get(url, {"day": yesterday}).json()["count"] == 0
    assert len(api_events("passage_list", AuditEvent.Action.READ)) == 2
    # Paged: the second item only.
    assert [
        p["plate"] for p in token_client(world.checkpoint).get(url, {"limit": 1, "offset": 1}).json()["items"]
    ] == ["鄂A12345"]


def test_figures_per_checkpoint_and_total(world, gate):
    market = checkpoint_save(
        actor=world.town_officer,
        data=CheckpointInput(
            name="甲镇农贸市场入口", kind=Checkpoint.Kind.MARKET_ENTRANCE, region=world.town
        ),
    )
    client = token_client(world.checkpoint)
    _post(client, f"{API}/checkpoints/{gate.pk}/passages", _stop())
    _post(
        client,
        f"{API}/checkpoints/{gate.pk}/passages",
        _stop(plate="鄂A54321", disposition="back", people=[{"name": "王五"}]),
    )
    _post(
        client,
        f"{API}/checkpoints/{market.pk}/passages",
        _stop(vehicle_type="foot", plate="", people=[{"name": "赵六", "temperature": "38.0"}]),
    )
    response = session_client(world.hq).get(f"{API}/checkpoints/figures", {"region_id": world.district.pk})
    assert response.status_code == 200
    body = response.json()
    by_id = {row["checkpoint_id"]: row["figures"] for row in body["checkpoints"]}
    assert by_id[gate.pk] == {
        "vehicles": 2,
        "people": 3,
        "turned_back": 1,
        "handed_over": 0,
        "fever_clinic": 0,
        "fever": 0,
        "observation": 0,
    }
    assert by_id[market.pk]["vehicles"] == 0 and by_id[market.pk]["fever_clinic"] == 1
    assert body["total"]["people"] == 4 and body["total"]["fever"] == 1
    village = (
        session_client(world.hq).get(f"{API}/checkpoints/figures", {"region_id": world.village_a.pk}).json()
    )
    assert [row["checkpoint_id"] for row in village["checkpoints"]] == [gate.pk]
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    empty = (
        session_client(world.hq)
        .get(f"{API}/checkpoints/figures", {"region_id": world.district.pk, "day": yesterday})
        .json()
    )
    assert empty["total"]["people"] == 0
    outsider = session_client(world.outsider).get(
        f"{API}/checkpoints/figures", {"region_id": world.district.pk}
    )
    assert outsider.status_code == 404


def test_a_stop_dated_before_any_observation_policy_is_a_422_not_a_500(world, gate):
    """Found by the schemathesis walk: a time before the first policy chose no policy and crashed."""
    body = {"vehicle_type": "foot", "checked_at": "2005-05-01T16:13:14Z", "people": [{"name": "孙红"}]}
    response = _post(token_client(world.hq), f"{API}/checkpoints/{gate.pk}/passages", body)
    assert response.status_code == 422, response.content
    assert any(error["loc"][-1] == "checked_at" for error in response.json()["detail"])
    assert rows(Passage) == 0 and rows(PassagePerson) == 0


def test_a_post_to_a_mistyped_path_is_a_json_404_for_a_token_client(world):
    """The catch-all answers JSON; Django's HTML CSRF page must not come first (a token needs no CSRF)."""
    response = _post(token_client(world.hq), f"{API}/checkpoints/-1/passages", _stop())
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert rows(Passage) == 0

"""The reports API: indicators, unit reports (list, submit, revisions, below), completeness."""

from __future__ import annotations

import datetime as dt
import json

import time_machine

from epigrid.reports.indicators import INDICATORS
from epigrid.reports.models import UnitReport
from tests.api.conftest import API, session_client, token_client

DAY = dt.date(2020, 1, 28)


def post(client, body):
    return client.post(f"{API}/reports", data=json.dumps(body), content_type="application/json")


def at(clock: str):
    return time_machine.travel(f"{DAY.isoformat()} {clock} +0800", tick=False)


def test_indicators_of_a_region_with_its_children(world):
    client = token_client(world.hq)
    with at("17:00"):
        response = client.get(f"{API}/indicators", {"region_id": world.district.pk, "children": "true"})
    data = response.json()
    assert response.status_code == 200
    assert [i["key"] for i in data["indicators"]] == list(INDICATORS)
    first = data["indicators"][0]
    assert first["label"] == "确诊病例（含临床诊断）" and first["unit"] == "例" and first["group"] == "cases"
    assert [c["name"] for c in data["children"]] == ["乙街道", "甲镇"]
    assert set(data["children"][0]["figures"]) == set(INDICATORS)
    assert data["as_of"].startswith("2020-01-28T09:00")  # now, before the 18:00 cut-off (UTC)


def test_indicators_for_chosen_keys_and_bad_input(world):
    client = token_client(world.town_officer)
    response = client.get(
        f"{API}/indicators",
        {"region_id": world.town.pk, "keys": "list_people,list_batches", "day": "2020-01-27"},
    )
    assert response.status_code == 200
    assert {i["key"]: i["value"] for i in response.json()["indicators"]} == {
        "list_batches": 0,
        "list_people": 0,
    }
    bad = client.get(f"{API}/indicators", {"region_id": world.town.pk, "keys": "nope"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "keys"]
    future = client.get(f"{API}/indicators", {"region_id": world.town.pk, "day": "2999-01-01"})
    assert future.status_code == 422
    assert client.get(f"{API}/indicators", {"region_id": world.street.pk}).status_code == 404


def test_submit_revise_and_repeat(world):
    client = token_client(world.village_leader)
    body = {"region_id": world.village_a.pk, "day": DAY.isoformat(), "measures": {"leaflets": 50}}
    with at("17:00"):
        created = post(client, body)
        same = post(client, body)
        revised = post(client, {**body, "measures": {"leaflets": 60}, "problems": "人手不足"})
    assert created.status_code == 201 and same.status_code == 200 and revised.status_code == 201
    assert created.json()["id"] == same.json()["id"]
    data = revised.json()
    assert data["revision"] == 2 and data["current"] and not data["late"]
    assert data["measures"] == {"leaflets": 60} and set(data["figures"]) == set(INDICATORS)
    history = client.get(f"{API}/reports/{created.json()['id']}/revisions").json()
    assert [(r["revision"], r["current"]) for r in history] == [(2, True), (1, False)]
    assert history[1]["replaced_by_id"] == data["id"]
    one = client.get(f"{API}/reports/{created.json()['id']}").json()
    assert one["revision"] == 1 and not one["current"]


def test_submit_refusals(world):
    client = session_client(world.village_leader)
    with at("17:00"):
        negative = post(
            client, {"region_id": world.village_a.pk, "day": DAY.isoformat(), "measures": {"audio": -1}}
        )
        future = post(client, {"region_id": world.village_a.pk, "day": "2020-01-29"})
        elsewhere = post(client, {"region_id": world.village_b.pk, "day": DAY.isoformat(), "zero": True})
        reader = post(
            token_client(world.department),
            {"region_id": world.village_a.pk, "day": DAY.isoformat(), "zero": True},
        )
    assert negative.status_code == 422
    assert negative.json()["detail"][0]["loc"] == ["body", "payload", "measures", "audio"]
    assert future.status_code == 422 and future.json()["detail"][0]["loc"][-1] == "day"
    assert elsewhere.status_code == 404
    assert reader.status_code == 403
    assert not UnitReport.objects.exists()


def test_a_late_submission_is_marked(world):
    with at("19:30"):
        response = post(
            token_client(world.town_officer),
            {"region_id": world.town.pk, "day": DAY.isoformat(), "zero": True},
        )
    assert response.status_code == 201 and response.json()["late"] and response.json()["zero"]


def test_lists_below_of_a_unit_and_completeness(world):
    with at("12:00"):
        post(
            token_client(world.village_leader),
            {"region_id": world.village_a.pk, "day": DAY.isoformat(), "zero": True},
        )
    with at("20:00"):
        town = token_client(world.town_officer)
        below = town.get(f"{API}/reports/below", {"region_id": world.town.pk, "day": DAY.isoformat()}).json()
        own = town.get(f"{API}/reports", {"region_id": world.village_a.pk, "end": DAY.isoformat()}).json()
        table = town.get(
            f"{API}/completeness", {"region_id": world.town.pk, "start": "2020-01-27", "end": DAY.isoformat()}
        ).json()
        district = token_client(world.hq).get(f"{API}/completeness", {"region_id": world.district.pk}).json()
        bad = town.get(f"{API}/completeness", {"region_id": world.village_a.pk})
    assert [r["region_name"] for r in below] == ["甲村"] and below[0]["zero"]
    assert [r["day"] for r in own] == [DAY.isoformat()]
    assert table["on_time"] == 1 and table["missing"] == 1 and table["completeness"] == 0.5
    assert [c["status"] for c in table["units"][0]["days"]] == ["missing", "on_time"]
    assert [u["name"] for u in district["units"]] == ["乙街道", "甲镇"]
    assert bad.status_code == 422

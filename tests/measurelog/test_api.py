"""The measures log's API: entries (list with filters and pages, log idempotently, correct, withdraw), a
unit's day as its report counts it, the region's table, and sealed compounds; refusals and scope."""

from __future__ import annotations

import datetime as dt
import json

from epigrid.measurelog.models import MeasureEntry, SealedCompound
from tests.api.conftest import API, session_client, token_client
from tests.measurelog.conftest import DAY


def _post(client, path: str, body: dict[str, object]):
    return client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json")


def _entry(world, **fields) -> dict[str, object]:
    body: dict[str, object] = {
        "region_id": world.village_a.pk,
        "day": DAY.isoformat(),
        "kind": "leaflets",
        "count": 120,
    }
    body.update(fields)
    return body


def test_logging_an_entry_is_201_then_200_for_the_same_key(world, afternoon):
    client = token_client(world.village_leader)
    first = _post(client, "/measures/entries", _entry(world, idempotency_key="api-1", place="村口"))
    assert first.status_code == 201
    data = first.json()
    assert (data["kind"], data["kind_label"], data["count"], data["unit"]) == (
        "leaflets",
        "宣传单",
        120,
        "份",
    )
    assert data["region_name"] == "甲村" and data["current"] and data["recorded_by"] == "village"
    again = _post(client, "/measures/entries", _entry(world, idempotency_key="api-1", place="村口"))
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    assert MeasureEntry.objects.count() == 1


def test_a_refusal_is_a_422_naming_each_field(world, afternoon):
    client = session_client(world.village_leader)
    response = _post(client, "/measures/entries", _entry(world, count="0", day="2020-02-06", kind="posters"))
    assert response.status_code == 422
    assert {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]} == {
        ("body", "payload", "day"): "日期不能晚于今天。",
        ("body", "payload", "kind"): "请选择措施类型。",
        ("body", "payload", "count"): "数量须为正整数。",
    }
    district = _post(
        session_client(world.hq), "/measures/entries", _entry(world, region_id=world.district.pk)
    )
    assert district.json()["detail"][0]["msg"] == "措施按镇（街道）、村（社区）或网格登记。"
    assert not MeasureEntry.objects.exists()


def test_roles_and_scope(world, afternoon):
    assert _post(session_client(world.department), "/measures/entries", _entry(world)).status_code == 403
    assert _post(session_client(world.outsider), "/measures/entries", _entry(world)).status_code == 404
    assert _post(session_client(world.grid_worker_a), "/measures/entries", _entry(world)).status_code == 404
    grid = _post(
        session_client(world.grid_worker_a), "/measures/entries", _entry(world, region_id=world.grid_a.pk)
    )
    assert grid.status_code == 201
    assert MeasureEntry.objects.count() == 1


def test_the_list_filters_and_pages_within_the_scope(world, log):
    for n in range(3):
        log("leaflets", 10 + n)
    log("banners", 4, day=DAY - dt.timedelta(days=2))
    log("meetings", 1, region=world.town, actor=world.town_officer)
    client = session_client(world.town_officer)
    page = client.get(f"{API}/measures/entries", {"limit": 2}).json()
    assert page["count"] == 5 and page["limit"] == 2 and len(page["items"]) == 2
    assert (
        client.get(f"{API}/measures/entries", {"limit": 2, "offset": 4}).json()["items"][0]["kind"]
        == "banners"
    )
    kind = client.get(f"{API}/measures/entries", {"kind": "leaflets", "region_id": world.village_a.pk}).json()
    assert kind["count"] == 3
    days = client.get(f"{API}/measures/entries", {"start": DAY.isoformat(), "end": DAY.isoformat()}).json()
    assert days["count"] == 4
    assert client.get(f"{API}/measures/entries", {"kind": "posters"}).status_code == 422
    assert (
        session_client(world.village_leader).get(f"{API}/measures/entries").json()["count"] == 4
    )  # not the town's
    assert session_client(world.outsider).get(f"{API}/measures/entries").json()["count"] == 0
    assert (
        session_client(world.outsider)
        .get(f"{API}/measures/entries", {"region_id": world.town.pk})
        .status_code
        == 404
    )


def test_correcting_and_withdrawing_keep_the_history(world, log):
    entry = log("leaflets", 200, region=world.grid_a, actor=world.grid_worker_a)
    leader = session_client(world.village_leader)
    corrected = _post(leader, f"/measures/entries/{entry.pk}/correction", {"kind": "leaflets", "count": 180})
    assert corrected.status_code == 201
    body = corrected.json()
    assert body["revision"] == 2 and body["original_id"] == entry.pk
    assert [(h["revision"], h["count"], h["current"]) for h in body["history"]] == [
        (1, 200, False),
        (2, 180, True),
    ]
    resent = _post(leader, f"/measures/entries/{entry.pk}/correction", {"kind": "leaflets", "count": 180})
    assert resent.status_code == 200 and resent.json()["id"] == body["id"]
    stale = _post(leader, f"/measures/entries/{entry.pk}/correction", {"kind": "leaflets", "count": 1})
    assert (
        stale.status_code == 422
        and stale.json()["detail"][0]["msg"] == "这条记录已被更正，请在最新版本上修改。"
    )
    peer_user = world.grid_worker_b
    assert _post(session_client(peer_user), f"/measures/entries/{entry.pk}/withdrawal", {}).status_code == 404
    withdrawn = _post(
        session_client(world.grid_worker_a), f"/measures/entries/{body['id']}/withdrawal", {"reason": "录重"}
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["withdrawn"] and withdrawn.json()["withdraw_reason"] == "录重"
    detail = leader.get(f"{API}/measures/entries/{entry.pk}").json()
    assert detail["replaced_by_id"] == body["id"] and len(detail["history"]) == 2
    assert MeasureEntry.objects.count() == 2


def test_a_units_day_as_its_report_counts_it(world, log, seal):
    log("leaflets", 100)
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    log("banners", 6)
    seal("幸福小区", guard_posts=3)
    day = session_client(world.village_leader).get(
        f"{API}/measures/day", {"region_id": world.village_a.pk, "day": DAY.isoformat()}
    )
    assert day.json() == {
        "region_id": world.village_a.pk, "day": DAY.isoformat(), "counts": {"leaflets": 140, "banners": 6},
        "report": {"leaflets": 140, "banners": 6}, "sealed": 1, "guard_posts": 3,
    }  # fmt: skip
    assert (
        session_client(world.outsider)
        .get(f"{API}/measures/day", {"region_id": world.village_a.pk})
        .status_code
        == 404
    )


def test_the_table(world, log):
    log("leaflets", 100)
    log("meetings", 1, region=world.town, actor=world.town_officer)
    client = session_client(world.hq)
    table = client.get(f"{API}/measures/table", {"region_id": world.town.pk, "start": DAY.isoformat()}).json()
    assert [(r["region_id"], r["name"], r["counts"]) for r in table["rows"]] == [
        (None, "甲镇", {"meetings": 1}),
        (world.village_a.pk, "甲村", {"leaflets": 100}),
    ]
    assert table["total"]["counts"] == {"meetings": 1, "leaflets": 100}
    assert table["kinds"][2] == {"kind": "banners", "label": "横幅标语", "unit": "条"}
    wrong = client.get(
        f"{API}/measures/table", {"region_id": world.town.pk, "start": "2020-02-06", "end": "2020-02-05"}
    )
    assert wrong.status_code == 422
    assert (
        client.get(f"{API}/measures/table", {"region_id": world.town.pk, "start": "2019-11-01"}).status_code
        == 422
    )


def test_sealed_compounds_list_create_and_reopen(world, afternoon):
    town = session_client(world.town_officer)
    created = _post(
        town, "/measures/sealed",
        {"region_id": world.village_a.pk, "name": "幸福小区", "guard_posts": 2, "sealed_on": "2020-02-03",
         "idempotency_key": "s-api"},
    )  # fmt: skip
    assert created.status_code == 201
    compound = created.json()
    assert compound["sealed_now"] and compound["guard_posts"] == 2 and compound["kind"] == "compound"
    again = _post(
        town,
        "/measures/sealed",
        {"region_id": world.village_a.pk, "name": "幸福小区", "idempotency_key": "s-api"},
    )
    assert again.status_code == 200
    duplicate = _post(town, "/measures/sealed", {"region_id": world.village_a.pk, "name": "幸福小区"})
    assert (
        duplicate.status_code == 422
        and duplicate.json()["detail"][0]["msg"] == "这个小区（村）已在封闭管理中。"
    )
    grid = _post(
        session_client(world.grid_worker_a), "/measures/sealed", {"region_id": world.grid_a.pk, "name": "楼"}
    )
    assert grid.status_code == 403
    listing = (
        session_client(world.village_leader).get(f"{API}/measures/sealed", {"on": DAY.isoformat()}).json()
    )
    assert listing["count"] == 1 and listing["items"][0]["name"] == "幸福小区"
    reopened = _post(town, f"/measures/sealed/{compound['id']}/reopening", {"reopened_on": "2020-02-05"})
    assert reopened.status_code == 200 and reopened.json()["reopened_on"] == "2020-02-05"
    assert not reopened.json()["sealed_now"]
    early = _post(town, f"/measures/sealed/{compound['id']}/reopening", {"reopened_on": "2020-02-04"})
    assert early.status_code == 422 and early.json()["detail"][0]["msg"] == "已于2020-02-05解除封闭管理。"
    assert session_client(world.outsider).get(f"{API}/measures/sealed").json()["count"] == 0
    assert SealedCompound.objects.count() == 1

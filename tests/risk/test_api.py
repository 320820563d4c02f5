"""The risk API: a region's level and its towns', the rule versions, adding one (HQ only, 422 naming
fields, idempotent), scoped to the caller's regions."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from epigrid.core.clock import local_today
from epigrid.risk.models import RiskPolicy
from tests.api.conftest import API, session_client, token_client

pytestmark = pytest.mark.django_db


def test_a_districts_level_with_its_towns(world, confirm):
    confirm(2, local_today() - dt.timedelta(days=1), grid=world.grid_b)
    body = token_client(world.hq).get(f"{API}/risk/{world.district.pk}").json()
    assert body["day"] == local_today().isoformat()
    assert (body["region"]["level"], body["region"]["label"], body["region"]["new_confirmed"]) == (
        "medium",
        "中风险",
        2,
    )
    assert [(t["name"], t["level"]) for t in body["towns"]] == [("乙街道", "medium"), ("甲镇", "low")]
    street = body["towns"][0]
    assert street["reason"] == "近14天新增确诊2例，累计确诊2例（不超过50例），为中风险地区"
    assert (street["policy_version"], street["window_end"], street["clusters"]) == (
        1,
        local_today().isoformat(),
        0,
    )


def test_a_village_gets_its_towns_level_and_an_old_day_its_days(world, confirm):
    confirm(1, local_today())
    client = token_client(world.village_leader)
    body = client.get(f"{API}/risk/{world.village_a.pk}").json()
    assert body["region"]["level"] == "medium" and body["towns"] == []
    old = client.get(f"{API}/risk/{world.village_a.pk}", {"day": "2020-01-31"}).json()
    assert old["region"] is None  # before the first version
    bad = client.get(f"{API}/risk/{world.village_a.pk}", {"day": "tomorrow"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "day"]


def test_a_region_outside_the_scope_is_404(world):
    assert token_client(world.grid_worker_b).get(f"{API}/risk/{world.town.pk}").status_code == 404
    assert token_client(world.outsider).get(f"{API}/risk/{world.district.pk}/policies").status_code == 404


def test_the_versions_list(world):
    body = token_client(world.town_officer).get(f"{API}/risk/{world.town.pk}/policies").json()
    assert [(p["version"], p["district_id"], p["medium_max_cumulative"]) for p in body] == [(1, None, 50)]
    assert body[0]["effective_from"] == "2020-02-01"


def _post(client, region, payload):
    return client.post(
        f"{API}/risk/{region.pk}/policies", data=json.dumps(payload), content_type="application/json"
    )


def test_the_hq_adds_a_version_idempotently(world):
    payload = {"name": "从严版", "effective_from": local_today().isoformat(), "medium_max_cumulative": 10,
               "idempotency_key": "api-1"}  # fmt: skip
    client = session_client(world.hq)
    first, again = _post(client, world.district, payload), _post(client, world.district, payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["version"] == again.json()["version"] == 2
    assert first.json()["district_id"] == world.district.pk
    assert RiskPolicy.objects.filter(district=world.district).count() == 1


def test_only_the_hq_may_add(world):
    response = _post(
        token_client(world.town_officer),
        world.town,
        {"name": "x", "effective_from": local_today().isoformat()},
    )
    assert response.status_code == 403
    assert RiskPolicy.objects.count() == 1


def test_a_wrong_version_is_422_naming_the_fields(world):
    response = _post(
        token_client(world.hq), world.district, {"name": "", "effective_from": "2020-03-01", "window_days": 0}
    )
    assert response.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in response.json()["detail"]}
    assert detail == {
        ("body", "payload", "name"): "名称：请填写",
        ("body", "payload", "effective_from"): "生效日期：不能早于今天，新版本不改写已公布的风险等级",
        ("body", "payload", "window_days"): "统计天数：应在1到60之间",
    }
    assert RiskPolicy.objects.count() == 1


def test_a_districts_own_version_is_listed_above_the_national_one(world):
    own = world.risk_policy_a
    body = token_client(world.village_leader).get(f"{API}/risk/{world.village_a.pk}/policies").json()
    assert [(p["version"], p["district_id"]) for p in body] == [(2, world.district.pk), (1, None)]
    assert body[0]["medium_max_cumulative"] == own.medium_max_cumulative == 5
    other = token_client(world.outsider).get(f"{API}/risk/{world.other_grid.pk}/policies").json()
    assert [(p["version"], p["district_id"]) for p in other] == [(1, None)]  # 测试区's version is its own

"""The dashboard API: figures with their change, units' measures, Rt; scoped, refusals as 422."""

from __future__ import annotations

from epigrid.cases.models import Classification as C
from epigrid.cases.services import classification_set
from tests.api.conftest import API, session_client, token_client


def test_figures_and_units_of_a_district(world):
    world.episode_zhang  # noqa: B018
    classification_set(actor=world.hq, person=world.li, to=C.CONFIRMED, reason="测试")
    response = token_client(world.hq).get(f"{API}/dashboard/{world.district.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    figures = {f["key"]: f for f in body["figures"]}
    assert figures["observation_total"]["value"] == 1
    assert figures["confirmed"]["value"] == 1 and figures["confirmed"]["change"] == 1
    units = {u["name"]: u for u in body["units"]}
    assert units["甲镇"]["observation"] == 1 and units["乙街道"]["cases"] == 1
    assert units["甲镇"]["report"] == "missing"
    assert body["refreshing"] is False and "reports" in body["measures"]


def test_another_districts_dashboard_is_a_404(world):
    assert session_client(world.outsider).get(f"{API}/dashboard/{world.district.pk}").status_code == 404
    town = session_client(world.town_officer)
    assert town.get(f"{API}/dashboard/{world.street.pk}").status_code == 404
    assert town.get(f"{API}/dashboard/{world.town.pk}").status_code == 200


def test_rt_rows_and_refusals(world):
    client = session_client(world.hq)
    response = client.get(f"{API}/dashboard/{world.district.pk}/rt")
    assert response.status_code == 200
    body = response.json()
    assert [r["name"] for r in body["rows"]] == ["测试区", "乙街道", "甲镇"]
    assert all(r["mean"] is None for r in body["rows"])  # no cases: nothing to estimate
    bad = client.get(f"{API}/dashboard/{world.district.pk}/rt", {"si_mean": 1})
    assert bad.status_code == 422 and "序列间隔均值须大于1天" in bad.content.decode()
    village = client.get(f"{API}/dashboard/{world.village_a.pk}/rt")
    assert village.status_code == 422 and "Rt 只对区县和乡镇" in village.content.decode()

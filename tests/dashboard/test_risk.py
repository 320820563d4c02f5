"""Risk levels on the dashboard: the panel (towns highest first with reasons, a town's own level), the
battle map's 风险等级 measure (level in the legend and under each name, reason in each tooltip, colours
apart in greyscale), all from the snapshot: the page's queries do not grow with towns."""

from __future__ import annotations

import datetime as dt
import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.clock import local_today
from epigrid.dashboard.risk import RISK_FILLS
from epigrid.lib.regionmap_classes import _lightness
from epigrid.regions.models import Level
from tests import factories as f

SVG = "{http://www.w3.org/2000/svg}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def boxes(world):
    for n, town in enumerate((world.street, world.town)):
        west = 114.0 + n * 0.1
        ring = [[west, 30.0], [west + 0.1, 30.0], [west + 0.1, 30.1], [west, 30.1], [west, 30.0]]
        town.boundary = {"type": "Polygon", "coordinates": [ring]}
        town.save(update_fields=["boundary"])


def test_the_district_panel_lists_towns_highest_first_with_their_reasons(world, confirm):
    confirm(2, local_today() - dt.timedelta(days=1), grid=world.grid_b)
    body = client_for(world.hq).get(reverse("dashboard:region", args=[world.district.pk])).content.decode()
    panel = body[body.index('class="card dash-risk"') :]
    panel = panel[: panel.index("</section>")]
    assert panel.index("乙街道") < panel.index("甲镇")
    assert "近14天新增确诊2例，累计确诊2例（不超过50例），为中风险地区" in panel
    assert "近14天无新增确诊病例（累计确诊0例），为低风险地区" in panel
    assert "所辖2个镇（街道）中高风险0个、中风险1个、低风险1个，按最高等级为中风险" in panel
    assert reverse("risk:region", args=[world.street.pk]) in panel


def test_a_towns_dashboard_shows_its_own_level_and_reason(world, confirm):
    confirm(1, local_today())
    body = (
        client_for(world.town_officer).get(reverse("dashboard:region", args=[world.town.pk])).content.decode()
    )
    assert '<span class="risk-badge risk-medium">中风险</span> 近14天新增确诊1例，累计确诊1例' in body
    assert "risk-table" not in body  # no list of towns below a district
    assert "measure=risk" not in body  # its map shows villages, which have no level of their own


def test_a_grid_dashboard_shows_its_towns_level(world):
    body = (
        client_for(world.grid_worker_a)
        .get(reverse("dashboard:region", args=[world.grid_a.pk]))
        .content.decode()
    )
    assert "按所在甲镇计：近14天无新增确诊病例" in body


def test_the_risk_measure_colours_towns_by_level(world, boxes, confirm):
    confirm(3, local_today() - dt.timedelta(days=2), grid=world.grid_b)
    response = client_for(world.hq).get(
        reverse("dashboard:map", args=[world.district.pk]), {"measure": "risk"}
    )
    svg = ET.fromstring(response.content)  # noqa: S314 - our own document
    text = "".join(svg.itertext())
    assert "风险等级" in text and "低风险" in text and "中风险" in text
    legend = {row.get("data-key") for row in svg.iter(f"{SVG}g") if row.get("class") == "rm-legend-row"}
    assert {"low", "medium", "high"} <= legend
    fills = {
        g.get("data-key"): g.get("fill")
        for g in svg.iter(f"{SVG}g")
        if g.get("data-key") in RISK_FILLS and g.get("fill")
    }
    assert fills["medium"] == RISK_FILLS["medium"] and fills["low"] == RISK_FILLS["low"]
    titles = {a.get("data-id"): a.find(f"{SVG}title").text for a in svg.iter(f"{SVG}a")}
    assert titles[str(world.street.pk)] == (
        "乙街道：风险等级 中风险。近14天新增确诊3例，累计确诊3例（不超过50例），为中风险地区"
    )
    assert "为低风险地区" in titles[str(world.town.pk)]


def test_the_levels_stay_apart_in_greyscale():
    lightness = [_lightness(RISK_FILLS[level]) for level in ("low", "medium", "high")]
    assert lightness == sorted(lightness, reverse=True)  # the higher the risk, the darker
    assert min(a - b for a, b in itertools.pairwise(lightness)) >= 15


def test_the_district_page_offers_the_measure(world, boxes):
    body = client_for(world.hq).get(reverse("dashboard:region", args=[world.district.pk])).content.decode()
    assert "?measure=risk" in body
    page = client_for(world.hq).get(
        reverse("dashboard:region", args=[world.district.pk]), {"measure": "risk"}
    )
    assert re.search(r"<title[^>]*>测试区 网格作战图：风险等级</title>", page.content.decode())


def test_the_pages_queries_do_not_grow_with_towns(world, boxes, confirm, django_assert_num_queries):
    url = reverse("dashboard:region", args=[world.district.pk])
    client = client_for(world.hq)
    client.get(url, {"measure": "risk"})  # computes the snapshot
    with django_assert_num_queries(6) as few:
        client.get(url, {"measure": "risk"})
    for i in range(5):
        town = f.region(f"420199{300 + i}", f"新镇{i}", Level.TOWN, world.district)
        village = f.region(f"420199{300 + i}001", f"新村{i}", Level.VILLAGE, town)
        confirm(
            1, local_today(), grid=f.region(f"420199{300 + i}001001", f"新村{i}网格", Level.GRID, village)
        )
    from epigrid.dashboard.snapshots import snapshot_refresh

    snapshot_refresh(world.district)
    with django_assert_num_queries(len(few.captured_queries)):
        body = client.get(url, {"measure": "risk"}).content.decode()
    assert body.count('class="risk-badge risk-medium"') == 5 + 1  # five towns and the district's own

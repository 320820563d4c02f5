"""The dashboard's pages: scoped to the user's regions, tiles linking to their lists, the map, the wall."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.cases.models import Classification as C
from epigrid.cases.services import classification_set
from epigrid.dashboard.vendor import STATIC_PATH, PlotlyFinder


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _map(body: str) -> ET.Element:
    match = re.search(r"<svg\b.*?</svg>", body, re.S)
    assert match, "no battle map on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 — our own page


def _tiles(body: str) -> dict[str, str]:
    return dict(re.findall(r'data-key="(\w+)">\s*(?:<a href="([^"]*)">)?', body))


@pytest.fixture
def boxes(world):
    """Rectangular boundaries for the district's towns (the demo's kind)."""
    for n, town in enumerate((world.street, world.town)):
        west = 114.0 + n * 0.1
        town.boundary = {
            "type": "Polygon",
            "coordinates": [
                [[west, 30.0], [west + 0.1, 30.0], [west + 0.1, 30.1], [west, 30.1], [west, 30.0]]
            ],
        }
        town.save(update_fields=["boundary"])


def test_the_district_dashboard_shows_tiles_map_curve_and_rt(world, boxes):
    world.episode_zhang  # noqa: B018
    classification_set(actor=world.hq, person=world.li, to=C.CONFIRMED, reason="测试")
    response = client_for(world.hq).get(reverse("dashboard:region", args=[world.district.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    tiles = _tiles(body)
    assert tiles["observation_total"] == reverse("monitoring:episodes", args=[world.district.pk])
    assert tiles["confirmed"].startswith(reverse("cases:list", args=[world.district.pk]))
    assert tiles["reports_missing"] == reverse("reports:status", args=[world.district.pk])
    svg = _map(body)
    links = [a.get("href") for a in svg.iter("{http://www.w3.org/2000/svg}a")]
    assert reverse("dashboard:region", args=[world.town.pk]) + "?measure=observation" in links
    assert 'id="curve-data"' in body and "/static/vendor/plotly.min.js" in body
    assert 'id="rt-data"' in body  # Rt is shown for a district
    csp = response.headers["Content-Security-Policy"]
    assert "style-src 'self' 'nonce-" in csp and "unsafe-inline" not in csp


def test_a_village_has_no_rt_and_no_report_status_measure(world, boxes):
    response = client_for(world.hq).get(reverse("dashboard:region", args=[world.village_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="rt-data"' not in body
    assert "measure=reports" not in body
    assert "reports_missing" not in _tiles(body)


def test_the_map_measure_and_the_svg_download(world, boxes):
    client = client_for(world.hq)
    response = client.get(reverse("dashboard:map", args=[world.district.pk]), {"measure": "reports"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    svg = ET.fromstring(response.content)  # noqa: S314
    assert "未报告" in "".join(svg.itertext())
    unknown = client.get(reverse("dashboard:region", args=[world.district.pk]), {"measure": "<script>"})
    assert unknown.status_code == 200 and "<script>" not in unknown.content.decode().split("<main>")[1]


def test_scoped_to_the_users_regions(world):
    assert (
        client_for(world.outsider).get(reverse("dashboard:region", args=[world.district.pk])).status_code
        == 404
    )
    town = client_for(world.town_officer)
    assert town.get(reverse("dashboard:region", args=[world.town.pk])).status_code == 200
    assert town.get(reverse("dashboard:region", args=[world.street.pk])).status_code == 404
    assert town.get(reverse("dashboard:wall", args=[world.street.pk])).status_code == 404
    assert town.get(reverse("dashboard:map", args=[world.street.pk])).status_code == 404
    home = town.get(reverse("dashboard:home"))
    assert home.status_code == 302 and home["Location"] == reverse("dashboard:region", args=[world.town.pk])
    anonymous = Client().get(reverse("dashboard:region", args=[world.district.pk]))
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_the_wall_reloads_itself_and_is_dark(world, boxes):
    response = client_for(world.hq).get(reverse("dashboard:wall", args=[world.district.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<meta http-equiv="refresh" content="60">' in body
    assert 'class="wall"' in body and "疫情防控指挥大屏" in body


def test_english(world, boxes):
    client = client_for(world.hq)
    client.cookies["django_language"] = "en"
    body = client.get(reverse("dashboard:region", args=[world.district.pk])).content.decode()
    assert "Battle map" in body and "Epidemic curve" in body


def test_rt_page_refuses_a_serial_interval_mean_of_one_or_less(world):
    client = client_for(world.hq)
    url = reverse("dashboard:rt", args=[world.district.pk])
    assert client.get(url).status_code == 200
    response = client.get(url, {"si_mean": "1", "si_sd": "1.5"})
    assert response.status_code == 400
    assert "序列间隔均值须大于1天" in response.content.decode()
    assert client.get(url, {"window": "abc"}).status_code == 400


def test_the_dashboard_reads_a_fresh_snapshot_in_few_queries(world, boxes, django_assert_max_num_queries):
    client = client_for(world.hq)
    url = reverse("dashboard:region", args=[world.district.pk])
    client.get(url)  # computes the snapshot
    with django_assert_max_num_queries(6):  # session, user, region, ancestors, snapshot, boundaries
        assert client.get(url).status_code == 200


def test_plotly_is_served_from_the_wheel(client):
    found = PlotlyFinder().find(STATIC_PATH)
    assert found and found.endswith("plotly.min.js")
    assert PlotlyFinder().find("vendor/other.js") is None
    assert [path for path, _storage in PlotlyFinder().list(None)] == ["plotly.min.js"]
    response = client.get("/static/" + STATIC_PATH)
    assert response.status_code == 200
    head = b"".join(response.streaming_content)[:200] if response.streaming else response.content[:200]
    assert b"plotly.js" in head


def test_yesterday_change_arrows(world, boxes):
    import time_machine

    noon = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    with time_machine.travel(noon, tick=False):
        world.episode_zhang  # noqa: B018
        body = (
            client_for(world.hq).get(reverse("dashboard:region", args=[world.district.pk])).content.decode()
        )
    tile = body[body.index('data-key="observation_total"') :].split("</li>")[0]
    assert (
        "▲ +1" in tile
        and "bad" in body[body.rindex("<li", 0, body.index('data-key="observation_total"')) :][:80]
    )

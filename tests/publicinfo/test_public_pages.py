"""The public pages and the JSON feed: no login, nothing personal, cacheable, Chinese and English."""

from __future__ import annotations

import json

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epigrid.publicinfo.services import bulletin_draft, bulletin_publish, notice_save
from tests.publicinfo.conftest import DAY, at


def _evening_with_cases(world, morning, classify):
    classify(world.zhang, "confirmed")
    classify(world.li, "suspected")
    morning.move_to(at(DAY, 19))


def test_district_page(world, morning, classify):
    _evening_with_cases(world, morning, classify)
    notice_save(
        actor=world.hq, region=world.district, kind="hotline", title="区防控指挥部", phone="0571-12345678"
    )
    response = Client().get(reverse("publicinfo:page", args=[world.district.code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "测试区" in body and "截至2月10日18时" in body
    assert "中风险" in body and "甲镇" in body and "乙街道" in body
    assert "&lt;5" in body  # 甲镇's one confirmed case, hidden
    assert "0571-12345678" in body
    for secret in (world.zhang.name, world.zhang.id_number, world.li.name, world.zhang.phone):
        assert secret not in body
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["ETag"]
    again = Client().get(
        reverse("publicinfo:page", args=[world.district.code]), HTTP_IF_NONE_MATCH=response["ETag"]
    )
    assert again.status_code == 304


def test_town_page_hides_its_small_counts(world, morning, classify):
    _evening_with_cases(world, morning, classify)
    body = Client().get(reverse("publicinfo:page", args=[world.town.code])).content.decode()
    assert "甲镇" in body and "中风险" in body
    assert "累计确诊&lt;5例" in body or "&lt;5" in body
    assert world.zhang.name not in body


def test_english_page(world, morning, classify):
    _evening_with_cases(world, morning, classify)
    body = (
        Client().get(reverse("publicinfo:page", args=[world.district.code]), {"lang": "en"}).content.decode()
    )
    assert "Medium risk" in body and "Confirmed in total" in body


def test_feed(world, morning, classify):
    _evening_with_cases(world, morning, classify)
    bulletin, _ = bulletin_draft(actor=world.hq, region=world.district)
    bulletin_publish(actor=world.hq, bulletin=bulletin)
    response = Client().get(reverse("publicinfo:feed", args=[world.district.code]))
    assert response["Content-Type"].startswith("application/json")
    feed = json.loads(response.content)
    assert feed["figures"]["confirmed_total"] == 1
    assert feed["risk"]["level"] == "medium"
    town = next(t for t in feed["towns"] if t["name"] == "甲镇")
    assert town["figures"]["confirmed_total"] == {"suppressed": True, "text": "<5"}
    assert feed["bulletin"]["number"] == 1 and "新增确诊病例1例" in feed["bulletin"]["text"]
    text = response.content.decode()
    assert world.zhang.name not in text and world.zhang.id_number not in text


def test_a_cached_page_reads_no_person(world, morning, classify):
    _evening_with_cases(world, morning, classify)
    url = reverse("publicinfo:page", args=[world.district.code])
    Client().get(url)
    with CaptureQueriesContext(connection) as queries:
        assert Client().get(url).status_code == 200
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert len(queries) <= 5
    assert "people_person" not in sql and "cases_casestatus" not in sql


def test_unknown_region_and_levels_below_a_town(world):
    assert Client().get(reverse("publicinfo:page", args=["000000"])).status_code == 404
    assert Client().get(reverse("publicinfo:page", args=[world.village_a.code])).status_code == 404
    day = reverse("publicinfo:bulletin", args=[world.district.code, "not-a-day"])
    assert Client().get(day).status_code == 404


def test_index_lists_the_districts(world):
    body = Client().get(reverse("publicinfo:index")).content.decode()
    assert "测试区" in body

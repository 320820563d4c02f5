"""The risk pages: a district's towns with levels and reasons, a town's 30 days, the day picker, the
rule versions and the HQ's form; scoped like every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.clock import local_today
from epigrid.risk.models import RiskPolicy

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_district_page_lists_towns_highest_first_with_reasons(world, confirm):
    confirm(3, local_today() - dt.timedelta(days=2), grid=world.grid_b)
    body = client_for(world.hq).get(reverse("risk:region", args=[world.district.pk])).content.decode()
    assert body.index("乙街道") < body.index("甲镇")  # medium before low
    assert "近14天新增确诊3例，累计确诊3例（不超过50例），为中风险地区" in body
    assert "近14天无新增确诊病例（累计确诊0例），为低风险地区" in body
    assert "所辖2个镇（街道）中高风险0个、中风险1个、低风险1个，按最高等级为中风险" in body


def test_the_day_picker_shows_an_earlier_day_and_refuses_a_bad_one(world, confirm):
    confirm(1, local_today() - dt.timedelta(days=1))
    url = reverse("risk:region", args=[world.town.pk])
    before = local_today() - dt.timedelta(days=3)
    body = client_for(world.town_officer).get(url, {"day": before.isoformat()}).content.decode()
    assert "近14天无新增确诊病例（累计确诊0例），为低风险地区" in body
    bad = client_for(world.town_officer).get(url, {"day": "2020-13-40"})
    assert bad.status_code == 400 and "日期：格式应为年-月-日" in bad.content.decode()
    future = client_for(world.town_officer).get(
        url, {"day": (local_today() + dt.timedelta(days=1)).isoformat()}
    )
    assert future.status_code == 400 and "日期：不能晚于今天" in future.content.decode()


def test_a_town_page_shows_its_last_30_days(world, confirm):
    confirm(1, local_today() - dt.timedelta(days=1))
    body = client_for(world.town_officer).get(reverse("risk:region", args=[world.town.pk])).content.decode()
    assert "甲镇近30天风险等级" in body
    assert body.count('class="risk-badge risk-medium"') == 1 + 2  # its own level, then today and yesterday
    assert body.count('class="risk-badge risk-low"') == 28


def test_a_grid_worker_sees_the_level_of_their_town(world, confirm):
    confirm(1, local_today())
    body = (
        client_for(world.grid_worker_a).get(reverse("risk:region", args=[world.grid_a.pk])).content.decode()
    )
    assert "按所在甲镇计：近14天新增确诊1例" in body


def test_a_region_outside_the_scope_is_not_found(world):
    assert (
        client_for(world.grid_worker_b).get(reverse("risk:region", args=[world.town.pk])).status_code == 404
    )
    assert client_for(world.outsider).get(reverse("risk:policies", args=[world.town.pk])).status_code == 404


def test_home_sends_to_the_users_top_region(world):
    response = client_for(world.town_officer).get(reverse("risk:home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "risk:region", args=[world.town.pk]
    )


def test_the_versions_page_lists_them_and_only_the_hq_has_the_form(world):
    url = reverse("risk:policies", args=[world.district.pk])
    body = client_for(world.hq).get(url).content.decode()
    assert "2020年2月分区分级标准" in body and "（现行）" in body and 'name="effective_from"' in body
    town_body = (
        client_for(world.town_officer).get(reverse("risk:policies", args=[world.town.pk])).content.decode()
    )
    assert "2020年2月分区分级标准" in town_body and 'name="effective_from"' not in town_body
    refused = client_for(world.town_officer).post(
        reverse("risk:policies", args=[world.town.pk]), {"name": "x"}
    )
    assert refused.status_code == 403 and RiskPolicy.objects.count() == 1


def test_the_hq_adds_a_version_once_per_form(world):
    url = reverse("risk:policies", args=[world.district.pk])
    form = {
        "key": "form-1", "name": "从严版",
        "effective_from": (local_today() + dt.timedelta(days=1)).isoformat(),
        "window_days": "14", "medium_max_cumulative": "20", "cluster_min_cases": "2",
        "high_requires_cluster": "on",
    }  # fmt: skip
    client = client_for(world.hq)
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302  # the same form sent twice
    added = RiskPolicy.objects.get(district=world.district)
    assert (added.version, added.medium_max_cumulative, added.high_requires_cluster) == (2, 20, True)
    body = client.get(url).content.decode()
    assert "第2版" in body and "（待生效）" in body


def test_a_wrong_form_names_each_field_and_saves_nothing(world):
    url = reverse("risk:policies", args=[world.district.pk])
    response = client_for(world.hq).post(
        url,
        {
            "name": "",
            "effective_from": "2020-02-30",
            "window_days": "十四",
            "medium_max_cumulative": "50",
            "cluster_min_cases": "1",
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    for message in (
        "名称：请填写",
        "生效日期：格式应为年-月-日",
        "统计天数：请填写整数",
        "聚集性疫情最少病例数：应在2到100之间",
    ):
        assert message in body
    assert "生效日期：请填写" not in body  # one message per field
    assert RiskPolicy.objects.count() == 1

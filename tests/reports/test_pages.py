"""The report pages: submit (Chinese and English), who has reported, completeness, indicators; scope."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from epigrid.reports.models import UnitReport
from epigrid.reports.services import unit_report_submit

DAY = dt.date(2020, 1, 28)


def client_for(user, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def evening():
    with time_machine.travel(f"{DAY.isoformat()} 17:00 +0800", tick=False) as traveller:
        yield traveller


def unit_url(world, day: dt.date = DAY) -> str:
    return f"{reverse('reports:unit', args=[world.village_a.pk])}?day={day.isoformat()}"


def test_the_unit_page_shows_the_computed_figures_and_the_form(world, evening, django_assert_max_num_queries):
    client = client_for(world.village_leader)
    # 27: two of them read the measures log that pre-fills the form (the day's sums, sealed compounds).
    with django_assert_max_num_queries(29):
        response = client.get(unit_url(world))
    body = response.content.decode()
    assert response.status_code == 200
    assert "日报告" in body and "甲村" in body
    assert "确诊病例（含临床诊断）" in body and "来自或途经疫区返乡人员（累计）" in body
    assert "零报告（今日无新情况，一键报送）" in body
    assert 'name="measure_leaflets"' in body
    assert "待报" in body  # before the deadline, nothing submitted


def test_submitting_the_form_saves_a_report_and_says_so(world, evening):
    client = client_for(world.village_leader)
    response = client.post(
        unit_url(world),
        {"day": DAY.isoformat(), "measure_leaflets": "200", "measure_meetings": "1", "problems": "口罩不足"},
        follow=True,
    )
    assert response.status_code == 200
    report = UnitReport.objects.get()
    assert report.measures == {"leaflets": 200, "meetings": 1} and report.problems == "口罩不足"
    body = response.content.decode()
    assert "已报送。" in body and "按时" in body and "修改后重新报送" in body
    # The same form again: one report, and the page says nothing was sent twice.
    again = client.post(
        unit_url(world),
        {"day": DAY.isoformat(), "measure_leaflets": "200", "measure_meetings": "1", "problems": "口罩不足"},
        follow=True,
    )
    assert "内容与已报送的报告相同，未重复报送。" in again.content.decode()
    assert UnitReport.objects.count() == 1


def test_a_zero_report_from_the_page(world, evening):
    response = client_for(world.village_leader).post(unit_url(world), {"day": DAY.isoformat(), "zero": "1"})
    assert response.status_code == 302
    assert UnitReport.objects.get().zero


def test_bad_counts_are_named_beside_their_field_and_kept(world, evening):
    response = client_for(world.village_leader).post(
        unit_url(world), {"day": DAY.isoformat(), "measure_leaflets": "-5", "measure_audio": "abc"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "宣传单：不能为负数" in body and "音频：请填写整数" in body
    assert 'value="-5"' in body and 'value="abc"' in body
    assert not UnitReport.objects.exists()


def test_in_english(world, evening):
    client = client_for(world.village_leader, "en")
    response = client.post(unit_url(world), {"day": DAY.isoformat(), "measure_leaflets": "-5"})
    body = response.content.decode()
    assert "Leaflets" in body or "leaflets" in body
    assert "Must not be negative" in body
    page = client.get(unit_url(world)).content.decode()
    assert "Daily report" in page and "Zero report (nothing new today, one click)" in page
    assert "Confirmed cases (incl. clinically diagnosed)" in page


def test_a_late_report_says_so(world):
    with time_machine.travel(f"{DAY.isoformat()} 21:00 +0800", tick=False):
        client = client_for(world.village_leader)
        page = client.get(unit_url(world)).content.decode()
        assert "现在报送将标记为迟报" in page
        response = client.post(unit_url(world), {"day": DAY.isoformat(), "zero": "1"}, follow=True)
    assert "已报送（迟报）。" in response.content.decode()
    assert UnitReport.objects.get().late


def test_a_future_day_is_refused_on_the_page(world, evening):
    tomorrow = DAY + dt.timedelta(days=1)
    client = client_for(world.village_leader)
    assert "不能填报未来日期的报告" in client.get(unit_url(world, tomorrow)).content.decode()
    response = client.post(unit_url(world, tomorrow), {"day": tomorrow.isoformat(), "zero": "1"})
    assert response.status_code == 400
    assert "不能填报未来日期的报告" in response.content.decode()
    assert not UnitReport.objects.exists()


def test_scope_another_unit_is_not_found_and_a_reader_may_not_submit(world, evening):
    other = reverse("reports:unit", args=[world.village_b.pk])
    assert client_for(world.village_leader).get(other).status_code == 404
    assert client_for(world.village_leader).post(other, {"zero": "1"}).status_code == 404
    assert client_for(world.outsider).get(unit_url(world)).status_code == 404
    dept = client_for(world.department)
    assert dept.get(unit_url(world)).status_code == 200  # may read
    assert dept.post(unit_url(world), {"day": DAY.isoformat(), "zero": "1"}).status_code == 403
    assert not UnitReport.objects.exists()


def test_a_grid_has_no_report_page(world):
    response = client_for(world.village_leader).get(reverse("reports:unit", args=[world.grid_a.pk]))
    assert response.status_code == 404


def test_who_has_reported_today_for_the_town_and_the_district(world, django_assert_max_num_queries):
    with time_machine.travel(f"{DAY.isoformat()} 12:00 +0800", tick=False):
        unit_report_submit(actor=world.village_leader, region=world.village_a, day=DAY, zero=True)
    with time_machine.travel(f"{DAY.isoformat()} 20:00 +0800", tick=False):
        town = client_for(world.town_officer)
        with django_assert_max_num_queries(8):
            response = town.get(reverse("reports:status", args=[world.town.pk]))
        body = response.content.decode()
        assert response.status_code == 200 and "甲村" in body and "按时" in body and "零报告" in body
        district = client_for(world.hq).get(reverse("reports:status", args=[world.district.pk]))
        body = district.content.decode()
        assert "甲镇" in body and "乙街道" in body and "未报" in body
        assert town.get(reverse("reports:status", args=[world.street.pk])).status_code == 404
        assert town.get(reverse("reports:status", args=[world.village_a.pk])).status_code == 404


def test_completeness_page(world, django_assert_max_num_queries):
    with time_machine.travel(f"{DAY.isoformat()} 12:00 +0800", tick=False):
        unit_report_submit(actor=world.town_officer, region=world.town, day=DAY, zero=True)
    with time_machine.travel(f"{DAY.isoformat()} 23:00 +0800", tick=False):
        client = client_for(world.hq)
        url = reverse("reports:completeness", args=[world.district.pk])
        with django_assert_max_num_queries(7):
            response = client.get(url, {"start": "2020-01-27", "end": "2020-01-28"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "报告率和及时率" in body and "25.0%" in body  # 1 of 4 due reports (2 towns × 2 days)
        bad = client.get(url, {"start": "2020-01-29", "end": "2020-01-27"})
        assert bad.status_code == 400 and "已显示最近7天" in bad.content.decode()
        english = client_for(world.hq, "en").get(url).content.decode()
        assert "Completeness and timeliness" in english


@pytest.fixture
def late_evening():
    with time_machine.travel(f"{DAY.isoformat()} 21:00 +0800", tick=False) as traveller:
        yield traveller


def test_indicators_page_with_the_children_table(late_evening, world, django_assert_max_num_queries):
    # The clock is set before the world is made: how many queries the checks take depends on whether a
    # slot's deadline has passed by the cut-off (after noon the morning slot's has), so a test run at
    # the real time of day would count one query more after noon than before it.
    client = client_for(world.hq)
    url = reverse("reports:indicators", args=[world.district.pk])
    with django_assert_max_num_queries(31):  # + the fever visits (triage)
        response = client.get(url, {"day": DAY.isoformat(), "hour": "18:00"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "甲镇" in body and "乙街道" in body and "已管控" in body and "合计" in body
    assert client.get(url, {"day": "not-a-date"}).status_code == 400
    assert client_for(world.outsider).get(url).status_code == 404
    english = client_for(world.hq, "en").get(url).content.decode()
    assert "Not yet controlled" in english


def test_report_detail_and_revisions(world):
    report = world.unit_report_a
    newer = unit_report_submit(
        actor=world.village_leader, region=world.village_a, day=report.day, measures={"leaflets": 30}
    ).report
    client = client_for(world.town_officer)
    body = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "已被新版本替换" in body and "第2版" in body and "口罩不足" in body
    assert client.get(reverse("reports:detail", args=[newer.pk])).status_code == 200
    assert client_for(world.outsider).get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_home_sends_each_level_to_its_page(world):
    assert client_for(world.village_leader).get(reverse("reports:home")).url == reverse(
        "reports:unit", args=[world.village_a.pk]
    )
    assert client_for(world.town_officer).get(reverse("reports:home")).url == reverse(
        "reports:status", args=[world.town.pk]
    )
    grid = client_for(world.grid_worker_a).get(reverse("reports:home"))
    assert grid.status_code == 200 and "甲村第1网格" in grid.content.decode()


def test_the_link_to_the_level_above_only_for_who_may_open_it(world, evening):
    town_status = reverse("reports:status", args=[world.town.pk])
    assert town_status not in client_for(world.village_leader).get(unit_url(world)).content.decode()
    assert town_status in client_for(world.town_officer).get(unit_url(world)).content.decode()

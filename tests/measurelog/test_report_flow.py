"""From the log to the report without retyping: a unit's daily report form is pre-filled with the log's
sums of the day (a village: its own and its grids' entries; a town: its own), the user may change them
before submitting, and the town's work report (section 二) then carries them — counted once."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from epigrid.reports.document_content import gather, measures
from epigrid.reports.models import UnitReport
from tests.measurelog.conftest import DAY


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report_url(region, day: dt.date = DAY, extra: str = "") -> str:
    return f"/reports/units/{region.pk}/?day={day.isoformat()}{extra}"


def _values(body: str) -> dict[str, str]:
    """The measure fields of the report form as the page fills them."""
    return dict(re.findall(r'name="measure_(\w+)" value="([^"]*)"', body))


def _submit(client: Client, region, values: dict[str, str]) -> None:
    data = {"day": DAY.isoformat(), **{f"measure_{k}": v for k, v in values.items()}}
    assert client.post(_report_url(region), data).status_code == 302


def test_a_village_report_is_prefilled_from_the_log_and_may_be_changed(world, log):
    log("leaflets", 100)
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    log("disinfection", 2, region=world.grid_a, actor=world.grid_worker_a)
    log("banners", 6)
    log("leaflets", 500, day=DAY - dt.timedelta(days=1))  # another day: not this report's
    client = _client(world.village_leader)
    body = client.get(_report_url(world.village_a)).content.decode()
    values = _values(body)
    assert values["leaflets"] == "140" and values["disinfection"] == "2" and values["notices"] == ""
    assert values["banners"] == "6"  # the seeds' banners are a report kind too
    assert "已按措施台账预填：本村（社区）及各网格当日登记的措施合计。报送前可修改。" in body
    assert "台账另记有" not in body  # every log kind has a field in the report
    assert "data-logged" not in body  # nothing differs from the log yet
    values["leaflets"] = "150"  # the leader counts ten more that were never logged
    _submit(client, world.village_a, values)
    assert UnitReport.objects.get().measures == {"leaflets": 150, "disinfection": 2, "banners": 6}
    # Afterwards the page shows what was reported, and where the log says otherwise.
    after = client.get(_report_url(world.village_a)).content.decode()
    assert _values(after)["leaflets"] == "150"
    assert '<small class="muted logged" data-logged="leaflets">台账：140</small>' in after
    assert "措施台账当日合计与已报送的不同" in after
    refilled = client.get(_report_url(world.village_a, extra="&fill=log")).content.decode()
    assert _values(refilled)["leaflets"] == "140" and "已按措施台账预填" in refilled


def test_the_town_report_counts_its_own_entries_and_the_work_report_counts_each_once(world, log):
    log("meetings", 1, region=world.town, actor=world.town_officer)
    log("leaflets", 100)
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    town = _client(world.town_officer)
    body = town.get(_report_url(world.town)).content.decode()
    values = _values(body)
    assert values["meetings"] == "1" and values["leaflets"] == ""
    assert (
        "已按措施台账预填：本镇（街道）本级当日登记的措施；各村（社区）的措施由其日报告计入。报送前可修改。"
        in body
    )
    # 甲村 logged but has not reported: the town is told, with a link to that report.
    assert "1个村（社区）当日登记了措施但还没有报送日报告：" in body
    assert f'<a href="/reports/units/{world.village_a.pk}/?day={DAY.isoformat()}">甲村</a>' in body
    village = _client(world.village_leader)
    _submit(village, world.village_a, _values(village.get(_report_url(world.village_a)).content.decode()))
    _submit(town, world.town, values)
    assert "还没有报送日报告" not in town.get(_report_url(world.town)).content.decode()
    sources = gather(world.town, DAY)
    assert sources.measures == {"meetings": 1, "leaflets": 140}  # the village's 140 once, not twice
    publicity, joint, *_rest = measures(sources)
    assert "印制发放宣传彩页140份" in publicity
    assert "召开疫情防控工作会议1次" in joint


def test_disinfection_reaches_section_two_five(world, log):
    log("disinfection", 3)
    client = _client(world.village_leader)
    _submit(client, world.village_a, _values(client.get(_report_url(world.village_a)).content.decode()))
    fifth = measures(gather(world.town, DAY))[4]
    assert fifth.startswith("（五）多措并举阻断疫情传播途径。在辖区公共场所、人员密集地开展消毒3次；")


def test_a_unit_without_a_log_sees_the_form_as_before(world, afternoon):
    client = _client(world.village_leader)
    body = client.get(_report_url(world.village_a)).content.decode()
    assert set(_values(body).values()) == {""}
    assert "已按措施台账预填" not in body and "台账另记有" not in body and "data-logged" not in body
    _submit(client, world.village_a, {"leaflets": "20"})
    after = client.get(_report_url(world.village_a)).content.decode()
    assert "措施台账当日合计与已报送的不同" not in after and "data-logged" not in after


def test_a_zero_report_is_questioned_when_the_log_has_measures(world, log):
    log("leaflets", 10)
    body = _client(world.village_leader).get(_report_url(world.village_a)).content.decode()
    assert "措施台账中当日已登记措施，请在下面核对后报送，而不是零报告。" in body


def test_sealed_compounds_are_shown_beside_the_report(world, seal):
    seal("幸福小区", guard_posts=3)
    body = _client(world.village_leader).get(_report_url(world.village_a)).content.decode()
    assert "台账另记有：封闭管理小区（村）1个，卡点/值守点3个。" in body

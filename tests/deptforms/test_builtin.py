"""The forms of DOMAIN.md ship built in, and each exports with its title, the 填报单位 row and its columns."""

from __future__ import annotations

import pytest

from epigrid.deptforms.builtin import BUILTIN_FORMS
from epigrid.deptforms.models import FormRevision, FormTemplate
from tests.deptforms.conftest import export, header_index, table


def test_the_database_holds_exactly_the_shipped_definitions(db):
    shipped = {spec["name"]: spec for spec in BUILTIN_FORMS}
    stored = {form.name: form for form in FormTemplate.objects.filter(builtin=True)}
    assert stored.keys() == shipped.keys()
    for name, form in stored.items():
        spec = shipped[name]
        assert form.definition() == {key: spec[key] for key in form.definition()}
        assert FormRevision.objects.get(template=form, version=1).definition == form.definition()


@pytest.mark.parametrize("spec", BUILTIN_FORMS, ids=lambda spec: spec["name"])
def test_each_builtin_form_exports_title_info_row_and_columns(world, records, spec):
    ws, result = export(world.hq, spec["name"], world.district)
    rows = table(ws)
    assert rows[0][0] == spec["title"]
    assert rows[1][0].startswith("统计截止：")
    info = rows[2][0]
    for label in ("填报单位：测试区", "填报人：hq", "联系电话：", "审核人：", "报送时间："):
        assert label in info
    headers = rows[header_index(ws) - 1]
    first = "序号" if spec["kind"] == "people" else ("隔离点" if spec["grouping"] == "site" else "单位")
    assert headers == [first, *[c["label"] for c in spec["columns"]]]
    assert result.version == 1


def test_health_daily_has_a_row_per_town_the_district_total_and_the_header_figures(world, records):
    ws, result = export(world.hq, "health-daily", world.district)
    rows = table(ws)
    assert rows[3][0] == "来自或途经疫区返乡人员（累计）：1\u3000\u3000已管控：1\u3000\u3000未管控：0"
    body = rows[header_index(ws) :]
    assert body == [
        ["乙街道", 0, 1, 0, 0, 0, 0],
        ["甲镇", 1, 0, 0, 0, 1, 0],
        ["合计", 1, 1, 0, 0, 1, 0],
    ]
    assert result.rows == 2


def test_returnee_register_lists_the_journey_under_its_village(world, records):
    ws, _ = export(world.town_officer, "returnee-register", world.town)
    rows = table(ws)
    start = header_index(ws)
    assert rows[start][0] == "甲村"  # the group heading
    line = rows[start + 1]
    assert line[:3] == [1, "张伟", "男"]
    assert "湖北武汉" in line and "来自疫区" in line and "G1234" in line


def test_home_monitoring_lists_open_episodes_with_the_grid_worker(world, records):
    ws, _ = export(world.town_officer, "home-monitoring", world.town)
    rows = table(ws)
    assert "14天健康监测表" in rows[3][0]
    line = rows[header_index(ws) + 1]
    assert line[1] == "张伟" and "居家医学观察" in line and line[-1] == "grid_a"


def test_close_contacts_names_the_case_and_the_setting(world, records):
    ws, _ = export(world.town_officer, "close-contacts", world.town)
    line = table(ws)[header_index(ws)]
    assert line[1] == "王芳" and "张伟" in line and "共同居住" in line


def test_checkpoint_log_has_a_row_per_stop_with_the_drivers_masked_identifiers(world):
    handover = world.handover_b  # 李娜 at 甲村's checkpoint today, handed over to 乙社区
    ws, result = export(world.hq, "checkpoint-log", world.district)
    rows = table(ws)
    assert result.rows == 1
    line = dict(zip(rows[header_index(ws) - 1], rows[header_index(ws)], strict=True))
    assert line["卡口"] == "甲村村口卡点" and line["车牌号"] == "鄂A12345" and line["驾驶员"] == "李娜"
    full = handover.person.id_number
    assert line["身份证号"] != full and line["身份证号"].startswith(full[:6])
    assert line["是否来自重点地区"] == "是" and line["处置"] == "登记后移交属地" and line["乘车人数"] == 1
    ws, result = export(world.hq, "checkpoint-log", world.street)
    assert result.rows == 0  # the street office has no checkpoint


def test_observation_sites_count_rooms_people_and_free_rooms(world, records):
    from epigrid.monitoring.models import Episode, Room, Site

    site = Site.objects.create(district=world.district, name="城东宾馆")
    rooms = [Room.objects.create(site=site, number=f"10{i}") for i in range(3)]
    Episode.objects.filter(pk=records["episode"].pk).update(kind=Episode.Kind.CENTRAL, room=rooms[0])
    ws, _ = export(world.hq, "observation-sites", world.district)
    assert table(ws)[header_index(ws)] == ["城东宾馆", 3, 1, 1, 2]

"""The outside-district handover list of a transport hub: who is on it, grouped by destination,
identifiers masked by role, every read audited, printed in the official layout and as xlsx."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from epigrid.checkpoints.models import Disposition
from epigrid.checkpoints.observation import observation_record
from epigrid.checkpoints.outside import chinese_date, outside_handovers
from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
from epigrid.core.models import AuditEvent
from epigrid.lib.idcard import make_id

API = "/api/v1"
ID_A = make_id(address_code="420106", birth=dt.date(1985, 1, 2), sequence=111)  # odd: 男
ID_B = make_id(address_code="610113", birth=dt.date(1992, 7, 8), sequence=222)  # even: 女


def _arrive(world, station, name, province, city="", **kw):
    data = {"vehicle_type": "", "disposition": Disposition.LET_THROUGH, "service_no": "G87", "origin": "武汉"}
    data.update(kw)
    person = PersonInput(
        name=name, id_number=kw.pop("id_number", ""), phone="13800138000", temperature=kw.pop("t", "36.5")
    )
    data.pop("id_number", None)
    data.pop("t", None)
    return passage_register(
        actor=world.checkpoint,
        checkpoint=station,
        data=PassageInput(people=[person], destination_province=province, destination_city=city, **data),
    )


@pytest.fixture
def arrivals(world, station):
    _arrive(world, station, "赵一", "陕西省", "西安市", from_outbreak_area=True, id_number=ID_A)
    _arrive(world, station, "钱二", "四川省", "成都市", via_outbreak_area=True, id_number=ID_B)
    _arrive(world, station, "孙三", "陕西省", "西安市", from_outbreak_area=True)
    fever = _arrive(world, station, "李四", "甘肃省", "兰州市", origin="西安", t="38.0")
    _arrive(world, station, "周五", "陕西省", "西安市", origin="西安")  # not from the key area, no fever
    _arrive(
        world, station, "吴六", "", origin="武汉", from_outbreak_area=True, destination_region=world.village_a
    )
    stay = fever.passage.people.get().observation
    observation_record(actor=world.checkpoint, stay=stay, outcome="clinic", clinic_name="区人民医院发热门诊")
    return timezone.localdate()


def test_the_list_groups_outside_travellers_by_destination(world, station, arrivals):
    listing = outside_handovers(user=world.town_officer, checkpoint=station, start=arrivals, end=arrivals)
    groups = {g.destination: [r.name for r in g.rows] for g in listing.groups}
    assert groups == {"四川省成都市": ["钱二"], "甘肃省兰州市": ["李四"], "陕西省西安市": ["赵一", "孙三"]}
    rows = {r.name: r for g in listing.groups for r in g.rows}
    assert rows["赵一"].sex == "男" and rows["钱二"].sex == "女" and rows["孙三"].sex == ""
    assert rows["赵一"].key_area == "是" and rows["李四"].key_area == "否"
    assert rows["李四"].disposition == "留观→送发热门诊：区人民医院发热门诊"
    assert rows["赵一"].disposition == "登记后移交属地" and rows["赵一"].service_no == "G87"
    assert (
        rows["赵一"].id_number == ID_A and rows["赵一"].phone == "13800138000"
    )  # the town sees them in full


def test_the_checkpoint_role_sees_identifiers_masked_and_every_read_is_audited(world, station, arrivals):
    listing = outside_handovers(user=world.checkpoint, checkpoint=station, start=arrivals, end=arrivals)
    row = next(r for g in listing.groups for r in g.rows if r.name == "赵一")
    assert row.id_number != ID_A and "*" in row.id_number and row.phone == "138****8000"
    event = AuditEvent.objects.get(object_type="outside_handover_list", user=world.checkpoint)
    assert event.action == AuditEvent.Action.READ and event.detail["rows"] == 4
    assert event.detail["full_identifiers"] is False and "赵一" not in str(event.detail)


def test_the_page_the_print_and_the_file(world, station, arrivals):
    client = Client()
    client.force_login(world.town_officer)
    page = client.get(f"/checkpoints/{station.pk}/outside-handovers/", {"day": arrivals.isoformat()})
    assert page.status_code == 200 and "陕西省西安市（2人）" in page.content.decode()
    printed = client.get(
        f"/checkpoints/{station.pk}/outside-handovers/print/",
        {"day": arrivals.isoformat(), "purpose": "移交属地"},
    )
    body = printed.content.decode()
    assert printed.status_code == 200 and "<h1>外地人员移交清单</h1>" in body
    assert chinese_date(arrivals) in body and "填报单位：甲镇人民政府" in body and "审核人：" in body
    assert ID_A in body and "<script" not in body
    download = client.get(
        f"/checkpoints/{station.pk}/outside-handovers.xlsx",
        {"day": arrivals.isoformat(), "purpose": "移交属地"},
    )
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["外地人员移交清单"]
    assert any("填报单位：甲镇人民政府" in str(v[0]) for v in values if v)
    assert ["序号", "姓名", "性别", "身份证号", "联系电话", "车次/航班", "出发地", "目的地",
            "是否来自/途经重点地区", "体温", "处置"] in values  # fmt: skip
    assert sum(1 for v in values if v and v[0] in (1, 2, 3, 4)) == 4
    exports = AuditEvent.objects.filter(object_type="outside_handover_list", action=AuditEvent.Action.EXPORT)
    assert exports.count() == 2


def test_a_chinese_date_and_a_bad_range(world, station):
    assert chinese_date(dt.date(2026, 11, 29)) == "2026年11月29日"
    client = Client()
    client.force_login(world.town_officer)
    bad = client.get(
        f"/checkpoints/{station.pk}/outside-handovers/", {"start": "2026-11-01", "end": "2026-10-01"}
    )
    assert bad.status_code == 400 and "结束日期不能早于开始日期。" in bad.content.decode()
    api = client.get(
        f"{API}/checkpoints/{station.pk}/outside-handovers", {"start": "2026-01-01", "end": "2026-03-01"}
    )
    assert api.status_code == 422 and api.json()["detail"][0]["msg"] == "一次最多列出31天。"


def test_the_api_lists_the_groups(world, station, arrivals):
    client = Client()
    client.force_login(world.checkpoint)
    body = client.get(
        f"{API}/checkpoints/{station.pk}/outside-handovers", {"day": arrivals.isoformat()}
    ).json()
    assert body["count"] == 4 and [g["destination"] for g in body["groups"]] == [
        "四川省成都市", "甘肃省兰州市", "陕西省西安市",
    ]  # fmt: skip
    assert [r["seq"] for g in body["groups"] for r in g["rows"]] == [1, 2, 3, 4]
    assert all("*" in r["phone"] for g in body["groups"] for r in g["rows"])


def test_an_ordinary_checkpoint_and_an_outsider_get_nothing(world, gate, station, arrivals):
    client = Client()
    client.force_login(world.checkpoint)
    assert client.get(f"/checkpoints/{gate.pk}/outside-handovers/").status_code == 404
    assert client.get(f"{API}/checkpoints/{gate.pk}/outside-handovers").status_code == 404
    outsider = Client()
    outsider.force_login(world.outsider)
    for url in (
        f"/checkpoints/{station.pk}/outside-handovers/",
        f"/checkpoints/{station.pk}/outside-handovers/print/",
        f"/checkpoints/{station.pk}/outside-handovers.xlsx",
        f"{API}/checkpoints/{station.pk}/outside-handovers",
    ):
        response = outsider.get(url)
        assert response.status_code == 404 and "赵一" not in response.content.decode()

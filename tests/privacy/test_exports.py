"""Every export of personal data needs a purpose, carries the exporter's name and is audited with the
purpose, the row count, the columns and the filters' names (``epigrid.privacy.exports``)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from epigrid.checkpoints.models import Disposition
from epigrid.checkpoints.outside import COLUMNS as OUTSIDE_COLUMNS
from epigrid.checkpoints.services import PassageInput, PersonInput, passage_register
from epigrid.core.models import AuditEvent
from epigrid.deptforms.models import FormTemplate
from epigrid.monitoring.models import Episode
from epigrid.monitoring.policy import current_policy
from epigrid.privacy.exports import (
    ERR_PURPOSE_LONG,
    ERR_PURPOSE_MISSING,
    ERR_PURPOSE_SHORT,
    REDACTED,
    PurposeError,
    purpose_clean,
)
from tests.checkpoints import world as _checkpoints_world  # noqa: F401 - World.hub_station_a

API = "/api/v1"
PURPOSE = "报送区指挥部核对返乡人员"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _exports() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk"))


def _stamp_of(user) -> str:
    return f"导出人：{user.display_name} {user.username} "


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", ERR_PURPOSE_MISSING), ("   ", ERR_PURPOSE_MISSING), ("查" * 201, ERR_PURPOSE_LONG),
     ("13912345678", ERR_PURPOSE_SHORT), ("x", ERR_PURPOSE_SHORT)],
)  # fmt: skip
def test_an_unusable_purpose_is_refused_with_the_reason(raw, message):
    with pytest.raises(PurposeError) as refused:
        purpose_clean(raw)
    assert str(refused.value) == str(message)


def test_id_numbers_and_mobiles_are_cut_out_of_the_purpose_but_hotlines_stay():
    cleaned = purpose_clean("核查 420106 19850102 1113 与 139-1234-5678 的去向，\n回复 12345 热线")
    assert cleaned == f"核查 {REDACTED} 与 {REDACTED} 的去向， 回复 12345 热线"


def test_the_form_export_asks_for_a_purpose_and_exports_nothing_without_one(world):
    client = _client(world.town_officer)
    url = reverse("deptforms:export", args=["returnee-register"])
    first = client.get(url, {"region": world.village_a.pk})
    body = first.content.decode()
    assert first.status_code == 200 and 'name="purpose"' in body and "填写导出用途" in body
    assert f'name="region" value="{world.village_a.pk}"' in body  # the rest of the query is kept
    blank = client.get(url, {"region": world.village_a.pk, "purpose": " "})
    assert blank.status_code == 400 and str(ERR_PURPOSE_MISSING) in blank.content.decode()
    assert "Content-Disposition" not in blank
    assert _exports() == []


def test_the_form_export_is_stamped_and_audited_with_the_purpose(world):
    user = world.town_officer
    response = _client(user).get(
        reverse("deptforms:export", args=["returnee-register"]), {"region": world.town.pk, "purpose": PURPOSE}
    )
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    assert sheet.oddHeader.center.text.startswith(_stamp_of(user))
    assert sheet.evenHeader.center.text == sheet.oddHeader.center.text
    assert sheet.oddFooter.center.text == f"用途：{PURPOSE}"
    assert workbook.properties.creator == user.username and PURPOSE in workbook.properties.description
    [event] = _exports()
    form = FormTemplate.objects.get(name="returnee-register")
    assert (event.user, event.detail["purpose"], event.detail["format"]) == (user, PURPOSE, "xlsx")
    assert event.detail["rows"] == sum(
        1 for row in sheet.iter_rows(values_only=True) if isinstance(row[0], int)
    )
    assert event.detail["columns"] == [c["key"] for c in form.columns]
    assert event.detail["filters"] == sorted([*form.filters, "region", "date"])


def test_the_api_export_without_a_purpose_is_422_and_nothing_is_exported(world):
    client = _client(world.town_officer)
    url = f"{API}/forms/returnee-register/export"
    response = client.get(url, {"region_id": world.town.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"loc": ["query", "purpose"], "msg": str(ERR_PURPOSE_MISSING), "type": "value_error"}
    ]
    assert _exports() == []
    ok = client.get(url, {"region_id": world.town.pk, "purpose": f"{PURPOSE} 13912345678"})
    assert ok.status_code == 200
    assert load_workbook(io.BytesIO(ok.content)).active.oddFooter.center.text == f"用途：{PURPOSE} {REDACTED}"
    [event] = _exports()
    assert event.detail["purpose"] == f"{PURPOSE} {REDACTED}" and event.detail["rows"] == int(
        ok["X-Row-Count"]
    )


@pytest.fixture
def travellers(world):
    station = world.hub_station_a
    for name in ("赵一", "钱二"):
        passage_register(
            actor=world.checkpoint,
            checkpoint=station,
            data=PassageInput(
                vehicle_type="", disposition=Disposition.LET_THROUGH, service_no="G87", origin="武汉",
                from_outbreak_area=True, destination_province="陕西省", destination_city="西安市",
                people=[PersonInput(name=name, phone="13800138000", temperature="36.5")],
            ),
        )  # fmt: skip
    return station


def test_the_printed_handover_list_carries_the_exporters_name_over_the_page(world, travellers):
    user = world.town_officer
    client = _client(user)
    url = f"/checkpoints/{travellers.pk}/outside-handovers/print/"
    asked = client.get(url, {"day": timezone.localdate().isoformat()})
    assert asked.status_code == 200 and "赵一" not in asked.content.decode() and _exports() == []
    printed = client.get(url, {"day": timezone.localdate().isoformat(), "purpose": "移交西安市疫情防控部门"})
    body = printed.content.decode()
    assert printed.status_code == 200 and "赵一" in body
    assert body.count("<span>导出人：town town ") >= 12  # the diagonal tiles
    assert 'class="export-watermark"' in body and "privacy/watermark" in body and "style=" not in body
    assert "用途：移交西安市疫情防控部门" in body
    [event] = _exports()
    assert event.object_type == "outside_handover_list" and event.detail["format"] == "print"
    assert (event.detail["purpose"], event.detail["rows"]) == ("移交西安市疫情防控部门", 2)
    assert event.detail["columns"] == list(OUTSIDE_COLUMNS)
    assert event.detail["filters"] == ["checkpoint", "end", "start"]


def test_the_handover_xlsx_is_stamped_and_audited(world, travellers):
    response = _client(world.town_officer).get(
        f"/checkpoints/{travellers.pk}/outside-handovers.xlsx",
        {"day": timezone.localdate().isoformat(), "purpose": "移交属地"},
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.oddHeader.center.text.startswith(_stamp_of(world.town_officer))
    assert sheet.oddFooter.center.text == "用途：移交属地"
    [event] = _exports()
    assert (event.detail["format"], event.detail["rows"], event.detail["purpose"]) == ("xlsx", 2, "移交属地")


def test_the_monitoring_form_asks_for_a_purpose_then_prints_with_the_watermark(world):
    policy = current_policy()
    started = timezone.localdate() - dt.timedelta(days=2)
    episode = Episode.objects.create(
        person=world.zhang, district_id=world.district.pk, town_id=world.town.pk,
        village_id=world.village_a.pk, grid_id=world.grid_a.pk, household_id=world.hh_a1.pk,
        kind=Episode.Kind.HOME,
        basis=Episode.Basis.OUTBREAK_RETURN, policy=policy, started_on=started,
        planned_end=started + dt.timedelta(days=policy.observation_days),
    )  # fmt: skip
    client = _client(world.grid_worker_a)
    url = reverse("monitoring:episode_form", args=[episode.pk])
    asked = client.get(url)
    assert asked.status_code == 200 and "居家隔离人员健康监测登记表" in asked.content.decode()
    assert world.zhang.name not in asked.content.decode() and _exports() == []
    assert client.get(url, {"purpose": "a"}).status_code == 400
    body = client.get(url, {"purpose": "入户随访"}).content.decode()
    assert world.zhang.name in body and "<span>导出人：grid_a grid_a " in body and "用途：入户随访" in body
    [event] = _exports()
    assert event.object_type == "episode_form" and event.detail["rows"] == policy.observation_days
    assert event.detail["purpose"] == "入户随访" and event.detail["person"] == world.zhang.pk
    assert _client(world.grid_worker_b).get(url, {"purpose": "入户随访"}).status_code == 404


def test_the_report_docx_has_the_exporter_in_every_page_header(world):
    day = timezone.localdate() - dt.timedelta(days=1)
    url = reverse("reports:document:docx", args=[world.town.pk, day.isoformat()])
    client = _client(world.town_officer)
    asked = client.get(url)
    assert asked.status_code == 200 and "Content-Disposition" not in asked and _exports() == []
    response = client.get(url, {"purpose": "报送区指挥部"})
    document = Document(io.BytesIO(response.content))
    section = document.sections[0]
    for header in (section.header, section.even_page_header, section.first_page_header):
        assert header.paragraphs[0].text.startswith(_stamp_of(world.town_officer))
        assert header.paragraphs[0].text.endswith("用途：报送区指挥部")
    assert document.core_properties.author == "town" and "报送区指挥部" in document.core_properties.comments
    [event] = _exports()
    assert (event.detail["format"], event.detail["purpose"]) == ("docx", "报送区指挥部")
    assert event.detail["rows"] == len(event.detail["columns"]) > 0

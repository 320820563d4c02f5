"""The /forms/ pages: the list, a masked and audited preview, the export download, scope and bad input."""

from __future__ import annotations

import datetime as dt
import io

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from epigrid.core.models import AuditEvent
from epigrid.deptforms.services import ERR_FUTURE, FormInput, form_define
from epigrid.lib.masking import mask_id_number


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_builtin_forms_and_the_builder_link_to_those_who_define(world):
    body = _client(world.grid_worker_a).get(reverse("deptforms:list")).content.decode()
    assert "返乡人员登记表" in body and "密切接触者登记表" in body
    assert reverse("deptforms:new") not in body
    assert reverse("deptforms:new") in _client(world.hq).get(reverse("deptforms:list")).content.decode()


def test_a_form_defined_in_one_district_is_not_seen_in_another(world):
    form_define(
        actor=world.hq,
        region=world.district,
        data=FormInput(
            name="district-list", title="本区名单", kind="people", row_source="person", columns=["name"]
        ),
    )
    assert "本区名单" in _client(world.grid_worker_a).get(reverse("deptforms:list")).content.decode()
    outsider = _client(world.outsider)
    assert "本区名单" not in outsider.get(reverse("deptforms:list")).content.decode()
    assert outsider.get(reverse("deptforms:detail", args=["district-list"])).status_code == 404


def test_the_preview_shows_masked_rows_and_logs_the_people_shown(world, records):
    client = _client(world.hq)
    url = reverse("deptforms:detail", args=["returnee-register"])
    response = client.get(url, {"region": world.district.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in body and mask_id_number(world.zhang.id_number) in body
    assert world.zhang.id_number not in body
    event = AuditEvent.objects.get(object_type="dept_form", action=AuditEvent.Action.READ)
    assert event.detail["persons"] == [world.zhang.pk]


def test_the_home_monitoring_preview_links_each_row_to_its_printable_14_day_form(world, records):
    body = (
        _client(world.town_officer)
        .get(reverse("deptforms:detail", args=["home-monitoring"]))
        .content.decode()
    )
    assert reverse("monitoring:episode_form", args=[records["episode"].pk]) in body


def test_the_export_downloads_the_workbook(world, records):
    response = _client(world.town_officer).get(
        reverse("deptforms:export", args=["returnee-register"]),
        {"region": world.village_a.pk, "purpose": "报送上级指挥部"},
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert ws["A1"].value == "返乡人员登记表"
    assert AuditEvent.objects.filter(object_type="dept_form", action="export").count() == 1


def test_a_region_outside_the_scope_is_404_and_a_future_day_is_refused_with_the_reason(world):
    client = _client(world.grid_worker_a)
    url = reverse("deptforms:export", args=["health-daily"])
    assert client.get(url, {"region": world.grid_b.pk, "purpose": "核查"}).status_code == 404
    assert (
        client.get(
            reverse("deptforms:detail", args=["health-daily"]), {"region": world.grid_b.pk}
        ).status_code
        == 404
    )
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    response = client.get(url, {"region": world.grid_a.pk, "date": tomorrow, "purpose": "核查"}, follow=True)
    assert str(ERR_FUTURE) in response.content.decode()
    assert not AuditEvent.objects.filter(object_type="dept_form").exists()


def test_the_preview_of_a_figures_form_for_the_district_has_a_row_per_town_and_a_total(world, records):
    body = _client(world.hq).get(reverse("deptforms:detail", args=["health-daily"])).content.decode()
    assert "甲镇" in body and "乙街道" in body and "合计" in body
    assert "已管控：1" in body


def test_the_list_page_is_in_english_when_asked(world):
    client = _client(world.hq)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(reverse("deptforms:list")).content.decode()
    assert "Department forms" in body and "New form" in body

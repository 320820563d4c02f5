"""/api/v1/forms: list, one form, the xlsx export (scoped, masked, audited), defining a form."""

from __future__ import annotations

import datetime as dt
import io
import json

from django.utils import timezone
from openpyxl import load_workbook

from epigrid.core.models import AuditEvent
from epigrid.deptforms.models import FormTemplate
from epigrid.deptforms.services import ERR_TITLE, ERR_UNKNOWN_COLUMNS
from tests.api.conftest import API, session_client, token_client


def test_list_and_detail(world):
    client = token_client(world.grid_worker_a)
    names = [f["name"] for f in client.get(f"{API}/forms").json()]
    assert "returnee-register" in names and "health-daily" in names
    detail = client.get(f"{API}/forms/returnee-register").json()
    assert detail["versions"] == [1] and detail["columns"][0] == {"key": "name", "label": "姓名"}
    assert client.get(f"{API}/forms/nope").status_code == 404


def test_export_returns_the_workbook_scoped_and_audited(world, records):
    client = token_client(world.town_officer)
    response = client.get(
        f"{API}/forms/returnee-register/export", {"region_id": world.town.pk, "purpose": "核查"}
    )
    assert response.status_code == 200
    assert response["X-Row-Count"] == "1" and response["X-Form-Version"] == "1"
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "返乡人员登记表"
    assert AuditEvent.objects.filter(object_type="dept_form", action="export").count() == 1
    outside = client.get(
        f"{API}/forms/returnee-register/export", {"region_id": world.street.pk, "purpose": "核查"}
    )
    assert outside.status_code == 404
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    future = client.get(
        f"{API}/forms/health-daily/export", {"region_id": world.town.pk, "date": tomorrow, "purpose": "核查"}
    )
    assert future.status_code == 400 and "未来" in future.json()["detail"]


def test_define_needs_the_capability_and_names_every_problem(world):
    body = {"name": "api-form", "title": "接口表格", "kind": "people", "row_source": "person",
            "columns": ["name", "phone"]}  # fmt: skip
    url = f"{API}/regions/{world.district.pk}/forms"
    refused = token_client(world.town_officer).post(url, json.dumps(body), content_type="application/json")
    assert refused.status_code == 403
    client = session_client(world.hq)
    bad = client.post(
        url, json.dumps({**body, "title": "", "columns": ["x"]}), content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["detail"] == {
        "title": [str(ERR_TITLE)], "columns": [str(ERR_UNKNOWN_COLUMNS) % {"keys": "x"}]
    }  # fmt: skip
    created = client.post(url, json.dumps(body), content_type="application/json")
    assert created.status_code == 201 and created.json()["version"] == 1
    assert FormTemplate.objects.get(name="api-form").region == world.district


def _define(client, region, body):
    return client.post(f"{API}/regions/{region.pk}/forms", json.dumps(body), content_type="application/json")


def test_a_form_defined_twice_with_one_key_is_defined_once(world):
    body = {"name": "keyed-form", "title": "接口表格", "kind": "people", "row_source": "person",
            "columns": ["name", "phone"], "idempotency_key": "f-1"}  # fmt: skip
    client = session_client(world.hq)
    first = _define(client, world.district, body)
    again = _define(client, world.district, {**body, "title": "别的标题"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["title"] == "接口表格"
    assert FormTemplate.objects.filter(created_by=world.hq).count() == 1
    assert AuditEvent.objects.filter(object_type="dept_form", action=AuditEvent.Action.CREATE).count() == 1


def test_a_form_key_is_per_account_and_refused_in_another_region(world):
    body = {"title": "接口表格", "kind": "people", "row_source": "person", "columns": ["name"],
            "idempotency_key": "k"}  # fmt: skip
    hq = _define(session_client(world.hq), world.district, {**body, "name": "hq-form"})
    dept = _define(session_client(world.department), world.district, {**body, "name": "dept-form"})
    assert (hq.status_code, dept.status_code) == (201, 201)
    elsewhere = _define(session_client(world.hq), world.town, {**body, "name": "town-form"})
    assert elsewhere.status_code == 400
    assert elsewhere.json()["detail"] == {"idempotency_key": ["这个提交标识已用于另一条记录。"]}
    assert sorted(FormTemplate.objects.filter(builtin=False).values_list("name", flat=True)) == [
        "dept-form",
        "hq-form",
    ]

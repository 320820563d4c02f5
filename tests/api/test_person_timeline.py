"""GET /api/v1/persons/{id}/timeline: the person's contact timeline as JSON, scoped, masked and audited."""

from __future__ import annotations

import pytest

from epigrid.core.models import AuditEvent
from tests.api.conftest import API, session_client, token_client
from tests.monitoring.test_timeline import history  # noqa: F401  (the fixture: every kind of contact)


@pytest.mark.parametrize("make_client", [session_client, token_client])
def test_the_api_serves_the_timeline_masked_and_audited(world, history, make_client):  # noqa: F811
    url = f"{API}/persons/{world.zhang.pk}/timeline"
    before = AuditEvent.objects.filter(object_type="person", action="read").count()
    body = make_client(world.department).get(url).json()
    assert body["person_id"] == world.zhang.pk and body["name"] == "张伟"
    assert body["phone"] != world.zhang.phone and "*" in body["phone"]
    assert body["last_contact"]["kind"] == "ack" and body["last_contact"]["actor"] == {
        "id": world.village_leader.pk,
        "name": "village",
        "role": "village_leader",
        "role_label": "村/社区负责人",
        "place": "甲村",
    }
    assert body["last_self_report"]["object_id"] == history["own"].pk
    codes = [e["code"] for e in body["events"]]
    assert codes[:5] == ["self", "other", "phoned", "phone", "roster"]
    assert body["events"][4]["replaced"] is True
    assert "password" not in str(body) and "token" not in str(body)
    assert AuditEvent.objects.filter(object_type="person", action="read").count() == before + 1
    full = make_client(world.grid_worker_a).get(url).json()
    assert full["phone"] == world.zhang.phone
    assert make_client(world.grid_worker_b).get(url).status_code == 404

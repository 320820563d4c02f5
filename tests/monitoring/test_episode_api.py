"""The episode API: list by region and state, detail, start (person or list row), release, convert."""

from __future__ import annotations

import datetime as dt
import json

from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListRow
from epigrid.monitoring.models import Episode
from epigrid.people.models import TravelRecord
from tests.api.conftest import API, session_client, token_client


def post(client, url: str, body: dict[str, object]):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_list_and_detail_are_scoped_and_audited(world, open_episode):
    due = open_episode(world.zhang, days_ago=14)
    open_episode(world.li)
    client = token_client(world.hq)
    listing = client.get(f"{API}/episodes", {"region_id": world.district.pk, "status": "due"}).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == due.pk
    assert (
        listing["items"][0]["policy_version"] == 1
        and listing["items"][0]["planned_end"] == local_today().isoformat()
    )
    assert AuditEvent.objects.filter(object_type="episode", action=AuditEvent.Action.EXPORT).exists()
    assert client.get(f"{API}/episodes/{due.pk}").json()["name"] == "张伟"
    grid_b = token_client(world.grid_worker_b)
    assert grid_b.get(f"{API}/episodes/{due.pk}").status_code == 404
    assert grid_b.get(f"{API}/episodes", {"region_id": world.grid_a.pk}).status_code == 404


def test_start_from_a_person_a_list_row_and_refusals(world, policy):
    client = session_client(world.town_officer)
    created = post(client, f"{API}/episodes", {"person_id": world.zhang.pk, "basis": "close_contact"})
    assert created.status_code == 201 and created.json()["basis"] == "close_contact"
    again = post(client, f"{API}/episodes", {"person_id": world.zhang.pk})
    assert again.status_code == 409 and "已在医学观察中" in again.json()["detail"]
    TravelRecord.objects.create(
        person=world.li,
        origin="武汉",
        from_outbreak_area=True,
        arrived_on=local_today() - dt.timedelta(days=2),
    )
    row = ListRow.objects.create(
        batch=world.hq_batch, row_number=9, name="李娜", person=world.li, decision="matched"
    )
    hq = session_client(world.hq)
    from_row = post(hq, f"{API}/episodes", {"list_row_id": row.pk})
    assert from_row.status_code == 201 and from_row.json()["source_type"] == "list_row"
    assert post(hq, f"{API}/episodes", {"person_id": world.li.pk, "list_row_id": row.pk}).status_code == 422
    assert post(client, f"{API}/episodes", {"person_id": world.outsider_person.pk}).status_code == 404
    assert (
        post(session_client(world.department), f"{API}/episodes", {"person_id": world.li.pk}).status_code
        == 403
    )


def test_release_and_convert(world, open_episode):
    due = open_episode(world.zhang, days_ago=14)
    refused = post(session_client(world.grid_worker_a), f"{API}/episodes/{due.pk}/release", {})
    assert refused.status_code == 409 and "签批" in refused.json()["detail"]
    released = post(session_client(world.village_leader), f"{API}/episodes/{due.pk}/release", {})
    assert released.status_code == 200 and released.json()["status"] == "released"
    running = open_episode(world.li)
    converted = post(
        session_client(world.grid_worker_b),
        f"{API}/episodes/{running.pk}/convert",
        {"reason": "fever_clinic"},
    )
    assert converted.json()["end_reason"] == "fever_clinic"
    assert Episode.objects.get(pk=running.pk).status == Episode.Status.CONVERTED

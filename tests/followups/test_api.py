"""The follow-up API: the list with its filters (derived overdue, assignee=me, unit, due range),
creating idempotently by key, 403 outside the scope, 422 naming the field, complete, cancel, reassign."""

from __future__ import annotations

import datetime as dt
import json

from epigrid.core.clock import now
from epigrid.core.models import AuditEvent
from epigrid.followups.models import Task
from tests.api.conftest import API, session_client, token_client

PAST = "2020-01-01T08:00:00+08:00"


def _post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _body(world, **extra) -> dict:
    body = {
        "region_id": world.grid_a.pk, "kind": "recheck", "title": "复测体温：张伟",
        "assignee_id": world.grid_worker_a.pk, "due_at": (now() + dt.timedelta(hours=2)).isoformat(),
        "person_id": world.zhang.pk, "idempotency_key": "api-1",
    }  # fmt: skip
    body.update(extra)
    return body


def test_create_gives_one_task_per_key(world):
    client = token_client(world.village_leader)
    first = _post(client, f"{API}/followups", _body(world))
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["created"] and data["household_id"] == world.hh_a1.pk and data["person_name"] == "张伟"
    assert data["person_phone"] == world.zhang.phone  # a village leader calls people
    hq_view = token_client(world.hq).get(f"{API}/followups/{data['id']}").json()
    assert hq_view["person_phone"] != world.zhang.phone and "*" in hq_view["person_phone"]
    again = _post(client, f"{API}/followups", _body(world))
    assert again.status_code == 200 and again.json()["id"] == data["id"] and not again.json()["created"]
    assert Task.objects.count() == 1


def test_create_outside_the_scope_is_403_with_the_reason(world):
    response = _post(session_client(world.grid_worker_b), f"{API}/followups", _body(world))
    assert response.status_code == 403
    assert "所选单位不在您的负责范围内" in response.json()["detail"]
    missing = _post(session_client(world.grid_worker_b), f"{API}/followups", _body(world, region_id=999999))
    assert missing.status_code == 403 and missing.json() == response.json()
    assert not Task.objects.exists()


def test_create_names_each_wrong_field(world):
    response = _post(
        token_client(world.village_leader), f"{API}/followups",
        _body(world, assignee_id=world.grid_worker_b.pk, due_at=PAST, person_id=world.li.pk),
    )  # fmt: skip
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "payload", "person_id") in locs
    # 李娜 is outside the village leader's scope: named before the rest is checked, nothing written.
    response = _post(
        token_client(world.village_leader), f"{API}/followups",
        _body(world, assignee_id=world.grid_worker_b.pk, due_at=PAST, person_id=None),
    )  # fmt: skip
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert locs == {("body", "payload", "assignee_id"), ("body", "payload", "due_at")}
    assert not Task.objects.exists()


def test_the_list_filters_by_state_assignee_unit_and_due_time(world, give):
    open_ = give(due_at=now() + dt.timedelta(hours=1))
    late = give(assigned_at=now() - dt.timedelta(hours=6), due_at=now() - dt.timedelta(hours=1))
    village = give(
        actor=world.town_officer, region=world.village_a, assignee=world.village_leader, household=None
    )
    client = token_client(world.village_leader)

    def ids(**params) -> list[int]:
        response = client.get(f"{API}/followups", params)
        assert response.status_code == 200, response.content
        return [item["id"] for item in response.json()["items"]]

    assert ids(state="overdue") == [late.pk]
    assert ids(state="open") == [late.pk, open_.pk, village.pk]
    assert ids(assignee="me") == [village.pk]
    assert sorted(ids(region_id=world.grid_a.pk)) == sorted([open_.pk, late.pk])
    assert ids(due_from=now().isoformat(), state="open") == [open_.pk, village.pk]
    assert ids(due_to=now().isoformat()) == [late.pk]
    assert client.get(f"{API}/followups", {"assignee": "someone"}).status_code == 422
    overdue = client.get(f"{API}/followups", {"state": "overdue"}).json()["items"][0]
    assert overdue["overdue"] and overdue["status"] == "open"
    event = AuditEvent.objects.filter(object_type="followup_task", action=AuditEvent.Action.EXPORT).latest(
        "id"
    )
    assert event.detail["filters"] == ["state"] and event.detail["ids"] == [late.pk]
    assert token_client(world.grid_worker_b).get(f"{API}/followups").json()["count"] == 0


def test_complete_cancel_and_reassign(world, give):
    task = give()
    worker = token_client(world.grid_worker_a)
    leader = token_client(world.village_leader)
    empty = _post(worker, f"{API}/followups/{task.pk}/complete", {})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"] == ["body", "payload", "outcome"]
    refused = _post(worker, f"{API}/followups/{task.pk}/cancel", {"reason": "x"})
    assert refused.status_code == 403
    moved = _post(leader, f"{API}/followups/{task.pk}/reassign", {"assignee_id": world.village_leader.pk})
    assert moved.status_code == 200 and moved.json()["assignee_id"] == world.village_leader.pk
    assert _post(worker, f"{API}/followups/{task.pk}", {}).status_code == 405
    done = _post(leader, f"{API}/followups/{task.pk}/complete", {"outcome": "已上门"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert _post(leader, f"{API}/followups/{task.pk}/cancel", {"reason": "x"}).status_code == 422
    assert (
        _post(token_client(world.grid_worker_b), f"{API}/followups/{task.pk}/complete", {}).status_code == 404
    )


def test_assignees_of_a_unit(world):
    response = token_client(world.village_leader).get(
        f"{API}/followups/assignees", {"region_id": world.grid_a.pk}
    )
    names = {item["id"] for item in response.json()}
    assert {world.grid_worker_a.pk, world.village_leader.pk, world.town_officer.pk, world.hq.pk} <= names
    assert world.grid_worker_b.pk not in names and world.department.pk not in names

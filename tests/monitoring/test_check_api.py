"""The health-check API: list an episode's checks (audited), record one by staff, errors as 422."""

from __future__ import annotations

import json

from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import HealthCheck
from tests.api.conftest import API, token_client


def post(client, episode, body):
    return client.post(
        f"{API}/episodes/{episode.pk}/checks", data=json.dumps(body), content_type="application/json"
    )


def test_staff_record_and_list_checks(world, open_episode):
    episode = open_episode(world.zhang)
    client = token_client(world.grid_worker_a)
    first = post(client, episode, {"temperature": "38.2", "symptoms": ["cough"], "slot": "am"})
    assert first.status_code == 201, first.content
    assert first.json()["fever"] is True and first.json()["channel"] == "phone"
    second = post(client, episode, {"temperature": "36.8", "slot": "am", "channel": "roster"})
    assert second.status_code == 201
    listed = client.get(f"{API}/episodes/{episode.pk}/checks").json()
    assert [c["id"] for c in listed["items"]] == [second.json()["id"]]
    history = client.get(f"{API}/episodes/{episode.pk}/checks", {"history": "true"}).json()
    assert history["count"] == 2
    assert {c["replaced_by_id"] for c in history["items"]} == {None, second.json()["id"]}
    assert AuditEvent.objects.filter(object_type="health_check", action=AuditEvent.Action.EXPORT).count() == 2


def test_bad_input_is_a_422_naming_the_field(world, open_episode):
    episode = open_episode(world.zhang)
    response = post(token_client(world.grid_worker_a), episode, {"temperature": "45.0", "slot": "noon"})
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert ("body", "payload", "temperature") in locs and ("body", "payload", "slot") in locs
    assert HealthCheck.objects.count() == 0


def test_read_only_roles_and_other_grids_cannot_record(world, open_episode):
    episode = open_episode(world.zhang)
    assert post(token_client(world.department), episode, {"temperature": "36.5"}).status_code == 403
    assert post(token_client(world.grid_worker_b), episode, {"temperature": "36.5"}).status_code == 404
    assert token_client(world.department).get(f"{API}/episodes/{episode.pk}/checks").status_code == 200
    assert HealthCheck.objects.count() == 0

"""The alerts API: the caller's alerts, a region's not-reported list, acknowledging (422 per field)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from django.utils import timezone

from epigrid.monitoring.models import AlertAck, HealthCheck
from tests.api.conftest import API, token_client


def test_alerts_not_reported_and_acknowledging(world, open_episode, monkeypatch):
    episode = open_episode(world.zhang)
    today = timezone.localdate()
    late = timezone.make_aware(dt.datetime.combine(today, dt.time(21, 0)))
    monkeypatch.setattr("epigrid.api.alerts.now", lambda: late)
    fever = HealthCheck.objects.create(
        episode=episode, person=world.zhang, grid_id=world.grid_a.pk, day=today, slot="pm",
        temperature=Decimal("38.3"), fever=True, channel="self", recorded_at=late,
    )  # fmt: skip
    HealthCheck.objects.filter(pk=fever.pk).update(entered_at=late - dt.timedelta(minutes=5))
    worker = token_client(world.grid_worker_a)
    alerts = worker.get(f"{API}/alerts").json()
    assert alerts["count"] == 1 and alerts["items"][0]["check_id"] == fever.pk
    assert alerts["items"][0]["escalated"] is False
    assert token_client(world.town_officer).get(f"{API}/alerts").json()["count"] == 0

    missed = token_client(world.hq).get(f"{API}/alerts/not-reported", {"region_id": world.district.pk}).json()
    assert [(s["slot"], s["count"]) for s in missed["slots"]] == [("am", 1)]
    assert "*" in missed["slots"][0]["items"][0]["phone"]  # HQ: masked

    url = f"{API}/episodes/{episode.pk}/acks"
    bad = worker.post(url, json.dumps({"kind": "abnormal", "day": today.isoformat(), "slot": "pm",
                                       "action": "visited"}), content_type="application/json")  # fmt: skip
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "health_check_id"
    body = {"kind": "abnormal", "day": today.isoformat(), "slot": "pm", "action": "visited",
            "health_check_id": fever.pk}  # fmt: skip
    ok = worker.post(url, json.dumps(body), content_type="application/json")
    assert ok.status_code == 201 and ok.json()["action"] == "visited"
    assert worker.get(f"{API}/alerts").json()["count"] == 0
    assert (
        token_client(world.department)
        .post(url, json.dumps(body), content_type="application/json")
        .status_code
        == 403
    )
    assert AlertAck.objects.count() == 1

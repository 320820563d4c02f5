"""The 14-day monitoring form, filled from the checks: current readings only, fevers marked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import HealthCheck
from epigrid.monitoring.printable import monitoring_form
from epigrid.privacy.exports import stamp_for


def _check(episode, day, slot, temperature, **kwargs):
    return HealthCheck.objects.create(
        episode=episode, person_id=episode.person_id, grid_id=episode.grid_id, day=day, slot=slot,
        temperature=Decimal(temperature), channel=kwargs.pop("channel", "roster"),
        recorded_at=timezone.now(), **kwargs,
    )  # fmt: skip


def test_form_has_a_line_per_day_with_current_readings(world, open_episode):
    episode = open_episode(world.zhang, days_ago=2)
    first = episode.started_on
    old = _check(episode, first, "am", "36.4", recorded_by=world.grid_worker_a)
    new = _check(episode, first, "pm", "36.6", recorded_by=world.grid_worker_a)
    HealthCheck.objects.filter(pk=old.pk).update(replaced_by=new)  # a replaced morning reading
    _check(episode, first, "am", "36.5", recorded_by=world.grid_worker_a)
    _check(
        episode, first + dt.timedelta(days=1), "am", "37.8", fever=True, symptoms=["cough"], channel="self"
    )
    stamp = stamp_for(world.village_leader, "入户随访")
    form = monitoring_form(user=world.village_leader, episode_id=episode.pk, stamp=stamp)
    assert len(form.days) == 14 and form.slot_labels == ["上午", "下午"]
    day1, day2, day3 = form.days[:3]
    assert [c.temperature for c in day1.cells] == ["36.5", "36.6"] and day1.symptoms == "无"
    assert day2.cells[0].fever and day2.symptoms == "咳嗽" and day2.by == "本人"
    assert [c.temperature for c in day3.cells] == ["", ""] and day3.symptoms == ""
    assert AuditEvent.objects.filter(object_type="episode_form", action="export").exists()


def test_form_is_scoped(world, open_episode):
    episode = open_episode(world.zhang)
    with pytest.raises(Http404):
        monitoring_form(
            user=world.grid_worker_b, episode_id=episode.pk, stamp=stamp_for(world.grid_worker_b, "核查")
        )


def test_form_page_prints_and_masks_for_hq(world, open_episode):
    episode = open_episode(world.zhang)
    client = Client()
    client.force_login(world.hq)
    body = client.get(
        reverse("monitoring:episode_form", args=[episode.pk]), {"purpose": "核查"}
    ).content.decode()
    assert "居家隔离人员健康监测登记表" in body and "张伟" in body
    assert world.zhang.phone not in body  # HQ sees phones masked
    assert "<style" not in body and "<script" not in body  # the page keeps the content security policy

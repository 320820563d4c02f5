"""The roster page (quick entry saved with htmx), the not-reported list and the alerts page."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.monitoring.models import AlertAck, HealthCheck


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def zhang_episode(world, open_episode):
    return open_episode(world.zhang)


def post_cell(client, world, episode, slot="am", htmx=True, **data):
    url = reverse("monitoring:roster_check", args=[world.grid_a.pk])
    payload = {"episode": episode.pk, "slot": slot, "day": timezone.localdate().isoformat(), **data}
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(url, payload, **headers)


def test_roster_lists_the_grid_with_quick_buttons_and_logs_it(world, zhang_episode):
    response = client_for(world.grid_worker_a).get(reverse("monitoring:roster", args=[world.grid_a.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "张伟" in body and "王芳" not in body  # only people under observation
    assert 'name="quick" value="36.5"' in body and 'hx-post="' in body
    assert body.count('id="cell-') == 2
    assert f'href="tel:{world.zhang.phone}"' in body
    assert AuditEvent.objects.filter(object_type="roster", detail__persons=[world.zhang.pk]).exists()


def test_one_tap_records_a_normal_reading_and_answers_the_cell(world, zhang_episode):
    client = client_for(world.grid_worker_a)
    response = post_cell(client, world, zhang_episode, quick="36.5")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="slot done"')
    assert f'id="cell-{zhang_episode.pk}-am"' in body and "36.5 °C" in body
    check = HealthCheck.objects.get(episode=zhang_episode, slot="am", replaced_by__isnull=True)
    assert check.temperature == Decimal("36.5") and check.channel == "roster"
    assert check.recorded_by == world.grid_worker_a


def progress_of(body: str) -> str:
    """The text of the "measured X / Y" counter (the page's, or the one a cell swaps out of band)."""
    match = re.search(
        r'<span class="progress-count" id="roster-progress"( hx-swap-oob="true")?>([^<]*)<', body
    )
    assert match is not None, "no counter"
    return match.group(2).strip()


def test_the_counter_follows_each_saved_reading_out_of_band(world, zhang_episode, open_episode):
    from epigrid.people.models import Person

    open_episode(Person.objects.get(name="王芳"))
    client = client_for(world.grid_worker_a)
    page = client.get(reverse("monitoring:roster", args=[world.grid_a.pk])).content.decode()
    assert progress_of(page) == "已测 0 / 4"
    first = post_cell(client, world, zhang_episode, quick="36.5").content.decode()
    # The cell is the main swap; the counter rides along and replaces the page's by its id.
    assert first.lstrip().startswith('<div class="slot done"')
    assert 'id="roster-progress" hx-swap-oob="true"' in first and progress_of(first) == "已测 1 / 4"
    # A correction replaces the reading: still one slot measured.
    again = post_cell(client, world, zhang_episode, quick="36.6").content.decode()
    assert progress_of(again) == "已测 1 / 4"
    evening = post_cell(client, world, zhang_episode, slot="pm", quick="36.4").content.decode()
    assert progress_of(evening) == "已测 2 / 4"
    # A refused value saves nothing: the counter says so too.
    refused = post_cell(client, world, zhang_episode, quick="", temperature="45").content.decode()
    assert 'role="alert"' in refused and progress_of(refused) == "已测 2 / 4"
    page = client.get(reverse("monitoring:roster", args=[world.grid_a.pk])).content.decode()
    assert progress_of(page) == "已测 2 / 4"


def test_the_counter_counts_the_day_of_the_cell(world, zhang_episode):
    client = client_for(world.grid_worker_a)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    body = post_cell(client, world, zhang_episode, quick="36.5", day=yesterday.isoformat()).content.decode()
    assert progress_of(body) == "已测 1 / 2"
    today = client.get(reverse("monitoring:roster", args=[world.grid_a.pk])).content.decode()
    assert progress_of(today) == "已测 0 / 2"


def test_a_typed_fever_with_symptoms_replaces_the_reading_and_raises_an_alert(world, zhang_episode):
    client = client_for(world.grid_worker_a)
    post_cell(client, world, zhang_episode, quick="36.5")
    response = post_cell(client, world, zhang_episode, quick="", temperature="38.2", symptoms=["cough"])
    body = response.content.decode()
    assert "slot abnormal" in body and "38.2 °C" in body
    assert HealthCheck.objects.filter(episode=zhang_episode, slot="am").count() == 2
    alerts = client_for(world.village_leader).get(reverse("monitoring:alerts")).content.decode()
    assert "张伟" in alerts and "咳嗽" in alerts


def test_errors_are_shown_in_the_cell_and_nothing_is_saved(world, zhang_episode):
    client = client_for(world.grid_worker_a)
    response = post_cell(client, world, zhang_episode, quick="", temperature="45")
    body = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in body and "34.0" in body
    assert 'value="45"' in body
    assert not HealthCheck.objects.exists()


def test_without_scripts_the_form_posts_and_returns_to_the_roster(world, zhang_episode):
    response = post_cell(client_for(world.grid_worker_a), world, zhang_episode, htmx=False, quick="36.6")
    assert response.status_code == 302 and "/roster/" in response["Location"]
    assert HealthCheck.objects.filter(temperature=Decimal("36.6")).exists()


def test_roster_writes_are_scoped(world, zhang_episode, open_episode):
    li_episode = open_episode(world.li)
    # Another grid's worker: the grid is not theirs.
    assert post_cell(client_for(world.grid_worker_b), world, zhang_episode, quick="36.5").status_code == 404
    # An episode of another grid posted to this grid's roster.
    assert post_cell(client_for(world.hq), world, li_episode, quick="36.5").status_code == 404
    # A department reads but never writes.
    assert post_cell(client_for(world.department), world, zhang_episode, quick="36.5").status_code == 403
    assert not HealthCheck.objects.exists()
    page = client_for(world.department).get(reverse("monitoring:roster", args=[world.grid_a.pk]))
    assert page.status_code == 200 and 'name="quick"' not in page.content.decode()


def test_a_day_in_the_future_or_a_non_grid_is_not_found(world, zhang_episode):
    client = client_for(world.grid_worker_a)
    url = reverse("monitoring:roster", args=[world.grid_a.pk])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert client.get(url, {"day": tomorrow.isoformat()}).status_code == 404
    assert client.get(url, {"day": "garbage"}).status_code == 404
    village = client_for(world.village_leader).get(reverse("monitoring:roster", args=[world.village_a.pk]))
    assert village.status_code == 404


def test_not_reported_page_lists_callers_and_records_an_acknowledgement(world, zhang_episode, monkeypatch):
    late = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(21, 0)))
    monkeypatch.setattr("epigrid.monitoring.alert_views.now", lambda: late)
    client = client_for(world.town_officer)
    url = reverse("monitoring:not_reported", args=[world.town.pk])
    body = client.get(url).content.decode()
    assert "张伟" in body and f'href="tel:{world.zhang.phone}"' in body
    # One form per missed slot, each posting back here with every action to choose from.
    assert body.count(f'<form class="ack" method="post" action="{reverse("monitoring:ack")}">') == 2
    assert body.count(f'<input type="hidden" name="next" value="{url}">\n  <label>处置') == 2
    assert body.count('<option value="phoned">已电话联系</option>') == 2 and "误报（测量有误）" in body
    response = client.post(
        reverse("monitoring:ack"),
        {
            "episode": zhang_episode.pk,
            "kind": "missed",
            "day": timezone.localdate().isoformat(),
            "slot": "am",
            "action": "phoned",
            "note": "",
            "next": url,
        },
    )
    assert response.status_code == 302 and response["Location"] == url
    assert AlertAck.objects.filter(episode=zhang_episode, kind="missed", slot="am").exists()
    client.get(url)  # shows the confirmation message
    body = client.get(url).content.decode()
    assert body.count("张伟") == 1  # still missing the evening slot only


def test_hq_sees_masked_phones_without_links(world, zhang_episode, monkeypatch):
    late = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(21, 0)))
    monkeypatch.setattr("epigrid.monitoring.alert_views.now", lambda: late)
    body = client_for(world.hq).get(reverse("monitoring:not_reported", args=[world.district.pk])).content
    text = body.decode()
    assert "张伟" in text and world.zhang.phone not in text and "tel:" not in text


def test_alert_page_marks_escalated_and_acknowledging_closes_it(world, zhang_episode):
    check = HealthCheck.objects.create(
        episode=zhang_episode, person=world.zhang, grid_id=world.grid_a.pk, day=timezone.localdate(),
        slot="am", temperature=Decimal("38.4"), fever=True, channel="self", recorded_at=timezone.now(),
    )  # fmt: skip
    town = client_for(world.town_officer)
    assert "张伟" not in town.get(reverse("monitoring:alerts")).content.decode()
    HealthCheck.objects.filter(pk=check.pk).update(entered_at=timezone.now() - dt.timedelta(minutes=45))
    body = town.get(reverse("monitoring:alerts")).content.decode()
    assert "张伟" in body and "已超时上报" in body
    bad = {"episode": zhang_episode.pk, "kind": "abnormal", "day": check.day.isoformat(), "slot": "am"}
    town.post(reverse("monitoring:ack"), {**bad, "action": "other", "note": ""})
    assert not AlertAck.objects.exists()  # "other" needs a note: refused, said as a message
    town.post(reverse("monitoring:ack"), {**bad, "check": check.pk, "action": "visited"})
    assert AlertAck.objects.get().health_check == check
    assert "张伟" not in client_for(world.grid_worker_a).get(reverse("monitoring:alerts")).content.decode()


def test_an_outsider_cannot_acknowledge(world, zhang_episode):
    data = {"episode": zhang_episode.pk, "kind": "missed", "day": timezone.localdate().isoformat(),
            "slot": "am", "action": "phoned"}  # fmt: skip
    assert client_for(world.outsider).post(reverse("monitoring:ack"), data).status_code == 404
    assert not AlertAck.objects.exists()

"""Episode pages: the region's tabs, one episode with its actions, the start form from a person or a visit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.core.clock import local_today
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck
from epigrid.people.screening import EntryInput, TravelInput, screening_record


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int) -> dt.date:
    return local_today() - dt.timedelta(days=n)


def test_the_region_list_has_tabs_and_the_due_tab_lists_todays_releases(world, open_episode):
    due = open_episode(world.zhang, days_ago=14)
    open_episode(world.li, days_ago=2)
    client = client_for(world.hq)
    page = client.get(reverse("monitoring:episodes", args=[world.district.pk])).content.decode()
    assert "观察中 2" in page and "今日期满待解除 1" in page and "已解除 0" in page
    assert "张伟" in page and "李娜" in page and "期满待解除" in page
    due_tab = client.get(reverse("monitoring:episodes", args=[world.district.pk]), {"status": "due"})
    body = due_tab.content.decode()
    assert reverse("monitoring:episode", args=[due.pk]) in body and "李娜" not in body
    grid_page = client_for(world.grid_worker_b).get(reverse("monitoring:episodes", args=[world.grid_b.pk]))
    assert "李娜" in grid_page.content.decode() and "张伟" not in grid_page.content.decode()


def test_the_list_is_scoped_and_the_home_sends_to_the_users_region(world):
    assert (
        client_for(world.grid_worker_b)
        .get(reverse("monitoring:episodes", args=[world.grid_a.pk]))
        .status_code
        == 404
    )
    response = client_for(world.grid_worker_a).get(reverse("monitoring:home"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:episodes", args=[world.grid_a.pk]
    )


def test_the_navigation_has_an_entry(world):
    page = client_for(world.grid_worker_a).get(reverse("home"), follow=True).content.decode()
    assert f'href="{reverse("monitoring:home")}"' in page


def test_the_detail_shows_the_episode_its_policy_and_its_timeline(world, open_episode):
    episode = open_episode(world.zhang)
    check = HealthCheck.objects.create(
        episode=episode, person=world.zhang, grid=world.grid_a, day=local_today(), slot="am",
        temperature=Decimal("38.2"), fever=True, channel="self", recorded_at=timezone.now(),
    )  # fmt: skip
    AlertAck.objects.create(
        episode=episode, kind="abnormal", health_check=check, day=local_today(), slot="am",
        action="fever_clinic", acknowledged_by=world.village_leader,
    )  # fmt: skip
    page = (
        client_for(world.grid_worker_a).get(reverse("monitoring:episode", args=[episode.pk])).content.decode()
    )
    assert "张伟" in page and "居家医学观察" in page and "v1" in page
    assert episode.planned_end.isoformat() in page
    assert "38.2" in page and "已送发热门诊" in page
    assert page.index("已送发热门诊") < page.index("38.2")  # newest first
    assert "期满解除（签批）" not in page  # not due, and a grid worker does not sign off


def test_release_button_for_sign_off_roles_only_and_the_release(world, open_episode):
    episode = open_episode(world.zhang, days_ago=14)
    url = reverse("monitoring:episode", args=[episode.pk])
    assert "期满解除（签批）" not in client_for(world.grid_worker_a).get(url).content.decode()
    refused = client_for(world.grid_worker_a).post(reverse("monitoring:episode_release", args=[episode.pk]))
    assert refused.status_code == 302
    episode.refresh_from_db()
    assert episode.status == Episode.Status.OPEN
    leader = client_for(world.village_leader)
    assert "期满解除（签批）" in leader.get(url).content.decode()
    leader.post(reverse("monitoring:episode_release", args=[episode.pk]))
    episode.refresh_from_db()
    assert episode.status == Episode.Status.RELEASED and episode.ended_by == world.village_leader
    page = leader.get(url).content.decode()
    assert "期满解除" in page and "已解除" in page


def test_convert_and_extend_from_the_page(world, open_episode):
    episode = open_episode(world.zhang, days_ago=5)
    client = client_for(world.grid_worker_a)
    client.post(
        reverse("monitoring:episode_extend", args=[episode.pk]), {"exposure_date": days_ago(1).isoformat()}
    )
    episode.refresh_from_db()
    assert episode.planned_end == days_ago(1) + dt.timedelta(days=14)
    response = client.post(
        reverse("monitoring:episode_extend", args=[episode.pk]),
        {"exposure_date": days_ago(4).isoformat()},
        follow=True,
    )
    assert "不会延长观察期" in response.content.decode()
    client.post(reverse("monitoring:episode_convert", args=[episode.pk]), {"reason": "suspected"})
    episode.refresh_from_db()
    assert episode.status == Episode.Status.CONVERTED and episode.end_reason == "suspected"


def test_actions_are_404_outside_the_scope_and_a_get_changes_nothing(world, open_episode):
    episode = open_episode(world.zhang, days_ago=14)
    outsider = client_for(world.grid_worker_b)
    for name in ("episode_release", "episode_convert", "episode_extend", "episode"):
        assert (
            outsider.post(reverse(f"monitoring:{name}", args=[episode.pk]), {"reason": "other"}).status_code
            == 404
        )
    client_for(world.hq).get(reverse("monitoring:episode_release", args=[episode.pk]))
    episode.refresh_from_db()
    assert episode.status == Episode.Status.OPEN


def test_start_from_the_person_page(world, policy):
    client = client_for(world.grid_worker_a)
    person_page = client.get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    start_url = reverse("monitoring:start", args=[world.zhang.pk])
    assert start_url in person_page
    assert client.get(start_url).status_code == 200
    response = client.post(
        start_url, {"kind": "home", "basis": "close_contact", "last_exposure": days_ago(2).isoformat()}
    )
    episode = Episode.objects.get(person=world.zhang)
    assert response.status_code == 302 and response["Location"] == reverse(
        "monitoring:episode", args=[episode.pk]
    )
    assert episode.basis == "close_contact" and episode.planned_end == days_ago(2) + dt.timedelta(days=14)
    person_page = client.get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    assert reverse("monitoring:episode", args=[episode.pk]) in person_page and start_url not in person_page
    again = client.post(start_url, {"kind": "home", "basis": "close_contact"})
    assert again.status_code == 400 and "已在医学观察中" in again.content.decode()


def test_start_is_for_writers_in_scope(world, policy):
    url = reverse("monitoring:start", args=[world.zhang.pk])
    assert client_for(world.department).get(url).status_code == 403
    assert client_for(world.grid_worker_b).get(url).status_code == 404
    assert (
        url
        not in client_for(world.department)
        .get(reverse("people:detail", args=[world.zhang.pk]))
        .content.decode()
    )


def test_start_from_a_visit_with_the_household(world, policy):
    screening = screening_record(
        actor=world.grid_worker_a,
        household=world.hh_a1,
        visited_at=timezone.now(),
        entries=[
            EntryInput(
                key="p",
                person_id=world.zhang.pk,
                temperature=Decimal("36.6"),
                travel=TravelInput(origin="湖北武汉", arrived_on=days_ago(3)),
            )
        ],
        measures=["home_isolation"],
    ).screening
    entry = screening.entries.get()
    client = client_for(world.grid_worker_a)
    detail = client.get(reverse("screenings:detail", args=[screening.pk])).content.decode()
    url = f"{reverse('monitoring:start', args=[world.zhang.pk])}?entry={entry.pk}"
    assert url in detail.replace("&amp;", "&")
    form = client.get(url).content.decode()
    assert "湖北武汉" in form and days_ago(3).isoformat() in form
    response = client.post(url, {"kind": "home", "with_household": "on"})
    assert response.status_code == 302
    zhang = Episode.objects.get(person=world.zhang)
    assert (zhang.source_type, zhang.source_id, zhang.last_exposure) == (
        "screening_entry",
        entry.pk,
        days_ago(3),
    )
    family = Episode.objects.exclude(person=world.zhang).get()
    assert family.person.name == "王芳" and family.basis == Episode.Basis.OTHER
    assert family.planned_end == zhang.planned_end


def test_an_entry_of_another_person_or_visit_is_404(world, policy):
    entry = world.screening_a1.entries.get()
    assert client_for(world.hq).get(
        f"{reverse('monitoring:start', args=[world.li.pk])}?entry={entry.pk}"
    ).status_code == 404  # fmt: skip


@pytest.mark.parametrize("status", ["open", "due", "released", "converted", "bogus"])
def test_every_tab_renders(world, open_episode, status):
    open_episode(world.zhang)
    response = client_for(world.village_leader).get(
        reverse("monitoring:episodes", args=[world.village_a.pk]), {"status": status}
    )
    assert response.status_code == 200


def _zhang_row(world):
    return world.hq_batch.rows.get(row_number=4)


def test_the_list_page_offers_observation_for_a_linked_row_without_an_open_episode(world, open_episode):
    row = _zhang_row(world)
    batch_url = reverse("lists:detail", args=[world.hq_batch.pk])
    start_url = f"{reverse('monitoring:start', args=[world.zhang.pk])}?row={row.pk}"
    page = client_for(world.hq).get(batch_url).content.decode().replace("&amp;", "&")
    assert start_url in page and "开始医学观察" in page
    assert page.count("开始医学观察") == 1  # the review row is linked to nobody yet
    # A department reads the list but does not start observations.
    assert "开始医学观察" not in client_for(world.department).get(batch_url).content.decode()
    open_episode(world.zhang)
    assert "开始医学观察" not in client_for(world.hq).get(batch_url).content.decode()


def test_start_from_a_list_row_is_filled_from_the_row_and_records_it(world, policy):
    row = _zhang_row(world)
    row.fields = {"name": "张伟", "origin": "湖北武汉", "arrival_date": days_ago(3).isoformat()}
    row.save(update_fields=["fields"])
    url = f"{reverse('monitoring:start', args=[world.zhang.pk])}?row={row.pk}"
    client = client_for(world.hq)
    form = client.get(url).content.decode()
    assert "湖北武汉" in form and days_ago(3).isoformat() in form and "区教育局第1批第4行" in form
    assert '<option value="outbreak_return" selected>' in form
    data = {
        "kind": "home",
        "basis": "outbreak_return",
        "basis_note": "区教育局第1批第4行",
        "last_exposure": days_ago(3).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 302
    episode = Episode.objects.get(person=world.zhang)
    assert (episode.source_type, episode.source_id, episode.last_exposure) == (
        "list_row",
        row.pk,
        days_ago(3),
    )
    assert episode.basis_note == "区教育局第1批第4行" and episode.created_by == world.hq


def test_a_row_without_a_journey_from_the_outbreak_area_starts_as_other(world, policy):
    row = _zhang_row(world)
    form = (
        client_for(world.hq)
        .get(f"{reverse('monitoring:start', args=[world.zhang.pk])}?row={row.pk}")
        .content.decode()
    )
    assert '<option value="other" selected>' in form and "返乡行程" not in form


def test_a_row_of_another_person_an_unlinked_row_or_a_foreign_user_is_404(world, policy):
    row = _zhang_row(world)
    hq = client_for(world.hq)
    assert hq.get(f"{reverse('monitoring:start', args=[world.li.pk])}?row={row.pk}").status_code == 404
    review = world.hq_review_row
    assert hq.get(f"{reverse('monitoring:start', args=[world.zhang.pk])}?row={review.pk}").status_code == 404
    assert hq.get(f"{reverse('monitoring:start', args=[world.zhang.pk])}?row=x1").status_code == 404
    # 甲镇's officer may start 张伟's observation but the list, sent to the district, is not the town's.
    town = client_for(world.town_officer)
    assert town.get(f"{reverse('monitoring:start', args=[world.zhang.pk])}?row={row.pk}").status_code == 404
    assert not Episode.objects.exists()

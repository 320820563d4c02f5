"""Follow-up pages: my tasks with one-form completion, a unit's lists with counts (rolled up), the task
page and its forms, and the form that gives a task out (filled from a household, person or episode)."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from epigrid.core.clock import now
from epigrid.core.models import AuditEvent
from epigrid.followups.models import Task


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _many(world, give, n: int) -> None:
    for i in range(n):
        give(person=world.zhang, title=f"任务{i}", due_at=now() + dt.timedelta(hours=1 + i))
        give(
            title=f"逾期{i}", assigned_at=now() - dt.timedelta(hours=5), due_at=now() - dt.timedelta(hours=1)
        )


def test_a_grid_worker_lands_on_their_tasks_and_completes_one_with_one_form(world, give):
    task = give(person=world.zhang, title="复测体温：张伟")
    client = _client(world.grid_worker_a)
    response = client.get("/followups/", follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/followups/mine/"
    assert "复测体温：张伟" in body and f'href="tel:{world.zhang.phone}"' in body
    assert f'action="/followups/{task.pk}/complete/"' in body
    assert 'name="next" value="/followups/mine/"' in body
    done = client.post(
        f"/followups/{task.pk}/complete/", {"outcome": "体温36.4℃", "next": "/followups/mine/"}
    )
    assert done["Location"] == "/followups/mine/"
    task.refresh_from_db()
    assert task.status == Task.Status.DONE and task.outcome == "体温36.4℃"
    page = client.get("/followups/mine/").content.decode()
    assert "没有待办任务" in page and "近7天已完成" in page


def test_my_tasks_show_the_overdue_in_red_and_log_the_people_shown(
    world, give, django_assert_max_num_queries
):
    _many(world, give, 3)
    client = _client(world.grid_worker_a)
    with django_assert_max_num_queries(10):
        body = client.get("/followups/mine/").content.decode()
    assert body.count('class="card task overdue"') == 3 and "逾期 3 项" in body
    event = AuditEvent.objects.filter(object_type="followup_task_list").latest("id")
    assert event.detail["persons"] == [world.zhang.pk] and event.detail["list"] == "mine"


def test_the_list_query_count_does_not_grow_with_the_tasks(world, give, django_assert_max_num_queries):
    _many(world, give, 1)
    client = _client(world.town_officer)
    url = f"/followups/regions/{world.town.pk}/"
    with django_assert_max_num_queries(13) as few:
        client.get(url)
    _many(world, give, 6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get(url).content.decode()
    assert 'data-count="open">14<' in body and 'data-count="overdue" class="bad">7<' in body
    assert "甲村" in body  # the village's row of the roll-up


def test_a_unit_lists_each_state(world, give):
    give(title="待办的")
    done = give(title="办完的")
    cancelled = give(title="取消的")
    client = _client(world.village_leader)
    client.post(f"/followups/{done.pk}/complete/", {"outcome": "已完成"})
    client.post(f"/followups/{cancelled.pk}/cancel/", {"reason": "该户外出"})
    url = f"/followups/regions/{world.grid_a.pk}/"
    assert "待办的" in client.get(url).content.decode()
    done_page = client.get(url, {"state": "done"}).content.decode()
    assert "办完的" in done_page and "待办的" not in done_page
    assert "取消的" in client.get(url, {"state": "cancelled"}).content.decode()
    assert client.get(url, {"state": "nonsense"}).status_code == 200


def test_the_form_is_filled_from_a_household_and_gives_the_task_out_once(world):
    client = _client(world.village_leader)
    page = client.get(f"/followups/new/?household={world.hh_a1.pk}").content.decode()
    assert "上门走访：甲村一组1号" in page and f'name="household" value="{world.hh_a1.pk}"' in page
    assert f'<option value="{world.grid_worker_a.pk}" selected>' in page  # the grid's only grid worker
    form = {
        "key": "k1", "region": world.grid_a.pk, "household": world.hh_a1.pk, "kind": "visit",
        "title": "上门走访：甲村一组1号", "assignee": world.grid_worker_a.pk, "team": "甲村党员突击队",
        "due_at": (now() + dt.timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M"),
    }  # fmt: skip
    response = client.post("/followups/new/", form)
    task = Task.objects.get()
    assert response["Location"] == f"/followups/{task.pk}/"
    assert (task.household, task.team, task.assignee) == (world.hh_a1, "甲村党员突击队", world.grid_worker_a)
    again = client.post("/followups/new/", form, follow=True)
    assert "没有重复派发" in again.content.decode() and Task.objects.count() == 1


def test_the_form_is_filled_from_an_episode_for_a_recheck(world):
    client = _client(world.grid_worker_a)
    page = client.get(f"/followups/new/?episode={world.episode_zhang.pk}").content.decode()
    assert "复测体温：张伟" in page and 'value="recheck" selected' in page


def test_a_bad_form_names_the_field_and_keeps_what_was_typed(world):
    client = _client(world.village_leader)
    form = {"key": "k2", "region": world.grid_a.pk, "kind": "visit", "title": "走访",
            "assignee": world.grid_worker_a.pk, "due_at": "2020-01-01T08:00"}  # fmt: skip
    response = client.post("/followups/new/", form)
    body = response.content.decode()
    assert response.status_code == 400 and "截止时间不能早于现在。" in body and 'value="走访"' in body
    assert not Task.objects.exists()


def test_a_unit_outside_the_scope_cannot_be_chosen(world):
    client = _client(world.grid_worker_b)
    assert client.get(f"/followups/new/?region={world.grid_a.pk}").status_code == 404
    assert client.get(f"/followups/new/?household={world.hh_a1.pk}").status_code == 404
    form = {"key": "k3", "region": world.grid_a.pk, "kind": "visit", "title": "走访",
            "assignee": world.grid_worker_b.pk, "due_at": "2030-01-01T08:00"}  # fmt: skip
    assert client.post("/followups/new/", form).status_code == 404
    assert _client(world.department).get("/followups/new/").status_code == 403
    assert not Task.objects.exists()


def test_the_task_page_offers_what_the_user_may_do(world, give):
    task = give(person=world.zhang)
    assignee_page = _client(world.grid_worker_a).get(f"/followups/{task.pk}/").content.decode()
    assert "完成任务" in assignee_page and "取消任务" not in assignee_page
    leader_page = _client(world.village_leader).get(f"/followups/{task.pk}/").content.decode()
    assert "完成任务" in leader_page and "取消任务" in leader_page and "改派" in leader_page
    hq_page = _client(world.hq).get(f"/followups/{task.pk}/").content.decode()
    assert world.zhang.phone not in hq_page  # HQ sees phones masked
    assert _client(world.grid_worker_b).get(f"/followups/{task.pk}/").status_code == 404
    assert AuditEvent.objects.filter(object_type="followup_task", action=AuditEvent.Action.READ).count() == 3


def test_reassigning_and_refusals_from_the_task_page(world, give):
    task = give()
    leader = _client(world.village_leader)
    leader.post(f"/followups/{task.pk}/reassign/", {"assignee": world.village_leader.pk, "team": ""})
    task.refresh_from_db()
    assert task.assignee == world.village_leader
    response = _client(world.grid_worker_a).post(
        f"/followups/{task.pk}/cancel/", {"reason": "x"}, follow=True
    )
    assert "只有派发人或其上级可以取消这项任务。" in response.content.decode()
    assert Task.objects.get().status == Task.Status.OPEN
    assert _client(world.grid_worker_a).get(f"/followups/{task.pk}/complete/").status_code == 405
    # A "next" outside this app is not followed.
    away = leader.post(f"/followups/{task.pk}/complete/", {"outcome": "已办", "next": "https://example.com/"})
    assert away["Location"] == f"/followups/{task.pk}/"


def test_the_form_is_filled_from_an_alert_acknowledgement(world):
    from django.utils import timezone

    from epigrid.monitoring.alerts import alert_acknowledge

    episode = world.episode_zhang
    ack = alert_acknowledge(
        actor=world.grid_worker_a, episode=episode, kind="missed", day=timezone.localdate(),
        slot=episode.policy.slot_keys[0], action="phoned",
    )  # fmt: skip
    page = _client(world.village_leader).get(f"/followups/new/?ack={ack.pk}").content.decode()
    assert "复测体温：张伟" in page and f'name="episode" value="{episode.pk}"' in page
    assert _client(world.grid_worker_b).get(f"/followups/new/?ack={ack.pk}").status_code == 404


def test_hq_picks_a_town_first(world):
    client = _client(world.hq)
    assert client.get("/followups/")["Location"] == f"/followups/regions/{world.district.pk}/"
    page = client.get("/followups/new/").content.decode()
    assert f"/followups/new/?region={world.town.pk}" in page and 'name="title"' not in page

"""Roster, week, duty form, teams and members pages: responses, database after, refusals, query counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from epigrid.core.models import AuditEvent
from epigrid.volunteers.duties import duty_assign
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam
from epigrid.volunteers.services import VolunteerInput, volunteer_save
from tests.volunteers.conftest import shift

DAY = dt.date(2026, 2, 10)


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _members(world, n: int) -> list[Volunteer]:
    return [
        volunteer_save(
            actor=world.village_leader,
            data=VolunteerInput(
                name=f"队员{i}",
                phone=f"1370000{i:04d}",
                kind="volunteer",
                region=world.village_a,
                team=world.volunteer_team_a,
                grids=[world.grid_a],
            ),
        )
        for i in range(n)
    ]


def test_the_roster_lists_units_and_checkpoints_in_a_fixed_number_of_queries(
    world, gate, django_assert_max_num_queries
):
    for hour, member in enumerate(_members(world, 6)):
        duty_assign(
            actor=world.town_officer, data=shift(DAY, 8 + hour, 9 + hour, checkpoint=gate, volunteer=member)
        )
    duty_assign(
        actor=world.town_officer, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    client = _client(world.town_officer)
    with django_assert_max_num_queries(12):
        response = client.get(f"/volunteers/roster/{world.town.pk}/")
    body = response.content.decode()
    assert response.status_code == 200 and "今日值班" in body
    assert body.count("data-duty=") == 7 and 'data-place="unit-' in body
    assert 'data-figure="uncovered_now" class="bad">1<' in body  # 甲镇 itself has nobody on duty now


def test_the_roster_of_another_day_and_the_redirect_home(world):
    client = _client(world.village_leader)
    assert client.get("/volunteers/")["Location"] == f"/volunteers/roster/{world.village_a.pk}/"
    response = client.get(f"/volunteers/roster/{world.village_a.pk}/?day=2026-02-12")
    assert response.status_code == 200 and "值班表" in response.content.decode()


def test_a_double_booking_shows_on_the_roster(world, gate):
    duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    duty_assign(
        actor=world.town_officer, data=shift(DAY, 12, 16, checkpoint=gate, volunteer=world.volunteer_a)
    )
    body = _client(world.village_leader).get(f"/volunteers/roster/{world.village_a.pk}/").content.decode()
    assert body.count("data-conflict") == 2 and "重复排班" in body


def test_the_week_page_of_a_unit_and_of_a_checkpoint(world, gate, django_assert_max_num_queries):
    for hour, member in enumerate(_members(world, 5)):
        duty_assign(
            actor=world.town_officer,
            data=shift(DAY + dt.timedelta(days=hour), checkpoint=gate, volunteer=member),
        )
    client = _client(world.town_officer)
    with django_assert_max_num_queries(10):
        response = client.get(f"/volunteers/checkpoints/{gate.pk}/week/?start={DAY}")
    assert response.status_code == 200 and response.content.decode().count("data-duty=") == 5
    assert client.get(f"/volunteers/roster/{world.village_a.pk}/week/").status_code == 200


def test_putting_someone_on_duty_from_the_form(world, gate):
    client = _client(world.village_leader)
    url = f"/volunteers/checkpoints/{gate.pk}/new/"
    world.volunteer_a  # noqa: B018 - made on first use
    page = client.get(url + f"?day={DAY}")
    assert page.status_code == 200 and "周建国" in page.content.decode()
    form = {
        "who": f"v:{world.volunteer_a.pk}",
        "day": DAY.isoformat(),
        "starts_at": "20:00",
        "ends_at": "08:00",
        "duty_role": "guard",
        "phone": "",
    }
    response = client.post(url, form, follow=True)
    assert response.redirect_chain[-1][0] == f"/volunteers/checkpoints/{gate.pk}/week/"
    duty = Duty.objects.get()
    assert duty.checkpoint == gate and duty.phone == "13700001111" and duty.crosses_midnight
    again = client.post(url, form, follow=True)
    assert "没有重复保存" in again.content.decode() and Duty.objects.count() == 1


def test_the_form_warns_of_a_double_booking_and_names_bad_fields(world, gate):
    client = _client(world.village_leader)
    duty_assign(
        actor=world.village_leader, data=shift(DAY, region=world.village_a, volunteer=world.volunteer_a)
    )
    form = {
        "who": f"v:{world.volunteer_a.pk}",
        "day": DAY.isoformat(),
        "starts_at": "12:00",
        "ends_at": "16:00",
        "duty_role": "guard",
    }
    response = client.post(f"/volunteers/checkpoints/{gate.pk}/new/", form, follow=True)
    assert "同一时段还在别处值班" in response.content.decode() and Duty.objects.count() == 2
    bad = client.post(
        f"/volunteers/roster/{world.village_a.pk}/new/",
        {**form, "who": f"u:{world.village_leader.pk}", "phone": "12345"},
    )
    assert (
        bad.status_code == 400 and "手机号应为11位数字" in bad.content.decode() and Duty.objects.count() == 2
    )


def test_who_may_open_the_duty_form(world):
    url = f"/volunteers/roster/{world.village_a.pk}/new/"
    assert _client(world.checkpoint).get(url).status_code == 403  # the town's checkpoint staff: reads only
    assert _client(world.grid_worker_a).get(f"/volunteers/roster/{world.grid_a.pk}/new/").status_code == 403
    assert _client(world.outsider).get(url).status_code == 404
    assert (
        _client(world.village_leader).get(f"/volunteers/roster/{world.village_b.pk}/new/").status_code == 404
    )


def test_removing_a_shift(world):
    duty = world.duty_a
    url = f"/volunteers/duties/{duty.pk}/delete/"
    assert _client(world.village_leader).get(url).status_code == 405
    assert _client(world.checkpoint).post(url).status_code == 403
    assert _client(world.grid_worker_a).post(url).status_code == 404  # 甲村's own shift: not the grid's
    assert _client(world.outsider).post(url).status_code == 404
    response = _client(world.village_leader).post(url)
    assert response.status_code == 302 and not Duty.objects.exists()


def test_the_team_list_and_a_team_with_its_members(world, django_assert_max_num_queries):
    world.volunteer_a  # noqa: B018 - made on first use
    _members(world, 5)
    client = _client(world.hq)
    with django_assert_max_num_queries(8):
        response = client.get(f"/volunteers/teams/regions/{world.district.pk}/")
    assert response.status_code == 200 and "甲村党员突击队" in response.content.decode()
    with django_assert_max_num_queries(10):
        detail = client.get(f"/volunteers/teams/{world.volunteer_team_a.pk}/")
    body = detail.content.decode()
    assert "137****1111" in body and "13700001111" not in body  # HQ sees phones masked
    assert AuditEvent.objects.filter(object_type="volunteer_list").exists()


def test_the_member_list_by_kind_shows_full_phones_to_the_village(world, django_assert_max_num_queries):
    world.volunteer_a  # noqa: B018 - made on first use
    _members(world, 5)
    client = _client(world.village_leader)
    with django_assert_max_num_queries(10):
        response = client.get(f"/volunteers/members/regions/{world.village_a.pk}/?kind=party")
    body = response.content.decode()
    assert "周建国" in body and "13700001111" in body and "队员1" not in body
    grid_view = _client(world.grid_worker_a).get(f"/volunteers/members/regions/{world.grid_a.pk}/")
    assert "周建国" in grid_view.content.decode()  # serves grid A1
    assert (
        _client(world.grid_worker_b).get(f"/volunteers/teams/{world.volunteer_team_a.pk}/").status_code == 404
    )


def test_creating_a_team_and_a_member_from_the_forms(world):
    client = _client(world.village_leader)
    response = client.post(
        "/volunteers/teams/new/",
        {"name": "甲村志愿服务队", "kind": "service", "region": world.village_a.pk, "active": "on"},
    )
    team = VolunteerTeam.objects.get(name="甲村志愿服务队")
    assert response["Location"] == f"/volunteers/teams/{team.pk}/"
    bad = client.post(
        "/volunteers/members/new/",
        {"name": "王强", "phone": "138", "kind": "building", "region": world.village_a.pk, "team": team.pk},
    )
    assert bad.status_code == 400 and "手机号应为11位数字" in bad.content.decode()
    good = client.post(
        "/volunteers/members/new/",
        {
            "name": "王强",
            "phone": "138 0000 3333",
            "kind": "building",
            "region": world.village_a.pk,
            "team": team.pk,
            "grids": [world.grid_a.pk],
            "id_number": world.zhang.id_number,
            "active": "on",
        },
    )
    member = Volunteer.objects.get(name="王强")
    assert good.status_code == 302 and member.phone == "13800003333" and member.person == world.zhang


def test_the_member_form_refuses_a_resident_outside_the_scope(world):
    client = _client(world.village_leader)
    response = client.post(
        "/volunteers/members/new/",
        {
            "name": "李娜",
            "phone": "13800004444",
            "kind": "volunteer",
            "region": world.village_a.pk,
            "id_number": world.li.id_number,
        },
    )
    assert response.status_code == 400 and "本辖区没有登记该身份证号的人员" in response.content.decode()
    assert world.li.id_number not in response.content.decode().replace('value="' + world.li.id_number, "")


def test_editing_a_member_keeps_the_link_and_is_audited(world):
    member = world.volunteer_a
    assert _client(world.grid_worker_a).get(f"/volunteers/members/{member.pk}/edit/").status_code == 403
    client = _client(world.village_leader)
    assert client.get(f"/volunteers/members/{member.pk}/edit/").status_code == 200
    assert AuditEvent.objects.filter(object_type="volunteer", action=AuditEvent.Action.READ).exists()
    response = client.post(
        f"/volunteers/members/{member.pk}/edit/",
        {
            "name": "周建国",
            "phone": "13700001112",
            "kind": "party",
            "region": world.village_a.pk,
            "active": "",
        },
    )
    member.refresh_from_db()
    assert response.status_code == 302 and member.phone == "13700001112" and not member.active

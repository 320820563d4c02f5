"""Staff accounts: who may create and edit whom, only inside their own subtrees, all audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent, User
from epigrid.regions.selectors import staff_for_user
from epigrid.regions.services import (
    ERR_REGION_OUTSIDE,
    ERR_ROLE_NOT_GRANTABLE,
    StaffError,
    staff_create,
    staff_update,
)

GOOD_PASSWORD = "Wangge-2020-safe"


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _new(client: Client, **fields):
    data = {
        "username": "wang",
        "display_name": "王网格",
        "role": "grid_worker",
        "region_codes": "420199100200001",
        "password": GOOD_PASSWORD,
        **fields,
    }
    return client.post(reverse("staff:new"), data)


def test_town_officer_creates_a_grid_worker_in_its_town(world):
    response = _new(_client(world.town_officer))
    assert response.status_code == 302
    wang = User.objects.get(username="wang")
    assert wang.role == "grid_worker" and wang.check_password(GOOD_PASSWORD)
    assert list(wang.assignments.values_list("region", flat=True)) == [world.grid_a.pk]
    event = AuditEvent.objects.get(action=AuditEvent.Action.CREATE, object_type="user")
    assert event.user == world.town_officer and GOOD_PASSWORD not in str(event.detail)


def test_town_officer_cannot_assign_a_region_outside_its_town(world):
    response = _new(_client(world.town_officer), region_codes="420199001001001")
    assert response.status_code == 400
    assert ERR_REGION_OUTSIDE.format(codes="420199001001001") in response.content.decode()
    assert not User.objects.filter(username="wang").exists()


def test_town_officer_cannot_create_an_hq_account(world):
    with pytest.raises(StaffError, match=ERR_ROLE_NOT_GRANTABLE.format(role="区指挥部")):
        staff_create(
            actor=world.town_officer,
            username="boss",
            role="district_hq",
            region_codes=["420199"],
            password=GOOD_PASSWORD,
        )
    response = _new(_client(world.town_officer), role="district_hq", region_codes="420199100")
    assert response.status_code == 400  # not even offered as a choice
    assert not User.objects.filter(username="wang").exists()


def test_weak_password_and_taken_username_are_refused(world):
    client = _client(world.hq)
    assert _new(client, password="123").status_code == 400
    assert _new(client, username="grid_a").status_code == 400
    assert not User.objects.filter(username="wang").exists()


def test_lists_show_only_accounts_inside_the_managers_subtrees(world):
    town_sees = set(staff_for_user(user=world.town_officer).values_list("username", flat=True))
    assert town_sees == {"village", "grid_a", "checkpoint"}
    hq_sees = set(staff_for_user(user=world.hq).values_list("username", flat=True))
    assert hq_sees == {"town", "village", "grid_a", "grid_b", "dept", "checkpoint", "police"}
    assert "admin" not in hq_sees and "outsider" not in hq_sees
    assert not staff_for_user(user=world.grid_worker_a).exists()


def test_an_account_assigned_outside_the_managers_scope_cannot_be_edited(world):
    from epigrid.regions.services import assignment_add

    assignment_add(user=world.grid_worker_a, region=world.grid_b)  # now also works in 乙街道
    client = _client(world.town_officer)
    assert client.get(reverse("staff:detail", args=[world.grid_worker_a.pk])).status_code == 404


def test_editing_moves_a_worker_and_can_stop_the_account(world):
    client = _client(world.town_officer)
    url = reverse("staff:detail", args=[world.grid_worker_a.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "save",
            "display_name": "新名字",
            "role": "village_leader",
            "region_codes": "420199100200",
            "phone": "",
            "organisation": "",
        },
    )
    assert response.status_code == 302
    world.grid_worker_a.refresh_from_db()
    assert world.grid_worker_a.role == "village_leader"
    assert world.grid_worker_a.is_active is False  # the box was not ticked
    assert list(world.grid_worker_a.assignments.values_list("region", flat=True)) == [world.village_a.pk]
    event = AuditEvent.objects.get(action=AuditEvent.Action.UPDATE, object_type="user")
    assert set(event.detail["fields"]) >= {"role", "is_active", "display_name", "regions"}


def test_password_reset_by_a_manager(world):
    client = _client(world.hq)
    url = reverse("staff:detail", args=[world.grid_worker_b.pk])
    assert client.post(url, {"action": "password", "password": "short"}).status_code == 400
    assert client.post(url, {"action": "password", "password": GOOD_PASSWORD}).status_code == 302
    world.grid_worker_b.refresh_from_db()
    assert world.grid_worker_b.check_password(GOOD_PASSWORD)


def test_update_refuses_a_role_the_actor_cannot_grant(world):
    with pytest.raises(StaffError):
        staff_update(
            actor=world.town_officer,
            user=world.grid_worker_a,
            role="admin",
            region_codes=["420199100200001"],
            is_active=True,
        )


@pytest.mark.parametrize(
    "persona", ["grid_worker_a", "village_leader", "department", "checkpoint", "outsider"]
)
def test_roles_without_grants_cannot_open_staff_pages(world, persona):
    client = _client(world.personas()[persona])
    assert client.get(reverse("staff:list")).status_code == 403
    assert client.get(reverse("staff:new")).status_code == 403


def test_staff_list_query_count_does_not_grow_with_accounts(world, django_assert_max_num_queries):
    client = _client(world.hq)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("staff:list"))
    assert response.status_code == 200
    assert "grid_a" in response.content.decode()

"""The volunteers API: teams, members and duties, refusals by field, conflicts in the answers."""

from __future__ import annotations

import json

import pytest
import time_machine

from epigrid.core.models import AuditEvent
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam
from tests.api.conftest import API, session_client, token_client

DAY = "2026-02-10"


@pytest.fixture(autouse=True)
def ten_in_the_morning():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        yield


def _post(client, url, body):
    return client.post(API + url, data=json.dumps(body), content_type="application/json")


def _put(client, url, body):
    return client.put(API + url, data=json.dumps(body), content_type="application/json")


def test_a_team_is_created_in_its_region_and_changed(world):
    client = token_client(world.village_leader)
    response = _post(client, f"/regions/{world.village_a.pk}/volunteer-teams", {"name": "甲村志愿服务队"})
    assert response.status_code == 201
    team = response.json()
    assert team["kind"] == "service" and team["region_id"] == world.village_a.pk and team["member_count"] == 0
    changed = _put(client, f"/volunteer-teams/{team['id']}", {"name": "甲村志愿服务队", "kind": "party"})
    assert changed.status_code == 200 and VolunteerTeam.objects.get(pk=team["id"]).kind == "party"
    listed = client.get(API + "/volunteer-teams", {"region_id": world.village_a.pk}).json()
    assert listed["count"] == 1


def test_team_refusals_name_the_field(world):
    client = token_client(world.village_leader)
    response = _post(client, f"/regions/{world.village_a.pk}/volunteer-teams", {"name": ""})
    assert response.status_code == 422
    assert [e["loc"][-1] for e in response.json()["detail"]] == ["name"]
    assert _post(client, f"/regions/{world.village_b.pk}/volunteer-teams", {"name": "队"}).status_code == 404
    assert (
        _post(
            token_client(world.grid_worker_a), f"/regions/{world.grid_a.pk}/volunteer-teams", {"name": "队"}
        ).status_code
        == 403
    )
    assert not VolunteerTeam.objects.exists()


def test_a_member_is_added_with_a_normalised_phone_masked_for_hq(world):
    team = world.volunteer_team_a
    client = token_client(world.village_leader)
    body = {
        "name": "王强",
        "phone": "138-0000-3333",
        "kind": "building",
        "team_id": team.pk,
        "grid_ids": [world.grid_a.pk],
        "person_id": world.zhang.pk,
    }
    response = _post(client, f"/regions/{world.village_a.pk}/volunteers", body)
    assert response.status_code == 201
    member = response.json()
    assert member["phone"] == "13800003333" and member["grid_ids"] == [world.grid_a.pk]
    assert member["person_id"] == world.zhang.pk and member["team_name"] == "甲村党员突击队"
    seen_by_hq = token_client(world.hq).get(API + "/volunteers", {"kind": "building"}).json()
    assert seen_by_hq["count"] == 1 and seen_by_hq["items"][0]["phone"] == "138****3333"
    assert AuditEvent.objects.filter(object_type="volunteer", action=AuditEvent.Action.EXPORT).exists()


def test_member_refusals_name_the_api_fields(world):
    client = token_client(world.village_leader)
    body = {"name": "王强", "phone": "12", "grid_ids": [world.grid_b.pk], "person_id": world.li.pk}
    response = _post(client, f"/regions/{world.village_a.pk}/volunteers", body)
    assert response.status_code == 422
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"person_id"}
    response = _post(client, f"/regions/{world.village_a.pk}/volunteers", {**body, "person_id": None})
    assert {e["loc"][-1] for e in response.json()["detail"]} == {"phone", "grid_ids"}
    assert not Volunteer.objects.filter(name="王强").exists()


def test_a_member_is_changed_with_put(world):
    member = world.volunteer_a
    client = session_client(world.town_officer)
    response = _put(
        client,
        f"/volunteers/{member.pk}",
        {"name": "周建国", "phone": "13700001119", "kind": "party", "active": False},
    )
    assert response.status_code == 200 and response.json()["active"] is False
    assert _put(session_client(world.outsider), f"/volunteers/{member.pk}", {}).status_code == 404


def test_a_shift_is_stored_once_and_its_double_booking_reported(world):
    gate = world.checkpoint_a
    client = token_client(world.village_leader)
    unit = {"day": DAY, "starts_at": "08:00", "ends_at": "20:00", "volunteer_id": world.volunteer_a.pk}
    first = _post(client, f"/regions/{world.village_a.pk}/duties", unit)
    assert first.status_code == 201 and first.json()["created"] and not first.json()["conflict"]
    again = _post(client, f"/regions/{world.village_a.pk}/duties", unit)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    noon = {**unit, "starts_at": "12:00", "ends_at": "16:00", "duty_role": "guard"}
    second = _post(client, f"/checkpoints/{gate.pk}/duties", noon).json()
    assert second["conflict"] and second["conflicts"][0]["duty_id"] == first.json()["id"]
    assert second["place"] == "checkpoint" and second["phone"] == "13700001111"
    listed = client.get(API + "/duties", {"region_id": world.village_a.pk, "start": DAY}).json()
    assert listed["count"] == 2 and all(item["conflict"] for item in listed["items"])
    assert Duty.objects.count() == 2


def test_a_shift_elsewhere_is_reported_without_its_place(world):
    phone = "13900000007"
    _post(
        token_client(world.hq),
        f"/regions/{world.village_b.pk}/duties",
        {
            "day": DAY,
            "starts_at": "08:00",
            "ends_at": "20:00",
            "staff_id": world.village_leader.pk,
            "phone": phone,
        },
    )
    mine = _post(
        token_client(world.village_leader),
        f"/regions/{world.village_a.pk}/duties",
        {
            "day": DAY,
            "starts_at": "09:00",
            "ends_at": "10:00",
            "staff_id": world.village_leader.pk,
            "phone": phone,
        },
    ).json()
    assert mine["conflicts"] == [
        {
            "duty_id": None,
            "place_name": "辖区外",
            "start_at": mine["conflicts"][0]["start_at"],
            "end_at": mine["conflicts"][0]["end_at"],
        }
    ]


def test_duty_refusals_name_the_fields(world):
    client = token_client(world.village_leader)
    empty = _post(client, f"/regions/{world.village_a.pk}/duties", {})
    assert empty.status_code == 422
    assert {e["loc"][-1] for e in empty.json()["detail"]} == {"day", "starts_at", "ends_at"}
    both = _post(
        client,
        f"/regions/{world.village_a.pk}/duties",
        {
            "day": "2026-06-01",
            "starts_at": "08:00",
            "ends_at": "20:00",
            "staff_id": world.village_leader.pk,
            "volunteer_id": world.volunteer_a.pk,
        },
    )
    assert {e["loc"][-1] for e in both.json()["detail"]} == {"staff_id", "day", "phone"}
    wide = client.get(API + "/duties", {"start": "2026-01-01", "end": "2026-03-01"})
    assert wide.status_code == 422 and wide.json()["detail"][0]["loc"] == ["query", "end"]
    assert not Duty.objects.exists()


def test_deleting_a_shift(world):
    duty = world.duty_a
    assert token_client(world.checkpoint).delete(API + f"/duties/{duty.pk}").status_code == 403
    assert token_client(world.outsider).delete(API + f"/duties/{duty.pk}").status_code == 404
    assert token_client(world.town_officer).delete(API + f"/duties/{duty.pk}").status_code == 204
    assert not Duty.objects.exists()


def test_the_duty_list_is_scoped_and_counted(world, django_assert_max_num_queries):
    world.duty_a  # noqa: B018 - made on first use
    assert token_client(world.grid_worker_b).get(API + "/duties", {"start": DAY}).json()["count"] == 0
    client = token_client(world.hq)
    with django_assert_max_num_queries(12):
        listed = client.get(API + "/duties", {"start": DAY}).json()
    assert listed["count"] == 1 and listed["items"][0]["phone"] == "137****1111"


def test_the_member_list_is_counted(world, django_assert_max_num_queries):
    from epigrid.volunteers.services import VolunteerInput, volunteer_save

    for i in range(5):
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
    client = token_client(world.town_officer)
    with django_assert_max_num_queries(10):
        listed = client.get(API + "/volunteers").json()
    assert listed["count"] == 5 and all(item["grid_ids"] == [world.grid_a.pk] for item in listed["items"])
    with django_assert_max_num_queries(8):
        teams = client.get(API + "/volunteer-teams").json()
    assert teams["items"][0]["member_count"] == 5


def test_a_member_added_twice_with_one_key_is_added_once(world):
    client = token_client(world.village_leader)
    url = f"/regions/{world.village_a.pk}/volunteers"
    body = {"name": "赵敏", "phone": "13800004444", "idempotency_key": "m-1"}
    first = _post(client, url, body)
    again = _post(client, url, {**body, "phone": "13800005555"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["phone"] == "13800004444"
    assert list(Volunteer.objects.values_list("name", "phone")) == [("赵敏", "13800004444")]
    assert AuditEvent.objects.filter(object_type="volunteer", action=AuditEvent.Action.CREATE).count() == 1


def test_a_member_key_is_per_account_and_refused_in_another_region(world):
    leader, town = token_client(world.village_leader), token_client(world.town_officer)
    url = f"/regions/{world.village_a.pk}/volunteers"
    assert (
        _post(leader, url, {"name": "赵敏", "phone": "13800004444", "idempotency_key": "k"}).status_code
        == 201
    )
    assert (
        _post(town, url, {"name": "钱进", "phone": "13800006666", "idempotency_key": "k"}).status_code == 201
    )
    elsewhere = _post(
        leader,
        f"/regions/{world.grid_a.pk}/volunteers",
        {"name": "孙力", "phone": "13800007777", "idempotency_key": "k"},
    )
    assert elsewhere.status_code == 422
    assert [e["loc"] for e in elsewhere.json()["detail"]] == [["body", "payload", "idempotency_key"]]
    assert elsewhere.json()["detail"][0]["msg"] == "这个提交标识已用于另一条记录。"
    assert sorted(Volunteer.objects.values_list("name", flat=True)) == ["赵敏", "钱进"]

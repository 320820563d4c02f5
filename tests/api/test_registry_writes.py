"""The registry through the API: households (list, one with its members, register one) and persons
(add one to a household, change fields) — scoped, masked by role, audited, idempotent by key."""

from __future__ import annotations

import json
from datetime import date

import pytest

from epigrid.core.models import AuditEvent
from epigrid.lib.masking import mask_id_number, mask_phone
from epigrid.people.models import Person
from epigrid.people.registry_services import ERR_NOT_A_GRID, ERR_NUMBER_TAKEN
from epigrid.people.screening import ERR_ID_REGISTERED_HERE, ERR_NAME_REQUIRED
from epigrid.regions.models import Household, Region
from tests.api.conftest import API, token_client
from tests.factories import make_id

pytestmark = pytest.mark.django_db

NEW_ID = make_id(address_code="420106", birth=date(1990, 3, 7), sequence=123)


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def patch(client, url, body):
    return client.patch(url, data=json.dumps(body), content_type="application/json")


def errors(response) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"][2:]): e["msg"] for e in response.json()["detail"]}


# --- households ------------------------------------------------------------------------------------


def test_register_a_household_counts_it_and_audits(world):
    before = Region.objects.get(pk=world.grid_a.pk).household_count
    response = post(
        token_client(world.grid_worker_a),
        f"{API}/households",
        {"region_id": world.grid_a.pk, "number": "A-9", "address": "甲村一组9号"},
    )
    assert response.status_code == 201
    body = response.json()
    household = Household.objects.get(pk=body["id"])
    assert (household.number, household.address, household.grid_id) == ("A-9", "甲村一组9号", world.grid_a.pk)
    assert (body["created"], body["village_id"], body["place_name"]) == (
        True,
        world.village_a.pk,
        "甲村第1网格",
    )
    assert Region.objects.get(pk=world.grid_a.pk).household_count == before + 1
    assert AuditEvent.objects.filter(
        action="create", object_type="household", object_id=str(household.pk)
    ).exists()


def test_the_same_idempotency_key_registers_the_household_once(world):
    client = token_client(world.grid_worker_a)
    body = {
        "region_id": world.grid_a.pk,
        "number": "A-10",
        "address": "甲村一组10号",
        "idempotency_key": "k1",
    }
    first, again = post(client, f"{API}/households", body), post(client, f"{API}/households", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Household.objects.filter(number="A-10").count() == 1


def test_a_taken_number_or_a_region_that_is_no_grid_is_a_422_naming_the_field(world):
    client = token_client(world.hq)
    taken = post(client, f"{API}/households", {"region_id": world.grid_a.pk, "number": world.hh_a1.number,
                                               "address": "别处"})  # fmt: skip
    village = post(
        client, f"{API}/households", {"region_id": world.village_a.pk, "number": "V1", "address": ""}
    )
    assert taken.status_code == 422 and errors(taken) == {"number": str(ERR_NUMBER_TAKEN)}
    assert village.status_code == 422
    assert errors(village) == {"region_id": str(ERR_NOT_A_GRID), "address": "请填写住址"}
    assert Household.objects.filter(number="V1").count() == 0


def test_households_of_another_district_or_without_write_rights_are_refused(world):
    body = {"region_id": world.grid_a.pk, "number": "X1", "address": "甲村一组1号"}
    assert post(token_client(world.outsider), f"{API}/households", body).status_code == 404
    assert post(token_client(world.department), f"{API}/households", body).status_code == 403
    assert token_client(world.outsider).get(f"{API}/households/{world.hh_a1.pk}").status_code == 404
    assert token_client(world.police).get(f"{API}/households").status_code == 403
    assert not Household.objects.filter(number="X1").exists()


def test_household_list_is_scoped_filtered_and_audited(world):
    grid_b = token_client(world.grid_worker_b).get(f"{API}/households").json()
    assert [h["id"] for h in grid_b["items"]] == [world.hh_b1.pk]
    hq = token_client(world.hq).get(f"{API}/households", {"region_id": world.village_a.pk, "address": "2号"})
    assert hq.status_code == 200 and [h["id"] for h in hq.json()["items"]] == [world.hh_a2.pk]
    event = AuditEvent.objects.filter(action="export", object_type="household").latest("id")
    assert event.detail["ids"] == [world.hh_a2.pk]
    assert event.detail["filters"] == ["address", "region_id"]  # names, never the values
    outsider = token_client(world.outsider).get(f"{API}/households").json()
    assert [h["id"] for h in outsider["items"]] == [world.hh_other.pk]  # their own district's only


@pytest.mark.parametrize(
    ("persona", "full_id", "full_phone"),
    [("hq", False, False), ("town_officer", True, True), ("grid_worker_a", False, True)],
)
def test_household_members_are_masked_by_role(world, persona, full_id, full_phone):
    response = token_client(getattr(world, persona)).get(f"{API}/households/{world.hh_a1.pk}")
    assert response.status_code == 200
    members = {m["id"]: m for m in response.json()["members"]}
    zhang = members[world.zhang.pk]
    assert zhang["id_number"] == (world.zhang.id_number if full_id else mask_id_number(world.zhang.id_number))
    assert zhang["phone"] == (world.zhang.phone if full_phone else mask_phone(world.zhang.phone))
    assert AuditEvent.objects.filter(
        action="read", object_type="household", object_id=str(world.hh_a1.pk)
    ).exists()


# --- persons ---------------------------------------------------------------------------------------


def test_add_a_person_to_a_household(world):
    members = Household.objects.get(pk=world.hh_a1.pk).member_count
    response = post(
        token_client(world.grid_worker_a),
        f"{API}/households/{world.hh_a1.pk}/persons",
        {"name": "张小明", "id_number": NEW_ID.lower(), "phone": "+86 139 1234 5678", "relation": "子女"},
    )
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (person.name, person.id_number, person.phone, person.source) == (
        "张小明", NEW_ID, "13912345678", Person.Source.LOCAL,
    )  # fmt: skip
    assert person.birth_date == date(1990, 3, 7) and person.sex == "M"  # from the ID number
    assert (person.grid_id, person.household_id) == (world.grid_a.pk, world.hh_a1.pk)
    assert Household.objects.get(pk=world.hh_a1.pk).member_count == members + 1
    # A grid worker sees the phone in full, the ID number masked: the answer is masked as reads are.
    assert (body["phone"], body["id_number"]) == ("13912345678", mask_id_number(NEW_ID))


def test_the_same_idempotency_key_adds_the_person_once(world):
    client = token_client(world.village_leader)
    body = {"name": "李四", "sex": "F", "idempotency_key": "visit-7-row-2"}
    first = post(client, f"{API}/households/{world.hh_a2.pk}/persons", body)
    again = post(client, f"{API}/households/{world.hh_a2.pk}/persons", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["created"] is False
    assert Person.objects.filter(name="李四").count() == 1
    # Another account's key is its own.
    other = post(token_client(world.grid_worker_a), f"{API}/households/{world.hh_a2.pk}/persons", body)
    assert other.status_code == 201 and Person.objects.filter(name="李四").count() == 2


def test_a_refused_person_is_a_422_naming_each_field_and_nothing_is_written(world):
    count = Person.objects.count()
    response = post(
        token_client(world.hq),
        f"{API}/households/{world.hh_a1.pk}/persons",
        {"name": " ", "id_number": world.zhang.id_number, "phone": "12345"},
    )
    assert response.status_code == 422
    found = errors(response)
    assert found["name"] == str(ERR_NAME_REQUIRED)
    assert found["id_number"] == str(ERR_ID_REGISTERED_HERE)
    assert set(found) == {"name", "id_number", "phone"}
    assert world.zhang.id_number not in response.content.decode()  # the input is not echoed
    assert Person.objects.count() == count


def test_persons_are_added_only_to_own_households_by_writers(world):
    body = {"name": "外人", "sex": "M"}
    assert (
        post(token_client(world.outsider), f"{API}/households/{world.hh_a1.pk}/persons", body).status_code
        == 404
    )
    assert (
        post(
            token_client(world.grid_worker_b), f"{API}/households/{world.hh_a1.pk}/persons", body
        ).status_code
        == 404
    )
    assert (
        post(token_client(world.department), f"{API}/households/{world.hh_a1.pk}/persons", body).status_code
        == 403
    )
    assert not Person.objects.filter(name="外人").exists()


def test_change_a_persons_fields(world):
    response = patch(
        token_client(world.town_officer), f"{API}/persons/{world.zhang.pk}", {"phone": "13800001111"}
    )
    assert response.status_code == 200
    assert response.json()["changed"] == ["phone"] and response.json()["phone"] == "13800001111"
    zhang = Person.objects.get(pk=world.zhang.pk)
    assert zhang.phone == "13800001111" and zhang.name == "张伟"  # fields not sent stay
    event = AuditEvent.objects.filter(action="update", object_type="person", object_id=str(zhang.pk)).latest(
        "id"
    )
    assert event.detail == {"fields": ["phone"]}
    again = patch(
        token_client(world.town_officer), f"{API}/persons/{world.zhang.pk}", {"phone": "13800001111"}
    )
    assert again.json()["changed"] == []


def test_renaming_the_head_renames_the_household(world):
    patch(token_client(world.grid_worker_a), f"{API}/persons/{world.zhang.pk}", {"name": "张卫"})
    assert Household.objects.get(pk=world.hh_a1.pk).head_name == "张卫"
    assert Person.objects.get(pk=world.zhang.pk).name_key != ""


def test_a_refused_change_is_a_422_naming_the_field_and_changes_nothing(world):
    response = patch(
        token_client(world.hq), f"{API}/persons/{world.zhang.pk}", {"id_number": "123", "name": "新名"}
    )
    assert response.status_code == 422 and set(errors(response)) == {"id_number"}
    assert Person.objects.get(pk=world.zhang.pk).name == "张伟"
    null_name = patch(token_client(world.hq), f"{API}/persons/{world.zhang.pk}", {"name": None})
    assert null_name.status_code == 422 and errors(null_name) == {"name": str(ERR_NAME_REQUIRED)}


def test_changes_outside_the_scope_or_without_rights_are_refused(world):
    assert (
        patch(token_client(world.outsider), f"{API}/persons/{world.zhang.pk}", {"name": "X"}).status_code
        == 404
    )
    assert (
        patch(token_client(world.grid_worker_b), f"{API}/persons/{world.zhang.pk}", {"name": "X"}).status_code
        == 404
    )
    assert (
        patch(token_client(world.department), f"{API}/persons/{world.zhang.pk}", {"name": "X"}).status_code
        == 403
    )
    assert Person.objects.get(pk=world.zhang.pk).name == "张伟"

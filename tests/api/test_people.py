"""Persons: scope per persona, masking by role, filters, audit, merged records, pagination bounds."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.core.models import AuditEvent
from epigrid.lib.masking import mask_id_number, mask_phone
from epigrid.people.models import Person, TravelRecord
from tests.api.conftest import API, api_events, session_client, token_client


def _names(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {p["name"] for p in response.json()["items"]}


def test_grid_worker_sees_only_own_grid(world):
    assert _names(session_client(world.grid_worker_a).get(f"{API}/persons")) == {"张伟", "王芳", "曾强"}
    assert _names(session_client(world.grid_worker_b).get(f"{API}/persons")) == {"李娜"}


def test_hq_sees_the_district_masked(world):
    body = session_client(world.hq).get(f"{API}/persons", {"limit": 200}).json()
    assert body["count"] == 4
    zhang = next(p for p in body["items"] if p["id"] == world.zhang.pk)
    assert zhang["id_number"] == mask_id_number(world.zhang.id_number) != world.zhang.id_number
    assert zhang["phone"] == mask_phone(world.zhang.phone) != world.zhang.phone
    assert world.zhang.id_number not in str(body) and world.zhang.phone not in str(body)


@pytest.mark.parametrize(
    ("persona", "full_id", "full_phone"),
    [("town_officer", True, True), ("grid_worker_a", False, True), ("checkpoint", False, False)],
)
def test_identifiers_masked_exactly_as_the_role_says(world, persona, full_id, full_phone):
    user = getattr(world, persona)
    person = session_client(user).get(f"{API}/persons/{world.zhang.pk}").json()
    z = world.zhang
    assert person["id_number"] == (z.id_number if full_id else mask_id_number(z.id_number))
    assert person["phone"] == (z.phone if full_phone else mask_phone(z.phone))


def test_outsider_gets_no_list_and_404_on_detail(world):
    client = session_client(world.outsider)
    assert _names(client.get(f"{API}/persons")) == {"赵敏"}
    foreign = client.get(f"{API}/persons/{world.zhang.pk}")
    missing = client.get(f"{API}/persons/999999")
    assert foreign.status_code == missing.status_code == 404 and foreign.content == missing.content
    assert client.get(f"{API}/persons", {"region_id": world.grid_a.pk}).status_code == 404


def test_filters_by_region_name_id_number_and_phone(world):
    client = session_client(world.hq)
    assert _names(client.get(f"{API}/persons", {"region_id": world.street.pk})) == {"李娜"}
    assert _names(client.get(f"{API}/persons", {"region_id": world.grid_a.pk, "name": "王"})) == {"王芳"}
    z = world.zhang
    # Exact lookups are normalized: spaces, a lower-case x, a +86 prefix do not matter.
    spaced = f"{z.id_number[:6]} {z.id_number[6:14]} {z.id_number[14:]}".lower()
    assert _names(client.get(f"{API}/persons", {"id_number": spaced})) == {"张伟"}
    assert _names(client.get(f"{API}/persons", {"phone": f"+86 {z.phone}"})) == {"张伟"}
    assert _names(client.get(f"{API}/persons", {"phone": "13800000000"})) == set()
    assert _names(client.get(f"{API}/persons", {"id_number": "E12345678"})) == set()


def test_list_is_audited_with_ids_and_filter_names_never_values(world):
    session_client(world.hq).get(f"{API}/persons", {"id_number": world.zhang.id_number})
    (event,) = api_events("person", AuditEvent.Action.EXPORT)
    assert event.user == world.hq
    assert event.detail["ids"] == [world.zhang.pk] and event.detail["filters"] == ["id_number"]
    assert world.zhang.id_number not in str(event.detail)


def test_detail_has_household_and_travels_and_is_audited(world):
    TravelRecord.objects.create(
        person=world.zhang, origin="武汉", from_outbreak_area=True, arrived_on=dt.date(2020, 1, 21)
    )
    person = token_client(world.village_leader).get(f"{API}/persons/{world.zhang.pk}").json()
    assert person["household"]["id"] == world.hh_a1.pk and person["household"]["address"] == "甲村一组1号"
    assert [t["origin"] for t in person["travels"]] == ["武汉"]
    assert person["travels"][0]["from_outbreak_area"] is True
    assert person["merged_into_id"] is None and person["place_name"] == "甲村第1网格"
    (event,) = api_events("person", AuditEvent.Action.READ)
    assert event.user == world.village_leader and event.object_id == str(world.zhang.pk)


def test_merged_person_is_left_out_of_lists_and_points_to_the_survivor(world):
    merge = world.hq_merge
    twin = merge.absorbed
    client = session_client(world.hq)
    ids = {p["id"] for p in client.get(f"{API}/persons", {"name": "张伟", "limit": 200}).json()["items"]}
    assert ids == {world.zhang.pk}
    detail = client.get(f"{API}/persons/{twin.pk}").json()
    assert detail["merged_into_id"] == world.zhang.pk


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"region_id": "x"}, "region_id"),
        ({"name": "名" * 51}, "name"),
    ],
)
def test_bad_query_is_422_naming_the_field(world, params, field):
    response = session_client(world.hq).get(f"{API}/persons", params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"][-1] == field and error["loc"][0] == "query"
    assert "名名名" not in response.content.decode()


def test_pagination_pages_through_in_id_order(world):
    client = session_client(world.hq)
    first = client.get(f"{API}/persons", {"limit": 3}).json()
    rest = client.get(f"{API}/persons", {"limit": 3, "offset": 3}).json()
    assert first["count"] == rest["count"] == 4
    ids = [p["id"] for p in first["items"] + rest["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    assert client.get(f"{API}/persons", {"offset": 100}).json()["items"] == []


def test_list_query_count_does_not_grow_with_rows(world, django_assert_max_num_queries):
    client = session_client(world.hq)
    with django_assert_max_num_queries(8):
        assert len(client.get(f"{API}/persons", {"limit": 200}).json()["items"]) == 4


def test_unplaced_person_is_seen_by_the_level_that_knows_them(world):
    from epigrid.people.services import person_register_unplaced

    unplaced = person_register_unplaced(
        actor=None, region=world.town, name="钱七", source=Person.Source.SENT_DOWN
    )
    assert "钱七" in _names(session_client(world.town_officer).get(f"{API}/persons"))
    assert session_client(world.grid_worker_a).get(f"{API}/persons/{unplaced.pk}").status_code == 404


def test_chinese_is_sent_as_characters_so_the_walks_can_find_names(world):
    # tests/api/test_walk.py looks for foreign names in raw bodies; escaped names would slip past it.
    response = session_client(world.hq).get(f"{API}/persons/{world.zhang.pk}")
    assert "张伟" in response.content.decode("utf-8")
    assert response["Content-Type"] == "application/json; charset=utf-8"

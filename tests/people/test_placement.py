"""Search, the unplaced people, placing one in a household, and the responsible cadre."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.people.models import Person
from epigrid.people.placement import PlacementError, cadre_choices, person_place, person_set_cadre
from epigrid.people.search import person_search, unplaced_for_household
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Household, Region


def _sent_down(world, region=None, name="陈刚", **kwargs):
    return person_register_unplaced(
        actor=None, region=region or world.town, name=name, source=Person.Source.SENT_DOWN, **kwargs
    )


def _count(region):
    return Region.objects.get(pk=region.pk).person_count


def test_place_fills_the_chain_and_counts_where_new(world):
    person = _sent_down(world)
    before = [_count(r) for r in (world.district, world.town, world.village_a, world.grid_a)]
    members = Household.objects.get(pk=world.hh_a2.pk).member_count
    person_place(actor=world.grid_worker_a, person=person, household=world.hh_a2, relation="儿子")
    person.refresh_from_db()
    assert (person.village_id, person.grid_id, person.household_id) == (
        world.village_a.pk, world.grid_a.pk, world.hh_a2.pk
    )  # fmt: skip
    after = [_count(r) for r in (world.district, world.town, world.village_a, world.grid_a)]
    assert after == [before[0], before[1], before[2] + 1, before[3] + 1]  # already counted above
    assert Household.objects.get(pk=world.hh_a2.pk).member_count == members + 1
    event = AuditEvent.objects.filter(object_type="person", object_id=str(person.pk)).latest("id")
    assert event.detail == {"op": "place", "household": world.hh_a2.pk}


def test_place_refuses_another_town_a_placed_person_and_outsiders(world):
    street_person = _sent_down(world, region=world.street)
    with pytest.raises(PlacementError, match="别的镇"):
        person_place(actor=world.hq, person=street_person, household=world.hh_a1)
    with pytest.raises(PlacementError, match="已经落户"):
        person_place(actor=world.hq, person=world.zhang, household=world.hh_a2)
    person = _sent_down(world)
    with pytest.raises(PlacementError, match="管辖范围"):
        person_place(actor=world.grid_worker_b, person=person, household=world.hh_a1)
    with pytest.raises(PlacementError, match="不能修改"):
        person_place(actor=world.department, person=person, household=world.hh_a1)


def test_household_candidates_are_browsed_in_scope_and_found_above_it_by_exact_number(world):
    mine = _sent_down(world, name="陈刚", phone="13700000001")
    district_wide = _sent_down(world, region=world.district, name="刘洋", phone="13700000002")
    _sent_down(world, region=world.street, name="黄磊", phone="13700000003")

    def names(user, text=""):
        found = unplaced_for_household(user=user, household=world.hh_a1, text=text)
        return {v.person.name for v, _ in found}

    # A grid worker never browses people sent down to the town or the district...
    assert names(world.grid_worker_a) == set()
    assert names(world.grid_worker_a, "陈刚") == set()
    # ...but finds one at the door by the exact number; never one sent to another street.
    assert names(world.grid_worker_a, "13700000001") == {mine.name}
    assert names(world.grid_worker_a, "13700000003") == set()
    assert names(world.town_officer) == {mine.name}
    assert names(world.hq) == {mine.name, district_wide.name}


def test_search_by_id_phone_name_and_homophone_in_scope_only(world):
    zhang = world.zhang
    assert [v.person.pk for v in person_search(user=world.town_officer, text=zhang.id_number).people] == [
        zhang.pk
    ]
    result = person_search(user=world.town_officer, text=f"+86 {zhang.phone[:3]}-{zhang.phone[3:]}")
    assert result.by == "phone" and [v.person.pk for v in result.people] == [zhang.pk]
    assert [v.person.name for v in person_search(user=world.town_officer, text="张玮").people] == ["张伟"]
    assert person_search(user=world.grid_worker_b, text="张伟").people == []
    assert person_search(user=world.town_officer, text="!!").by == ""
    # HQ sees the record masked; the search text is never logged.
    view = person_search(user=world.hq, text=zhang.id_number).people[0]
    assert "*" in view.id_number
    event = AuditEvent.objects.filter(object_type="person_search").latest("id")
    assert zhang.id_number not in str(event.detail) and event.detail["persons"] == [zhang.pk]


def test_cadre_must_work_where_the_person_lives(world):
    assert world.grid_worker_a in cadre_choices(person=world.zhang)
    assert world.grid_worker_b not in cadre_choices(person=world.zhang)
    person_set_cadre(actor=world.village_leader, person=world.zhang, cadre=world.grid_worker_a)
    world.zhang.refresh_from_db()
    assert world.zhang.cadre == world.grid_worker_a
    with pytest.raises(PlacementError):
        person_set_cadre(actor=world.village_leader, person=world.zhang, cadre=world.grid_worker_b)


# Pages


def test_search_and_unplaced_pages(world):
    _sent_down(world, name="陈刚")
    client = Client()
    client.force_login(world.town_officer)
    body = client.get(reverse("people:search") + "?q=张伟").content.decode()
    assert "甲村一组1号" in body
    assert "请输入完整" in client.get(reverse("people:search") + "?q=12345").content.decode()
    body = client.get(reverse("people:unplaced")).content.decode()
    assert "陈刚" in body
    client.force_login(world.grid_worker_b)
    assert "陈刚" not in client.get(reverse("people:unplaced")).content.decode()


def test_place_page_places_and_errors_are_messages(world):
    person = _sent_down(world, name="陈刚", phone="13700000001")
    client = Client()
    client.force_login(world.grid_worker_a)
    url = reverse("people:household_place", args=[world.hh_a2.pk])
    assert "陈刚" not in client.get(url).content.decode()
    found = client.get(url + "?q=13700000001").content.decode()
    assert "陈刚" in found
    pick = re.search(r'name="pick" value="([^"]+)"', found).group(1)
    # Without the proof that the number was typed here, a record number alone places nobody.
    assert client.post(url, {"person": str(person.pk)}).status_code == 400
    assert (
        client.post(
            url.replace(str(world.hh_a2.pk), str(world.hh_a1.pk)), {"person": str(person.pk), "pick": pick}
        ).status_code
        == 400
    )
    assert client.post(url, {"person": "x"}).status_code == 400
    street_person = _sent_down(world, region=world.street, name="黄磊")
    assert client.post(url, {"person": str(street_person.pk)}).status_code == 400
    assert client.post(url, {"person": str(person.pk), "pick": pick, "relation": "儿子"}).status_code == 302
    body = client.get(reverse("people:household", args=[world.hh_a2.pk])).content.decode()
    assert "陈刚" in body
    client.force_login(world.department)
    assert client.get(url).status_code == 403


def test_cadre_page(world):
    client = Client()
    client.force_login(world.village_leader)
    url = reverse("people:cadre", args=[world.zhang.pk])
    page = client.get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    assert 'name="cadre"' in page
    assert client.post(url, {"cadre": str(world.grid_worker_a.pk)}).status_code == 302
    assert client.post(url, {"cadre": str(world.grid_worker_b.pk)}).status_code == 403
    world.zhang.refresh_from_db()
    assert world.zhang.cadre_id == world.grid_worker_a.pk


def test_screening_form_picks_a_sent_down_person_only_with_the_lookups_proof(world):
    person = _sent_down(world, name="陈刚", phone="13700000001")
    client = Client()
    client.force_login(world.grid_worker_a)
    lookup = reverse("screenings:lookup", args=[world.hh_a2.pk])
    fragment = client.get(lookup, {"row": "nabc123", "nabc123-phone": "13700000001"}).content.decode()
    assert "陈刚" in fragment
    pick = re.search(r"pick=([^\"&]+)", fragment).group(1)
    row_url = reverse("screenings:row", args=[world.hh_a2.pk])
    assert client.get(row_url, {"person": person.pk}).status_code == 404
    from urllib.parse import unquote

    row = client.get(row_url, {"person": person.pk, "pick": unquote(pick)})
    assert row.status_code == 200 and 'name="picks"' in row.content.decode()

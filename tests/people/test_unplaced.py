"""A person known only from a department list: seen by the level that knows them, nobody below."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from epigrid.people.models import Person
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Region


def test_unplaced_person_is_seen_by_the_known_level_only(world):
    person = person_register_unplaced(
        actor=world.hq, region=world.town, name="孙立", source=Person.Source.SENT_DOWN
    )
    assert (person.district_id, person.town_id, person.village_id, person.grid_id) == (
        world.district.pk,
        world.town.pk,
        None,
        None,
    )
    url = reverse("people:detail", args=[person.pk])
    for persona, status in (
        ("hq", 200),
        ("town_officer", 200),
        ("village_leader", 404),
        ("grid_worker_a", 404),
    ):
        client = Client()
        client.force_login(world.personas()[persona])
        response = client.get(url)
        assert response.status_code == status, persona
    client = Client()
    client.force_login(world.town_officer)
    body = client.get(url).content.decode()
    assert "下发" in body and "孙立" in body


def test_unplaced_person_counts_only_where_known(world):
    before = {r.pk: r.person_count for r in Region.objects.all()}
    person_register_unplaced(actor=None, region=world.town, name="孙立", source=Person.Source.SENT_DOWN)
    after = {r.pk: r.person_count for r in Region.objects.all()}
    changed = {pk for pk in after if after[pk] != before[pk]}
    assert changed == {world.district.pk, world.town.pk}

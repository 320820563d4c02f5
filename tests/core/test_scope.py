"""Scope: each persona sees its subtree and nothing else; missing and forbidden both answer 404."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from epigrid.people.models import Person
from epigrid.people.selectors import person_get_for_user
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.regions.selectors import household_get_for_user, region_get_for_user


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_grid_worker_of_village_a_cannot_see_village_b(world):
    c = _client(world.grid_worker_a)
    assert c.get(reverse("regions:detail", args=[world.grid_a.pk])).status_code == 200
    assert c.get(reverse("regions:detail", args=[world.village_b.pk])).status_code == 404
    assert c.get(reverse("regions:detail", args=[world.grid_b.pk])).status_code == 404
    assert c.get(reverse("people:household", args=[world.hh_b1.pk])).status_code == 404
    assert c.get(reverse("people:detail", args=[world.li.pk])).status_code == 404
    body = c.get(reverse("people:household", args=[world.hh_a1.pk])).content.decode()
    assert "张伟" in body and "李娜" not in body


def test_grid_worker_cannot_see_its_own_village_page_above_the_grid(world):
    c = _client(world.grid_worker_a)
    assert c.get(reverse("regions:detail", args=[world.village_a.pk])).status_code == 404


def test_missing_and_forbidden_answer_the_same(world):
    c = _client(world.grid_worker_a)
    missing = Person.objects.order_by("-pk").first().pk + 1000
    assert c.get(reverse("people:detail", args=[missing])).status_code == 404
    assert c.get(reverse("people:detail", args=[world.li.pk])).status_code == 404


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b", "sees_other"),
    [
        ("hq", True, True, False),
        ("town_officer", True, False, False),
        ("village_leader", True, False, False),
        ("grid_worker_a", True, False, False),
        ("grid_worker_b", False, True, False),
        ("department", True, True, False),
        ("checkpoint", True, False, False),
        ("admin", True, True, False),
        ("outsider", False, False, True),
    ],
)
def test_each_persona_sees_exactly_its_subtree(world, persona, sees_a, sees_b, sees_other):
    user = world.personas()[persona]
    for person, expected in ((world.zhang, sees_a), (world.li, sees_b), (world.outsider_person, sees_other)):
        if expected:
            assert person_get_for_user(user=user, person_id=person.pk).person == person
        else:
            with pytest.raises(Http404):
                person_get_for_user(user=user, person_id=person.pk)
    visible_people = set(Person.objects.filter(scope_for(user).rows_q()).values_list("name", flat=True))
    assert ("张伟" in visible_people) is sees_a
    assert ("李娜" in visible_people) is sees_b
    assert ("赵敏" in visible_people) is sees_other


def test_user_without_assignment_sees_nothing(world, django_user_model):
    lonely = django_user_model.objects.create_user(username="lonely", password="x", role="district_hq")
    assert scope_for(lonely).empty
    assert not Person.objects.filter(scope_for(lonely).rows_q()).exists()
    with pytest.raises(Http404):
        region_get_for_user(user=lonely, region_id=world.district.pk)
    with pytest.raises(Http404):
        household_get_for_user(user=lonely, household_id=world.hh_a1.pk)


def test_subtree_range_matches_prefix_semantics(world):
    # "1/7/" must not match "1/70/": the range bound is "1/70", exclusive.
    by_range = set(Region.objects.filter(subtree_q(world.town.path)).values_list("pk", flat=True))
    by_prefix = {r.pk for r in Region.objects.all() if r.path.startswith(world.town.path)}
    assert by_range == by_prefix == {world.town.pk, world.village_a.pk, world.grid_a.pk}


def test_nested_assignments_collapse_to_the_outer_root(world):
    from epigrid.regions.services import assignment_add

    assignment_add(user=world.town_officer, region=world.village_a)
    world.town_officer.__dict__.pop("_epigrid_scope", None)
    assert [r.pk for r in scope_for(world.town_officer).roots] == [world.town.pk]
    assert Household.objects.filter(scope_for(world.town_officer).rows_q()).count() == 2


def test_covers_matches_rows_q(world):
    for user in world.personas().values():
        scope = scope_for(user)
        in_sql = set(Household.objects.filter(scope.rows_q()).values_list("pk", flat=True))
        in_python = {h.pk for h in Household.objects.all() if scope.covers(h)}
        assert in_sql == in_python

"""Case counts follow the person: placed after being classified, or merged with another record."""

from __future__ import annotations

import pytest

from epigrid.cases.models import CaseStatus, Classification
from epigrid.cases.selectors import four_category_counts
from epigrid.cases.services import classification_set
from epigrid.lists.merge import MergeError, person_merge, person_unmerge
from epigrid.people.models import Person
from epigrid.people.placement import person_place
from epigrid.people.services import person_register_unplaced


def _sent_down(world, name: str) -> Person:
    return person_register_unplaced(actor=None, region=world.town, name=name, source=Person.Source.SENT_DOWN)


def test_placing_a_classified_person_moves_their_count_to_the_village_and_grid(world):
    person = person_register_unplaced(
        actor=None, region=world.town, name="陈刚", source=Person.Source.SENT_DOWN
    )  # fmt: skip
    classification_set(actor=world.hq, person=person, to=Classification.SUSPECTED, reason="发热门诊报告")
    status = CaseStatus.objects.get(person=person)
    assert (status.town_id, status.village_id, status.grid_id) == (world.town.pk, None, None)
    assert four_category_counts(world.village_a).suspected == 0

    person_place(actor=world.grid_worker_a, person=person, household=world.hh_a2)

    status.refresh_from_db()
    assert (status.village_id, status.grid_id) == (world.village_a.pk, world.grid_a.pk)
    assert four_category_counts(world.village_a).suspected == 1
    assert four_category_counts(world.grid_a).suspected == 1
    assert four_category_counts(world.town).suspected == 1  # counted once, as before


def test_a_merge_moves_the_case_status_to_the_kept_record_and_an_unmerge_brings_it_back(world):
    twin = person_register_unplaced(
        actor=None, region=world.town, name="张伟", source=Person.Source.SENT_DOWN
    )
    classification_set(actor=world.hq, person=twin, to=Classification.SUSPECTED, reason="发热门诊报告")
    assert four_category_counts(world.grid_a).suspected == 0

    merge = person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)

    status = CaseStatus.objects.get(person=world.zhang)
    assert (status.grid_id, status.village_id) == (world.zhang.grid_id, world.zhang.village_id)
    assert four_category_counts(world.grid_a).suspected == 1
    assert four_category_counts(world.town).suspected == 1

    person_unmerge(actor=world.hq, merge=merge)
    status = CaseStatus.objects.get(person=twin)
    assert (status.town_id, status.grid_id) == (world.town.pk, None)
    assert four_category_counts(world.grid_a).suspected == 0


def test_a_merge_of_two_classified_records_is_refused_with_the_reason(world):
    twin = person_register_unplaced(
        actor=None, region=world.town, name="张伟", source=Person.Source.SENT_DOWN
    )
    classification_set(actor=world.hq, person=twin, to=Classification.SUSPECTED, reason="发热门诊报告")
    classification_set(actor=world.hq, person=world.zhang, to=Classification.CLOSE_CONTACT, reason="流调")
    with pytest.raises(MergeError, match="两条记录都有"):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    assert CaseStatus.objects.get(person=twin).classification == Classification.SUSPECTED

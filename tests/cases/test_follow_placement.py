"""A person classified before they had a household is counted where they live once placed."""

from __future__ import annotations

from epigrid.cases.models import CaseStatus, Classification
from epigrid.cases.selectors import four_category_counts
from epigrid.cases.services import classification_set
from epigrid.people.models import Person
from epigrid.people.placement import person_place
from epigrid.people.services import person_register_unplaced


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

"""Four-category counts per region subtree: one grouped query, merged records left out."""

from __future__ import annotations

from epigrid.cases.models import CaseStatus, Classification
from epigrid.cases.selectors import four_category_counts
from epigrid.cases.services import classification_set
from epigrid.people.models import Person

C = Classification


def _classify(world, person, *steps):
    for to in steps:
        classification_set(actor=world.hq, person=person, to=to, reason="测试")


def test_counts_per_level(world, policy, django_assert_num_queries):
    wang = Person.objects.get(name="王芳")
    zeng = Person.objects.get(name="曾强")
    _classify(world, world.zhang, C.CONFIRMED)
    _classify(world, wang, C.CLOSE_CONTACT)
    _classify(world, zeng, C.FEVER_COMMUNITY, C.FEVER_HOSPITAL)
    _classify(world, world.li, C.ASYMPTOMATIC)
    with django_assert_num_queries(1):
        district = four_category_counts(world.district)
    assert (district.confirmed, district.suspected, district.fever, district.close_contact) == (1, 0, 1, 1)
    assert district.asymptomatic == 1 and district.total == 3
    town = four_category_counts(world.town)
    assert (town.confirmed, town.fever, town.close_contact, town.asymptomatic) == (1, 1, 1, 0)
    street = four_category_counts(world.grid_b)
    assert (street.confirmed, street.total, street.asymptomatic) == (0, 0, 1)
    assert four_category_counts(world.other_district).total == 0


def test_clinical_counts_as_confirmed_and_recovered_leaves_the_four(world, policy):
    _classify(world, world.zhang, C.SUSPECTED, C.CLINICAL)
    assert four_category_counts(world.district).confirmed == 1
    _classify(world, world.zhang, C.RECOVERED)
    counts = four_category_counts(world.district)
    assert counts.total == 0 and counts.by_classification == {C.RECOVERED: 1}


def test_imported_follows_the_outbreak_journey(world, policy):
    import datetime as dt

    from epigrid.people.models import TravelRecord

    TravelRecord.objects.create(
        person=world.li, origin="武汉", from_outbreak_area=True, arrived_on=dt.date(2020, 1, 20)
    )
    li = classification_set(actor=world.hq, person=world.li, to=C.CONFIRMED, reason="测试")
    zhang = classification_set(actor=world.hq, person=world.zhang, to=C.CONFIRMED, reason="测试")
    assert li.imported and not zhang.imported


def test_a_merged_record_is_counted_once_as_the_record_kept(world, policy):
    from epigrid.lists.merge import person_merge
    from epigrid.people.services import person_register_unplaced

    twin = person_register_unplaced(
        actor=None, region=world.district, name="张伟", source=Person.Source.SENT_DOWN
    )
    _classify(world, twin, C.SUSPECTED)
    assert four_category_counts(world.district).suspected == 1
    person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    # The classification moved to the record kept: one real person, counted once, where they live.
    assert four_category_counts(world.district).suspected == 1
    assert four_category_counts(world.grid_a).suspected == 1
    assert CaseStatus.objects.get(classification=C.SUSPECTED).person_id == world.zhang.pk


def test_measured_counts_the_people_of_each_category_with_a_measure(world, policy):
    from epigrid.cases.models import Measure
    from epigrid.cases.selectors import four_category_measured
    from epigrid.cases.services import measure_record

    wang = Person.objects.get(name="王芳")
    _classify(world, world.zhang, C.CONFIRMED)
    _classify(world, wang, C.CLOSE_CONTACT)
    assert four_category_measured(world.district) == {
        "confirmed": 0, "suspected": 0, "fever": 0, "close_contact": 0, "asymptomatic": 0,
    }  # fmt: skip
    measure_record(
        actor=world.hq, person=world.zhang, kind=Measure.Kind.DESIGNATED_HOSPITAL, place="定点医院"
    )
    measure_record(actor=world.hq, person=world.zhang, kind=Measure.Kind.OTHER, note="转院")
    measured = four_category_measured(world.district)
    assert measured["confirmed"] == 1 and measured["close_contact"] == 0
    assert four_category_measured(world.street)["confirmed"] == 0

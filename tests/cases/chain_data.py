"""A small contact graph on the ``world`` tree for the chain tests (built straight in the tables).

Cluster 张伟 (index, grid A1): 张伟 → 王芳 (household), 张伟 → 李娜 (meal; grid B1, confirmed later),
李娜 → 孙丽 (household, grid B1), 李娜 → 曾强 (work, grid A1, suspected). Generations 0, 1, 1, 2, 2.
Cluster 周杰: an asymptomatic case alone (grid A1). Cluster 赵敏: the other district, with one contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from epigrid.cases.models import CaseStatus, Contact
from epigrid.people.models import Person
from tests import factories as f

D = dt.date


@dataclass
class Chains:
    zhang: Person
    wang: Person
    li: Person
    sun: Person
    zeng: Person
    zhou: Person
    zhao: Person
    zhao_contact: Person


def status(person: Person, classification: str, onset=None, reported=None, *, imported=False) -> CaseStatus:
    return CaseStatus.objects.create(
        person=person, classification=classification, since=timezone.now(), district_id=person.district_id,
        town_id=person.town_id, village_id=person.village_id, grid_id=person.grid_id, onset_date=onset,
        reported_on=reported, imported=imported,
    )  # fmt: skip


def contact(case: Person, other: Person, setting: str, last: dt.date) -> Contact:
    return Contact.objects.create(case=case, contact=other, setting=setting, last_exposure=last)


def build(world) -> Chains:
    wang = Person.objects.get(name="王芳")
    zeng = Person.objects.get(name="曾强")
    sun = f.person(world.hh_b1, "孙丽", sex="F")
    zhou = f.person(world.hh_a2, "周杰")
    zhao_contact = f.person(world.hh_other, "钱进")
    zhao = world.outsider_person
    status(world.zhang, "confirmed", D(2020, 1, 20), D(2020, 1, 22))
    status(wang, "close_contact")
    status(world.li, "confirmed", D(2020, 1, 25), D(2020, 1, 27))
    status(sun, "close_contact")
    status(zeng, "suspected", D(2020, 1, 28), D(2020, 1, 29))
    status(zhou, "asymptomatic", None, D(2020, 2, 5), imported=True)
    status(zhao, "confirmed", D(2020, 2, 10), D(2020, 2, 11))
    contact(world.zhang, wang, "household", D(2020, 1, 21))
    contact(world.zhang, world.li, "meal", D(2020, 1, 19))
    contact(world.li, sun, "household", D(2020, 1, 26))
    contact(world.li, zeng, "work", D(2020, 1, 24))
    contact(zhao, zhao_contact, "vehicle", D(2020, 2, 9))
    return Chains(world.zhang, wang, world.li, sun, zeng, zhou, zhao, zhao_contact)

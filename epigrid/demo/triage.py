"""The demo's pre-triage: a township health centre's fever room in the demo town, and a week of fever
visits at the district's fever clinics and that room, registered by the demo ``clinic`` account.

Most patients are excluded; some are fevers that cannot be excluded (医院发热待查 at a fever clinic,
社区发热待查 at the township room), two or three suspected, one admitted, a few sent home under
observation; most are registered residents (a third of them from the demo village, so its leader and
grid worker see them at once), two are new people the clinic registers unplaced. Every visit goes
through ``triage.services.fever_visit_record``, so the classifications, measures and observations
follow as they would for real and the daily figures count them. Deterministic (seeded); loaded once:
nothing happens when the district already has fever visits.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.monitoring.policy import current_policy
from epigrid.people.models import Person
from epigrid.people.selectors import people_in_scope
from epigrid.regions.models import Level, Region
from epigrid.resources.models import Facility
from epigrid.triage.models import Disposition, FeverVisit
from epigrid.triage.services import VisitInput, fever_visit_record

SEED = 20200203
DAYS = 7
# How many visits of each disposition the week holds (36 in all).
PLAN = (
    (Disposition.EXCLUDED, 22),
    (Disposition.FEVER_UNEXCLUDED, 6),
    (Disposition.SUSPECTED, 3),
    (Disposition.ADMITTED, 1),
    (Disposition.HOME_OBSERVATION, 4),
)
NEW_PEOPLE = (("欧阳晓峰", "13807101234"), ("司马丽", "13907105678"))
DOCTORS = ("刘建国", "陈静", "王海燕", "张明", "李红梅")
ROOM_SUFFIX = "卫生院发热诊室"
POOL = 400  # residents drawn from (the first ones of the village and of the district, by id)


@dataclass(frozen=True)
class DemoTriage:
    fever_rooms: int
    visits: int
    excluded: int
    fever_unexcluded: int
    suspected: int
    admitted: int
    home_observation: int
    new_people: int


_NOTHING = DemoTriage(0, 0, 0, 0, 0, 0, 0, 0)


def _residents(clinic: User, village: Region | None) -> list[Person]:
    """Placed, never classified residents: a third from the demo village, the rest from the district."""
    free = (
        people_in_scope(user=clinic).filter(household__isnull=False, case_status__isnull=True).order_by("id")
    )
    near = list(free.filter(village_id=village.pk)[:POOL]) if village is not None else []
    far = list(free.exclude(village_id=village.pk if village else None)[:POOL])
    return near + far


@transaction.atomic
def demo_triage_load() -> DemoTriage:
    """Add the demo town's fever room and a week of fever visits, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    clinic = User.objects.filter(role=Role.CLINIC, is_active=True).order_by("pk").first()
    if district is None or clinic is None or FeverVisit.objects.filter(district_id=district.pk).exists():
        return _NOTHING
    towns = Region.objects.filter(parent=district, level=Level.TOWN).order_by("code")
    # A town (codes 100-199 in positions 7-9) has a health centre; a street office (001-099) does not.
    town = towns.exclude(code__regex=r"^\d{6}0\d\d$").first() or towns.first()
    if town is None:
        return _NOTHING
    room, created = Facility.objects.get_or_create(
        district=district, name=f"{town.name}{ROOM_SUFFIX}",
        defaults={"kind": Facility.Kind.TOWNSHIP_FEVER_ROOM, "address": f"{town.name}卫生院", "beds": 4},
    )  # fmt: skip
    clinics = list(Facility.objects.filter(district=district, kind=Facility.Kind.FEVER_CLINIC).order_by("pk"))
    village = Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code").first()
    rng = random.Random(SEED)
    residents = _residents(clinic, village)
    near = [p for p in residents if village is not None and p.village_id == village.pk]
    far = [p for p in residents if village is None or p.village_id != village.pk]
    rng.shuffle(near)
    rng.shuffle(far)
    dispositions = [code for code, n in PLAN for _ in range(n)]
    rng.shuffle(dispositions)
    symptoms = list(current_policy().symptoms)
    stamp = now()
    # Spread over the last week, from six days and twenty hours ago to about an hour ago.
    first = stamp - dt.timedelta(days=DAYS - 1, hours=20)
    span = (DAYS - 1) * 1440 + 1150
    moments = sorted(first + dt.timedelta(minutes=rng.randrange(0, span)) for _ in dispositions)
    new_people = list(NEW_PEOPLE)
    # The new people come to a clinic a few visits into the week, with a fever excluded or not.
    ordinary = [
        i
        for i, code in enumerate(dispositions)
        if code in (Disposition.EXCLUDED, Disposition.FEVER_UNEXCLUDED)
    ]
    new_at = set(ordinary[3 : 3 + len(new_people)])
    written = 0
    for i, (disposition, at) in enumerate(zip(dispositions, moments, strict=True)):
        # Half the fevers not excluded are seen at the township room (社区发热待查), and a few others.
        at_room = (disposition == Disposition.FEVER_UNEXCLUDED and i % 2 == 0) or (
            disposition == Disposition.EXCLUDED and i % 7 == 3
        )
        facility = room if at_room or not clinics else clinics[i % len(clinics)]
        person_fields: dict[str, object]
        if i in new_at and new_people:
            name, phone = new_people.pop()
            person_fields = {"name": name, "phone": phone, "region": village or town, "new_person": True}
        else:
            pool = near if (i % 3 == 0 and near) or not far else far
            if not pool:
                break
            person_fields = {"person_id": pool.pop().pk}
        fever = disposition != Disposition.EXCLUDED or rng.random() < 0.7
        temperature = Decimal(rng.randrange(373, 396) if fever else rng.randrange(365, 373)) / 10
        data = VisitInput(
            temperature=temperature,
            disposition=disposition,
            doctor=rng.choice(DOCTORS),
            symptoms=rng.sample(symptoms, k=rng.randrange(0, 3)) if symptoms else [],
            from_outbreak_area=rng.random() < 0.15,
            via_outbreak_area=rng.random() < 0.1,
            case_contact=disposition == Disposition.SUSPECTED,
            cluster=disposition == Disposition.SUSPECTED and i % 2 == 0,
            visited_at=at,
            idempotency_key=f"demo-triage-{i}",
            **person_fields,  # type: ignore[arg-type]
        )
        fever_visit_record(actor=clinic, facility=facility, data=data)
        written += 1
    counts = dict.fromkeys(Disposition.values, 0)
    for code in FeverVisit.objects.filter(district_id=district.pk).values_list("disposition", flat=True):
        counts[code] += 1
    return DemoTriage(
        fever_rooms=int(created),
        visits=written,
        excluded=counts[Disposition.EXCLUDED],
        fever_unexcluded=counts[Disposition.FEVER_UNEXCLUDED],
        suspected=counts[Disposition.SUSPECTED],
        admitted=counts[Disposition.ADMITTED],
        home_observation=counts[Disposition.HOME_OBSERVATION],
        new_people=len(NEW_PEOPLE) - len(new_people),
    )

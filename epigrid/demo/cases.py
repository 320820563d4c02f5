"""The demo's cases: several clusters in the first town, with their contacts and the measures taken.

Written through the cases services (``classification_set``, ``measure_record``, ``contact_register``)
as the district HQ, so every row, history entry, observation episode and audit event is what a real
user's work would leave. Each cluster starts from an index case (most of them returnees from the
outbreak area, so imported; some local) who went from a hospital fever to suspected to confirmed,
and names household, work and meal contacts; in some clusters a contact fell ill in turn (a second
generation) and named contacts of their own, and contacts of still-healthy close contacts are
次密接. Apart from the clusters: suspected cases, fevers not yet excluded at a hospital and in the
community, an excluded suspect, an asymptomatic infection. Days are counted back from today so the
observations are current; deterministic for a seed otherwise. Loaded once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from epigrid.cases.contacts import contact_register
from epigrid.cases.models import CaseStatus, Classification, Contact, Measure
from epigrid.cases.services import CaseError, classification_set, measure_record
from epigrid.cases.transitions import ALREADY_CASE
from epigrid.core.clock import local_today, now
from epigrid.core.models import User
from epigrid.monitoring.models import Episode, Room
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import Level, Region

SEED = "epigrid-demo-cases"
CLUSTERS = 6
IMPORTED_INDEX = 4  # of the clusters, how many start from a returnee from the outbreak area
SECOND_GENERATION = (0, 2, 3)  # clusters where a household contact became a confirmed case
C = Classification
K = Measure.Kind


@dataclass(frozen=True)
class DemoCases:
    cases: int
    contacts: int
    measures: int


def _at(days_ago: int, hour: int = 10) -> dt.datetime:
    day = local_today() - dt.timedelta(days=days_ago)
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())
    return min(moment, now())


class _Scenario:
    def __init__(self, *, actor: User, town: Region, rng: Random) -> None:
        self.actor = actor
        self.town = town
        self.rng = rng
        # People the outbreak demo already has under observation are left alone: their checks run up
        # to today, which a case diagnosed days ago (its observation closed then) could not have.
        self.used: set[int] = set(
            Episode.objects.filter(town_id=town.pk).values_list("person_id", flat=True).distinct()
        )
        self.measures = 0
        placed = Person.objects.filter(
            town_id=town.pk, household__isnull=False, merged_into__isnull=True
        ).order_by("pk")
        self.people = list(placed.values_list("pk", "village_id", "household_id"))
        returnees = TravelRecord.objects.filter(
            Q(from_outbreak_area=True) | Q(via_outbreak_area=True), person__town_id=town.pk
        ).values_list("person_id", flat=True)
        self.returnees = sorted(set(returnees))

    def person(self, pk: int) -> Person:
        return Person.objects.get(pk=pk)

    def pick(self, *, village_id: int | None = None, exclude_household: int | None = None) -> Person | None:
        """Return an unused placed person (of a village, outside a household), or None."""
        pool = [
            p for p in self.people
            if p[0] not in self.used and village_id in (None, p[1]) and p[2] != exclude_household
        ]  # fmt: skip
        if not pool:
            return None
        pk = self.rng.choice(pool)[0]
        self.used.add(pk)
        return self.person(pk)

    def classify(self, person: Person, steps: list[tuple[str, int, str]], onset: int | None = None) -> None:
        onset_date = local_today() - dt.timedelta(days=onset) if onset is not None else None
        for to, days_ago, reason in steps:
            classification_set(
                actor=self.actor, person=person, to=to, reason=reason, at=_at(days_ago), onset_date=onset_date
            )

    def measure(
        self, person: Person, kind: str, days_ago: int, place: str = "", room: Room | None = None
    ) -> None:
        try:
            measure_record(
                actor=self.actor,
                person=person,
                kind=kind,
                place=place,
                decided_at=_at(days_ago, 14),
                room=room,
            )
        except CaseError:
            return  # e.g. a home without a household: the demo skips what a user could not record
        self.measures += 1

    def confirmed_case(self, person: Person, days_ago: int) -> None:
        """Walk a case through hospital fever → suspected → confirmed, with the clinic and hospital."""
        self.used.add(person.pk)
        self.classify(
            person,
            [
                (C.FEVER_HOSPITAL, days_ago + 2, "发热门诊就诊，体温38.2℃"),
                (C.SUSPECTED, days_ago + 1, "流行病学史阳性，胸部CT异常"),
                (C.CONFIRMED, days_ago, "新型冠状病毒核酸检测阳性"),
            ],
            onset=days_ago + 3,
        )
        self.measure(person, K.FEVER_CLINIC, days_ago + 2, "区人民医院发热门诊")
        self.measure(person, K.DESIGNATED_HOSPITAL, days_ago, "区定点医院")

    def contacts(self, case: Person, exposure_days_ago: int, *, work: int, meal: int) -> list[Person]:
        """Register the case's household members and a few work and meal contacts; return them."""
        found: list[Person] = []
        if case.household_id is None:
            return []
        # Household members who are cases already (the one who infected this case) are not named again.
        household = list(
            Person.objects.filter(household_id=case.household_id, merged_into__isnull=True)
            .exclude(pk=case.pk)
            .exclude(case_status__classification__in=ALREADY_CASE)
            .order_by("pk")
        )
        plan = [(p, Contact.Setting.HOUSEHOLD, "流调报告（同住家属）") for p in household]
        for setting, n, source in (
            (Contact.Setting.WORK, work, "单位提供"),
            (Contact.Setting.MEAL, meal, "病例自述"),
        ):
            for _ in range(n):
                other = self.pick(village_id=case.village_id, exclude_household=case.household_id)
                if other is not None:
                    plan.append((other, setting, source))
        for person, setting, source in plan:
            self.used.add(person.pk)
            exposure = local_today() - dt.timedelta(days=exposure_days_ago + self.rng.randint(0, 2))
            contact_register(
                actor=self.actor, case=case, contact=person, setting=setting, last_exposure=exposure,
                source=source, at=_at(exposure_days_ago, 16),
            )  # fmt: skip
            found.append(person)
        return found


def _index_person(scenario: _Scenario, cluster: int) -> Person | None:
    if cluster == 0:  # the first cluster in the demo village leader's village
        village = Region.objects.filter(parent_id=scenario.town.pk).order_by("code").first()
        person = scenario.pick(village_id=village.pk if village else None)
        if person is not None:
            return person
    if cluster < IMPORTED_INDEX:
        pool = [pk for pk in scenario.returnees if pk not in scenario.used]
        if pool:
            pk = scenario.rng.choice(pool)
            placed = {p[0] for p in scenario.people}
            if pk in placed:
                return scenario.person(pk)
    return scenario.pick()


def _cluster(scenario: _Scenario, cluster: int) -> None:
    rng = scenario.rng
    index = _index_person(scenario, cluster)
    if index is None:
        return
    confirmed_ago = 10 - cluster  # the clusters were found one day apart
    scenario.confirmed_case(index, confirmed_ago)
    contacts = scenario.contacts(index, confirmed_ago, work=rng.randint(1, 3), meal=rng.randint(1, 3))
    if cluster == 0:
        scenario.classify(index, [(C.RECOVERED, 0, "连续两次核酸检测阴性，出院")])
    if cluster in SECOND_GENERATION and contacts:
        second = contacts[0]
        scenario.classify(
            second,
            [
                (C.SUSPECTED, confirmed_ago - 4, "隔离期间发热、咳嗽"),
                (C.CONFIRMED, confirmed_ago - 5, "核酸检测阳性"),
            ],
            onset=confirmed_ago - 4,
        )
        scenario.measure(second, K.DESIGNATED_HOSPITAL, confirmed_ago - 5, "区定点医院")
        scenario.contacts(second, confirmed_ago - 5, work=1, meal=2)
    if len(contacts) > 1:
        # A close contact still healthy: the people they met since are contacts of a contact (次密接).
        healthy = contacts[-1]
        for _ in range(rng.randint(1, 2)):
            other = scenario.pick(village_id=healthy.village_id, exclude_household=healthy.household_id)
            if other is not None:
                contact_register(
                    actor=scenario.actor, case=healthy, contact=other, setting=Contact.Setting.MEAL,
                    last_exposure=local_today() - dt.timedelta(days=2), source="密接自述", at=_at(1, 16),
                )  # fmt: skip
    if cluster == 1 and len(contacts) > 2:
        scenario.classify(contacts[1], [(C.ASYMPTOMATIC, 3, "集中隔离期间核酸检测阳性，无症状")])
        room = _room_with_space(index.district_id)
        scenario.measure(
            contacts[1], K.CENTRALIZED_OBSERVATION if room else K.DESIGNATED_HOSPITAL, 3, room=room
        )


def _room_with_space(district_id: int) -> Room | None:
    """The first room of the district's sites with fewer open episodes than it holds."""
    open_here = Count("episodes", filter=Q(episodes__status=Episode.Status.OPEN))
    return (
        Room.objects.filter(site__district_id=district_id)
        .annotate(occupants=open_here)
        .filter(occupants__lt=F("capacity"))
        .order_by("site_id", "number")
        .first()
    )


def _apart(scenario: _Scenario) -> None:
    """Suspected cases, fevers not excluded, an excluded suspect: people outside the clusters."""
    clinic, hospital, community = "发热门诊就诊", C.FEVER_HOSPITAL, C.FEVER_COMMUNITY
    plan: list[tuple[list[tuple[str, int, str]], str]] = [
        ([(hospital, 2, f"{clinic}，体温38.0℃"), (C.SUSPECTED, 1, "胸部CT磨玻璃影")], K.FEVER_CLINIC),
        ([(hospital, 1, f"{clinic}，体温37.9℃"), (C.SUSPECTED, 0, "有疫区旅居史")], K.FEVER_CLINIC),
        ([(hospital, 1, f"{clinic}，体温37.8℃")], K.FEVER_CLINIC),
        ([(hospital, 0, f"{clinic}，体温38.4℃")], K.FEVER_CLINIC),
        ([(community, 1, "居家观察期间体温37.5℃")], K.HOME_MONITORING),
        ([(community, 0, "入户摸排体温37.6℃")], K.HOME_MONITORING),
        ([(community, 0, "卡口测温37.4℃")], K.HOME_MONITORING),
        ([(hospital, 4, clinic), (C.SUSPECTED, 3, "流行病学史"), (C.EXCLUDED, 1, "两次核酸阴性")], ""),
        ([(community, 3, "体温37.4℃"), (C.EXCLUDED, 2, "发热门诊排除")], ""),
    ]
    for steps, kind in plan:
        person = scenario.pick()
        if person is None:
            return
        scenario.classify(person, steps, onset=steps[0][1] + 1 if steps[-1][0] == C.SUSPECTED else None)
        if kind:
            scenario.measure(
                person, kind, steps[0][1], "区人民医院发热门诊" if kind == K.FEVER_CLINIC else ""
            )


@transaction.atomic
def demo_cases_load(*, actor: User | None, seed: str = SEED) -> DemoCases:
    """Load the demo's clusters and cases in the first town of the first district, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if actor is None or district is None or CaseStatus.objects.filter(district_id=district.pk).exists():
        return DemoCases(0, 0, 0)
    # The town (not a street office: codes 001-099) the demo's town and village accounts work in
    # (demo.accounts), so their pages show the clusters.
    towns = Region.objects.filter(parent=district).order_by("code")
    town = towns.exclude(code__regex=r"^\d{6}0\d\d$").first() or towns.first()
    if town is None:
        return DemoCases(0, 0, 0)
    scenario = _Scenario(actor=actor, town=town, rng=Random(seed))
    for cluster in range(CLUSTERS):
        _cluster(scenario, cluster)
    _apart(scenario)
    cases = CaseStatus.objects.filter(district_id=district.pk).count()
    contacts = Contact.objects.filter(case__district_id=district.pk).count()
    return DemoCases(cases=cases, contacts=contacts, measures=scenario.measures)

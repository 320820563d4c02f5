"""The demo's outbreak scenario: returnees and their households under observation, with their checks.

Built from what the demo already has: every person whose journey from or through the outbreak area
arrived within the observation period is under home medical observation from their arrival, with the
people of their household (DOMAIN.md: "their household members are registered with them"); a few are
at the district's centralized observation site instead. Each episode has its twice-daily checks up to
now: most reported, a few fevers, a few missed slots. Older fevers and misses carry what was done
about them; today's do not, so the alert and "not reported" screens show real, current states.
Deterministic for a seed, except that it is anchored on today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from random import Random

from django.db import transaction
from django.db.models import Q

from epigrid.core.clock import local_today, now
from epigrid.core.models import User
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck, Policy, Room, Site
from epigrid.monitoring.policy import current_policy, slot_deadline, slots
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import Level, Region

SEED = "epigrid-demo-outbreak"
REPORTED = 0.93  # share of due slots with a check
FEVER = 0.012  # share of checks with a fever
SYMPTOM_ONLY = 0.01  # share of checks with a symptom but no fever
CENTRAL = 0.05  # share of returnees at the centralized site rather than at home
ROOMS = 30


@dataclass(frozen=True)
class DemoOutbreak:
    episodes: int
    checks: int
    fevers: int
    missed: int


def _temperature(rng: Random, fever: bool) -> Decimal:
    value = rng.uniform(37.3, 38.6) if fever else rng.gauss(36.5, 0.25)
    return Decimal(f"{min(max(value, 35.6), 38.9):.1f}")


def _returnees(district: Region, since: dt.date) -> dict[int, dt.date]:
    """Return person id → arrival for the recent returnees of the district, placed and not merged."""
    journeys = TravelRecord.objects.filter(
        Q(from_outbreak_area=True) | Q(via_outbreak_area=True),
        person__district_id=district.pk,
        person__household__isnull=False,
        person__merged_into__isnull=True,
        arrived_on__gte=since,
        arrived_on__lte=local_today(),
    ).values_list("person_id", "arrived_on")
    arrivals: dict[int, dt.date] = {}
    for person_id, arrived in journeys.order_by("person_id", "arrived_on"):
        if arrived is not None:  # ordered by arrival: the latest journey wins
            arrivals[person_id] = arrived
    return arrivals


def _site(district: Region) -> list[Room]:
    site, _ = Site.objects.get_or_create(
        district=district, name="安和区集中医学观察点（和平宾馆）", defaults={"address": "和平路88号"}
    )
    for number in range(1, ROOMS + 1):
        Room.objects.get_or_create(site=site, number=f"{200 + number}")
    return list(site.rooms.order_by("number"))


@transaction.atomic
def demo_outbreak_load(*, staff: User | None = None, seed: str = SEED) -> DemoOutbreak:
    """Put the demo's recent returnees and their households under observation, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or Episode.objects.filter(district_id=district.pk).exists():
        return DemoOutbreak(0, 0, 0, 0)
    policy = current_policy()
    today = local_today()
    arrivals = _returnees(district, today - dt.timedelta(days=policy.observation_days))
    if not arrivals:
        return DemoOutbreak(0, 0, 0, 0)
    rng = Random(seed)
    rooms = _site(district)
    returnees = list(Person.objects.filter(pk__in=list(arrivals)).order_by("pk"))
    households = {p.household_id for p in returnees if p.household_id is not None}
    family = Person.objects.filter(household_id__in=households, merged_into__isnull=True).exclude(
        pk__in=list(arrivals)
    )
    arrival_of_household = {p.household_id: arrivals[p.pk] for p in returnees}
    episodes: list[Episode] = []
    # 单人单间: each centralized returnee gets a room of their own; when the rooms run out, the rest
    # stay at home (the rows are bulk-written, so the capacity check of episode_start is kept here).
    free_rooms = list(reversed(rooms))
    for person in [*returnees, *family.order_by("pk")]:
        returnee = person.pk in arrivals
        start = arrivals[person.pk] if returnee else arrival_of_household[person.household_id]
        central = returnee and rng.random() < CENTRAL and bool(free_rooms)
        episodes.append(
            Episode(
                person=person,
                district_id=person.district_id,
                town_id=person.town_id,
                village_id=person.village_id,
                grid_id=person.grid_id,
                household_id=person.household_id,
                kind=Episode.Kind.CENTRAL if central else Episode.Kind.HOME,
                basis=Episode.Basis.OUTBREAK_RETURN if returnee else Episode.Basis.OTHER,
                basis_note="" if returnee else "疫区返回人员的同住家属",
                room=free_rooms.pop() if central else None,
                policy=policy,
                started_on=start,
                last_exposure=start,
                planned_end=start + dt.timedelta(days=policy.observation_days),
                source_type="travel" if returnee else "household",
                created_by=staff,
            )
        )
    Episode.objects.bulk_create(episodes, batch_size=2_000)
    return _checks(episodes, policy=policy, rng=rng, staff=staff)


def _checks(episodes: list[Episode], *, policy: Policy, rng: Random, staff: User | None) -> DemoOutbreak:
    """Write each episode's checks up to now; acknowledge what happened before today."""
    moment = now()
    today = local_today()
    day_slots = slots(policy)
    checks: list[HealthCheck] = []
    missed: list[tuple[Episode, dt.date, str]] = []
    for episode in episodes:
        day = episode.started_on
        while day <= today:
            for slot in day_slots:
                deadline = slot_deadline(policy, day, slot.key)
                if deadline > moment:
                    break
                if rng.random() > REPORTED:
                    missed.append((episode, day, slot.key))
                    continue
                fever = rng.random() < FEVER
                symptoms = ["fever", "cough"] if fever and rng.random() < 0.5 else ["fever"] if fever else []
                if not fever and rng.random() < SYMPTOM_ONLY:
                    symptoms = [rng.choice(["cough", "fatigue", "sore_throat"])]
                channel = rng.choices(list(HealthCheck.Channel.values), weights=(50, 40, 10))[0]
                taken = deadline - dt.timedelta(hours=3, minutes=rng.randint(0, 150))
                checks.append(
                    HealthCheck(
                        episode=episode,
                        person_id=episode.person_id,
                        grid_id=episode.grid_id,
                        day=day,
                        slot=slot.key,
                        temperature=_temperature(rng, fever),
                        symptoms=symptoms,
                        fever=fever,
                        went_out=False,
                        channel=channel,
                        recorded_by=None if channel == HealthCheck.Channel.SELF else staff,
                        recorded_at=min(taken, moment),
                    )
                )
            day += dt.timedelta(days=1)
    HealthCheck.objects.bulk_create(checks, batch_size=5_000)
    acks: list[AlertAck] = []
    if staff is not None:
        for check in checks:
            if (check.fever or check.symptoms) and check.day < today:
                action = AlertAck.Action.FEVER_CLINIC if check.fever else AlertAck.Action.VISITED
                acks.append(
                    AlertAck(episode=check.episode, kind=AlertAck.Kind.ABNORMAL, health_check=check,
                             day=check.day, slot=check.slot, action=action, acknowledged_by=staff)
                )  # fmt: skip
        for episode, day, slot_key in missed:
            if day < today:
                acks.append(
                    AlertAck(episode=episode, kind=AlertAck.Kind.MISSED, day=day, slot=slot_key,
                             action=AlertAck.Action.PHONED, note="电话联系，本人正常", acknowledged_by=staff)
                )  # fmt: skip
        AlertAck.objects.bulk_create(acks, batch_size=5_000)
    fevers = sum(1 for c in checks if c.fever)
    return DemoOutbreak(episodes=len(episodes), checks=len(checks), fevers=fevers, missed=len(missed))

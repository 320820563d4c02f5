"""The demo's volunteers and duty roster (值班值守).

Every village of the demo district gets a team — a party-member commando (党员突击队) in a village, a
volunteer service team (志愿服务队) with building leaders (楼栋长) in a community, and the first
community also its property staff (物业服务队) — with five to seven members serving its grids.

A week of duty (two days back, today, four ahead): the district HQ's 24-hour leader, a day and a night
shift at every town and village (the demo accounts lead the first town and village by day), and every
active checkpoint covered through its opening hours (day and night when open around the clock). Two
states are made on purpose so the pages show them: one volunteer of the first village is also put on
the first checkpoint at noon today (a double booking, flagged), and tonight's shift of one checkpoint
is left empty (an uncovered checkpoint shift). Everything goes through the services; loading twice
changes nothing. Deterministic for a seed, anchored on today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from random import Random

from django.db import transaction

from epigrid.checkpoints.models import Checkpoint
from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.demo import names
from epigrid.regions.models import Level, Region
from epigrid.volunteers.duties import DutyInput, conflicts_for, duty_assign, shift_bounds
from epigrid.volunteers.errors import VolunteerInvalid
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam
from epigrid.volunteers.services import TeamInput, VolunteerInput, team_save, volunteer_save

SEED = "epigrid-demo-volunteers"
DAYS_BACK = 2
DAYS_AHEAD = 4
MEMBERS = (5, 7)
DAY = (dt.time(8), dt.time(20))
NIGHT = (dt.time(20), dt.time(8))
T = VolunteerTeam.Kind
K = Volunteer.Kind
R = Duty.Role


@dataclass(frozen=True)
class DemoVolunteers:
    teams: int
    volunteers: int
    duties: int
    double_bookings: int  # shifts flagged because their person is on an overlapping shift elsewhere
    uncovered: int  # checkpoint shifts left empty on purpose


def _phone(rng: Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _name(rng: Random) -> str:
    male = rng.random() < 0.55
    return names.surname(rng) + names.given_name(rng, male=male, birth_year=rng.randint(1960, 1998))


def _is_community(village: Region) -> bool:
    return len(village.code) >= 12 and village.code[9:12] < "200"


def _team(
    actor: User, rng: Random, village: Region, kind: str, title: str, member_kinds: tuple[str, ...]
) -> list[Volunteer]:
    team = team_save(actor=actor, data=TeamInput(name=f"{village.name}{title}", kind=kind, region=village))
    grids = list(Region.objects.filter(parent=village, level=Level.GRID).order_by("code"))
    members = []
    for n in range(rng.randint(*MEMBERS)):
        kind_of_member = member_kinds[0] if n < 3 else rng.choice(member_kinds)
        served = [grids[n % len(grids)]] if grids else []
        members.append(
            volunteer_save(
                actor=actor,
                data=VolunteerInput(
                    name=_name(rng),
                    phone=_phone(rng),
                    kind=kind_of_member,
                    region=village,
                    team=team,
                    grids=served,
                ),
            )
        )
    team_save(
        actor=actor,
        team=team,
        data=TeamInput(name=team.name, kind=team.kind, region=village, leader=members[0]),
    )
    return members


def _teams(actor: User, rng: Random, villages: list[Region]) -> dict[int, list[Volunteer]]:
    """The members of each village's teams, by village id."""
    out: dict[int, list[Volunteer]] = {}
    property_made = False
    for village in villages:
        if _is_community(village):
            members = _team(
                actor, rng, village, T.SERVICE, "志愿服务队", (K.BUILDING_LEADER, K.VOLUNTEER, K.PARTY_MEMBER)
            )
            if not property_made:
                members += _team(actor, rng, village, T.PROPERTY, "物业服务队", (K.PROPERTY_STAFF,))
                property_made = True
        else:
            members = _team(
                actor, rng, village, T.PARTY_COMMANDO, "党员突击队", (K.PARTY_MEMBER, K.VOLUNTEER)
            )
        out[village.pk] = members
    return out


class _Rota:
    """Hands out members for shifts so that nobody is booked twice at once (except on purpose)."""

    def __init__(self, pools: dict[int, list[Volunteer]]) -> None:
        self.pools = pools
        self.turn: dict[int, int] = defaultdict(int)
        self.busy: dict[int, list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)

    def take(self, pool_ids: list[int], start: dt.datetime, end: dt.datetime) -> Volunteer | None:
        for pool_id in pool_ids:
            pool = self.pools.get(pool_id, [])
            for _ in range(len(pool)):
                member = pool[self.turn[pool_id] % len(pool)]
                self.turn[pool_id] += 1
                if all(end <= s or start >= e for s, e in self.busy[member.pk]):
                    self.busy[member.pk].append((start, end))
                    return member
        return None


def _windows(checkpoint: Checkpoint) -> list[tuple[dt.time, dt.time]]:
    if checkpoint.opens_at is None or checkpoint.closes_at is None:
        return [DAY, NIGHT]
    return [(checkpoint.opens_at, checkpoint.closes_at)]


@transaction.atomic
def demo_volunteers_load(*, seed: str = SEED) -> DemoVolunteers:
    """Set up the demo's teams, members and a week of duty, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    hq = User.objects.filter(username="hq").first()
    if district is None or hq is None or VolunteerTeam.objects.filter(district_id=district.pk).exists():
        return DemoVolunteers(0, 0, 0, 0, 0)
    rng = Random(seed)
    towns = list(Region.objects.filter(parent=district, level=Level.TOWN).order_by("code"))
    villages_of = {
        t.pk: list(Region.objects.filter(parent=t, level=Level.VILLAGE).order_by("code")) for t in towns
    }
    pools = _teams(hq, rng, [v for t in towns for v in villages_of[t.pk]])
    for town in towns:  # a town's own pool: every member of its villages
        pools[town.pk] = [m for v in villages_of[town.pk] for m in pools[v.pk]]
    staff = {u.username: u for u in User.objects.filter(username__in=("town", "village"))}
    first_town = next((t for t in towns if not t.code[6:9].startswith("0")), towns[0] if towns else None)
    first_village = villages_of[first_town.pk][0] if first_town and villages_of[first_town.pk] else None
    checkpoints = list(
        Checkpoint.objects.filter(district_id=district.pk, active=True).order_by("town_id", "name")
    )
    left_open = (
        next((c for c in checkpoints if c.town_id == first_town.pk and c.opens_at is None), None)
        if first_town
        else None
    )
    rota = _Rota(pools)
    today = local_today()
    duties = 0
    uncovered = 0

    def put(
        day: dt.date,
        hours: tuple[dt.time, dt.time],
        *,
        pool: list[int],
        role: str = R.OFFICER,
        region: Region | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> None:
        nonlocal duties
        start, end = shift_bounds(day, *hours)
        member = rota.take(pool, start, end)
        if member is None:
            return
        data = DutyInput(
            day=day,
            starts_at=hours[0],
            ends_at=hours[1],
            region=region,
            checkpoint=checkpoint,
            volunteer=member,
            duty_role=role,
        )
        try:
            duty_assign(actor=hq, data=data)
        except VolunteerInvalid:
            return
        duties += 1

    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = today + dt.timedelta(days=offset)
        duty_assign(
            actor=hq,
            data=DutyInput(
                day=day,
                starts_at=DAY[0],
                ends_at=DAY[0],
                region=district,
                staff=hq,
                phone="0931-8810110",
                duty_role=R.LEADER,
            ),
        )
        duties += 1
        for town in towns:
            village_ids = [v.pk for v in villages_of[town.pk]]
            if town == first_town and "town" in staff:
                duty_assign(
                    actor=hq,
                    data=DutyInput(
                        day=day,
                        starts_at=DAY[0],
                        ends_at=DAY[1],
                        region=town,
                        staff=staff["town"],
                        phone="0931-8820120",
                        duty_role=R.LEADER,
                    ),
                )
                duties += 1
            for hours in (DAY, NIGHT):
                put(day, hours, pool=[town.pk], region=town)
            for village in villages_of[town.pk]:
                if village == first_village and "village" in staff:
                    duty_assign(
                        actor=hq,
                        data=DutyInput(
                            day=day,
                            starts_at=DAY[0],
                            ends_at=DAY[1],
                            region=village,
                            staff=staff["village"],
                            phone="0931-8830130",
                            duty_role=R.LEADER,
                        ),
                    )
                    duties += 1
                for hours in (DAY, NIGHT):
                    put(day, hours, pool=[village.pk, town.pk], region=village)
            for checkpoint in (c for c in checkpoints if c.town_id == town.pk):
                own = [checkpoint.village_id] if checkpoint.village_id else []
                for hours in _windows(checkpoint):
                    if checkpoint == left_open and day == today and hours == NIGHT:
                        uncovered += 1  # tonight nobody is there: the roster shows the gap
                        continue
                    put(day, hours, pool=[*own, *village_ids], role=R.GUARD, checkpoint=checkpoint)
    # On purpose: the first village's day volunteer also stands at a checkpoint at noon today.
    if first_village is not None and checkpoints:
        busy = (
            Duty.objects.filter(region=first_village, day=today, starts_at=DAY[0], volunteer__isnull=False)
            .select_related("volunteer")
            .first()
        )
        target = next((c for c in checkpoints if c.town_id == first_village.parent_id), checkpoints[0])
        if busy is not None and busy.volunteer is not None:
            duty_assign(
                actor=hq,
                data=DutyInput(
                    day=today,
                    starts_at=dt.time(12),
                    ends_at=dt.time(16),
                    checkpoint=target,
                    volunteer=busy.volunteer,
                    note="临时顶班",
                ),
            )
            duties += 1
    rows = Duty.objects.filter(district_id=district.pk)
    flagged = sum(1 for others in conflicts_for(list(rows)).values() if others)
    return DemoVolunteers(
        teams=VolunteerTeam.objects.filter(district_id=district.pk).count(),
        volunteers=Volunteer.objects.filter(district_id=district.pk).count(),
        duties=duties,
        double_bookings=flagged,
        uncovered=uncovered,
    )

"""The demo's checkpoints (卡口): two to four barriers in every town, with the stops registered there.

Each town gets its checkpoints of the four kinds (the first town all four): the entrance of one of its
villages, the market entrance, a monitoring point on the national road, and a junction point on the
county border, each with its unit, person in charge, hours (some around the clock), staff and a
location inside its own region's boundary (the demo tree's boxes, ``demo.geometry``: a junction point
stands just inside the edge its town shares with the district's, where a road leaves the district).

Passages are registered through ``checkpoints.services.passage_register``, the barrier's own service,
so its rules decide as they would at a real barrier (registry links, fever → clinic, outbreak-area
traveller → handed to the village). The service accepts a stop at most 72 hours after the fact, so
the demo's passages all lie within the last three days (not a week): nothing is patched. In the first
town they are entered by the demo ``checkpoint`` account, elsewhere by a checkpoint worker of the town
(an account without a password). Deterministic for a seed, except that it is anchored on now.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from random import Random
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import Checkpoint, Disposition, Handover, Passage
from epigrid.checkpoints.services import (
    CheckpointInput,
    PassageInput,
    PersonInput,
    checkpoint_save,
    passage_register,
)
from epigrid.core.clock import now
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.demo import names
from epigrid.demo.geometry import CENTRE
from epigrid.lib.idcard import make_id
from epigrid.people.models import Person
from epigrid.regions.models import Level, Region
from epigrid.regions.services import assignment_add

SEED = "epigrid-demo-checkpoints"
# The district's centre (``demo.geometry.CENTRE``): checkpoints without a region boundary stand around it.
DISTRICT_CENTRE = CENTRE
HOURS_BACK = 70  # passages within the last 70 hours: the service takes up to 72 hours after the fact
PASSAGES_MAX = 600  # over the whole district, so a city-sized demo does not register thousands
PER_DAY = (10, 20)  # stops per checkpoint and day in the small demo
HANDOVERS_MIN = 6  # handovers waiting in the demo village, whatever the random draws gave

K = Checkpoint.Kind
V = Passage.VehicleType
VEHICLES = ((V.CAR, 52), (V.TRUCK, 12), (V.MOTORCYCLE, 10), (V.NON_MOTOR, 9), (V.ON_FOOT, 8), (V.BUS, 4),
            (V.OTHER, 5))  # fmt: skip
LOCAL_PLATES = "甘A"  # the demo district's county code 6201xx is Lanzhou's
OTHER_PLATES = ("甘B", "甘D", "甘J", "青A", "宁A", "陕A", "川A", "新A", "鄂A", "鄂F", "京N", "粤B")
# Plates a tired hand types: too short, no province, the letter O, a space typed as part of it.
ODD_PLATES = ("甘A1234", "A12345", "甘AO2345", "甘A 1234", "甘123456", "甘A12345678")
SERIAL_CHARS = "0123456789" * 3 + "ABCDEFGHJKLMNPQRSTUVWXYZ"
ADDRESS_CODES = ("620102", "620103", "620104", "620105", "620121", "620122", "630102", "640104", "610113",
                 "510107", "420106", "420111", "421002", "441303")  # fmt: skip
OUTBREAK_ORIGINS = ("湖北省武汉市", "武汉市江岸区", "湖北孝感", "黄冈", "湖北省荆州市")
VIA_ORIGINS = ("广州（途经武汉）", "长沙（途经武汉）")
OTHER_ORIGINS = ("兰州市城关区", "白银", "定西", "临夏", "西宁", "银川", "西安", "榆中县", "皋兰县", "永登县")
PURPOSES = ("返乡", "探亲", "运送蔬菜", "运送生活物资", "上班", "就医", "购买生活用品", "过境", "送货")
NATIONAL_ROADS = ("G312国道", "G109国道", "G309国道", "G213国道")
COUNTY_ROADS = ("X101县道", "X103县道", "S101省道", "S232省道", "Y005乡道")


@dataclass(frozen=True)
class DemoCheckpoints:
    checkpoints: int
    passages: int
    people: int
    handovers: int
    turned_back: int
    fever: int


def _box(region: Region) -> tuple[float, float, float, float] | None:
    """The region's bounding box (west, south, east, north) from its GeoJSON boundary, if any."""
    boundary: Any = region.boundary
    if not isinstance(boundary, dict) or boundary.get("type") != "Polygon":
        return None
    ring = boundary["coordinates"][0]
    xs = [float(p[0]) for p in ring]
    ys = [float(p[1]) for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(
    rng: Random, box: tuple[float, float, float, float] | None, margin: float = 0.2
) -> tuple[float, float]:
    if box is None:  # no boundary: within about 5 km of the district's centre
        lon, lat = DISTRICT_CENTRE
        return round(lon + rng.uniform(-0.05, 0.05), 6), round(lat + rng.uniform(-0.04, 0.04), 6)
    west, south, east, north = box
    return (
        round(rng.uniform(west + (east - west) * margin, east - (east - west) * margin), 6),
        round(rng.uniform(south + (north - south) * margin, north - (north - south) * margin), 6),
    )


def _on_border(
    rng: Random,
    town: tuple[float, float, float, float] | None,
    district: tuple[float, float, float, float] | None,
) -> tuple[float, float]:
    """A point just inside an edge the town shares with the district (where a road leaves it)."""
    if town is None or district is None:
        return _inside(rng, town)
    west, south, east, north = town
    lon, lat = _inside(rng, town, margin=0.3)
    eps = 1e-7
    inset_x, inset_y = (east - west) * 0.02, (north - south) * 0.02
    edges = []
    if abs(west - district[0]) < eps:
        edges.append((west + inset_x, lat))
    if abs(east - district[2]) < eps:
        edges.append((east - inset_x, lat))
    if abs(south - district[1]) < eps:
        edges.append((lon, south + inset_y))
    if abs(north - district[3]) < eps:
        edges.append((lon, north - inset_y))
    if not edges:
        return lon, lat
    x, y = rng.choice(edges)
    return round(x, 6), round(y, 6)


def _phone(rng: Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}"


def _stem(name: str) -> str:
    for suffix in ("街道办事处", "街道", "镇", "乡"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _plans(rng: Random, town: Region, first: bool, district_box: Any) -> list[CheckpointInput]:
    """Two to four checkpoints of the town (all four kinds in the first town)."""
    villages = list(Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"))
    town_box = _box(town)
    stem = _stem(town.name)
    kinds = [K.VILLAGE_ENTRANCE, K.MARKET_ENTRANCE, K.ROAD_POINT, K.COUNTY_JUNCTION]
    if not first:
        kinds = sorted(rng.sample(kinds, rng.randint(2, 4)), key=kinds.index)
    plans = []
    for kind in kinds:
        surname = names.surname(rng)
        staff = "、".join(names.surname(rng) + names.given_name(rng, male=rng.random() < 0.7, birth_year=1985)
                         for _ in range(rng.randint(2, 4)))  # fmt: skip
        hours: tuple[dt.time | None, dt.time | None] = (None, None)
        if kind == K.VILLAGE_ENTRANCE and villages:
            # The first town's entrance is at the demo village (the demo accounts' village).
            village = villages[0] if first else rng.choice(villages)
            rural = village.name.endswith("村")
            point = _inside(rng, _box(village))
            plans.append(CheckpointInput(
                name=f"{village.name}口卡点" if rural else f"{village.name}出入口卡点",
                kind=kind, region=village, road_name=rng.choice(COUNTY_ROADS),
                unit=f"{village.name}委会" if rural else f"{village.name}居委会",
                person_in_charge=f"{surname}主任", phone=_phone(rng), staff=f"村干部和志愿者 {staff}",
                longitude=point[0], latitude=point[1],
            ))  # fmt: skip
            continue
        if kind == K.MARKET_ENTRANCE:
            hours = (dt.time(6), dt.time(rng.choice((14, 18, 20))))
            name, road, unit = f"{town.name}农贸市场入口", f"{stem}大街", f"{town.name}市场监管所"
        elif kind == K.ROAD_POINT:
            road = rng.choice(NATIONAL_ROADS)
            name, unit = f"{road}{stem}监测点", f"{town.name}派出所"
            if rng.random() < 0.4:
                hours = (dt.time(7), dt.time(22))
        else:
            road = rng.choice(COUNTY_ROADS)
            name, unit = f"{stem}县界交汇卡点（{road}）", f"{town.name}综治办"
        point = (
            _on_border(rng, town_box, district_box) if kind == K.COUNTY_JUNCTION else _inside(rng, town_box)
        )
        plans.append(CheckpointInput(
            name=name, kind=kind, region=town, road_name=road, longitude=point[0], latitude=point[1],
            unit=unit,
            person_in_charge=f"{surname}所长" if kind != K.MARKET_ENTRANCE else f"{surname}经理",
            phone=_phone(rng), opens_at=hours[0], closes_at=hours[1], staff=f"值守人员 {staff}",
        ))  # fmt: skip
    return plans


def _plate(rng: Random, vehicle: str) -> str:
    if vehicle in (V.ON_FOOT, V.NON_MOTOR):
        return ""
    if vehicle in (V.MOTORCYCLE, V.OTHER) and rng.random() < 0.5:
        return ""
    if rng.random() < 0.06:
        return rng.choice(ODD_PLATES)
    prefix = LOCAL_PLATES if rng.random() < 0.7 else rng.choice(OTHER_PLATES)
    if rng.random() < 0.08:  # new energy: D or F first, then five
        return prefix + rng.choice("DF") + "".join(rng.choice("0123456789") for _ in range(5))
    return prefix + "".join(rng.choice(SERIAL_CHARS) for _ in range(5))


class _Travellers:
    """Identities for the stops: residents of the town now and then, mostly people from elsewhere."""

    def __init__(self, rng: Random, town: Region, demo_grid: Region | None) -> None:
        self.rng = rng
        residents = Person.objects.filter(
            town_id=town.pk, household__isnull=False, merged_into__isnull=True
        ).exclude(id_number="")
        self.residents = list(residents.order_by("pk").values_list("name", "id_number", "phone")[:400])
        self.grid_residents = (
            list(
                residents.filter(grid_id=demo_grid.pk)
                .order_by("pk")
                .values_list("name", "id_number", "phone")
            )
            if demo_grid is not None
            else []
        )
        self.used: set[str] = set()

    def stranger(self) -> PersonInput:
        rng = self.rng
        male = rng.random() < 0.6
        year = rng.randint(1955, 2004)
        name = names.surname(rng) + names.given_name(rng, male=male, birth_year=year)
        birth = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
        sequence = rng.randrange(0, 1000, 2) + (1 if male else 0)
        sequence = min(sequence, 999)
        id_number = make_id(address_code=rng.choice(ADDRESS_CODES), birth=birth, sequence=sequence)
        if id_number in self.used or rng.random() < 0.12:
            id_number = ""  # no card with them: name and phone only
        self.used.add(id_number)
        return PersonInput(name=name, id_number=id_number, phone=_phone(rng) if rng.random() < 0.9 else "")

    def resident(self, *, demo_grid: bool = False) -> PersonInput | None:
        pool = self.grid_residents if demo_grid else self.residents
        for _ in range(5):
            if not pool:
                return None
            name, id_number, phone = self.rng.choice(pool)
            if id_number not in self.used:
                self.used.add(id_number)
                return PersonInput(name=name, id_number=id_number, phone=phone)
        return None


def _temperature(rng: Random) -> str:
    if rng.random() < 0.015:
        return f"{rng.uniform(37.4, 38.6):.1f}"
    if rng.random() < 0.1:
        return ""  # not taken (the thermometer was busy)
    return f"{min(max(rng.gauss(36.4, 0.25), 35.6), 37.1):.1f}"


def _moment(rng: Random, checkpoint: Checkpoint, current: dt.datetime) -> dt.datetime | None:
    """A time within the last ``HOURS_BACK`` hours when the checkpoint was open."""
    for _ in range(6):
        moment = current - dt.timedelta(seconds=rng.uniform(120, HOURS_BACK * 3600))
        if checkpoint.around_the_clock:
            return moment
        local = timezone.localtime(moment).time()
        if checkpoint.opens_at is not None and checkpoint.closes_at is not None:
            if checkpoint.opens_at <= local < checkpoint.closes_at:
                return moment
    return None


def _stop(
    rng: Random,
    checkpoint: Checkpoint,
    travellers: _Travellers,
    villages: list[Region],
    demo_village: Region | None,
    moment: dt.datetime,
    key: str,
    *,
    to_demo_village: bool = False,
) -> PassageInput:
    """One stop; ``to_demo_village``: a traveller from the outbreak area let through to the demo village."""
    vehicle = rng.choices([v for v, _ in VEHICLES], weights=[w for _, w in VEHICLES])[0]
    if checkpoint.kind == K.MARKET_ENTRANCE and rng.random() < 0.5:
        vehicle = rng.choice((V.ON_FOOT, V.NON_MOTOR))
    if vehicle == V.BUS:
        count = rng.randint(6, 18)
    elif vehicle in (V.ON_FOOT, V.NON_MOTOR, V.MOTORCYCLE):
        count = rng.choice((1, 1, 1, 2))
    elif vehicle == V.TRUCK:
        count = rng.choice((1, 1, 2))
    else:
        count = 1 + rng.choices((0, 1, 2, 3, 4), weights=(30, 30, 20, 12, 8))[0]
    roll = 0.0 if to_demo_village else rng.random()
    outbreak = roll < 0.10
    via = 0.10 <= roll < 0.13
    direction = Passage.Direction.IN if rng.random() < 0.75 or outbreak or via else Passage.Direction.OUT
    destination: Region | None = None
    disposition: str = Disposition.LET_THROUGH
    going_home = False
    if outbreak or via:
        if to_demo_village or (rng.random() < 0.65 and villages):
            # Let through towards their village, which the service turns into a handover. Half of them
            # go to the demo village (and, when they live there, to the demo grid).
            destination = (
                demo_village
                if demo_village is not None and (to_demo_village or rng.random() < 0.5)
                else rng.choice(villages)
            )
            going_home = destination == demo_village and rng.random() < 0.5
        else:
            disposition = Disposition.TURNED_BACK
    elif direction == Passage.Direction.IN and rng.random() < 0.07:
        disposition = Disposition.TURNED_BACK  # no pass, no reason to enter: persuaded to go home
    elif direction == Passage.Direction.IN and villages and rng.random() < 0.3:
        destination = rng.choice(villages)
    people: list[PersonInput] = []
    for seat in range(count):
        typed: PersonInput | None = None
        if seat == 0 and going_home:
            typed = travellers.resident(demo_grid=True)
        elif rng.random() < (0.35 if direction == Passage.Direction.OUT else 0.12):
            typed = travellers.resident()
        typed = typed or travellers.stranger()
        people.append(
            PersonInput(
                name=typed.name, id_number=typed.id_number, phone=typed.phone, temperature=_temperature(rng)
            )
        )
    if outbreak:
        origin = rng.choice(OUTBREAK_ORIGINS)
    elif via:
        origin = rng.choice(VIA_ORIGINS)
    else:
        origin = rng.choice(OTHER_ORIGINS)
    return PassageInput(
        vehicle_type=vehicle,
        disposition=disposition,
        people=people,
        plate=_plate(rng, vehicle),
        direction=direction,
        origin=origin if direction == Passage.Direction.IN else "",
        destination=("" if destination else rng.choice(OTHER_ORIGINS)) if direction == Passage.Direction.IN
        else rng.choice(OTHER_ORIGINS),
        destination_region=destination if direction == Passage.Direction.IN else None,
        purpose=rng.choice(PURPOSES),
        from_outbreak_area=outbreak,
        via_outbreak_area=via,
        checked_at=moment,
        idempotency_key=key,
    )  # fmt: skip


def _staff(town: Region, first: bool) -> User:
    if first:
        found = User.objects.filter(username="checkpoint").first()
        if found is not None:
            return found
    user, created = User.objects.get_or_create(
        username=f"kakou-{town.code}",
        defaults={"role": Role.CHECKPOINT, "display_name": f"{town.name}卡口值守"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    assignment_add(user=user, region=town)
    return user


@transaction.atomic
def demo_checkpoints_load(*, seed: str = SEED) -> DemoCheckpoints:
    """Set up the demo's checkpoints and register their last three days of stops, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or Checkpoint.objects.filter(district_id=district.pk).exists():
        return DemoCheckpoints(0, 0, 0, 0, 0, 0)
    hq = User.objects.filter(username="hq").first()
    town_officer = User.objects.filter(username="town").first()
    if hq is None:
        return DemoCheckpoints(0, 0, 0, 0, 0, 0)
    rng = Random(seed)
    towns = list(Region.objects.filter(parent=district, level=Level.TOWN).order_by("code"))
    # The demo accounts' town: the first town by code that is not a street office (demo.accounts).
    first_town = next((t for t in towns if not t.code[6:9].startswith("0")), towns[0] if towns else None)
    district_box = _box(district)
    made: list[tuple[Region, Checkpoint]] = []
    for town in towns:
        first = town == first_town
        actor = town_officer if first and town_officer is not None else hq
        for plan in _plans(rng, town, first, district_box):
            try:
                made.append((town, checkpoint_save(actor=actor, data=plan)))
            except CheckpointInvalid:  # e.g. a boundary that does not hold the point: leave it out
                continue
    if not made:
        return DemoCheckpoints(0, 0, 0, 0, 0, 0)
    demo_village = (
        Region.objects.filter(parent=first_town, level=Level.VILLAGE).order_by("code").first()
        if first_town
        else None
    )
    demo_grid = Region.objects.filter(parent=demo_village).order_by("code").first() if demo_village else None
    per_day = max(2, min(PER_DAY[1], PASSAGES_MAX // (len(made) * 3)))
    current = now()
    passages = 0
    for town, checkpoint in made:
        first = town == first_town
        staff = _staff(town, first)
        villages = list(Region.objects.filter(parent=town, level=Level.VILLAGE).order_by("code"))
        travellers = _Travellers(rng, town, demo_grid if first else None)
        count = 3 * rng.randint(max(1, per_day // 2), per_day)
        moments = sorted(
            m for m in (_moment(rng, checkpoint, current) for _ in range(count)) if m is not None
        )
        for n, moment in enumerate(moments):
            data = _stop(
                rng, checkpoint, travellers, villages, demo_village if first else None, moment,
                f"demo-{checkpoint.pk}-{n}",
            )  # fmt: skip
            try:
                passage_register(actor=staff, checkpoint=checkpoint, data=data)
            except CheckpointInvalid:
                continue
            passages += 1
    # However the draws fell (they depend on the hour the demo is loaded at), the demo village's grid
    # workers have handovers to receive: top up with travellers let through to it.
    if demo_village is not None and first_town is not None:
        first_made = [checkpoint for town, checkpoint in made if town == first_town]
        # What the demo grid's worker sees: the grid's handovers and the village's without a grid.
        seen = Q(village_id=demo_village.pk) & (
            Q(grid_id__isnull=True) | Q(grid_id=demo_grid.pk if demo_grid else None)
        )
        for n in range(HANDOVERS_MIN * 3):
            waiting = Handover.objects.filter(seen, status=Handover.Status.OPEN).count()
            if waiting >= HANDOVERS_MIN or not first_made:
                break
            checkpoint = first_made[n % len(first_made)]
            data = _stop(
                rng, checkpoint, _Travellers(rng, first_town, demo_grid), [demo_village], demo_village,
                current - dt.timedelta(minutes=30 + 7 * n), f"demo-{checkpoint.pk}-extra-{n}",
                to_demo_village=True,
            )  # fmt: skip
            try:
                passage_register(actor=_staff(first_town, True), checkpoint=checkpoint, data=data)
            except CheckpointInvalid:
                continue
            passages += 1
    rows = Passage.objects.filter(district_id=district.pk)
    return DemoCheckpoints(
        checkpoints=len(made),
        passages=passages,
        people=sum(rows.values_list("people_count", flat=True)),
        handovers=Handover.objects.filter(district_id=district.pk).count(),
        turned_back=rows.filter(disposition=Disposition.TURNED_BACK).count(),
        fever=sum(rows.values_list("fever_count", flat=True)),
    )

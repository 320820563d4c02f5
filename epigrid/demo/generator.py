"""Generate the synthetic demo district: region tree with boundaries, households and people.

Same size and seed, same data: the plan and the rows come from ``random.Random`` seeded with strings
(hashed with SHA-512, so independent of PYTHONHASHSEED) and nothing reads the clock or the database
while building them. ``plan_district`` and ``build_rows`` are pure; ``generate`` writes their output
in one transaction with explicit ids and raw multi-row inserts (COPY on PostgreSQL), because the
ORM's per-object work would cost more than the database does at a million rows.

Modelled on the seed reports: the first town, 红柳镇, has exactly 25 villages (seed report 1: "村级网格
25个"), and the first street office is 学院南路街道 (seed report 3). Every address code in the
generated ID numbers uses a county number that GB/T 2260 does not assign, so no generated number can
be a real person's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from random import Random
from typing import Any, NamedTuple

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from epigrid.core.audit import audit_log
from epigrid.core.bulk import TableWriter
from epigrid.core.models import AuditEvent
from epigrid.demo import names
from epigrid.demo.geometry import Box, district_box, split
from epigrid.demo.households import (
    _CODE_INDEX,
    _FLOATING_SHARE,
    _FLOATING_SIZES,
    _NEARBY_CODES,
    _ORIGIN_CUM,
    _ORIGIN_VALUES,
    _PHONE_OFFSET,
    _PHONE_PREFIXES,
    _PHONE_STRIDE,
    _RURAL_SIZES,
    _URBAN_SIZES,
    DISTRICT_CODE,
    DISTRICT_NAME,
    HEAD,
    LINE,
    OWN,
    SAME_AS_HEAD,
    Member,
    _has_phone,
    _members,
)
from epigrid.demo.screenings import demo_screenings_create
from epigrid.lib.idcard import make_id
from epigrid.lib.names import pinyin_key
from epigrid.people.models import Person
from epigrid.regions.models import Household, Level, Region

SIZES: dict[str, int] = {"small": 5_000, "district": 300_000, "city": 1_000_000}
DEFAULT_SIZE = "small"
DEFAULT_SEED = 2020

# Ages are counted back from the first days of the 2020 outbreak, whatever day the demo runs.
AGE_REFERENCE = date(2020, 1, 20)

PEOPLE_PER_GRID = 300
FIRST_TOWN_VILLAGES = 25
FIRST_STREET_COMMUNITIES = 6
BATCH_ROWS = 5_000

ERR_UNKNOWN_SIZE = "unknown demo size {size!r}: choose one of {choices}"
ERR_DISTRICT_EXISTS = "the demo district {code} {name} already exists; nothing was loaded"


class DemoDistrictExistsError(Exception):
    """The demo district's code is already taken in this database."""


@dataclass(frozen=True)
class DemoSummary:
    size: str
    seed: int
    regions: int
    households: int
    people: int
    seconds: float  # the registry: regions, households and people, with their indexes and counts
    visits: int = 0
    visit_seconds: float = 0.0  # the door-to-door visits written after the registry


@dataclass(frozen=True, slots=True)
class RegionSpec:
    """One region of the plan; ``parent`` and ``chain`` are indexes into ``DemoPlan.regions``."""

    code: str
    name: str
    level: int
    parent: int | None
    boundary: dict[str, Any]
    people: int = 0  # grids only
    chain: tuple[int, ...] = ()  # grids only: district, town, village, grid
    place: str = ""  # grids only: the village (村) or housing estate (小区) named in addresses
    urban: bool = False  # grids only: in a community of a street office


@dataclass(frozen=True)
class DemoPlan:
    size: str
    seed: int
    regions: tuple[RegionSpec, ...]  # district, towns, villages, grids; code order within a level

    @property
    def people(self) -> int:
        return sum(region.people for region in self.regions)


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder), summing exactly."""
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (parts[i] - shares[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass
class _Village:
    code: str
    name: str
    urban: bool
    people: int
    places: list[str]


@dataclass
class _Town:
    code: str
    name: str
    urban: bool
    villages: list[_Village]


def _plan_towns(rng: Random, people: int) -> list[_Town]:
    units = max(2, round(people / PEOPLE_PER_GRID / 70))
    streets = max(1, round(units * 0.4))
    towns = units - streets
    if streets > len(names.STREET_OFFICE_STEMS) + 1 or towns > len(names.TOWN_STEMS) + 1:
        raise ValueError(f"{people} people need more town names than epigrid.demo.names has")
    street_names = [names.STREET_OFFICE_FIRST, *rng.sample(names.STREET_OFFICE_STEMS, streets - 1)]
    town_names = [names.TOWN_FIRST, *rng.sample(names.TOWN_STEMS, towns - 1)]
    taken_villages: set[str] = set()
    taken_communities: set[str] = set()
    plan: list[_Town] = []
    for i, stem in enumerate(street_names):
        count = FIRST_STREET_COMMUNITIES if i == 0 else rng.randint(5, 12)
        villages = []
        for j, name in enumerate(names.community_names(rng, count, taken_communities), start=1):
            estates = [name + suffix for suffix in names.ESTATE_SUFFIXES]
            villages.append(_Village(f"{DISTRICT_CODE}{i + 1:03d}{j:03d}", f"{name}社区", True, 0, estates))
        plan.append(_Town(f"{DISTRICT_CODE}{i + 1:03d}", f"{stem}街道", True, villages))
    for i, stem in enumerate(town_names):
        count = FIRST_TOWN_VILLAGES if i == 0 else rng.randint(12, 25)
        villages = [
            _Village(f"{DISTRICT_CODE}{100 + i:03d}{200 + j:03d}", f"{name}村", False, 0, [f"{name}村"])
            for j, name in enumerate(names.village_names(rng, count, taken_villages))
        ]
        plan.append(_Town(f"{DISTRICT_CODE}{100 + i:03d}", f"{stem}镇", False, villages))
    every = [v for t in plan for v in t.villages]
    # A community houses about three times a village's people in a tenth of its area.
    weights = [(3.0 if v.urban else 1.0) * rng.uniform(0.6, 1.4) for v in every]
    for village, share in zip(every, _apportion(people, weights), strict=True):
        village.people = share
    return plan


def plan_district(*, size: str = DEFAULT_SIZE, seed: int = DEFAULT_SEED) -> DemoPlan:
    """Lay out the region tree of one size: codes, names, boundaries and each grid's head count."""
    if size not in SIZES:
        raise ValueError(ERR_UNKNOWN_SIZE.format(size=size, choices=", ".join(SIZES)))
    rng = Random(f"epigrid-demo/plan/{seed}")
    towns = _plan_towns(rng, SIZES[size])

    def area(v: _Village) -> float:
        # Villages are several times a community's size on the ground; less than in life, so that a
        # street office stays visible on the district map.
        return 2.0 if v.urban else 4.0

    box = district_box(sum(area(v) for t in towns for v in t.villages))
    district = RegionSpec(DISTRICT_CODE, DISTRICT_NAME, Level.DISTRICT, None, box.polygon())
    town_specs: list[RegionSpec] = []
    village_specs: list[RegionSpec] = []
    grid_specs: list[RegionSpec] = []
    village_boxes: list[tuple[_Village, Box, int, int]] = []  # village, box, town index, village index
    town_boxes = split(box, [sum(area(v) for v in t.villages) for t in towns])
    for town, town_box in zip(towns, town_boxes, strict=True):
        town_index = 1 + len(town_specs)
        town_specs.append(RegionSpec(town.code, town.name, Level.TOWN, 0, town_box.polygon()))
        for village, village_box in zip(town.villages, split(town_box, [area(v) for v in town.villages]),
                                        strict=True):  # fmt: skip
            village_boxes.append((village, village_box, town_index, len(village_specs)))
            village_specs.append(RegionSpec(village.code, village.name, Level.VILLAGE, town_index,
                                            village_box.polygon()))  # fmt: skip
    first_village = 1 + len(town_specs)
    first_grid = first_village + len(village_specs)
    for village, village_box, town_index, offset in village_boxes:
        count = max(2 if village.urban else 1, round(village.people / PEOPLE_PER_GRID))
        quotas = _apportion(village.people, [rng.uniform(0.8, 1.2) for _ in range(count)])
        for k, (quota, grid_box) in enumerate(zip(quotas, split(village_box, quotas), strict=True)):
            index = first_grid + len(grid_specs)
            chain = (0, town_index, first_village + offset, index)
            # Up to three grids share one housing estate; a village is one place however many grids.
            place = village.places[min(k // 3, len(village.places) - 1)]
            grid_specs.append(RegionSpec(f"{village.code}{k + 1:03d}", f"第{k + 1}网格", Level.GRID,
                                         first_village + offset, grid_box.polygon(), quota, chain, place,
                                         village.urban))  # fmt: skip
    return DemoPlan(size, seed, (district, *town_specs, *village_specs, *grid_specs))


class GridRows(NamedTuple):
    grid: int  # index into DemoPlan.regions
    households: list[tuple[Any, ...]]
    people: list[tuple[Any, ...]]


HOUSEHOLD_COLUMNS = ("id", "created_at", "updated_at", "district_id", "town_id", "village_id", "grid_id",
                     "number", "address", "head_name", "member_count")  # fmt: skip
PERSON_COLUMNS = ("id", "created_at", "updated_at", "district_id", "town_id", "village_id", "grid_id",
                  "household_id", "name", "sex", "birth_date", "doc_type", "id_number", "phone", "relation",
                  "residency", "name_key")  # fmt: skip


def build_rows(
    plan: DemoPlan, *, region_base: int = 1, household_base: int = 1, person_base: int = 1, stamp: Any = None
) -> Iterator[GridRows]:
    """Yield each grid's household and person rows (tuples in ``*_COLUMNS`` order), ready to insert.

    Region ``i`` of the plan gets id ``region_base + i``; households and people are numbered on from
    their bases. ``stamp`` fills ``created_at``/``updated_at``. Pure: same plan, same rows.
    """
    rng = Random(f"epigrid-demo/people/{plan.seed}")
    choices, random, randrange = rng.choices, rng.random, rng.randrange
    surname, given_name = names.surname, names.given_name
    reference = AGE_REFERENCE.toordinal()
    resident, floating_value = Person.Residency.RESIDENT.value, Person.Residency.FLOATING.value
    id_card = Person.DocType.ID_CARD.value
    taken: dict[int, int] = {}  # (birth day, address code, sex) -> ID numbers issued
    phone_next = dict.fromkeys(_PHONE_PREFIXES, 0)
    next_group: dict[str, int] = {}  # village -> next 组 number; estate -> next building
    household_id, person_id = household_base, person_base
    for index, spec in enumerate(plan.regions):
        if spec.level != Level.GRID:
            continue
        d, t, v, g = (region_base + i for i in spec.chain)
        quota = spec.people
        sizes = _URBAN_SIZES if spec.urban else _RURAL_SIZES
        floating_share = _FLOATING_SHARE[spec.urban]
        compositions: list[tuple[list[Member], str]] = []
        while quota > 0:
            floating = random() < floating_share
            values, cum = _FLOATING_SIZES if floating else sizes
            n = min(choices(values, cum_weights=cum)[0], quota)
            origin = choices(_ORIGIN_VALUES, cum_weights=_ORIGIN_CUM)[0] if floating else ""
            compositions.append((_members(rng, n, floating), origin))
            quota -= n
        # Addresses: 30 households to a village group (组); 36 flats to a building (3 units x 6 floors x 2).
        per_block = 36 if spec.urban else 30
        first_block = next_group.get(spec.place, 1)
        next_group[spec.place] = first_block + -(-len(compositions) // per_block)
        households: list[tuple[Any, ...]] = []
        people: list[tuple[Any, ...]] = []
        for h, (members, origin) in enumerate(compositions):
            block, slot = divmod(h, per_block)
            if spec.urban:
                unit, flat = divmod(slot, 12)
                address = (
                    f"{spec.place}{first_block + block}栋{unit + 1}单元{flat // 2 + 1}{flat % 2 + 1:02d}室"
                )
            else:
                address = f"{spec.place}{first_block + block}组{slot + 1}号"
            line = surname(rng)
            head_surname = line if members[0][3] == LINE else surname(rng)
            residency = floating_value if origin else resident
            head_name = ""
            for relation, male, age, source in members:
                family = line if source == LINE else head_surname if source == SAME_AS_HEAD else surname(rng)
                if origin:
                    code = origin
                elif random() < (0.3 if source == OWN else 0.04):
                    code = _NEARBY_CODES[randrange(len(_NEARBY_CODES))]
                else:
                    code = DISTRICT_CODE
                day = reference - int(age * 365.2425) - randrange(365)
                key = (day * 64 + _CODE_INDEX[code]) * 2 + male
                issued = taken.get(key, 0)
                while issued >= 500:  # 500 people of one sex born on one day in one county: next day
                    day -= 1
                    key -= 128
                    issued = taken.get(key, 0)
                taken[key] = issued + 1
                # 7 is coprime with 500, so the first 500 numbers of a day and county are distinct.
                sequence = ((issued * 7 + day * 13) % 500) * 2 + male
                birth = date.fromordinal(day)
                name = family + given_name(rng, male=male, birth_year=birth.year)
                if _has_phone(rng, age):
                    prefix = _PHONE_PREFIXES[randrange(len(_PHONE_PREFIXES))]
                    k = phone_next[prefix]
                    phone_next[prefix] = k + 1
                    phone = f"{prefix}{(k * _PHONE_STRIDE + _PHONE_OFFSET[prefix]) % 100_000_000:08d}"
                else:
                    phone = ""
                if relation == HEAD:
                    head_name = name
                id_number = make_id(address_code=code, birth=birth, sequence=sequence)
                people.append((person_id, stamp, stamp, d, t, v, g, household_id, name, "M" if male else "F",
                               birth, id_card, id_number, phone, relation, residency,
                               pinyin_key(name)))  # fmt: skip
                person_id += 1
            households.append((household_id, stamp, stamp, d, t, v, g, f"{h + 1:04d}", address, head_name,
                               len(members)))  # fmt: skip
            household_id += 1
        yield GridRows(index, households, people)


# --- writing -----------------------------------------------------------------------------------------


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("pk"))["m"] or 0) + 1


def _insert_regions(plan: DemoPlan, base: int, now: datetime) -> list[Region]:
    paths: list[str] = []
    regions = []
    for i, spec in enumerate(plan.regions):
        parent_path = paths[spec.parent] if spec.parent is not None else ""
        paths.append(f"{parent_path}{base + i}/")
        regions.append(
            Region(id=base + i, created_at=now, updated_at=now, code=spec.code, name=spec.name,
                   level=spec.level, parent_id=None if spec.parent is None else base + spec.parent,
                   path=paths[i], boundary=spec.boundary)
        )  # fmt: skip
    return Region.objects.bulk_create(regions, batch_size=BATCH_ROWS)


def generate(
    *, size: str = DEFAULT_SIZE, seed: int = DEFAULT_SEED, progress: Callable[[str], None] | None = None
) -> DemoSummary:
    """Write the demo district of ``size`` (see ``SIZES``) into the database, in one transaction."""
    started = time.perf_counter()
    say = progress or (lambda message: None)
    plan = plan_district(size=size, seed=seed)
    say(f"planned {len(plan.regions)} regions for {plan.people} people")
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Ids are chosen here, not by the sequences: keep other writers out until they are reset.
            with connection.cursor() as cursor:
                for model in (Region, Household, Person):
                    cursor.execute(
                        f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE"
                    )
        if Region.objects.filter(code=DISTRICT_CODE).exists():
            raise DemoDistrictExistsError(ERR_DISTRICT_EXISTS.format(code=DISTRICT_CODE, name=DISTRICT_NAME))
        now = timezone.now()
        region_base, household_base, person_base = _next_id(Region), _next_id(Household), _next_id(Person)
        regions = _insert_regions(plan, region_base, now)
        stamp = now if connection.vendor == "postgresql" else connection.ops.adapt_datetimefield_value(now)
        household_writer = TableWriter(Household, HOUSEHOLD_COLUMNS)
        person_writer = TableWriter(Person, PERSON_COLUMNS)
        persons = [0] * len(plan.regions)
        households = [0] * len(plan.regions)
        for grid, grid_households, grid_people in build_rows(
            plan, region_base=region_base, household_base=household_base, person_base=person_base, stamp=stamp
        ):
            for i in plan.regions[grid].chain:
                persons[i] += len(grid_people)
                households[i] += len(grid_households)
            household_writer.rows += grid_households
            person_writer.rows += grid_people
            if len(person_writer.rows) >= BATCH_ROWS:
                household_writer.flush()  # parents first, although the foreign keys are deferred
                person_writer.flush()
                say(f"{person_writer.written} / {plan.people} people")
        household_writer.flush()
        person_writer.flush()
        for region, p, h in zip(regions, persons, households, strict=True):
            region.person_count, region.household_count = p, h
        # The counts region_counts_rebuild would find, without scanning the rows just written.
        Region.objects.bulk_update(regions, ["person_count", "household_count"], batch_size=500)
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Region, Household, Person]):
                cursor.execute(sql)
        visits_started = time.perf_counter()
        visits = demo_screenings_create(district_id=region_base, seed=seed, now=now)
        visit_seconds = time.perf_counter() - visits_started
        counts = {"regions": len(plan.regions), "households": household_writer.written,
                  "people": person_writer.written}  # fmt: skip
        # Fresh statistics, so the planners see a million rows before the first page is served.
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for model in (Region, Household, Person):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
            else:
                cursor.execute("ANALYZE")
        # One event for the whole load: the rows are synthetic, and an event per row would double the work.
        audit_log(actor=None, action=AuditEvent.Action.IMPORT, object_type="demo_district",
                  detail={"size": size, "seed": seed, **counts})  # fmt: skip
    # The statistics refresh after the visits is counted with the registry: it is the registry's.
    seconds = time.perf_counter() - started - visit_seconds
    return DemoSummary(
        size=size, seed=seed, seconds=seconds, visits=visits.visits, visit_seconds=visit_seconds, **counts
    )

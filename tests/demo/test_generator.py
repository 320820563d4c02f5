import re
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from epigrid.demo.generator import (
    DISTRICT_CODE,
    ERR_DISTRICT_EXISTS,
    SIZES,
    DemoSummary,
    build_rows,
    generate,
    plan_district,
)
from epigrid.demo.geometry import Box, split
from epigrid.lib.idcard import parse_id
from epigrid.people.models import Person
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.services import region_counts_rebuild, region_create

PHONE = re.compile(r"^1[3-9]\d{9}$")


@pytest.fixture
def demo(db: None) -> DemoSummary:
    return generate(size="small")


def _ring(region: Region) -> list[list[float]]:
    assert region.boundary is not None and region.boundary["type"] == "Polygon", region.code
    ring: list[list[float]] = region.boundary["coordinates"][0]
    return ring


def _bounds(region: Region) -> tuple[float, float, float, float]:
    ring = _ring(region)
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return min(lons), min(lats), max(lons), max(lats)


# --- pure parts: no database -------------------------------------------------------------------------


def test_unknown_size_is_refused_with_the_choices():
    with pytest.raises(ValueError, match=r"unknown demo size 'huge': choose one of small, district, city"):
        plan_district(size="huge")
    with pytest.raises(ValueError, match="unknown demo size"):
        generate(size="huge")


def test_same_seed_gives_identical_rows_and_another_seed_does_not():
    def people(seed: int) -> list[tuple[str, str, str]]:
        rows = build_rows(plan_district(size="small", seed=seed))
        return [(p[8], p[12], p[13]) for grid in rows for p in grid.people]

    first = people(2020)
    assert len(first) == SIZES["small"]
    assert first == people(2020)
    assert first != people(2021)


def test_plan_has_the_seed_reports_towns_and_sizes_scale():
    small, district = plan_district(size="small"), plan_district(size="district")
    for plan in (small, district):
        by_code = {r.code: r for r in plan.regions}
        assert by_code[f"{DISTRICT_CODE}100"].name == "红柳镇"
        assert by_code[f"{DISTRICT_CODE}001"].name == "学院南路街道"
        assert sum(r.people for r in plan.regions if r.level == Level.GRID) == SIZES[plan.size]
    towns = [r for r in district.regions if r.level == Level.TOWN]
    assert len([r for r in small.regions if r.level == Level.TOWN]) == 2
    assert 10 <= len(towns) <= 20
    grids = [r for r in district.regions if r.level == Level.GRID]
    assert 200 <= SIZES["district"] / len(grids) <= 400


def test_split_tiles_the_box_without_overlap():
    box = Box(100.0, 30.0, 101.0, 30.5)
    weights = [3, 1, 1, 2, 5, 1, 1]
    cells = split(box, weights)
    area = sum((c.east - c.west) * (c.north - c.south) for c in cells)
    assert area == pytest.approx((box.east - box.west) * (box.north - box.south))
    for c, w in zip(cells, weights, strict=True):
        assert (c.east - c.west) * (c.north - c.south) == pytest.approx(0.5 * w / sum(weights))
    for i, a in enumerate(cells):
        for b in cells[i + 1 :]:
            overlap_x = min(a.east, b.east) - max(a.west, b.west)
            overlap_y = min(a.north, b.north) - max(a.south, b.south)
            assert overlap_x <= 1e-12 or overlap_y <= 1e-12


# --- the loaded district -----------------------------------------------------------------------------


def test_small_loads_5000_people_and_reports_what_it_wrote(demo):
    assert demo.size == "small" and demo.seed == 2020
    assert demo.people == Person.objects.count() == 5000
    assert demo.households == Household.objects.count()
    assert demo.regions == Region.objects.count()
    assert 2.0 <= demo.people / demo.households <= 4.0


def test_id_numbers_are_valid_unique_and_agree_with_sex_and_birth_date(demo):
    rows = list(Person.objects.values_list("id_number", "sex", "birth_date", "residency", "doc_type"))
    assert len({row[0] for row in rows}) == len(rows)
    for id_number, sex, birth_date, residency, doc_type in rows:
        parsed = parse_id(id_number)
        assert parsed.valid and not parsed.warnings, id_number
        assert doc_type == Person.DocType.ID_CARD
        assert parsed.sex == sex
        assert parsed.birth_date == birth_date
        if residency == Person.Residency.FLOATING:
            assert parsed.address_code != DISTRICT_CODE
    codes = Counter(parse_id(row[0]).address_code == DISTRICT_CODE for row in rows)
    assert codes[True] > 0.8 * len(rows)  # most are registered in the district, some elsewhere
    assert Person.objects.filter(residency=Person.Residency.FLOATING).exists()


def test_phones_are_mobile_numbers_when_present(demo):
    phones = list(Person.objects.values_list("phone", flat=True))
    present = [p for p in phones if p]
    assert all(PHONE.match(p) for p in present)
    assert 0.5 * len(phones) < len(present) < len(phones)  # young children have none


def test_first_town_has_exactly_25_villages_and_a_street_office_has_communities(demo):
    town = Region.objects.get(code=f"{DISTRICT_CODE}100")
    assert town.name == "红柳镇" and town.kind_label == "镇"
    villages = list(town.children.all())
    assert len(villages) == 25
    assert all(v.kind_label == "村" and v.name.endswith("村") for v in villages)
    street = Region.objects.get(code=f"{DISTRICT_CODE}001")
    assert street.name == "学院南路街道" and street.kind_label == "街道"
    communities = list(street.children.all())
    assert communities and all(c.kind_label == "社区" and c.name.endswith("社区") for c in communities)


def test_codes_paths_and_chains_are_consistent(demo):
    regions = {r.id: r for r in Region.objects.all()}
    for region in regions.values():
        parent = regions.get(region.parent_id) if region.parent_id else None
        assert region.path == f"{parent.path if parent else ''}{region.id}/"
        assert region.level == (parent.level + 1 if parent else Level.DISTRICT)
        assert len(region.code) == {1: 6, 2: 9, 3: 12, 4: 15}[region.level]
        if parent:
            assert region.code.startswith(parent.code)
        if region.level == Level.GRID:
            assert re.fullmatch(r"第\d+网格", region.name)
    for row in Person.objects.values("district_id", "town_id", "village_id", "grid_id", "household__grid_id"):
        grid = regions[row["grid_id"]]
        assert grid.depth_ids == [row["district_id"], row["town_id"], row["village_id"], row["grid_id"]]
        assert row["household__grid_id"] == grid.id


def test_region_counts_equal_a_recount(demo):
    district = Region.objects.get(code=DISTRICT_CODE)
    assert district.person_count == 5000
    assert district.household_count == Household.objects.count()
    assert region_counts_rebuild() == 0


def test_every_region_has_a_boundary_inside_its_parent(demo):
    regions = {r.id: r for r in Region.objects.all()}
    for region in regions.values():
        ring = _ring(region)
        assert len(ring) == 5 and ring[0] == ring[-1]
        west, south, east, north = _bounds(region)
        assert 70 < west < east < 140 and 15 < south < north < 55  # in China
        if region.parent_id:
            pw, ps, pe, pn = _bounds(regions[region.parent_id])
            assert pw <= west and ps <= south and east <= pe and north <= pn


def test_households_have_one_head_and_the_right_member_count(demo):
    members: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for household_id, name, relation in Person.objects.values_list("household_id", "name", "relation"):
        members[household_id].append((name, relation))
    households = list(Household.objects.all())
    for household in households:
        people = members[household.id]
        heads = [name for name, relation in people if relation == "户主"]
        assert heads == [household.head_name]
        assert household.member_count == len(people)
    addresses = [h.address for h in households]
    assert len(set(addresses)) == len(addresses)
    assert any(re.fullmatch(r".+村\d+组\d+号", a) for a in addresses)
    assert any(re.fullmatch(r".+\d+栋\d单元\d0\d室", a) for a in addresses)


# --- commands ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_demo_if_empty_loads_once_then_does_nothing():
    out = StringIO()
    call_command("load_demo", if_empty=True, stdout=out)
    assert re.fullmatch(
        r"demo district loaded: \d+ regions, \d+ households, 5000 people in [\d.]+ s \([\d,]+ people/s\), "
        r"\d+ door-to-door visits in [\d.]+ s\n",
        out.getvalue(),
    )
    regions, people = Region.objects.count(), Person.objects.count()
    out = StringIO()
    call_command("load_demo", if_empty=True, stdout=out)
    assert out.getvalue() == f"demo district not loaded: the database already has {regions} regions\n"
    assert (Region.objects.count(), Person.objects.count()) == (regions, people)


@pytest.mark.django_db
def test_load_demo_needs_yes_when_regions_exist_and_never_loads_twice():
    region_create(code="420199", name="测试区", level=Level.DISTRICT, parent=None)
    with pytest.raises(CommandError, match="already has 1 regions: pass --yes"):
        call_command("load_demo", stdout=StringIO())
    assert Region.objects.count() == 1
    call_command("load_demo", yes=True, stdout=StringIO())
    assert Person.objects.count() == 5000
    with pytest.raises(CommandError) as excinfo:
        call_command("load_demo", yes=True, stdout=StringIO())
    assert str(excinfo.value) == ERR_DISTRICT_EXISTS.format(code=DISTRICT_CODE, name="安和区")
    assert Person.objects.count() == 5000


@pytest.mark.django_db
def test_load_demo_refuses_an_unknown_size_from_code():
    with pytest.raises(CommandError, match="unknown demo size 'huge'"):
        call_command("load_demo", size="huge", stdout=StringIO())
    assert not Region.objects.exists()


def test_recount_regions_reports_what_it_fixed(demo):
    Region.objects.filter(code=DISTRICT_CODE).update(person_count=1)
    out = StringIO()
    call_command("recount_regions", stdout=out)
    assert out.getvalue() == "region counts rebuilt: 1 regions changed\n"
    assert Region.objects.get(code=DISTRICT_CODE).person_count == 5000

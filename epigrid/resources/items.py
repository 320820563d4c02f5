"""The supplies of early-2020 practice (migration 0002 writes them; ``builtin_items_ensure`` puts them
back in a database emptied since, as the observation policy does)."""

from __future__ import annotations

from decimal import Decimal

from epigrid.resources.models import SupplyItem

BUILTIN_ITEMS = [
    # code, name, unit, category, use per person on duty per shift, sort
    ("surgical-mask", "医用外科口罩", "只", "protective", Decimal("1"), 10),
    ("n95-mask", "N95口罩", "只", "protective", Decimal("0"), 20),
    ("protective-suit", "医用防护服", "套", "protective", Decimal("0"), 30),
    ("goggles", "护目镜", "副", "protective", Decimal("0"), 40),
    ("gloves", "医用手套", "副", "protective", Decimal("1"), 50),
    ("face-shield", "防护面屏", "个", "protective", Decimal("0"), 60),
    ("thermometer-ir", "红外额温枪", "把", "instrument", Decimal("0"), 70),
    ("thermometer", "水银体温计", "支", "instrument", Decimal("0"), 80),
    ("disinfectant-84", "84消毒液", "瓶", "disinfection", Decimal("0"), 90),
    ("hand-sanitizer", "免洗手消毒液", "瓶", "disinfection", Decimal("0"), 100),
    ("alcohol-75", "75%酒精", "瓶", "disinfection", Decimal("0"), 110),
]


def builtin_items_ensure() -> list[SupplyItem]:
    """The built-in items, created when missing; returned in display order."""
    for code, name, unit, category, use, sort in BUILTIN_ITEMS:
        SupplyItem.objects.get_or_create(
            code=code,
            defaults={"name": name, "unit": unit, "category": category, "use_per_shift": use, "sort": sort},
        )
    return list(SupplyItem.objects.filter(code__in=[c for c, *_ in BUILTIN_ITEMS]).order_by("sort", "id"))

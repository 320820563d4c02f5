"""The demo's hospitals and fever clinics (seed report 2: 确定3家定点医院), and family rooms at the
observation site.

Three designated hospitals and five fever clinics, with beds and how many are in them as of this
morning; the centralized site keeps its single rooms (单人单间) and gets two family rooms for two.
Written once (nothing happens when the district already has facilities).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from epigrid.core.clock import now
from epigrid.monitoring.models import Room, Site
from epigrid.regions.models import Level, Region
from epigrid.resources.models import Facility

HOSPITALS = (
    ("人民医院", "人民路1号", 120, 37),
    ("中医院", "健康路18号", 80, 12),
    ("第二人民医院", "滨江大道200号", 60, 21),
)
CLINICS = (
    ("人民医院发热门诊", "人民路1号门诊楼东侧", 20, 9),
    ("中医院发热门诊", "健康路18号", 12, 4),
    ("第二人民医院发热门诊", "滨江大道200号", 10, 10),
    ("妇幼保健院发热门诊", "和平路66号", 6, 1),
    ("中心卫生院发热门诊", "镇中路3号", 8, 0),
)
FAMILY_ROOMS = ("301", "302")
PHONE = "0710-3300120"


@dataclass(frozen=True)
class DemoFacilities:
    hospitals: int
    clinics: int
    beds: int
    occupied: int
    family_rooms: int


@transaction.atomic
def demo_facilities_load() -> DemoFacilities:
    """Add the demo district's hospitals, fever clinics and two family rooms, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if district is None or Facility.objects.filter(district=district).exists():
        return DemoFacilities(0, 0, 0, 0, 0)
    morning = now() - dt.timedelta(hours=3)
    kinds = ((Facility.Kind.DESIGNATED_HOSPITAL, HOSPITALS), (Facility.Kind.FEVER_CLINIC, CLINICS))
    rows = [
        Facility(
            district=district, kind=kind, name=f"{district.name}{name}", address=address, phone=PHONE,
            beds=beds, occupied=occupied, occupied_on=morning,
        )
        for kind, table in kinds
        for name, address, beds, occupied in table
    ]  # fmt: skip
    Facility.objects.bulk_create(rows)
    family = 0
    site = Site.objects.filter(district=district).order_by("pk").first()
    if site is not None:
        for number in FAMILY_ROOMS:
            _room, created = Room.objects.get_or_create(site=site, number=number, defaults={"capacity": 2})
            family += int(created)
    return DemoFacilities(
        hospitals=len(HOSPITALS),
        clinics=len(CLINICS),
        beds=sum(r.beds for r in rows),
        occupied=sum(r.occupied for r in rows),
        family_rooms=family,
    )

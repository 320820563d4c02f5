"""Small builders for tests: a region tree, households, people and users with roles."""

from __future__ import annotations

import datetime as dt
import itertools

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.lib.idcard import make_id
from epigrid.people.models import Person
from epigrid.people.services import household_register, person_register
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.services import assignment_add, region_create

_seq = itertools.count(1)


def region(code: str, name: str, level: int, parent: Region | None = None) -> Region:
    return region_create(code=code, name=name, level=level, parent=parent)


def household(grid: Region, address: str) -> Household:
    return household_register(actor=None, grid=grid, number=f"{next(_seq):04d}", address=address)


def person(hh: Household, name: str, *, sex: str = "M", relation: str = "") -> Person:
    n = next(_seq)
    # Wrapped at 50 years: a long test session would otherwise reach birth dates after today, which
    # make the ID number invalid (and the live lookup, rightly, refuses it).
    birth = dt.date(1950, 1, 1) + dt.timedelta(days=(n * 37) % 18_250)
    sequence = (n * 2 + (1 if sex == "M" else 0)) % 1000
    id_number = make_id(address_code="420106", birth=birth, sequence=sequence)
    phone = f"139{n:08d}"
    return person_register(
        actor=None,
        household=hh,
        name=name,
        sex=sex,
        birth_date=birth,
        id_number=id_number,
        phone=phone,
        relation=relation,
    )


def user(username: str, role: str, *regions: Region) -> User:
    u = User.objects.create_user(
        username=username, password="pw-" + username, role=role, display_name=username
    )
    for r in regions:
        assignment_add(user=u, region=r)
    return u


ROLES = Role
LEVELS = Level

"""Demo accounts, one per role, each assigned where that role works in the demo district."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import Level, Region
from epigrid.regions.services import assignment_add

DEMO_PASSWORD = "epigrid-demo"  # noqa: S105 - printed by `epigrid demo`; demo databases only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role_label: str
    region_name: str


def _first(level: int, *, street: bool = False) -> Region | None:
    qs = Region.objects.filter(level=level).order_by("code")
    if level == Level.TOWN:
        # Street offices carry 001-099 in positions 7-9 of the code; towns 100-199.
        qs = qs.filter(code__regex=r"^\d{6}0\d\d$") if street else qs.exclude(code__regex=r"^\d{6}0\d\d$")
    return qs.first()


@transaction.atomic
def demo_accounts_ensure() -> list[DemoAccount]:
    """Create (or refresh) the demo accounts and return them for printing."""
    district = _first(Level.DISTRICT)
    town = _first(Level.TOWN)
    if district is None or town is None:
        return []
    village = Region.objects.filter(parent=town).order_by("code").first()
    grid = Region.objects.filter(parent=village).order_by("code").first() if village else None
    plan: list[tuple[str, str, str, Region | None]] = [
        ("hq", Role.DISTRICT_HQ, "区指挥部值班员", district),
        ("town", Role.TOWN_OFFICER, "镇网格员", town),
        ("village", Role.VILLAGE_LEADER, "村网格长", village),
        ("grid", Role.GRID_WORKER, "网格员", grid),
        ("dept", Role.DEPARTMENT, "区卫健局", district),
        ("checkpoint", Role.CHECKPOINT, "卡口值守", town),
        ("police", Role.POLICE, f"{town.name}派出所", town),
        # A fever clinic registers patients from anywhere in the district (epigrid.triage).
        ("clinic", Role.CLINIC, f"{district.name}人民医院发热门诊", district),
        ("admin", Role.ADMIN, "系统管理员", district),
    ]
    accounts: list[DemoAccount] = []
    for username, role, display, region in plan:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"role": role, "display_name": display}
        )
        user.role = role
        user.display_name = display
        user.set_password(DEMO_PASSWORD)
        user.save()
        if region is not None:
            assignment_add(user=user, region=region)
        accounts.append(
            DemoAccount(
                username=username,
                password=DEMO_PASSWORD,
                role_label=str(Role(role).label),
                region_name=region.name if region else "",
            )
        )
    return accounts

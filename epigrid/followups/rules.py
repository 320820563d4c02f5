"""Who may assign, be assigned, complete and cancel follow-up tasks: the rules the services, selectors
and pages share."""

from __future__ import annotations

from typing import Any

from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for

# Staff who work with residents assign and take tasks; departments read, checkpoints register passages,
# administrators manage the system.
STAFF_ROLES = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER, Role.GRID_WORKER})
UNIT_LEVELS = (Level.TOWN, Level.VILLAGE, Level.GRID)


def may_assign(user: User) -> bool:
    return user.role in STAFF_ROLES and user.caps.can_write and user.is_active


def may_take(user: User, region: Region) -> bool:
    """Tell whether ``user`` may be assigned a task of ``region``: staff whose regions cover it."""
    return user.role in STAFF_ROLES and user.is_active and scope_for(user).contains(region)


def is_superior(user: User, region: Region) -> bool:
    """Tell whether ``user`` is above ``region``: assigned to one of its ancestors (a village leader
    over a grid's tasks, a town over its villages', HQ over all), not to the unit itself."""
    if not may_assign(user):
        return False
    return any(
        region.path.startswith(root.path) and root.level < region.level for root in scope_for(user).roots
    )


def in_region(row: Any, region: Region) -> bool:
    """Tell whether a row carrying a region chain (household, person, episode) lies in ``region``."""
    return bool(getattr(row, LEVEL_FIELD[region.level], None) == region.pk)

"""What a user may see: the subtrees of the regions assigned to them, and nothing else.

Every selector that reads regions, households or people starts from ``scope_for(user)``. A user with
no assignment sees nothing, whatever the role (a system administrator included: it manages the
system, not residents, until it is assigned a region).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q

from epigrid.core.models import User
from epigrid.regions.models import LEVEL_FIELD, Level, Region

_CACHE_ATTR = "_epigrid_scope"


def subtree_q(path: str, *, field: str = "path") -> Q:
    """Match the region at ``path`` and all below it, in the form each database answers from an index.

    PostgreSQL: ``LIKE 'path%'``, served by the ``varchar_pattern_ops`` index Django adds to an indexed
    CharField, which compares bytes whatever the database's collation (a glibc zh_CN or en_US collation
    ignores "/" when sorting, so a range would be wrong there). SQLite: its LIKE is case-insensitive and
    cannot use an index, but its default BINARY collation compares bytes, and "0" follows "/" in ASCII,
    so every descendant of "1/7/" sorts in ["1/7/", "1/70").
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": path})
    return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})


@dataclass(frozen=True)
class Scope:
    roots: tuple[Region, ...]

    @property
    def empty(self) -> bool:
        return not self.roots

    def contains(self, region: Region) -> bool:
        """Tell whether ``region`` lies in one of the assigned subtrees."""
        return any(region.path.startswith(root.path) for root in self.roots)

    def contains_path(self, path: str) -> bool:
        return any(path.startswith(root.path) for root in self.roots)

    def covers(self, row: Any) -> bool:
        """Tell whether a row carrying a region chain (a household, a person) lies in the scope."""
        for root in self.roots:
            level = min(root.level, Level.GRID)
            region_id = root.id if root.level <= Level.GRID else root.depth_ids[Level.GRID - 1]
            if getattr(row, LEVEL_FIELD[level]) == region_id:
                return True
        return False

    def regions_q(self) -> Q:
        """Filter Region rows to the assigned subtrees."""
        return self.regions_q_for("")

    def regions_q_for(self, prefix: str) -> Q:
        """Filter rows that point at a region (``prefix`` = "region__") to the assigned subtrees."""
        return self._or([subtree_q(root.path, field=f"{prefix}path") for root in self.roots])

    def rows_q(self, prefix: str = "") -> Q:
        """Filter rows that carry a region chain (households, people) to the assigned subtrees.

        A root at grid level or above becomes one indexed equality on its level's column; a 片区 root
        (below a grid) is not a chain column, so it falls back to its grid (片区 are drawing aids
        inside a grid, not a scope boundary).
        """
        parts: list[Q] = []
        for root in self.roots:
            level = min(root.level, Level.GRID)
            region_id = root.id if root.level <= Level.GRID else root.depth_ids[Level.GRID - 1]
            parts.append(Q(**{f"{prefix}{LEVEL_FIELD[level]}": region_id}))
        return self._or(parts)

    @staticmethod
    def _or(parts: list[Q]) -> Q:
        if not parts:
            return Q(pk__in=[])
        combined = parts[0]
        for part in parts[1:]:
            combined |= part
        return combined


def scope_for(user: Any) -> Scope:
    """Return the user's scope, computed once per request object."""
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        scope = Scope(roots=())
    else:
        roots = Region.objects.filter(assignments__user=user).order_by("path")
        # Drop a root that lies inside another root: its rows are already covered.
        kept: list[Region] = []
        for region in roots:
            if not any(region.path.startswith(k.path) for k in kept):
                kept.append(region)
        scope = Scope(roots=tuple(kept))
    setattr(user, _CACHE_ATTR, scope)
    return scope

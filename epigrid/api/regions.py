"""Region tree nodes with their kept counts, read-only, limited to the caller's subtrees."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Schema

from epigrid.api.common import ApiRouter, PathId, actor
from epigrid.regions.models import Region
from epigrid.regions.selectors import region_children, region_get_for_user, region_roots_for_user

router = ApiRouter(tags=["regions"])


class RegionOut(Schema):
    id: int
    code: str
    name: str
    level: int
    kind: str  # 镇, 街道, 村, 社区 … read from the division code
    parent_id: int | None
    person_count: int
    household_count: int


class ChildOut(RegionOut):
    child_count: int


class RegionNodeOut(RegionOut):
    children: list[ChildOut]


def _region(region: Region) -> dict[str, object]:
    return {
        "id": region.pk,
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "kind": region.kind_label,
        "parent_id": region.parent_id,
        "person_count": region.person_count,
        "household_count": region.household_count,
    }


@router.get("/regions", response=list[RegionOut], summary="The top regions of the caller's scope")
def region_roots(request: HttpRequest) -> list[dict[str, object]]:
    return [_region(r) for r in region_roots_for_user(user=actor(request))]


@router.get("/regions/{int:region_id}", response=RegionNodeOut, summary="One region and its children")
def region_node(request: HttpRequest, region_id: PathId) -> dict[str, object]:
    region = region_get_for_user(user=actor(request), region_id=region_id)
    children = [{**_region(c.region), "child_count": c.child_count} for c in region_children(region=region)]
    return {**_region(region), "children": children}

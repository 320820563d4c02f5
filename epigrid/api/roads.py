"""Road networks and their coverage by checkpoints: the district's entries (县级交汇点), its blind spots,
the fewest new monitoring points that would close them, and the import of a road file.

The coverage is the one the page shows (``checkpoints.roads.coverage_of``): stored with the network and
recomputed when the district's checkpoints change. Counts and coordinates only, no personal data. An
import needs the district HQ role; a file that cannot be read imports nothing and answers 400 with
every problem (feature index and field) in ``detail``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Schema, Status, UploadedFile
from ninja.errors import HttpError

from epigrid.api.common import ApiRouter, actor
from epigrid.checkpoints import roads
from epigrid.checkpoints.models import RoadNetwork
from epigrid.core.roles import Role
from epigrid.regions.models import Region
from epigrid.regions.selectors import region_get_for_user, region_roots_for_user

router = ApiRouter(tags=["roads"])


class NetworkOut(Schema):
    id: int
    district_id: int
    name: str
    feature_count: int
    edge_count: int
    imported_at: dt.datetime
    analysed_at: dt.datetime | None


class CoverageOut(Schema):
    network: NetworkOut
    summary: dict[str, int] = Field(description="entries, blind_spots, dead_ends, proposals, roads_crossing")
    nodes: int
    edges: int
    junctions: int
    depth_m: float = Field(description="an entry is covered when no route from it this deep avoids a point")
    snap_m: float = Field(description="a checkpoint this close to a road is on it")
    entries: list[dict[str, Any]] = Field(
        description="each with index, lon, lat, road_name, road_class, covered, dead_end, covered_by "
        "(checkpoint ids), proposed_by (proposal numbers)"
    )
    roads_crossing: list[dict[str, Any]]
    proposals: list[dict[str, Any]] = Field(
        description="number, lon, lat, road_names, covers (entry indexes)"
    )
    points: list[dict[str, Any]] = Field(description="the checkpoints: used, not_on_road or outside")


class CoverageParams(Schema):
    region_id: int | None = Field(None, description="any region of the district (default your top region)")


class ImportIn(Schema):
    region_id: int | None = Field(None, description="any region of the district (default your top region)")
    name: str = Field("", max_length=100)


def _district(request: HttpRequest, region_id: int | None) -> Region:
    user = actor(request)
    if region_id is not None:
        region = region_get_for_user(user=user, region_id=region_id)
    else:
        roots = region_roots_for_user(user=user)
        if not roots:
            raise Http404
        region = roots[0]
    return Region.objects.get(pk=region.depth_ids[0])


def _network(network: RoadNetwork) -> dict[str, object]:
    return {
        "id": network.pk,
        "district_id": network.district_id,
        "name": network.name,
        "feature_count": network.feature_count,
        "edge_count": network.edge_count,
        "imported_at": network.created_at,
        "analysed_at": network.analysed_at,
    }


def _coverage(network: RoadNetwork) -> dict[str, object]:
    data = roads.coverage_of(network).coverage
    return {
        "network": _network(network),
        "summary": data["summary"],
        "nodes": data["nodes"],
        "edges": data["edges"],
        "junctions": data["junctions"],
        "depth_m": data["depth_m"],
        "snap_m": data["snap_m"],
        "entries": data["entries"],
        "roads_crossing": data["roads_crossing"],
        "proposals": data["proposals"],
        "points": data["points"],
    }


@router.get(
    "/roads/coverage",
    response=CoverageOut,
    summary="The district's road coverage: entries, blind spots, proposed new points",
)
def coverage(request: HttpRequest, params: Query[CoverageParams]) -> dict[str, object]:
    district = _district(request, params.region_id)
    network = roads.current_network(district.pk)
    if network is None:
        raise HttpError(404, "本区尚未导入路网。")
    return _coverage(network)


@router.post(
    "/roads",
    response={201: CoverageOut},
    summary="Import a road file (GeoJSON lines) and optionally the boundary (GeoJSON polygon); HQ only",
)
def network_import(
    request: HttpRequest,
    data: Form[ImportIn],
    roads_file: File[UploadedFile],
    boundary_file: File[UploadedFile | None] = None,
) -> Status[dict[str, object]]:
    user = actor(request)
    if user.role != Role.DISTRICT_HQ:
        raise PermissionDenied
    district = _district(request, data.region_id)
    try:
        network = roads.network_import(
            actor=user,
            district=district,
            name=data.name,
            roads=roads_file.read(),
            boundary=boundary_file.read() if boundary_file is not None else None,
        )
    except roads.RoadImportError as exc:
        raise HttpError(400, "; ".join(exc.messages)) from None
    return Status(201, _coverage(network))

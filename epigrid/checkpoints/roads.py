"""Road networks and their coverage by checkpoints: import, the district boundary, the analysis.

The road file and the boundary are kept as uploaded (zlib-compressed) on ``RoadNetwork``; parsing and
the analysis are ``epigrid.lib.roadnet``'s. The analysis depends on the checkpoints too, so it is
stored with a digest of the active, located checkpoints of the district (``analysis_key``) and run
again when that digest changes: a new checkpoint on a blind road turns the spot green at the next
look. Parsed files are kept per process for the last few networks (a 50,000-edge file parses in a
fraction of a second, but not on every page).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Checkpoint, RoadNetwork
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.lib import roadnet, roadnet_cover, roadnet_svg
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

MAX_UPLOAD = 64 * 1024 * 1024  # a county's roads from OpenStreetMap are a few MB
_PARSED_KEEP = 4
_parsed: OrderedDict[tuple[int, str], tuple[roadnet.RoadSet, roadnet.Boundary]] = OrderedDict()
_parsed_lock = threading.Lock()


class RoadImportError(Exception):
    """The files were not imported; ``messages`` say why (feature index and field where known)."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _require_manager(actor: User, district: Region) -> None:
    if actor.role not in (Role.DISTRICT_HQ, Role.TOWN_OFFICER) or not scope_for(actor).contains(district):
        raise PermissionDenied


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RoadImportError([_("文件不是 UTF-8 或 GB18030 编码的文本。")])


def _parse(roads: bytes, boundary: bytes) -> tuple[roadnet.RoadSet, roadnet.Boundary]:
    errors: list[str] = []
    parsed_roads: roadnet.RoadSet | None = None
    parsed_boundary: roadnet.Boundary | None = None
    try:
        parsed_roads = roadnet.parse_roads(_decode(roads))
    except roadnet.RoadDataError as exc:
        errors += [_("道路文件：%(m)s") % {"m": m} for m in exc.messages]
    except RoadImportError as exc:
        errors += [_("道路文件：%(m)s") % {"m": m} for m in exc.messages]
    try:
        parsed_boundary = roadnet.parse_boundary(_decode(boundary))
    except roadnet.RoadDataError as exc:
        errors += [_("边界文件：%(m)s") % {"m": m} for m in exc.messages]
    except RoadImportError as exc:
        errors += [_("边界文件：%(m)s") % {"m": m} for m in exc.messages]
    if errors or parsed_roads is None or parsed_boundary is None:
        raise RoadImportError(errors)
    return parsed_roads, parsed_boundary


def network_import(
    *, actor: User, district: Region, name: str, roads: bytes, boundary: bytes | None
) -> RoadNetwork:
    """Import a road file (GeoJSON lines) and the district boundary (GeoJSON polygon; default: the
    district's own boundary); the new network becomes the district's current one and is analysed.
    Nothing is saved when either file is unreadable."""
    _require_manager(actor, district)
    if district.level != Level.DISTRICT:
        raise RoadImportError([_("路网按区县导入。")])
    name = name.strip() or _("路网")
    if len(name) > 100:
        raise RoadImportError([_("名称不能超过100字。")])
    if not roads:
        raise RoadImportError([_("请选择道路文件（GeoJSON）。")])
    if len(roads) > MAX_UPLOAD or (boundary and len(boundary) > MAX_UPLOAD):
        raise RoadImportError([_("文件太大（上限64 MB）。")])
    if not boundary:
        if not district.boundary:
            raise RoadImportError([_("请上传区县边界文件（GeoJSON 面）：本区尚无边界数据。")])
        boundary = roadnet_json(district.boundary)
    parsed_roads, parsed_boundary = _parse(roads, boundary)
    with transaction.atomic():
        RoadNetwork.objects.filter(district=district, current=True).update(current=False)
        network = RoadNetwork.objects.create(
            district=district,
            name=name,
            roads=zlib.compress(roads, 6),
            boundary=zlib.compress(boundary, 6),
            feature_count=len(parsed_roads.roads),
            edge_count=parsed_roads.segment_count,
            imported_by=actor,
        )
        audit_log(
            actor=actor,
            action=AuditEvent.Action.IMPORT,
            object_type="road_network",
            object_id=network.pk,
            region_path=district.path,
            detail={"features": len(parsed_roads.roads), "edges": parsed_roads.segment_count},
        )
    _remember(network, parsed_roads, parsed_boundary)
    coverage_of(network)
    return network


def roadnet_json(value: object) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode()


def _key(network: RoadNetwork) -> tuple[int, str]:
    return network.pk, network.updated_at.isoformat() if network.updated_at else ""


def _remember(network: RoadNetwork, roads: roadnet.RoadSet, boundary: roadnet.Boundary) -> None:
    with _parsed_lock:
        _parsed[_key(network)] = (roads, boundary)
        while len(_parsed) > _PARSED_KEEP:
            _parsed.popitem(last=False)


def parsed(network: RoadNetwork) -> tuple[roadnet.RoadSet, roadnet.Boundary]:
    """The network's roads and boundary, parsed (kept per process)."""
    key = _key(network)
    with _parsed_lock:
        found = _parsed.get(key)
    if found is not None:
        return found
    result = _parse(zlib.decompress(bytes(network.roads)), zlib.decompress(bytes(network.boundary)))
    _remember(network, *result)
    return result


def current_network(district_id: int) -> RoadNetwork | None:
    return RoadNetwork.objects.filter(district_id=district_id, current=True).order_by("-id").first()


def boundary_of_district(district: Region) -> roadnet.Boundary | None:
    """The district's boundary: its current road network's, else its own region boundary, else None."""
    network = current_network(district.pk)
    if network is not None:
        return parsed(network)[1]
    if district.boundary:
        try:
            return roadnet.parse_boundary(district.boundary)
        except roadnet.RoadDataError:
            return None
    return None


def monitoring_points(district_id: int) -> list[tuple[str, float, float]]:
    """The active, located checkpoints of the district as (id, longitude, latitude)."""
    rows = Checkpoint.objects.filter(
        district_id=district_id, active=True, longitude__isnull=False, latitude__isnull=False
    ).order_by("pk")
    return [(str(c.pk), float(c.longitude or 0), float(c.latitude or 0)) for c in rows]


def _points_key(points: list[tuple[str, float, float]]) -> str:
    text = ";".join(f"{pk},{lon:.6f},{lat:.6f}" for pk, lon, lat in points)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class CoverageView:
    network: RoadNetwork
    coverage: dict[str, Any]  # roadnet.Coverage.to_dict()
    fresh: bool  # computed now (the checkpoints changed since the last analysis)


def coverage_of(network: RoadNetwork) -> CoverageView:
    """The network's coverage by the district's checkpoints now: stored, or computed and stored."""
    points = monitoring_points(network.district_id)
    key = _points_key(points)
    if network.analysis is not None and network.analysis_key == key:
        return CoverageView(network, network.analysis, fresh=False)
    roads, boundary = parsed(network)
    result = roadnet_cover.analyse(roads, boundary, points).to_dict()
    RoadNetwork.objects.filter(pk=network.pk).update(analysis=result, analysis_key=key, analysed_at=now())
    network.analysis, network.analysis_key = result, key
    return CoverageView(network, result, fresh=True)


def coverage_svg(network: RoadNetwork) -> str:
    """The map of the network: boundary, roads, checkpoints, blind spots and proposed points."""
    roads, boundary = parsed(network)
    coverage = roadnet.Coverage.from_dict(coverage_of(network).coverage)
    return roadnet_svg.render_svg(roads, boundary, coverage)


def boundary_contains(boundary: roadnet.Boundary, longitude: float, latitude: float) -> bool:
    """Even-odd rule over every ring (holes included): inside the district or not."""
    inside = False
    for ring in boundary.rings:
        for (ax, ay), (bx, by) in itertools.pairwise(ring):
            if (ay > latitude) != (by > latitude) and longitude < ax + (latitude - ay) * (bx - ax) / (
                by - ay
            ):
                inside = not inside
    return inside

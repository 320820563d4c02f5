"""The demo district's road network: a synthetic one (``lib.roadnet_synth``) moved onto the district,
imported as HQ would import a real file, with a few county-junction monitoring points on it.

The synthetic district is drawn around its own centre; it is shifted to the demo district's centre and
sized so that its irregular boundary holds the district's box, so every demo checkpoint (placed in the
region boxes) lies inside it. Some junction points cover roads entering the district, the rest stay
blind spots: the coverage page has something to show and something to propose.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from epigrid.checkpoints import roads
from epigrid.checkpoints.errors import CheckpointInvalid
from epigrid.checkpoints.models import Checkpoint, RoadNetwork
from epigrid.checkpoints.services import CheckpointInput, checkpoint_save
from epigrid.core.models import User
from epigrid.lib.roadnet_synth import CENTER, synthetic_district
from epigrid.regions.models import Level, Region

SEED = 7
EDGES = 6_000
NAME = "演示路网（合成数据）"
# The synthetic boundary's radius varies by about ±21 % around its mean (roadnet_synth.rim): a mean
# radius of 1.3 half-diagonals keeps the whole district box inside it.
RADIUS_PER_HALF_DIAGONAL = 1.3
_M_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class DemoRoads:
    network: RoadNetwork | None
    junction_points: int


def _box(region: Region) -> tuple[float, float, float, float] | None:
    boundary = region.boundary
    if not isinstance(boundary, dict) or boundary.get("type") != "Polygon":
        return None
    ring = boundary["coordinates"][0]
    xs = [float(p[0]) for p in ring]
    ys = [float(p[1]) for p in ring]
    return min(xs), min(ys), max(xs), max(ys)


def _shift(value: Any, dlon: float, dlat: float) -> Any:
    """Move every [lon, lat] pair of a GeoJSON value by (dlon, dlat)."""
    if isinstance(value, list):
        if len(value) >= 2 and all(isinstance(v, int | float) for v in value[:2]):
            return [round(value[0] + dlon, 7), round(value[1] + dlat, 7), *value[2:]]
        return [_shift(v, dlon, dlat) for v in value]
    if isinstance(value, dict):
        return {
            k: (_shift(v, dlon, dlat) if k in ("coordinates", "geometry", "features") else v)
            for k, v in value.items()
        }
    return value


def _nearest_town(
    towns: list[tuple[Region, tuple[float, float, float, float] | None]], point: tuple[float, float]
) -> Region | None:
    """The town whose box holds the point, or is nearest to it (a junction on the district's edge lies
    beyond the rough town boxes of the demo)."""
    best: tuple[float, Region] | None = None
    for town, b in towns:
        if b is None:
            continue
        dx = max(b[0] - point[0], 0.0, point[0] - b[2])
        dy = max(b[1] - point[1], 0.0, point[1] - b[3])
        distance = math.hypot(dx, dy)
        if best is None or distance < best[0]:
            best = (distance, town)
    return best[1] if best else None


def demo_roads_load(*, seed: int = SEED, edges: int = EDGES) -> DemoRoads:
    """Import the demo district's road network and put monitoring points on some entries, once."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    hq = User.objects.filter(username="hq").first()
    if district is None or hq is None or RoadNetwork.objects.filter(district=district).exists():
        return DemoRoads(None, 0)
    box = _box(district)
    if box is None:
        return DemoRoads(None, 0)
    west, south, east, north = box
    centre_lon, centre_lat = (west + east) / 2, (south + north) / 2
    # Sizes in the synthetic district's own metres (its longitude scale is that of its centre).
    half_w = (east - west) / 2 * 111_320.0 * math.cos(math.radians(CENTER[1]))
    half_h = (north - south) / 2 * _M_PER_DEG_LAT
    radius = math.hypot(half_w, half_h) * RADIUS_PER_HALF_DIAGONAL
    synth = synthetic_district(seed=seed, edges=edges, radius_m=radius)
    dlon, dlat = centre_lon - CENTER[0], centre_lat - CENTER[1]
    network = roads.network_import(
        actor=hq,
        district=district,
        name=NAME,
        roads=json.dumps(_shift(synth.roads, dlon, dlat), ensure_ascii=False).encode(),
        boundary=json.dumps(_shift(synth.boundary, dlon, dlat)).encode(),
    )
    towns = [(t, _box(t)) for t in Region.objects.filter(parent=district, level=Level.TOWN).order_by("code")]
    made = 0
    for number, (_id, lon, lat) in enumerate(synth.points, start=1):
        point = (round(lon + dlon, 6), round(lat + dlat, 6))
        town = _nearest_town(towns, point)
        if town is None:
            continue
        try:
            checkpoint_save(
                actor=hq,
                data=CheckpointInput(
                    name=f"{town.name}县级交汇点{number}号监测点", kind=Checkpoint.Kind.COUNTY_JUNCTION,
                    region=town, longitude=point[0], latitude=point[1], unit=f"{town.name}派出所",
                    staff="民警1名、村干部2名",
                ),
            )  # fmt: skip
        except CheckpointInvalid:
            continue
        made += 1
    if made:
        network.refresh_from_db()
        roads.coverage_of(network)  # the analysis with the junction points, stored for the first look
    return DemoRoads(network, made)

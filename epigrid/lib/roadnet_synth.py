"""A synthetic district for ``epigrid.lib.roadnet``: boundary, road network and monitoring points.

Deterministic for a seed (``random.Random``, not for secrets). Used by the benchmark
(benchmarks/road_coverage.py) and as demo data:

* an irregular boundary of ~300 vertices, about 40 km across, around (113.3 E, 23.1 N);
* a perturbed grid of local roads (村道 / 乡道) inside it, kept back from the boundary except on a
  few grid lines that run across it, a lake without roads, and more grid roads outside;
* a dozen long county roads (县道 / 省道) crossing the whole district, sharing the grid's vertices
  where they pass them (junctions);
* monitoring points: some just inside on county roads, one deep inside, one in the lake (not on a
  road), one far outside.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any

CENTER = (113.3, 23.1)
_M_PER_DEG_LAT = 110_574.0


@dataclass(slots=True)
class SyntheticDistrict:
    roads: dict[str, Any]  # GeoJSON FeatureCollection of LineStrings
    boundary: dict[str, Any]  # GeoJSON Feature with a Polygon
    points: list[tuple[str, float, float]]  # (id, lon, lat)
    edges: int  # road segments generated


def synthetic_district(
    seed: int = 1, edges: int = 50_000, *, radius_m: float = 20_000.0
) -> SyntheticDistrict:
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    lon0, lat0 = CENTER
    kx = 111_320.0 * math.cos(math.radians(lat0))
    ky = _M_PER_DEG_LAT

    def lonlat(x: float, y: float) -> list[float]:
        return [round(lon0 + x / kx, 7), round(lat0 + y / ky, 7)]

    phases = [rng.uniform(0, 2 * math.pi) for _ in range(4)]

    def rim(theta: float) -> float:
        """Boundary radius at angle theta."""
        return radius_m * (
            1.0
            + 0.12 * math.sin(3 * theta + phases[0])
            + 0.06 * math.sin(7 * theta + phases[1])
            + 0.025 * math.sin(17 * theta + phases[2])
        )

    n_rim = 300
    ring = []
    for k in range(n_rim):
        theta = 2 * math.pi * k / n_rim
        r = rim(theta) * (1.0 + rng.uniform(-0.004, 0.004))
        ring.append(lonlat(r * math.cos(theta), r * math.sin(theta)))
    ring.append(ring[0])
    boundary = {
        "type": "Feature",
        "properties": {"name": "示例镇"},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }

    def rel(x: float, y: float) -> float:
        """Distance from the centre relative to the boundary radius in that direction."""
        return math.hypot(x, y) / rim(math.atan2(y, x))

    lake = (0.35 * radius_m, -0.2 * radius_m, 1500.0)
    # grid size: about `edges` segments in all (two per kept node, county roads add a few percent)
    outer = 1.35
    kept_fraction = 0.78  # share of the square's grid nodes kept (disc to 1.35 R minus the band)
    side = 2 * outer * radius_m
    per_side = max(4, round(math.sqrt(edges * 1.07 / 2 / kept_fraction)))
    spacing = side / per_side
    every = 16  # grid lines that cross the boundary
    jitter = [
        [(rng.uniform(-0.2, 0.2) * spacing, rng.uniform(-0.2, 0.2) * spacing) for _ in range(per_side + 1)]
        for _ in range(per_side + 1)
    ]

    def position(i: int, j: int) -> tuple[float, float]:
        dx, dy = jitter[i][j]
        return (-outer * radius_m + i * spacing + dx, -outer * radius_m + j * spacing + dy)

    def keep(i: int, j: int) -> bool:
        x, y = position(i, j)
        q = rel(x, y)
        if q > outer or math.hypot(x - lake[0], y - lake[1]) < lake[2]:
            return False
        return q < 0.95 or q > 1.05 or i % every == 0 or j % every == 0

    kept = [[keep(i, j) for j in range(per_side + 1)] for i in range(per_side + 1)]
    features: list[dict[str, Any]] = []
    count = 0

    def add_runs(cells: list[tuple[int, int]], along_selected: bool, name: str, cls: str) -> None:
        nonlocal count
        run: list[tuple[int, int]] = []

        def flush() -> None:
            nonlocal count
            if len(run) >= 2:
                features.append(
                    {
                        "type": "Feature",
                        "id": f"g{len(features)}",
                        "properties": {"name": name, "highway": cls},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [lonlat(*position(*c)) for c in run],
                        },
                    }
                )
                count += len(run) - 1
            run.clear()

        for c in cells:
            ok = kept[c[0]][c[1]]
            if ok and run and not along_selected:
                # off the selected lines, grid roads do not cross the boundary band
                prev_inside = rel(*position(*run[-1])) < 1.0
                if prev_inside != (rel(*position(*c)) < 1.0):
                    flush()
            if ok:
                run.append(c)
            else:
                flush()
        flush()

    for j in range(per_side + 1):
        cls = "乡道" if j % 5 == 0 else "村道"
        add_runs([(i, j) for i in range(per_side + 1)], j % every == 0, f"东西{j}路", cls)
    for i in range(per_side + 1):
        cls = "乡道" if i % 5 == 0 else "村道"
        add_runs([(i, j) for j in range(per_side + 1)], i % every == 0, f"南北{i}路", cls)

    # county roads: long lines across the district, through grid vertices they pass close to
    county_points: list[list[list[float]]] = []
    for k in range(12):
        theta = math.pi * k / 12 + rng.uniform(-0.1, 0.1)
        offset = rng.uniform(-0.4, 0.4) * radius_m
        length = 2 * 1.25 * radius_m
        ux, uy = math.cos(theta), math.sin(theta)
        coords: list[list[float]] = []
        steps = int(length / 120.0)
        for s in range(steps + 1):
            d = -length / 2 + s * length / steps
            wobble = 300.0 * math.sin(d / 2500.0 + k)
            x = d * ux - (offset + wobble) * uy
            y = d * uy + (offset + wobble) * ux
            i = round((x + outer * radius_m) / spacing)
            j = round((y + outer * radius_m) / spacing)
            if 0 <= i <= per_side and 0 <= j <= per_side and kept[i][j]:
                gx, gy = position(i, j)
                if math.hypot(gx - x, gy - y) < 0.3 * spacing:
                    x, y = gx, gy
            point = lonlat(x, y)
            if not coords or coords[-1] != point:
                coords.append(point)
        cls = "省道" if k % 4 == 0 else "县道"
        name = f"S{200 + k}" if cls == "省道" else f"X{100 + k}"
        features.append(
            {
                "type": "Feature",
                "id": f"c{k}",
                "properties": {"name": name, "highway": cls},
                "geometry": {"type": "LineString", "coordinates": coords},
            }
        )
        county_points.append(coords)
        count += len(coords) - 1
    roads = {"type": "FeatureCollection", "features": features}

    def xy(p: list[float]) -> tuple[float, float]:
        return ((p[0] - lon0) * kx, (p[1] - lat0) * ky)

    points: list[tuple[str, float, float]] = []
    # a checkpoint ~300 m inside the first crossing of half of the county roads
    for k, coords in enumerate(county_points[:6]):
        for p in coords:
            if rel(*xy(p)) < 0.985:
                x, y = xy(p)
                points.append((f"P{k + 1}", round(lon0 + (x + 20.0) / kx, 7), round(lat0 + y / ky, 7)))
                break
    middle = county_points[0][len(county_points[0]) // 2]
    points.append(("P-centre", middle[0], middle[1]))
    lake_lonlat = lonlat(lake[0], lake[1])
    points.append(("P-lake", lake_lonlat[0], lake_lonlat[1]))
    far = lonlat(2.0 * radius_m, 2.0 * radius_m)
    points.append(("P-far", far[0], far[1]))
    return SyntheticDistrict(roads, boundary, points, count)

"""The battle map's geometry: GeoJSON parsing and validation, projection, simplification, path data.

``_polygons`` turns a unit's GeoJSON (Polygon, MultiPolygon, a Feature of one) into rings in lon/lat,
or nothing when it is unusable; ``_project`` frames every unit in the map area (equirectangular,
longitude scaled by the cosine of the mean latitude), simplifies the rings by Douglas–Peucker
(``_simplify``) and writes them as path data on a 0.1 px grid (``_ring_path``), giving a ``_Drawn``
per unit that has a boundary. See ``regionmap_svg`` for the sizes and costs. Stdlib only.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

CHUNKS = 16  # a ring's simplification starts from up to this many chains
_KM_PER_DEGREE = 111.195  # one degree of latitude on a sphere of the mean Earth radius

# A ring: longitudes, latitudes (closing point dropped), and its box (west, south, east, north).
_Ring = tuple[Sequence[float], Sequence[float], tuple[float, float, float, float]]
_BAD = (TypeError, ValueError, KeyError, IndexError, OverflowError, AttributeError, StopIteration)


class _BadCoordinate(Exception):
    """A coordinate that is not a finite longitude/latitude: the whole geometry is unusable."""


def _area2(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Twice the signed area of a ring, computed about its first point (no cancellation)."""
    x0, y0 = xs[0], ys[0]
    cx = [x - x0 for x in xs]
    cy = [y - y0 for y in ys]
    return math.sumprod(cx, cy[1:] + cy[:1]) - math.sumprod(cx[1:] + cx[:1], cy)


def _ring(raw: Any) -> _Ring | None:
    """One ring in lon/lat, or None when it has fewer than 3 distinct points or no area.

    Raises ``_BadCoordinate`` (or a TypeError and the like) for a position that is not a pair of
    finite numbers in range.
    """
    if not raw:
        return None
    xs: Sequence[float] = [p[0] for p in raw]
    ys: Sequence[float] = [p[1] for p in raw]
    # A sum is finite only if every term is (an overflow needs terms far out of range): one fast pass.
    if not (math.isfinite(sum(xs)) and math.isfinite(sum(ys))):
        raise _BadCoordinate
    west, east, south, north = min(xs), max(xs), min(ys), max(ys)
    if west < -180 or east > 180 or south < -90 or north > 90:
        raise _BadCoordinate
    if len(xs) > 1 and xs[0] == xs[-1] and ys[0] == ys[-1]:
        xs, ys = xs[:-1], ys[:-1]
    n = len(xs)
    if n < 3 or west == east or south == north:
        return None
    limit = 1e-9 * (east - west) * (north - south)
    # A sample of about 16 points decides for large rings; the full ring only when the sample is flat.
    step = max(1, n // 16)
    if step == 1 or abs(_area2(xs[::step], ys[::step])) <= limit:
        if abs(_area2(xs, ys)) <= limit:
            return None  # collinear: no area
    return xs, ys, (float(west), float(south), float(east), float(north))


def _polygons(geometry: Any) -> list[list[_Ring]]:
    """The polygons of a GeoJSON geometry, each a list of rings (exterior first); [] if unusable."""
    try:
        if not isinstance(geometry, Mapping):
            return []
        kind = geometry.get("type")
        if kind == "Feature":
            geometry = geometry.get("geometry")
            if not isinstance(geometry, Mapping):
                return []
            kind = geometry.get("type")
        if kind == "Polygon":
            raw_polygons = [geometry["coordinates"]]
        elif kind == "MultiPolygon":
            raw_polygons = list(geometry["coordinates"])
        else:
            return []
        polygons: list[list[_Ring]] = []
        for raw_polygon in raw_polygons:
            rings: list[_Ring] = []
            for k, raw_ring in enumerate(raw_polygon):
                ring = _ring(raw_ring)
                if ring is None:
                    if k == 0:
                        break  # no exterior: its holes mean nothing
                    continue
                rings.append(ring)
            if rings:
                polygons.append(rings)
        return polygons
    except (_BadCoordinate, *_BAD):
        return []


def _simplify(xs: Sequence[float], ys: Sequence[float], tolerance: float, aspect: float) -> list[int]:
    """Douglas–Peucker on a closed ring (no closing point): the indices of the points kept.

    Runs on longitude/latitude: ``aspect`` is the x scale (cos latitude) and ``tolerance`` is in
    degrees of latitude; the cross product's common factor ``aspect`` is taken out, so no point is
    projected before it is known to be kept. The ring starts cut into up to ``CHUNKS`` chains of at
    least 12 points at fixed vertices (kept: a few more vertices than strictly needed, about 9 % more
    bytes) so that the first levels, which would visit every point, are skipped: in pure Python the
    cost is per call and per visited point, and this takes a fifth off the time.
    """
    n = len(xs)
    if n <= 4:
        return list(range(n))
    px = [*xs, xs[0]]
    py = [*ys, ys[0]]
    k2 = aspect * aspect
    tol2 = tolerance * tolerance
    step = max(2, n // max(2, min(CHUNKS, n // 12)))
    kept = list(range(0, n, step))
    stack: list[int] = []
    for a, b in zip(kept, [*kept[1:], n], strict=True):
        if b - a > 1:
            stack += (a, b)
    pop = stack.pop
    keep = kept.append
    while stack:
        j = pop()
        i = pop()
        ax = px[i]
        ay = py[i]
        dx = px[j] - ax
        dy = py[j] - ay
        length2 = k2 * dx * dx + dy * dy
        if length2 > 0:
            # Signed cross products, offset c apart: the farthest point is the max or the min.
            c = dx * ay - dy * ax
            cross = [dy * x - dx * y for x, y in zip(px[i + 1 : j], py[i + 1 : j], strict=False)]
            high = max(cross)
            low = min(cross)
            worst = high + c if high + c >= -(low + c) else -(low + c)
            if k2 * worst * worst <= tol2 * length2:
                continue
            k = cross.index(high if high + c >= -(low + c) else low) + i + 1
        else:
            dist = [
                k2 * (x - ax) * (x - ax) + (y - ay) * (y - ay)
                for x, y in zip(px[i + 1 : j], py[i + 1 : j], strict=False)
            ]
            worst = max(dist)
            if worst <= tol2:
                continue
            k = dist.index(worst) + i + 1
        keep(k)
        if k - i > 1:
            stack += (i, k)
        if j - k > 1:
            stack += (k, j)
    kept.sort()
    return kept


@lru_cache(maxsize=512)
def _template(steps: int) -> str:
    return "M%g %gl" + " ".join(["%g %g"] * steps) + "z"


def _ring_path(qx: list[int], qy: list[int]) -> str:
    """Path data of a ring given in tenths of a pixel: the first point, then relative steps (between
    rounded points, so no drift); "" when fewer than 3 distinct points remain."""
    if len(qx) < 3:
        return ""
    if (len(qx) <= 12 or max(qx) - min(qx) + max(qy) - min(qy) < 3) and len(
        set(zip(qx, qy, strict=True))
    ) < 3:
        return ""  # a sub-pixel ring rounds to fewer than 3 distinct points
    sx = [(b - a) / 10 for a, b in itertools.pairwise(qx)]
    sy = [(b - a) / 10 for a, b in itertools.pairwise(qy)]
    steps = itertools.chain.from_iterable(zip(sx, sy, strict=True))
    return (_template(len(sx)) % (qx[0] / 10, qy[0] / 10, *steps)).replace(" -", "-")


# An edge (x1, y1, x2, y2) in pixels.
_Edge = tuple[float, float, float, float]


@dataclass(slots=True)
class _Drawn:
    """A unit with usable geometry, once projected: path data, rings and box in pixels."""

    index: int
    d: str
    rings: list[tuple[list[int], list[int]]]  # in tenths of a pixel
    box: tuple[float, float, float, float]  # west, north, east, south in pixels

    def edges(self) -> list[_Edge]:
        """Every ring's edges in pixels, for placing the label (built only for units big enough)."""
        edges: list[_Edge] = []
        for qx, qy in self.rings:
            xs = [x / 10 for x in qx]
            ys = [y / 10 for y in qy]
            edges.extend(zip(xs, ys, xs[1:] + xs[:1], ys[1:] + ys[:1], strict=True))
        return edges


def _project(
    polygons: list[list[list[_Ring]]], map_x0: float, map_y0: float, map_x1: float, map_y1: float
) -> tuple[list[_Drawn], float]:
    """Frame, project, simplify and write the units' polygons in the map area given in pixels.

    Returns a ``_Drawn`` for each unit with usable geometry (in input order; ``index`` is the unit's
    index in ``polygons``) and the kilometres per pixel (0 when nothing is drawn).
    """
    boxes = [ring[2] for unit_polygons in polygons for rings in unit_polygons for ring in rings[:1]]
    drawn: list[_Drawn] = []
    km_per_px = 0.0
    if boxes:
        west = min(b[0] for b in boxes)
        south = min(b[1] for b in boxes)
        east = max(b[2] for b in boxes)
        north = max(b[3] for b in boxes)
        coslat = math.cos(math.radians((south + north) / 2))
        span_x = max((east - west) * coslat, 1e-12)
        span_y = max(north - south, 1e-12)
        pad = 8.0
        scale = min((map_x1 - map_x0 - 2 * pad) / span_x, (map_y1 - map_y0 - 2 * pad) / span_y)
        kx = coslat * scale
        ox = map_x0 + (map_x1 - map_x0 - span_x * scale) / 2 - west * kx
        oy = map_y0 + (map_y1 - map_y0 - span_y * scale) / 2 + north * scale
        km_per_px = _KM_PER_DEGREE / scale
        tolerance = 0.5 / scale  # half a pixel, in degrees of latitude
        kx10, ox10, scale10, oy10 = kx * 10, ox * 10, scale * 10, oy * 10
        for index, unit_polygons in enumerate(polygons):
            if not unit_polygons:
                continue
            parts: list[str] = []
            drawn_rings: list[tuple[list[int], list[int]]] = []
            for rings in unit_polygons:
                for k, (lons, lats, _box) in enumerate(rings):
                    kept = _simplify(lons, lats, tolerance, coslat)
                    # Projected straight to tenths of a pixel, the grid the path is written on.
                    qx = [round(lons[i] * kx10 + ox10) for i in kept]
                    qy = [round(oy10 - lats[i] * scale10) for i in kept]
                    d = _ring_path(qx, qy)
                    if not d and len(kept) < len(lons):
                        qx = [round(x * kx10 + ox10) for x in lons]  # too small to simplify: all points
                        qy = [round(oy10 - y * scale10) for y in lats]
                        d = _ring_path(qx, qy)
                    if not d:
                        if k == 0:
                            break  # smaller than a tenth of a pixel
                        continue
                    parts.append(d)
                    drawn_rings.append((qx, qy))
            if not parts:
                # Too small to draw at this scale: a dot at its place keeps it visible and clickable.
                lons, lats, (w, s, e, n) = unit_polygons[0][0]
                cx, cy = (w + e) / 2 * kx + ox, oy - (s + n) / 2 * scale
                parts.append(f"M{cx - 2:.1f} {cy:.1f}a2 2 0 1 0 4 0a2 2 0 1 0-4 0z")
                drawn_rings = []
            outer = [rings[0][2] for rings in unit_polygons]
            box = (
                min(b[0] for b in outer) * kx + ox,
                oy - max(b[3] for b in outer) * scale,
                max(b[2] for b in outer) * kx + ox,
                oy - min(b[1] for b in outer) * scale,
            )
            drawn.append(_Drawn(index, "".join(parts), drawn_rings, box))
    return drawn, km_per_px

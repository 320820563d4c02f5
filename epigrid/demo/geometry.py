"""Rectangular boundaries for the demo tree: each region's box is cut into its children's boxes.

Children tile their parent exactly, so no two regions of one level overlap and every grid lies inside
its village, town and district, which is all the server-side SVG map needs. Coordinates are
longitude/latitude (WGS 84) rounded to 6 decimals (about 0.1 m).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Longitude/latitude of the demo district's centre: the Yellow River valley in Gansu, where the
# district's fictional county code (6201xx) would put it.
CENTRE = (103.72, 36.10)
# Degrees of longitude per unit of sqrt(area weight); latitude is scaled to keep cells roughly square.
DEGREES_PER_ROOT_WEIGHT = 0.02
_LAT_SCALE = math.cos(math.radians(CENTRE[1]))


@dataclass(frozen=True, slots=True)
class Box:
    west: float
    south: float
    east: float
    north: float

    def polygon(self) -> dict[str, Any]:
        """Return the box as a GeoJSON Polygon, exterior ring counter-clockwise (RFC 7946)."""
        w, s, e, n = (round(v, 6) for v in (self.west, self.south, self.east, self.north))
        return {"type": "Polygon", "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]]}


def district_box(total_weight: float) -> Box:
    """Return a box around ``CENTRE`` whose area grows with the total weight of its villages."""
    width = DEGREES_PER_ROOT_WEIGHT * math.sqrt(total_weight) * 1.2
    height = width / 1.2 * _LAT_SCALE
    lon, lat = CENTRE
    return Box(lon - width / 2, lat - height / 2, lon + width / 2, lat + height / 2)


def split(box: Box, weights: Sequence[float]) -> list[Box]:
    """Cut ``box`` into one box per weight, in order, each box's area its share of the weights.

    Recursive bisection: the weights are halved where their running sum is closest to half, and the
    box is cut across its longer side at that share, which keeps cells near square when the weights
    are alike. The last cut of every side ends exactly on the parent's edge, so nothing is left over.
    """
    n = len(weights)
    if n == 0:
        return []
    if n == 1:
        return [box]
    total = float(sum(weights))
    if total <= 0:
        weights, total = [1.0] * n, float(n)
    running, cut, best = 0.0, 1, math.inf
    for i in range(1, n):
        running += weights[i - 1]
        gap = abs(running - total / 2)
        if gap < best:
            cut, best = i, gap
    share = sum(weights[:cut]) / total
    if (box.east - box.west) * _LAT_SCALE >= box.north - box.south:
        middle = box.west + (box.east - box.west) * share
        first, second = (
            Box(box.west, box.south, middle, box.north),
            Box(middle, box.south, box.east, box.north),
        )
    else:
        middle = box.north - (box.north - box.south) * share
        first, second = Box(box.west, middle, box.east, box.north), Box(box.west, box.south, box.east, middle)
    return split(first, weights[:cut]) + split(second, weights[cut:])

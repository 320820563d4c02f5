"""Rectangular boundaries for the demo tree: each region's box is cut into its children's boxes.

A strip treemap: the children are dealt into rows of about equal count, a row's height is its share of
the weight and a child's width its share of the row. Children tile their parent exactly, so no two
regions of one level overlap and every grid lies inside its village, town and district, which is all
the server-side SVG map needs. Coordinates are longitude/latitude (WGS 84) rounded to 6 decimals.
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
    """Cut ``box`` into one box per weight, in reading order (north-west first), areas by weight."""
    n = len(weights)
    if n == 0:
        return []
    width = (box.east - box.west) * _LAT_SCALE
    height = box.north - box.south
    rows = max(1, min(n, round(math.sqrt(n * height / width)))) if width > 0 else 1
    total = float(sum(weights)) or 1.0
    boxes: list[Box] = []
    north = box.north
    for row in range(rows):
        start, stop = row * n // rows, (row + 1) * n // rows
        row_weights = weights[start:stop]
        row_total = float(sum(row_weights)) or 1.0
        # The last row and the last cell end exactly on the parent's edge, so rounding never leaves a gap.
        south = box.south if row == rows - 1 else north - height * row_total / total
        west = box.west
        acc = 0.0
        for i, weight in enumerate(row_weights):
            acc += weight
            east = box.east if i == len(row_weights) - 1 else box.west + (box.east - box.west) * acc / row_total
            boxes.append(Box(west, south, east, north))
            west = east
        north = south
    return boxes

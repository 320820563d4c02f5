"""Text on the battle map: XML escaping, text width, fitting and the unit labels' placement.

``_text`` escapes every text of the document; ``_em``, ``_abbreviate`` and ``_cut`` estimate a text's
width and shorten it (administrative suffix dropped, "…"); ``_anchor`` finds an interior point for a
horizontal label by scanlines over the unit's edges, ``_box_inside`` checks the label's box against
the boundary, and ``_labels`` writes the names (and short labels) sized to the room. Stdlib only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from epigrid.lib.regionmap_classes import MapLegend, MapUnit, _lightness
from epigrid.lib.regionmap_geometry import _Drawn, _Edge

MIN_FONT = 9.0  # px; about 7 pt on A4 landscape
MAX_FONT = 16.0

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SUFFIXES = (
    "街道办事处",
    "社区居委会",
    "村民委员会",
    "居民委员会",
    "办事处",
    "居委会",
    "村委会",
    "街道",
    "社区",
    "网格",
    "镇",
    "乡",
    "村",
)


def _text(value: object) -> str:
    """Escape for XML text and attribute values, dropping characters XML cannot carry."""
    raw = _NOT_XML.sub("", str(value))
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _em(text: str) -> float:
    """Width of a text in em: CJK and other wide characters 1, the rest about 0.6."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in text)


def _abbreviate(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _cut(text: str, em: float) -> str:
    """Shorten a text to at most ``em`` em, with "…" when cut."""
    if _em(text) <= em:
        return text
    out, used = "", 1.0
    for ch in text:
        used += _em(ch)
        if used > em:
            break
        out += ch
    return out + "…"


# ---------------------------------------------------------------------------------------------
# Placement
# ---------------------------------------------------------------------------------------------


def _cross_h(edges: list[_Edge], y: float) -> list[float]:
    """Where the horizontal line at y crosses the boundary, sorted."""
    return sorted([x1 + (y - y1) * (x2 - x1) / (y2 - y1) for x1, y1, x2, y2 in edges if (y1 > y) != (y2 > y)])


def _cross_v(edges: list[_Edge], x: float) -> list[float]:
    return sorted([y1 + (x - x1) * (y2 - y1) / (x2 - x1) for x1, y1, x2, y2 in edges if (x1 > x) != (x2 > x)])


def _run(crossings: list[float], at: float) -> tuple[float, float] | None:
    """The interior run (even-odd) of a scanline that contains ``at``."""
    for k in range(0, len(crossings) - 1, 2):
        if crossings[k] <= at <= crossings[k + 1]:
            return crossings[k], crossings[k + 1]
    return None


def _box_inside(edges: list[_Edge], cx: float, cy: float, half_w: float, half_h: float) -> bool:
    """Whether the four sides of a box lie inside (no boundary crosses them, the corner is inside)."""
    left, right, top, bottom = cx - half_w, cx + half_w, cy - half_h, cy + half_h
    for y in (top, bottom):
        crossings = _cross_h(edges, y)
        if any(left < c < right for c in crossings) or sum(1 for c in crossings if c <= left) % 2 == 0:
            return False
    for x in (left, right):
        if any(top < c < bottom for c in _cross_v(edges, x)):
            return False
    return True


def _anchor(edges: list[_Edge], box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """An interior point for a horizontal label and the room there: (x, y, width, height)."""
    _west, north, _east, south = box
    height = south - north
    lines = 3 if height < 40 else 5 if height < 160 else 7
    candidates: list[tuple[float, int, float, float]] = []
    for i in range(lines):
        y = north + height * (i + 0.5) / lines
        crossings = _cross_h(edges, y)
        best: tuple[float, float] | None = None
        for k in range(0, len(crossings) - 1, 2):
            if best is None or crossings[k + 1] - crossings[k] > best[1] - best[0]:
                best = (crossings[k], crossings[k + 1])
        if best is not None:
            candidates.append((-(best[1] - best[0]), i, (best[0] + best[1]) / 2, y))
    candidates.sort()
    chosen = (0.0, 0.0, 0.0, 0.0)
    for negative_width, _i, x, y in candidates[: 1 if height < 40 else 3]:
        width, height_room = -negative_width, 0.0
        vertical = _run(_cross_v(edges, x), y)
        if vertical is not None:
            y, height_room = (vertical[0] + vertical[1]) / 2, vertical[1] - vertical[0]
            horizontal = _run(_cross_h(edges, y), x)
            if horizontal is not None:
                x, width = (horizontal[0] + horizontal[1]) / 2, horizontal[1] - horizontal[0]
        if min(width, 2.5 * height_room) > min(chosen[2], 2.5 * chosen[3]):
            chosen = (x, y, width, height_room)
    return chosen


def _labels(units: Sequence[MapUnit], drawn: list[_Drawn], legend: MapLegend) -> list[str]:
    """Names (and short labels) inside the units, sized to the room, light on dark fills."""
    out = [
        '<g class="rm-labels" pointer-events="none" text-anchor="middle" fill="#111827" stroke="#ffffff" '
        'stroke-width="2.5" stroke-linejoin="round" paint-order="stroke">'
    ]
    for item in drawn:
        west, north, east, south = item.box
        unit = units[item.index]
        name = " ".join(unit.name.split())
        extra = " ".join((unit.label or "").split())
        if not name or not item.rings:
            continue
        short = _abbreviate(name)
        if (east - west) * 0.92 < _em(short) * MIN_FONT or (south - north) * 0.92 < 1.2 * MIN_FONT:
            continue  # not even the short name fits the box around the unit
        edges = item.edges()
        x, y, room_w, room_h = _anchor(edges, item.box)
        if room_w < MIN_FONT or room_h < MIN_FONT:
            continue
        attempts = [(name, extra), (name, ""), (short, "")] if extra else [(name, ""), (short, "")]
        placed: tuple[str, str, float] | None = None
        for text, sub in attempts:
            em_w = max(_em(text), 0.8 * _em(sub)) if sub else _em(text)
            em_h = 2.2 if sub else 1.2
            size = min(MAX_FONT, 0.92 * room_w / em_w, 0.92 * room_h / em_h)
            for _try in range(2):
                if size < MIN_FONT:
                    break
                if _box_inside(edges, x, y, em_w * size / 2, em_h * size / 2):
                    placed = (text, sub, size)
                    break
                size *= 0.8
            if placed:
                break
        if placed is None:
            continue
        text, sub, size = placed
        entry = legend.entries[legend.assignment[item.index]]
        dark = not entry.hatched and _lightness(entry.fill) < 55
        colour = ' class="rm-name rm-on-dark" fill="#ffffff" stroke="#1f2937"' if dark else ' class="rm-name"'
        if sub:
            out.append(
                f'<text{colour} x="{x:.1f}" y="{y - 0.15 * size:.1f}" font-size="{size:.1f}">'
                f"{_text(text)}</text>"
                f'<text{colour.replace("rm-name", "rm-sub")} x="{x:.1f}" y="{y + 0.88 * size:.1f}" '
                f'font-size="{0.8 * size:.1f}">{_text(sub)}</text>'
            )
        else:
            out.append(
                f'<text{colour} x="{x:.1f}" y="{y + 0.35 * size:.1f}" font-size="{size:.1f}">'
                f"{_text(text)}</text>"
            )
    out.append("</g>")
    return out

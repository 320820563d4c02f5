"""The coverage map as a self-contained SVG drawn on the server (no script, no external resource)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from epigrid.lib.roadnet import Boundary, Coord, Coverage, RoadSet

# ---------------------------------------------------------------------------------------------
# SVG map
# ---------------------------------------------------------------------------------------------

SVG_FONT = "Noto Sans CJK SC, Microsoft YaHei, sans-serif"
_ROAD_STYLE = {0: ("#b45309", 3.0), 1: ("#d97706", 2.4), 2: ("#6b7280", 1.6), 3: ("#9ca3af", 0.7)}


def _text(value: object) -> str:
    """XML-escaped text without the control characters XML does not allow."""
    raw = "".join(ch for ch in str(value) if ch >= " " or ch in "\t\n\r")
    return raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def render_svg(
    roads: RoadSet,
    boundary: Boundary,
    coverage: Coverage | None = None,
    *,
    width: int = 900,
    height: int | None = None,
    labels: bool = True,
) -> str:
    """A self-contained SVG map: boundary, roads, monitoring points, blind spots and proposals.

    Equirectangular projection fitted to the boundary's bounding box (aspect ratio kept). Each
    road feature is one <path>, vertices closer than 1 px to the previous one dropped.
    """
    min_lon, min_lat, max_lon, max_lat = boundary.bbox
    coslat = math.cos(math.radians((min_lat + max_lat) / 2.0))
    span_x = max((max_lon - min_lon) * coslat, 1e-9)
    span_y = max(max_lat - min_lat, 1e-9)
    pad = 12.0
    if height is None:
        height = round((width - 2 * pad) * span_y / span_x + 2 * pad)
    scale = min((width - 2 * pad) / span_x, (height - 2 * pad) / span_y)
    off_x = (width - span_x * scale) / 2.0
    off_y = (height - span_y * scale) / 2.0

    def px(lon: float, lat: float) -> tuple[float, float]:
        return (off_x + (lon - min_lon) * coslat * scale, off_y + (max_lat - lat) * scale)

    def path(lines: Iterable[Sequence[Coord]], close: bool = False) -> str:
        parts: list[str] = []
        for line in lines:
            kept: list[tuple[float, float]] = []
            last = len(line) - 1
            for k, (lon, lat) in enumerate(line):
                x, y = px(lon, lat)
                if kept and k != last:
                    lx, ly = kept[-1]
                    if (x - lx) * (x - lx) + (y - ly) * (y - ly) < 1.0:
                        continue
                kept.append((x, y))
            if len(kept) < 2:
                continue
            coords = "L".join(f"{x:.1f} {y:.1f}" for x, y in kept[1:])
            parts.append(f"M{kept[0][0]:.1f} {kept[0][1]:.1f}L{coords}" + ("Z" if close else ""))
        return "".join(parts)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{SVG_FONT}" font-size="12">',
        f"<title>{_text(boundary.name or '辖区')} 道路监测点覆盖</title>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<path d="{path(boundary.rings, close=True)}" fill="#f0f9ff" fill-rule="evenodd" '
        'stroke="#1d4ed8" stroke-width="1.5" stroke-dasharray="6 3"/>',
    ]
    for rank in (3, 2, 1, 0):
        colour, stroke = _ROAD_STYLE[rank]
        group = [road for road in roads.roads if road.rank == rank]
        if not group:
            continue
        out.append(f'<g fill="none" stroke="{colour}" stroke-width="{stroke}" stroke-linecap="round">')
        for road in group:
            d = path(road.lines)
            if d:
                out.append(f'<path d="{d}"><title>{_text(road.label)} {_text(road.cls)}</title></path>')
        out.append("</g>")
    if coverage is not None:
        out.append('<g stroke="#15803d" fill="#22c55e">')
        for point in coverage.points:
            if point.status != "used" or point.snap_lon is None or point.snap_lat is None:
                continue
            x, y = px(point.snap_lon, point.snap_lat)
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5"><title>监测点 {_text(point.id)}</title></circle>'
            )
        out.append("</g>")
        out.append('<g stroke="#dc2626" stroke-width="2.5" stroke-linecap="round">')
        for entry in coverage.blind_spots:
            x, y = px(entry.lon, entry.lat)
            title = f"盲区: {entry.road_name or '#' + entry.road_id} {entry.road_class}".strip()
            out.append(
                f'<path d="M{x - 5:.1f} {y - 5:.1f}L{x + 5:.1f} {y + 5:.1f}M{x - 5:.1f} {y + 5:.1f}'
                f'L{x + 5:.1f} {y - 5:.1f}"><title>{_text(title)}</title></path>'
            )
        out.append("</g>")
        out.append('<g fill="#f97316" stroke="#9a3412">')
        for proposal in coverage.proposals:
            x, y = px(proposal.lon, proposal.lat)
            title = f"建议新增 {proposal.number}: {'、'.join(proposal.road_names)}"
            out.append(
                f'<rect x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12">'
                f"<title>{_text(title)}</title></rect>"
            )
            if labels:
                out.append(
                    f'<text x="{x + 8:.1f}" y="{y - 6:.1f}" fill="#9a3412" stroke="none" '
                    f'font-size="11">{proposal.number}</text>'
                )
        out.append("</g>")
    legend_y = 14
    out.append(
        f'<g><rect x="8" y="{legend_y - 8}" width="110" height="66" fill="#ffffff" fill-opacity="0.85" '
        'stroke="#d1d5db"/>'
        f'<circle cx="20" cy="{legend_y + 6}" r="5" fill="#22c55e" stroke="#15803d"/>'
        f'<text x="32" y="{legend_y + 10}">监测点</text>'
        f'<path d="M15 {legend_y + 21}L25 {legend_y + 31}M15 {legend_y + 31}L25 {legend_y + 21}" '
        'stroke="#dc2626" stroke-width="2.5"/>'
        f'<text x="32" y="{legend_y + 30}">盲区</text>'
        f'<rect x="14" y="{legend_y + 40}" width="12" height="12" fill="#f97316" stroke="#9a3412"/>'
        f'<text x="32" y="{legend_y + 50}">建议新增</text></g>'
    )
    out.append("</svg>")
    return "\n".join(out)

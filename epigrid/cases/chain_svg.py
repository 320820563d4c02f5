"""Draw one cluster's transmission chain as SVG on the server: no script, no library, nothing fetched.

Layered by generation, the index case on top. Inside a generation the people are ordered by the
position of the person through whom the walk reached them (siblings together under their parent),
then by id; a generation wider than ``columns`` wraps into several rows, so a cluster of 500 stays
about 1,400 px wide with 11 px labels, and the page puts it in a scrolling frame. Colour *and* shape
tell the classification (legible in grey print and for colour-blind readers); the index case wears a
black ring; people outside the reader's regions are drawn dashed and unnamed. Each edge names its
setting and last exposure in a ``<title>`` shown on hover, over a wide transparent stroke that is easy
to point at. Output is deterministic: same cluster and labels, same bytes.

Only presentation attributes are used (no ``style``): the site's CSP refuses inline styles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from epigrid.cases.chains import Cluster, Edge, Node
from epigrid.cases.models import Classification, Contact

COLUMNS = 24  # nodes per row before a generation wraps
DX = 56  # horizontal distance between nodes
DY = 58  # distance between rows of one generation
GAP = 22  # extra distance between generations
R = 9  # node radius
LEFT = 104  # room for the generation labels
RIGHT = 16
LEGEND_ITEM = 168
LEGEND_ROW = 24
LABEL_CHARS = 5  # longer labels are cut with "…"

# classification → (shape, fill, stroke); "" is a person with no classification recorded.
STYLE: dict[str, tuple[str, str, str]] = {
    Classification.CONFIRMED: ("circle", "#c62828", "#6d0000"),
    Classification.CLINICAL: ("circle", "#ef6c00", "#7a3600"),
    Classification.ASYMPTOMATIC: ("diamond", "#8e24aa", "#4a148c"),
    Classification.SUSPECTED: ("triangle", "#f9a825", "#7a5200"),
    Classification.FEVER_HOSPITAL: ("square", "#d81b60", "#6f0030"),
    Classification.FEVER_COMMUNITY: ("square", "#f48fb1", "#8c3b5a"),
    Classification.CLOSE_CONTACT: ("square", "#1e88e5", "#0d47a1"),
    Classification.SECONDARY_CONTACT: ("square", "#90caf9", "#3d6e99"),
    Classification.EXCLUDED: ("circle", "#ffffff", "#757575"),
    Classification.RECOVERED: ("circle", "#43a047", "#1b5e20"),
    Classification.DIED: ("circle", "#212121", "#000000"),
    "": ("circle", "#e0e0e0", "#757575"),
}
CLASS_ORDER = [*Classification.values, ""]  # legend and figures: the model's order, unclassified last


@dataclass(frozen=True)
class NodeLabel:
    """What the drawing says about one person: the text under the node, the hover text, a link."""

    text: str
    title: str
    href: str = ""
    in_scope: bool = True


def classification_label(value: str) -> str:
    """Return the display label of a classification ("" → not classified)."""
    if value in Classification.values:
        return str(Classification(value).label)
    return _("未分类")


def setting_label(value: str) -> str:
    if value in Contact.Setting.values:
        return str(Contact.Setting(value).label)
    return value


def _polygon(points: list[tuple[float, float]], paint: str) -> str:
    d = "L".join(f"{px:.1f} {py:.1f}" for px, py in points)
    return f'<path d="M{d}Z" {paint}/>'


def _shape(shape: str, x: float, y: float, r: float, fill: str, stroke: str, extra: str = "") -> str:
    paint = f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"{extra}'
    if shape == "square":
        h = r * 0.85
        return _polygon([(x - h, y - h), (x + h, y - h), (x + h, y + h), (x - h, y + h)], paint)
    if shape == "diamond":
        s = r * 1.25
        return _polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], paint)
    if shape == "triangle":
        s = r * 1.2
        return _polygon([(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)], paint)
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" {paint}/>'


def symbol(classification: str) -> SafeString:
    """Return the legend symbol of a classification as a small inline SVG, for lists beside the chart."""
    shape, fill, stroke = STYLE.get(classification, STYLE[""])
    drawn = _shape(shape, 10, 10, 7, fill, stroke)
    return mark_safe(  # noqa: S308 — built from the constant table above, no text
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain-symbol" width="20" height="20"'
        f' viewBox="0 0 20 20" aria-hidden="true">{drawn}</svg>'
    )


def _cut(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def layout(
    cluster: Cluster, *, columns: int = COLUMNS
) -> tuple[dict[int, tuple[float, float]], list[int], int]:
    """Place every member: return person → (x, y) centre, the y of each generation's first row, and
    the number of columns used (the widest row)."""
    layers = cluster.by_generation()
    cols = max(1, min(columns, max(len(layer) for layer in layers)))
    position: dict[int, tuple[float, float]] = {}
    order: dict[int, int] = {}
    tops: list[int] = []
    y = 0
    for g, layer in enumerate(layers):
        if g:
            layer = sorted(layer, key=lambda p: (order[cluster.parent[p]], p))
        tops.append(y)
        for start in range(0, len(layer), cols):
            row = layer[start : start + cols]
            offset = (cols - len(row)) * DX / 2
            for i, person_id in enumerate(row):
                order[person_id] = start + i
                position[person_id] = (LEFT + offset + i * DX + DX / 2, y + R + 6)
            y += DY
        y += GAP
    return position, tops, cols


def _edge(
    edge: Edge, position: Mapping[int, tuple[float, float]], labels: Mapping[int, NodeLabel], opacity: str
) -> str:
    (x1, y1), (x2, y2) = position[edge.case_id], position[edge.contact_id]
    when = edge.last_exposure.isoformat() if edge.last_exposure else _("不详")
    title = _("%(case)s → %(contact)s：%(setting)s，末次接触 %(date)s") % {
        "case": labels[edge.case_id].text,
        "contact": labels[edge.contact_id].text,
        "setting": setting_label(edge.setting),
        "date": when,
    }
    dx, dy = x2 - x1, y2 - y1
    length = max((dx * dx + dy * dy) ** 0.5, 1.0)
    # Stop short of the contact's symbol so the arrow head shows.
    ex, ey = x2 - dx / length * (R + 3), y2 - dy / length * (R + 3)
    if abs(dy) < 1:  # same row: bow the line so it does not run through the nodes between
        d = f"M{x1:.1f} {y1:.1f}Q{(x1 + x2) / 2:.1f} {y1 - DY / 2:.1f} {x2:.1f} {y2 - R - 2:.1f}"
    else:
        d = f"M{x1:.1f} {y1:.1f}L{ex:.1f} {ey:.1f}"
    return (
        f'<g><title>{escape(title)}</title><path d="{d}" fill="none" stroke="#78909c" stroke-width="1"'
        f' stroke-opacity="{opacity}" marker-end="url(#arrow)"/>'
        f'<path d="{d}" fill="none" stroke="#000" stroke-opacity="0" stroke-width="8"/></g>'
    )


def _legend(cluster: Cluster, labels: Mapping[int, NodeLabel], width: int) -> tuple[list[str], int]:
    items: list[tuple[str, str]] = []
    for value in CLASS_ORDER:
        n = cluster.counts.get(value, 0)
        if n:
            shape, fill, stroke = STYLE[value]
            symbol = _shape(shape, 0, 0, R, fill, stroke)
            items.append((symbol, f"{classification_label(value)} {n}"))
    ring = f'<circle cx="0" cy="0" r="{R + 4}" fill="none" stroke="#000" stroke-width="2"/>'
    items.append((ring + _shape("circle", 0, 0, R, "#ffffff", "#757575"), _("指示病例")))
    outside = sum(1 for p in cluster.members if not labels[p].in_scope)
    if outside:
        dashed = _shape("circle", 0, 0, R, "#ffffff", "#757575", ' stroke-dasharray="3 2"')
        items.append((dashed, _("辖区外人员 %(n)d") % {"n": outside}))
    per_row = max(1, (width - 16) // LEGEND_ITEM)
    parts = [f'<g font-size="12"><text x="8" y="16" font-weight="bold">{escape(_("图例"))}</text>']
    for i, (symbol, text) in enumerate(items):
        x = 8 + (i % per_row) * LEGEND_ITEM
        y = 26 + (i // per_row) * LEGEND_ROW + 12
        parts.append(f'<g transform="translate({x + R + 4} {y})">{symbol}</g>')
        parts.append(f'<text x="{x + 2 * R + 14}" y="{y + 4}">{escape(text)}</text>')
    parts.append("</g>")
    rows = (len(items) + per_row - 1) // per_row
    return parts, 26 + rows * LEGEND_ROW + 12


def render_chain_svg(
    cluster: Cluster, nodes: Mapping[int, Node], labels: Mapping[int, NodeLabel], *, columns: int = COLUMNS
) -> SafeString:
    """Return the SVG of ``cluster``; ``labels`` holds a ``NodeLabel`` for every member."""
    position, tops, cols = layout(cluster, columns=columns)
    width = max(LEFT + cols * DX + RIGHT, 560)
    legend, top = _legend(cluster, labels, width)
    body_height = (max(y for _x, y in position.values()) + R + 26) if position else 0
    height = int(top + body_height + 8)
    caption = _("传播链：指示病例 %(index)s，%(n)d 人，%(g)d 代") % {
        "index": labels[cluster.index_id].text,
        "n": cluster.size,
        "g": cluster.generations,
    }
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chain" width="{width}" height="{height}"'
        f' viewBox="0 0 {width} {height}" role="img" aria-labelledby="chain-title"'
        f' font-family="system-ui, \'Noto Sans CJK SC\', sans-serif" data-nodes="{cluster.size}">',
        f'<title id="chain-title">{escape(caption)}</title>',
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7"'
        ' orient="auto-start-reverse"><path d="M0 0L8 4L0 8Z" fill="#78909c"/></marker></defs>',
        *legend,
        f'<g transform="translate(0 {top})">',
    ]
    counts = [len(layer) for layer in cluster.by_generation()]
    for g, y in enumerate(tops):
        if g:
            rule = y - GAP / 2
            out.append(f'<line x1="8" y1="{rule:.1f}" x2="{width - 8}" y2="{rule:.1f}" stroke="#eceff1"/>')
        name = _("指示病例") if g == 0 else _("第%(g)d代") % {"g": g}
        out.append(
            f'<text x="8" y="{y + R + 10}" font-size="12" font-weight="bold">{escape(name)}</text>'
            f'<text x="8" y="{y + R + 26}" font-size="11" fill="#546e7a">'
            f"{escape(ngettext('%(n)d 人', '%(n)d 人', counts[g]) % {'n': counts[g]})}</text>"
        )
    out.append('<g class="edges">')
    # Many crossing lines of a big cluster read better fainter; the nodes stay fully drawn above them.
    opacity = "0.7" if len(cluster.edges) <= 100 else "0.45"
    out.extend(_edge(edge, position, labels, opacity) for edge in cluster.edges)
    out.append('</g><g class="nodes" font-size="11" text-anchor="middle">')
    for person_id in cluster.members:
        out.append(_node(person_id, cluster, nodes[person_id], labels[person_id], position[person_id]))
    out.append("</g></g></svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text and attribute above is escaped


def _node(person_id: int, cluster: Cluster, node: Node, label: NodeLabel, at: tuple[float, float]) -> str:
    x, y = at
    shape, fill, stroke = STYLE.get(node.classification, STYLE[""])
    dashed = "" if label.in_scope else ' stroke-dasharray="3 2"'
    parts = [f'<g data-person="{person_id}" data-class="{escape(node.classification)}">']
    parts.append(f"<title>{escape(label.title)}</title>")
    if label.href:
        parts.append(f'<a href="{escape(label.href)}">')
    if person_id == cluster.index_id:
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{R + 4}" fill="none" stroke="#000" stroke-width="2"/>'
        )
    parts.append(_shape(shape, x, y, R, fill, stroke, dashed))
    # Below the index's ring as well (R + 4): the label never touches a symbol.
    parts.append(f'<text x="{x:.1f}" y="{y + R + 17:.1f}">{escape(_cut(label.text))}</text>')
    if label.href:
        parts.append("</a>")
    parts.append("</g>")
    return "".join(parts)

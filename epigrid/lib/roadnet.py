"""Road coverage of a district: which roads enter it, which entries have no monitoring point.

Pure Python, standard library only (the Django app ``epigrid.checkpoints`` calls it).

* ``parse_roads`` / ``parse_boundary`` read GeoJSON (lines / polygons, [lon, lat] in WGS84 degrees)
  and raise ``RoadDataError`` with every problem found (up to ``MAX_ERRORS``), each naming the
  feature (counted from 1) and the field; nothing is returned when there is an error.
* ``analyse`` builds the road network, finds the boundary entries (县级交汇点), snaps the existing
  monitoring points, tells covered entries from blind spots and proposes the smallest set of new
  points (a minimum vertex cut, by max-flow) that covers every entry.
* ``render_svg`` draws all of it as one self-contained SVG.

Definitions (see ``analyse``): the *depth* of a node of the inside network is its road distance
from the nearest entry (the full inside network, existing points included). A node is *deep* when
its depth is at least ``depth_m``. An entry is *covered* when, with the monitoring points' nodes
removed, no deep node can be reached from it: every route from it that gets ``depth_m`` of road
into the district passes a monitoring point. It is a *dead end* when no deep node can be reached
from it even without any monitoring point.
"""

from __future__ import annotations

import heapq
import json
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise
from typing import Any

Coord = tuple[float, float]
MAX_ERRORS = 20
NAME_KEYS = ("name", "NAME", "Name", "名称", "道路名称", "路名")
CLASS_KEYS = ("highway", "class", "fclass", "等级", "道路等级", "level")
ID_KEYS = ("id", "ID", "编号", "osm_id")
# Rank of a road class: 0 national / motorway ... 3 local. Drawn thicker the lower the rank.
CLASS_RANK = {
    "国道": 0,
    "高速": 0,
    "高速公路": 0,
    "motorway": 0,
    "trunk": 0,
    "省道": 1,
    "primary": 1,
    "县道": 2,
    "secondary": 2,
    "tertiary": 2,
}
_KEY_SCALE = 1e6  # vertices equal after rounding to 1e-6 degree (~0.1 m) are one node
_EPS = 1e-9
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0


class RoadDataError(ValueError):
    """Bad road or boundary data; ``messages`` lists every problem found (Chinese, for users)."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(self.messages))


class _Errors:
    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []
        self.count = 0
        self.current = 0

    def add(self, message: str, index: int | None = None) -> None:
        """Note a problem of feature ``index`` (by default the one being read: ``current``)."""
        self.count += 1
        self.messages.append((self.current if index is None else index, message))

    def raise_if_any(self) -> None:
        if self.count:
            self.messages.sort(key=lambda item: item[0])
            messages = [message for _, message in self.messages[:MAX_ERRORS]]
            if self.count > MAX_ERRORS:
                messages.append(f"……另有 {self.count - MAX_ERRORS} 个错误未列出")
            raise RoadDataError(messages)


# ---------------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Road:
    """One road feature: ``index`` counts features from 1, ``lines`` are [(lon, lat), ...]."""

    index: int
    id: str
    name: str
    cls: str
    lines: list[list[Coord]]

    @property
    def rank(self) -> int:
        return road_rank(self.cls)

    @property
    def label(self) -> str:
        return self.name or f"#{self.id}"


def road_rank(cls: str) -> int:
    """0 (国道 / motorway) … 3 (乡道, 村道 and anything unknown)."""
    return CLASS_RANK.get(cls.strip().lower(), CLASS_RANK.get(cls.strip(), 3))


@dataclass(slots=True)
class RoadSet:
    roads: list[Road]

    @property
    def segment_count(self) -> int:
        return sum(len(line) - 1 for road in self.roads for line in road.lines)


@dataclass(slots=True)
class Boundary:
    """Polygons of the district, each ``[outer ring, *holes]``; rings are closed [(lon, lat), ...]."""

    polygons: list[list[list[Coord]]]
    name: str = ""

    @property
    def rings(self) -> list[list[Coord]]:
        return [ring for polygon in self.polygons for ring in polygon]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        lons = [p[0] for ring in self.rings for p in ring]
        lats = [p[1] for ring in self.rings for p in ring]
        return min(lons), min(lats), max(lons), max(lats)


def _load(data: bytes | bytearray | str | Mapping[str, Any]) -> Any:
    if isinstance(data, Mapping):
        return data
    if isinstance(data, bytes | bytearray):
        try:
            text = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RoadDataError(
                [f"不是有效的 GeoJSON: 文件不是 UTF-8 编码 (第 {exc.start + 1} 个字节)"]
            ) from None
    else:
        text = data.lstrip("\ufeff")
    if not text.strip():
        raise RoadDataError(["不是有效的 GeoJSON: 文件是空的"])
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RoadDataError([f"不是有效的 GeoJSON: 第 {exc.lineno} 行第 {exc.colno} 列: {exc.msg}"]) from None
    except RecursionError:
        raise RoadDataError(["不是有效的 GeoJSON: 嵌套层数过多"]) from None


_Feature = tuple[int, Any, Mapping[str, Any], Any]


def _features(obj: Any, errors: _Errors) -> list[_Feature]:
    """(index from 1, geometry, properties, id) of every feature of a GeoJSON object."""
    if not isinstance(obj, Mapping):
        raise RoadDataError(["不是有效的 GeoJSON: 最外层应是一个对象 (FeatureCollection、Feature 或几何)"])
    kind = obj.get("type")
    if kind == "FeatureCollection":
        items = obj.get("features")
        if not isinstance(items, list):
            raise RoadDataError(["不是有效的 GeoJSON: FeatureCollection 没有 features 列表"])
        out: list[_Feature] = []
        for i, item in enumerate(items, 1):
            if not isinstance(item, Mapping) or item.get("type") != "Feature":
                errors.add(f"第 {i} 个要素: 不是 Feature 对象 (type 字段)", i)
                continue
            out.append(_feature(i, item, errors))
        return out
    if kind == "Feature":
        return [_feature(1, obj, errors)]
    if isinstance(kind, str) and "coordinates" in obj:
        return [(1, obj, {}, None)]
    raise RoadDataError([f"不是有效的 GeoJSON: 未知的 type {str(kind)[:40]!r}"])


def _feature(index: int, item: Mapping[str, Any], errors: _Errors) -> _Feature:
    props = item.get("properties")
    if props is None:
        props = {}
    elif not isinstance(props, Mapping):
        errors.add(f"第 {index} 个要素: properties 不是对象", index)
        props = {}
    return (index, item.get("geometry"), props, item.get("id"))


def _prop(props: Mapping[str, Any], keys: Iterable[str]) -> str:
    for key in keys:
        value = props.get(key)
        if value is not None and not isinstance(value, Mapping | list) and str(value).strip():
            return str(value).strip()
    return ""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def _line(coords: Any, where: str, errors: _Errors, *, ring: bool = False) -> list[Coord] | None:
    """The positions of one line (or ring), or None after adding an error."""
    if not isinstance(coords, list) or not coords:
        errors.add(f"{where}: 没有坐标 (coordinates)")
        return None
    out: list[Coord] = []
    for j, p in enumerate(coords, 1):
        if type(p) is list and 2 <= len(p) <= 3:
            lon = p[0]
            lat = p[1]
            tlon = type(lon)
            tlat = type(lat)
            if (
                (tlon is float or tlon is int)
                and (tlat is float or tlat is int)
                and -180.0 <= lon <= 180.0
                and -90.0 <= lat <= 90.0
            ):
                point = (float(lon), float(lat))
                if not out or out[-1] != point:
                    out.append(point)
                continue
            if all(isinstance(v, int | float) and not isinstance(v, bool) for v in p[:2]):
                errors.add(
                    f"{where}: 第 {j} 个坐标 {_short(p)} 超出经纬度范围"
                    " (coordinates 应为 [经度 -180…180, 纬度 -90…90])"
                )
                return None
        errors.add(f"{where}: 第 {j} 个坐标 {_short(p)} 不是 [经度, 纬度] 数值 (coordinates)")
        return None
    if ring:
        if len(out) > 1 and out[0] == out[-1]:
            out.pop()
        if len(set(out)) < 3:
            errors.add(f"{where}: 环少于 3 个不同的点 (coordinates)")
            return None
        out.append(out[0])
    elif len(out) < 2:
        errors.add(f"{where}: 线至少需要两个不同的点 (coordinates)")
        return None
    return out


def parse_roads(data: bytes | bytearray | str | Mapping[str, Any]) -> RoadSet:
    """Read roads from GeoJSON (FeatureCollection, Feature or geometry of LineString/MultiLineString).

    Raises ``RoadDataError`` listing every bad feature ("第 12 个要素: 没有坐标 (coordinates)").
    """
    errors = _Errors()
    features = _features(_load(data), errors)
    roads: list[Road] = []
    for index, geometry, props, fid in features:
        where = f"第 {index} 个要素"
        errors.current = index
        if not isinstance(geometry, Mapping):
            errors.add(f"{where}: 没有几何 (geometry)")
            continue
        kind = geometry.get("type")
        coords = geometry.get("coordinates")
        lines: list[list[Coord]] = []
        if kind == "LineString":
            line = _line(coords, where, errors)
            if line is None:
                continue
            lines.append(line)
        elif kind == "MultiLineString":
            if not isinstance(coords, list) or not coords:
                errors.add(f"{where}: 没有坐标 (coordinates)")
                continue
            parts = [_line(c, f"{where}第 {k} 条线", errors) for k, c in enumerate(coords, 1)]
            if any(part is None for part in parts):
                continue
            lines.extend(part for part in parts if part is not None)
        else:
            errors.add(
                f"{where}: 几何类型 {str(kind)[:30]} 不是线"
                " (geometry.type 应为 LineString 或 MultiLineString)"
            )
            continue
        road_id = str(fid) if fid is not None and str(fid) else _prop(props, ID_KEYS) or str(index)
        roads.append(Road(index, road_id, _prop(props, NAME_KEYS), _prop(props, CLASS_KEYS), lines))
    if not features and not errors.count:
        errors.add("没有道路要素 (features 为空)")
    errors.raise_if_any()
    return RoadSet(roads)


def parse_boundary(data: bytes | bytearray | str | Mapping[str, Any]) -> Boundary:
    """Read the district boundary: Polygon / MultiPolygon (geometry, Feature or FeatureCollection).

    Several polygon features are taken together (a district in several pieces); holes are kept.
    """
    errors = _Errors()
    features = _features(_load(data), errors)
    polygons: list[list[list[Coord]]] = []
    name = ""
    for index, geometry, props, _fid in features:
        where = f"第 {index} 个要素"
        errors.current = index
        if not isinstance(geometry, Mapping):
            errors.add(f"{where}: 没有几何 (geometry)")
            continue
        kind = geometry.get("type")
        coords = geometry.get("coordinates")
        raw: Any
        if kind == "Polygon":
            raw = [coords]
        elif kind == "MultiPolygon":
            raw = coords if isinstance(coords, list) else None
        else:
            errors.add(
                f"{where}: 几何类型 {str(kind)[:30]} 不是面 (geometry.type 应为 Polygon 或 MultiPolygon)"
            )
            continue
        if not isinstance(raw, list) or not raw or any(not isinstance(p, list) or not p for p in raw):
            errors.add(f"{where}: 没有坐标 (coordinates)")
            continue
        feature_polygons: list[list[list[Coord]]] = []
        for k, polygon in enumerate(raw, 1):
            rings = []
            for r, ring in enumerate(polygon, 1):
                label = f"{where}" + (f"第 {k} 个面" if kind == "MultiPolygon" else "") + f"第 {r} 个环"
                rings.append(_line(ring, label, errors, ring=True))
            if all(ring is not None for ring in rings):
                feature_polygons.append([ring for ring in rings if ring is not None])
        polygons.extend(feature_polygons)
        name = name or _prop(props, NAME_KEYS)
    if not features and not errors.count:
        errors.add("没有边界要素 (features 为空)")
    errors.raise_if_any()
    return Boundary(polygons, name)


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Entry:
    """A place where a road enters the district (县级交汇点)."""

    index: int  # position in Coverage.entries
    lon: float
    lat: float
    kind: str  # "crossing" (the road crosses the boundary) or "endpoint" (the road ends on it)
    road: int  # feature index (from 1) of the road going inside
    road_id: str
    road_name: str
    road_class: str
    bearing: float  # compass bearing (0 north, 90 east) of the road going inside, degrees
    covered: bool
    dead_end: bool  # no road from here gets depth_m deep, even without any monitoring point
    covered_by: list[str] = field(default_factory=list)  # ids of the existing points that close it
    proposed_by: list[int] = field(default_factory=list)  # numbers of the proposals that close it


@dataclass(slots=True)
class RoadCrossing:
    """A road (features sharing a name, or one unnamed feature) with entries into the district."""

    name: str
    road_class: str
    features: list[int]
    entries: int
    blind_spots: int


@dataclass(slots=True)
class Proposal:
    number: int  # from 1, as drawn on the map
    lon: float
    lat: float
    road_names: list[str]
    covers: list[int]  # indexes of the entries it closes (with the existing points)
    at_entry: bool  # the proposed point is the entry itself


@dataclass(slots=True)
class PointStatus:
    id: str
    lon: float
    lat: float
    status: str  # "used", "not_on_road" (no inside road within snap_m) or "outside" (of the boundary)
    inside: bool  # the given location lies inside the boundary
    distance_m: float | None  # to the road point it was snapped to (None when not snapped)
    snap_lon: float | None
    snap_lat: float | None
    covers: list[int] = field(default_factory=list)  # indexes of the entries it closes


@dataclass(slots=True)
class Coverage:
    snap_m: float
    depth_m: float
    nodes: int  # all road network nodes (vertices after merging, crossings and snapped points)
    edges: int  # all road segments between nodes
    junctions: int  # nodes where three or more segments meet
    inside_nodes: int
    inside_edges: int
    deep_nodes: int  # inside nodes at least depth_m of road from every entry
    entries: list[Entry]
    roads_crossing: list[RoadCrossing]
    proposals: list[Proposal]
    points: list[PointStatus]
    timings_ms: dict[str, float]

    @property
    def blind_spots(self) -> list[Entry]:
        return [entry for entry in self.entries if not entry.covered]

    @property
    def points_not_on_road(self) -> list[PointStatus]:
        return [p for p in self.points if p.status == "not_on_road"]

    @property
    def points_outside(self) -> list[PointStatus]:
        return [p for p in self.points if p.status == "outside"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable; ``Coverage.from_dict`` rebuilds it."""
        out = asdict(self)
        out["summary"] = {
            "entries": len(self.entries),
            "blind_spots": len(self.blind_spots),
            "dead_ends": sum(1 for e in self.entries if e.dead_end),
            "proposals": len(self.proposals),
            "roads_crossing": len(self.roads_crossing),
        }
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Coverage:
        return cls(
            snap_m=float(data["snap_m"]),
            depth_m=float(data["depth_m"]),
            nodes=int(data["nodes"]),
            edges=int(data["edges"]),
            junctions=int(data["junctions"]),
            inside_nodes=int(data["inside_nodes"]),
            inside_edges=int(data["inside_edges"]),
            deep_nodes=int(data["deep_nodes"]),
            entries=[Entry(**e) for e in data["entries"]],
            roads_crossing=[RoadCrossing(**r) for r in data["roads_crossing"]],
            proposals=[Proposal(**p) for p in data["proposals"]],
            points=[PointStatus(**p) for p in data["points"]],
            timings_ms={str(k): float(v) for k, v in data["timings_ms"].items()},
        )


# ---------------------------------------------------------------------------------------------
# Geometry helpers
# ---------------------------------------------------------------------------------------------


class _Grid:
    """Uniform grid of cells holding item numbers, for bounding-box queries."""

    __slots__ = ("cell", "cells")

    def __init__(self, cell: float) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}

    def add(self, item: int, xa: float, ya: float, xb: float, yb: float) -> None:
        c = self.cell
        i0, i1 = math.floor(min(xa, xb) / c), math.floor(max(xa, xb) / c)
        j0, j1 = math.floor(min(ya, yb) / c), math.floor(max(ya, yb) / c)
        cells = self.cells
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                bucket = cells.get((i, j))
                if bucket is None:
                    cells[(i, j)] = [item]
                else:
                    bucket.append(item)

    def query(self, xa: float, ya: float, xb: float, yb: float) -> set[int]:
        c = self.cell
        out: set[int] = set()
        cells = self.cells
        for i in range(math.floor(xa / c), math.floor(xb / c) + 1):
            for j in range(math.floor(ya / c), math.floor(yb / c) + 1):
                bucket = cells.get((i, j))
                if bucket:
                    out.update(bucket)
        return out


class _Region:
    """The boundary in local metres: crossing tests, point in polygon (even-odd, so holes work)."""

    def __init__(self, boundary: Boundary, lon0: float, lat0: float, kx: float, ky: float) -> None:
        edges: list[tuple[float, float, float, float]] = []
        for ring in boundary.rings:
            pts = [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in ring]
            for (ax, ay), (bx, by) in pairwise(pts):
                if (ax, ay) != (bx, by):
                    edges.append((ax, ay, bx, by))
        self.edges = edges
        xs = [e[0] for e in edges]
        ys = [e[1] for e in edges]
        span = max(max(xs) - min(xs), max(ys) - min(ys), 1.0)
        # about as many cells across as sqrt(edges) * 4, at least a few hundred metres
        self.cell = max(span / max(16.0, 4.0 * math.sqrt(len(edges))), 50.0)
        self.grid = _Grid(self.cell)
        self.strips: dict[int, list[tuple[float, float, float, float]]] = {}
        for k, (ax, ay, bx, by) in enumerate(edges):
            self.grid.add(k, ax, ay, bx, by)
            for j in range(math.floor(min(ay, by) / self.cell), math.floor(max(ay, by) / self.cell) + 1):
                self.strips.setdefault(j, []).append((ax, ay, bx, by))
        self._cell_inside: dict[tuple[int, int], bool] = {}

    def _exact_inside(self, x: float, y: float) -> bool:
        inside = False
        for ax, ay, bx, by in self.strips.get(math.floor(y / self.cell), ()):
            if (ay > y) != (by > y) and x < ax + (y - ay) * (bx - ax) / (by - ay):
                inside = not inside
        return inside

    def inside(self, x: float, y: float) -> bool:
        c = self.cell
        key = (math.floor(x / c), math.floor(y / c))
        if key in self.grid.cells:
            return self._exact_inside(x, y)
        known = self._cell_inside.get(key)
        if known is None:
            # no boundary edge in this cell: the whole cell is on one side
            known = self._exact_inside((key[0] + 0.5) * c, (key[1] + 0.5) * c)
            self._cell_inside[key] = known
        return known

    def distance(self, x: float, y: float, limit: float) -> float:
        """Distance to the boundary line, or ``math.inf`` when farther than ``limit``."""
        best = math.inf
        for k in self.grid.query(x - limit, y - limit, x + limit, y + limit):
            ax, ay, bx, by = self.edges[k]
            best = min(best, _point_segment(x, y, ax, ay, bx, by)[0])
        return best if best <= limit else math.inf


def _point_segment(px: float, py: float, ax: float, ay: float, bx: float, by: float) -> tuple[float, float]:
    """(distance, t) from point p to segment a-b, t in [0, 1] the nearest point's parameter."""
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length2))
    return math.hypot(px - ax - t * dx, py - ay - t * dy), t


# ---------------------------------------------------------------------------------------------
# Minimum vertex cut (max-flow, Dinic, node splitting)
# ---------------------------------------------------------------------------------------------

_INF_CAP = 1 << 40


class _Flow:
    __slots__ = ("cap", "head", "nxt", "to")

    def __init__(self, n: int) -> None:
        self.head = [-1] * n
        self.to: list[int] = []
        self.cap: list[int] = []
        self.nxt: list[int] = []

    def add(self, u: int, v: int, c: int) -> None:
        to, cap, nxt, head = self.to, self.cap, self.nxt, self.head
        to.append(v)
        cap.append(c)
        nxt.append(head[u])
        head[u] = len(to) - 1
        to.append(u)
        cap.append(0)
        nxt.append(head[v])
        head[v] = len(to) - 1

    def max_flow(self, s: int, t: int) -> int:
        """Unit augmentations in Dinic phases (each s-t path here carries 1: node arcs have capacity 1)."""
        to, cap, nxt, head = self.to, self.cap, self.nxt, self.head
        n = len(head)
        flow = 0
        while True:
            level = [-1] * n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                e = head[u]
                while e != -1:
                    v = to[e]
                    if cap[e] > 0 and level[v] < 0:
                        level[v] = level[u] + 1
                        queue.append(v)
                    e = nxt[e]
            if level[t] < 0:
                return flow
            current = head[:]
            while True:
                path: list[int] = []
                u = s
                while u != t:
                    e = current[u]
                    lu = level[u] + 1
                    while e != -1 and not (cap[e] > 0 and level[to[e]] == lu):
                        e = nxt[e]
                    current[u] = e
                    if e == -1:
                        level[u] = -1  # dead end in this phase
                        if not path:
                            break
                        back = path.pop()
                        u = to[back ^ 1]
                        current[u] = nxt[back]
                        continue
                    path.append(e)
                    u = to[e]
                if u != t:
                    break
                for e in path:
                    cap[e] -= 1
                    cap[e ^ 1] += 1
                flow += 1

    def reachable(self, s: int) -> list[bool]:
        seen = [False] * len(self.head)
        seen[s] = True
        stack = [s]
        while stack:
            u = stack.pop()
            e = self.head[u]
            while e != -1:
                v = self.to[e]
                if self.cap[e] > 0 and not seen[v]:
                    seen[v] = True
                    stack.append(v)
                e = self.nxt[e]
        return seen


def min_vertex_cut(
    neighbours: Mapping[int, Iterable[int]] | Callable[[int], Iterable[int]],
    sources: Iterable[int],
    sinks: Iterable[int],
) -> list[int]:
    """The smallest set of nodes whose removal leaves no path from a source to a sink.

    Sources may be cut, sinks may not (a source that is a sink raises ValueError). Of the minimum
    cuts, the one nearest to the sources is returned. ``neighbours`` is an undirected graph
    (node -> adjacent nodes, both directions listed), as a mapping or a function.
    """
    adjacent: Callable[[int], Iterable[int]]
    if isinstance(neighbours, Mapping):
        mapping = neighbours

        def adjacent(u: int) -> Iterable[int]:
            return mapping.get(u, ())

    else:
        adjacent = neighbours
    sink_set = set(sinks)
    source_list = list(dict.fromkeys(sources))
    if sink_set.intersection(source_list):
        raise ValueError("a source is also a sink: no vertex cut exists")
    # the nodes reachable from the sources without passing a sink, and the sinks next to them
    local: dict[int, int] = {}
    order: list[int] = []
    for s in source_list:
        if s not in local:
            local[s] = len(order)
            order.append(s)
    k = 0
    while k < len(order):
        for w in adjacent(order[k]):
            if w not in local and w not in sink_set:
                local[w] = len(order)
                order.append(w)
        k += 1
    flow = _Flow(2 * len(order) + 2)
    source, sink = 0, 1
    for u, i in local.items():
        flow.add(2 + 2 * i, 3 + 2 * i, 1)
        for w in adjacent(u):
            if w in sink_set:
                flow.add(3 + 2 * i, sink, _INF_CAP)
            else:
                j = local.get(w)
                if j is not None and j != i:
                    flow.add(3 + 2 * i, 2 + 2 * j, _INF_CAP)
    for s in source_list:
        flow.add(source, 2 + 2 * local[s], _INF_CAP)
    value = flow.max_flow(source, sink)
    seen = flow.reachable(source)
    cut = [u for u, i in local.items() if seen[2 + 2 * i] and not seen[3 + 2 * i]]
    if len(cut) != value:  # pragma: no cover - max-flow min-cut theorem
        raise RuntimeError(f"vertex cut of {len(cut)} for a flow of {value}")
    return cut


# ---------------------------------------------------------------------------------------------
# Analysis
# ---------------------------------------------------------------------------------------------


def analyse(
    roads: RoadSet,
    boundary: Boundary,
    points: Sequence[tuple[str, float, float]] = (),
    *,
    snap_m: float = 150.0,
    depth_m: float = 3000.0,
    boundary_tol_m: float = 10.0,
    junction_snap_m: float = 30.0,
) -> Coverage:
    """Entries of the roads into the district, their coverage by ``points`` and the proposals.

    ``points`` are the existing monitoring points (id, lon, lat). Each is snapped to the nearest
    point of a road inside the district within ``snap_m`` metres, or to a junction (3+ roads) of
    that road within ``junction_snap_m`` metres of the point. An entry is a node where a road
    crosses the boundary (or ends within ``boundary_tol_m`` of it) going inside. Coverage and
    proposals follow the definitions of the module docstring, with ``depth_m`` of road distance.
    """
    t_start = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.perf_counter()
        timings[name] = round((now - since) * 1000.0, 2)
        return now

    min_lon, min_lat, max_lon, max_lat = boundary.bbox
    lon0, lat0 = (min_lon + max_lon) / 2.0, (min_lat + max_lat) / 2.0
    kx = _M_PER_DEG_LON * math.cos(math.radians(lat0))
    ky = _M_PER_DEG_LAT
    region = _Region(boundary, lon0, lat0, kx, ky)

    # nodes: vertices equal after rounding are one node
    keys: dict[tuple[int, int], int] = {}
    lons: list[float] = []
    lats: list[float] = []
    xs: list[float] = []
    ys: list[float] = []

    def node(lon: float, lat: float) -> int:
        key = (round(lon * _KEY_SCALE), round(lat * _KEY_SCALE))
        found = keys.get(key)
        if found is not None:
            return found
        n = len(lons)
        keys[key] = n
        lons.append(lon)
        lats.append(lat)
        xs.append((lon - lon0) * kx)
        ys.append((lat - lat0) * ky)
        return n

    seg_a: list[int] = []
    seg_b: list[int] = []
    seg_road: list[int] = []
    for r, road in enumerate(roads.roads):
        for line in road.lines:
            prev = -1
            for lon, lat in line:
                key = (round(lon * _KEY_SCALE), round(lat * _KEY_SCALE))
                cur = keys.get(key)
                if cur is None:
                    cur = len(lons)
                    keys[key] = cur
                    lons.append(lon)
                    lats.append(lat)
                    xs.append((lon - lon0) * kx)
                    ys.append((lat - lat0) * ky)
                if prev >= 0 and cur != prev:
                    seg_a.append(prev)
                    seg_b.append(cur)
                    seg_road.append(r)
                prev = cur
    t = lap("network", t_start)

    # boundary crossings: split the segments there
    crossing_nodes: dict[int, None] = {}
    splits: dict[int, list[tuple[float, int]]] = {}
    cell = region.cell
    bcells = region.grid.cells
    bedges = region.edges
    for k in range(len(seg_a)):
        a, b = seg_a[k], seg_b[k]
        px, py, qx, qy = xs[a], ys[a], xs[b], ys[b]
        i0, i1 = (px // cell, qx // cell) if px <= qx else (qx // cell, px // cell)
        j0, j1 = (py // cell, qy // cell) if py <= qy else (qy // cell, py // cell)
        candidates: set[int] | list[int] | None
        if i0 == i1 and j0 == j1:
            candidates = bcells.get((int(i0), int(j0)))
            if candidates is None:
                continue
        else:
            candidates = set()
            for i in range(int(i0), int(i1) + 1):
                for j in range(int(j0), int(j1) + 1):
                    bucket = bcells.get((i, j))
                    if bucket:
                        candidates.update(bucket)
            if not candidates:
                continue
        rx, ry = qx - px, qy - py
        for e in candidates:
            ax, ay, bx, by = bedges[e]
            sx, sy = bx - ax, by - ay
            den = rx * sy - ry * sx
            if den == 0.0:
                continue
            wx, wy = ax - px, ay - py
            tt = (wx * sy - wy * sx) / den
            uu = (wx * ry - wy * rx) / den
            if -_EPS <= tt <= 1.0 + _EPS and -_EPS <= uu <= 1.0 + _EPS:
                if tt <= _EPS:
                    c = a
                elif tt >= 1.0 - _EPS:
                    c = b
                else:
                    c = node(lons[a] + tt * (lons[b] - lons[a]), lats[a] + tt * (lats[b] - lats[a]))
                    splits.setdefault(k, []).append((tt, c))
                crossing_nodes[c] = None

    # edges: the segments cut at the crossings, each wholly inside or outside
    eu: list[int] = []
    ev: list[int] = []
    er: list[int] = []
    ein: list[bool] = []
    inside = region.inside
    for k in range(len(seg_a)):
        a, b, r = seg_a[k], seg_b[k], seg_road[k]
        cuts = splits.get(k)
        chain = [a, *(c for _, c in sorted(cuts)), b] if cuts else [a, b]
        for u, v in pairwise(chain):
            if u != v:
                eu.append(u)
                ev.append(v)
                er.append(r)
                ein.append(inside((xs[u] + xs[v]) / 2.0, (ys[u] + ys[v]) / 2.0))
    t = lap("crossings", t)

    # monitoring points: snap to the nearest inside edge within snap_m
    statuses: list[PointStatus] = []
    point_nodes: dict[int, list[int]] = {}  # node -> indexes of points snapped there
    if points:
        grid = _Grid(max(2.0 * snap_m, 250.0))
        junction_degree = [0] * len(lons)
        for k in range(len(eu)):
            junction_degree[eu[k]] += 1
            junction_degree[ev[k]] += 1
        for k in range(len(eu)):
            if ein[k]:
                grid.add(k, xs[eu[k]], ys[eu[k]], xs[ev[k]], ys[ev[k]])
        snaps: dict[int, list[tuple[float, int]]] = {}
        snapped: list[tuple[int, float, float] | None] = []
        for p, (pid, plon, plat) in enumerate(points):
            px, py = (plon - lon0) * kx, (plat - lat0) * ky
            best: tuple[float, int, float] | None = None
            for k in grid.query(px - snap_m, py - snap_m, px + snap_m, py + snap_m):
                d, tt = _point_segment(px, py, xs[eu[k]], ys[eu[k]], xs[ev[k]], ys[ev[k]])
                if d <= snap_m and (best is None or (d, k) < (best[0], best[1])):
                    best = (d, k, tt)
            is_inside = region.inside(px, py)
            if best is None:
                snapped.append(None)
                statuses.append(
                    PointStatus(
                        str(pid),
                        plon,
                        plat,
                        "outside" if not is_inside else "not_on_road",
                        is_inside,
                        None,
                        None,
                        None,
                    )
                )
                continue
            d, k, tt = best
            # a point by a junction stands at the junction (it watches every road meeting there)
            for c, end in ((eu[k], 0.0), (ev[k], 1.0)):
                if junction_degree[c] >= 3 and math.hypot(px - xs[c], py - ys[c]) <= junction_snap_m:
                    tt, d = end, math.hypot(px - xs[c], py - ys[c])
                    break
            snaps.setdefault(k, []).append((tt, p))
            snapped.append((k, tt, d))
            statuses.append(PointStatus(str(pid), plon, plat, "used", is_inside, round(d, 1), None, None))
        # split the edges at the snapped points
        for k, marks in snaps.items():
            u, v, r = eu[k], ev[k], er[k]
            length = math.hypot(xs[v] - xs[u], ys[v] - ys[u])
            chain = [u]
            for tt, p in sorted(marks):
                if tt * length <= 0.5:
                    c = u
                elif (1.0 - tt) * length <= 0.5:
                    c = v
                else:
                    c = node(lons[u] + tt * (lons[v] - lons[u]), lats[u] + tt * (lats[v] - lats[u]))
                point_nodes.setdefault(c, []).append(p)
                statuses[p].snap_lon = round(lons[c], 7)
                statuses[p].snap_lat = round(lats[c], 7)
                if c != chain[-1]:
                    chain.append(c)
            if chain[-1] != v:
                chain.append(v)
            ev[k] = chain[1]
            for c0, c1 in pairwise(chain[1:]):
                eu.append(c0)
                ev.append(c1)
                er.append(r)
                ein.append(True)
    t = lap("points", t)

    # inside network
    n_nodes = len(lons)
    degree = [0] * n_nodes
    out_degree = [0] * n_nodes
    adj: dict[int, list[tuple[int, float]]] = {}
    edge_roads: dict[int, list[int]] = {}
    inside_edges = 0
    for k in range(len(eu)):
        u, v = eu[k], ev[k]
        degree[u] += 1
        degree[v] += 1
        if ein[k]:
            inside_edges += 1
            w = math.hypot(xs[v] - xs[u], ys[v] - ys[u])
            adj.setdefault(u, []).append((v, w))
            adj.setdefault(v, []).append((u, w))
            edge_roads.setdefault(u, []).append(er[k])
            edge_roads.setdefault(v, []).append(er[k])
        else:
            out_degree[u] += 1
            out_degree[v] += 1
    junctions = sum(1 for d in degree if d >= 3)

    # entries
    entry_nodes: list[tuple[int, str]] = []
    for c in crossing_nodes:
        if c in adj and (out_degree[c] > 0 or degree[c] == 1):
            entry_nodes.append((c, "crossing"))
    seen_entries = set(crossing_nodes)
    for u in adj:
        if (
            degree[u] == 1
            and u not in seen_entries
            and region.distance(xs[u], ys[u], boundary_tol_m) <= boundary_tol_m
        ):
            entry_nodes.append((u, "endpoint"))
    entry_set = {c for c, _ in entry_nodes}

    # depth: road distance from the nearest entry, bounded by depth_m
    dist: dict[int, float] = {}
    heap: list[tuple[float, int]] = [(0.0, c) for c, _ in entry_nodes]
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if u in dist:
            continue
        dist[u] = d
        for v, w in adj[u]:
            nd = d + w
            if nd < depth_m and v not in dist:
                heapq.heappush(heap, (nd, v))
    shallow = dist  # nodes nearer than depth_m to some entry; every other inside node is deep
    t = lap("depth", t)

    # coverage: components of the inside network without the monitoring nodes
    monitored = set(point_nodes)

    def component(start: int, blocked: set[int]) -> tuple[list[int], bool, set[int]]:
        """(nodes, reaches a deep node, blocked nodes next to it) of start's component."""
        nodes = [start]
        seen = {start}
        deep = start not in shallow
        touching: set[int] = set()
        k = 0
        while k < len(nodes):
            for v, _w in adj[nodes[k]]:
                if v in seen:
                    continue
                if v in blocked:
                    touching.add(v)
                    continue
                seen.add(v)
                nodes.append(v)
                if v not in shallow:
                    deep = True
            k += 1
        return nodes, deep, touching

    comp_of: dict[int, int] = {}
    comps: list[tuple[bool, set[int]]] = []
    full_comp_of: dict[int, int] = {}
    full_deep: list[bool] = []
    covered: dict[int, bool] = {}
    dead_end: dict[int, bool] = {}
    covered_by: dict[int, list[int]] = {}
    for c, _kind in entry_nodes:
        if c in monitored:
            covered[c], dead_end[c], covered_by[c] = True, False, [c]
            continue
        if c not in comp_of:
            members, deep, touching = component(c, monitored)
            for m in members:
                comp_of[m] = len(comps)
            comps.append((deep, touching))
        deep, touching = comps[comp_of[c]]
        covered[c] = not deep
        covered_by[c] = sorted(touching) if not deep else []
        if deep:
            dead_end[c] = False
        else:
            if c not in full_comp_of:
                members, fdeep, _ = component(c, set())
                for m in members:
                    full_comp_of[m] = len(full_deep)
                full_deep.append(fdeep)
            dead_end[c] = not full_deep[full_comp_of[c]]
    t = lap("coverage", t)

    # proposal: minimum vertex cut between the blind entries and the deep nodes
    blind = [c for c, _ in entry_nodes if not covered[c]]
    cut: list[int] = []
    if blind:

        def open_neighbours(u: int) -> list[int]:
            return [v for v, _ in adj[u] if v not in monitored]

        # the sinks: deep nodes next to a shallow node (the others are never reached first)
        sinks = {v for u in shallow for v, _ in adj[u] if v not in shallow and v not in monitored}
        cut = min_vertex_cut(open_neighbours, blind, sinks)
    proposal_of: dict[int, int] = {}
    blocked = monitored | set(cut)
    closes: dict[int, list[int]] = {c: [] for c in cut}
    entry_index = {c: i for i, (c, _) in enumerate(entry_nodes)}
    for c in blind:
        if c in closes:
            closes[c].append(entry_index[c])
            continue
        _members, deep, touching = component(c, blocked)
        if deep:  # pragma: no cover - the cut separates every blind entry from the deep nodes
            raise RuntimeError("the proposed points leave an entry open")
        for m in touching:
            if m in closes:
                closes[m].append(entry_index[c])
    # number the proposals in the order of the entries they close
    cut.sort(key=lambda m: (min(closes[m], default=len(entry_nodes)), lons[m], lats[m]))
    for number, m in enumerate(cut, 1):
        proposal_of[m] = number
    t = lap("proposal", t)

    # results
    road_list = roads.roads

    def names_at(u: int) -> list[str]:
        return list(dict.fromkeys(road_list[r].label for r in edge_roads.get(u, ())))

    point_covers: dict[int, list[int]] = {}
    entries: list[Entry] = []
    for i, (c, kind) in enumerate(entry_nodes):
        v = adj[c][0][0]
        r = edge_roads[c][0]
        road = road_list[r]
        bearing = math.degrees(math.atan2(xs[v] - xs[c], ys[v] - ys[c])) % 360.0
        by_points = [p for m in covered_by[c] for p in point_nodes.get(m, ())]
        for p in by_points:
            point_covers.setdefault(p, []).append(i)
        entries.append(
            Entry(
                index=i,
                lon=round(lons[c], 7),
                lat=round(lats[c], 7),
                kind=kind,
                road=road.index,
                road_id=road.id,
                road_name=road.name,
                road_class=road.cls,
                bearing=round(bearing, 1),
                covered=covered[c],
                dead_end=dead_end[c],
                covered_by=[statuses[p].id for p in by_points],
            )
        )
    proposals: list[Proposal] = []
    for m in cut:
        number = proposal_of[m]
        for i in closes[m]:
            entries[i].proposed_by.append(number)
        proposals.append(
            Proposal(
                number, round(lons[m], 7), round(lats[m], 7), names_at(m), sorted(closes[m]), m in entry_set
            )
        )
    for p, covers in point_covers.items():
        statuses[p].covers = sorted(covers)

    crossing: dict[str, RoadCrossing] = {}
    for entry, (c, _kind) in zip(entries, entry_nodes, strict=True):
        for r in dict.fromkeys(edge_roads[c]):
            road = road_list[r]
            group = f"n:{road.name}" if road.name else f"i:{road.index}"
            item = crossing.get(group)
            if item is None:
                item = crossing[group] = RoadCrossing(road.label, road.cls, [], 0, 0)
            if road.index not in item.features:
                item.features.append(road.index)
            item.entries += 1
            item.blind_spots += 0 if entry.covered else 1
    roads_crossing = sorted(crossing.values(), key=lambda x: (road_rank(x.road_class), -x.entries, x.name))
    lap("results", t)
    timings["total"] = round((time.perf_counter() - t_start) * 1000.0, 2)
    return Coverage(
        snap_m=snap_m,
        depth_m=depth_m,
        nodes=n_nodes,
        edges=len(eu),
        junctions=junctions,
        inside_nodes=len(adj),
        inside_edges=inside_edges,
        deep_nodes=len(adj) - len(shallow),
        entries=entries,
        roads_crossing=roads_crossing,
        proposals=proposals,
        points=statuses,
        timings_ms=timings,
    )


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

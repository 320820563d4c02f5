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

This module holds the data (roads, boundary, results) and the parsing; the analysis is
``roadnet_cover.analyse`` (with ``roadnet_cut.min_vertex_cut``), the map ``roadnet_svg.render_svg``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
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

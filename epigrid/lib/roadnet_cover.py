"""Coverage of a district's road entries by monitoring points (see ``roadnet``'s docstring for the
definitions): the network, its entries, blind spots and the fewest new points."""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Sequence
from itertools import pairwise

from epigrid.lib.roadnet import (
    _EPS,
    _KEY_SCALE,
    _M_PER_DEG_LAT,
    _M_PER_DEG_LON,
    Boundary,
    Coverage,
    Entry,
    PointStatus,
    Proposal,
    RoadCrossing,
    RoadSet,
    road_rank,
)
from epigrid.lib.roadnet_cut import min_vertex_cut

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

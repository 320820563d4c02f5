"""Transmission chains: clusters, index cases, generations and k-hop contacts, computed on the server.

The graph algorithm works on plain tuples (``Node``, ``Edge``) and needs no database, so it is tested
and benchmarked on its own; ``load_graph`` feeds it from two ``values_list`` queries (case statuses,
contact edges with both people's region chains).

Rules (docs/architecture.md, "Transmission chains"):

- A **cluster** is a connected component of the contact graph (edges case → contact, either
  direction) holding at least one case: confirmed, clinically diagnosed, asymptomatic, or recovered
  or died (the outcome of a case). A suspected person counts in the cluster's figures but is never its
  index, and a component of suspected people and contacts only is not a cluster yet.
- The **index case** is the case with the earliest onset date, then the earliest report date (a
  missing date sorts last), then the lowest person id. Its person id is the cluster's id.
- A person's **generation** is the number of contact links between them and the index, walked in
  either direction: the register records who named whom, not who infected whom, so a case that named
  the index as its own contact (and fell ill later, or has no onset date) is one generation away, not
  unreachable.
- A cluster's **dates** are its members' onset and report dates and its contacts' last exposures; a
  date filter keeps the clusters whose span [first, last] overlaps the range.
- A cluster is **in a region** when any member's region chain passes through it.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from epigrid.cases.models import Contact

# Classifications that make a component a cluster and may be its index (values of
# ``cases.models.Classification``; repeated here so the algorithm needs no Django).
INDEX_CLASSES = frozenset({"confirmed", "clinical", "asymptomatic", "recovered", "died"})
# Counted as cases in a cluster's figures (``Cluster.cases``).
CASE_CLASSES = INDEX_CLASSES | {"suspected"}

_NO_DATE = dt.date.max


class Node(NamedTuple):
    """One person of the graph: classification ("" without a case status) and region chain."""

    person_id: int
    classification: str
    onset: dt.date | None
    reported: dt.date | None
    imported: bool
    district_id: int | None
    town_id: int | None
    village_id: int | None
    grid_id: int | None

    def chain(self, level: int) -> int | None:
        """Return the region id of this person's chain at ``level`` (1 district … 4 grid)."""
        if level == 1:
            return self.district_id
        if level == 2:
            return self.town_id
        return self.village_id if level == 3 else self.grid_id


class Edge(NamedTuple):
    """``contact_id`` was exposed to ``case_id`` in ``setting``, last on ``last_exposure``."""

    case_id: int
    contact_id: int
    setting: str
    last_exposure: dt.date | None


# A region as the filters see it: (level 1–4, region id); a person is in it when chain(level) == id.
RegionKey = tuple[int, int]


@dataclass(frozen=True, slots=True)
class Cluster:
    """One cluster: members ordered by generation then id, the edges among them, its figures."""

    index_id: int
    members: tuple[int, ...]
    generation: Mapping[int, int]
    # Each member's lowest-id neighbour one generation closer to the index (the index has none).
    parent: Mapping[int, int]
    edges: tuple[Edge, ...]
    counts: Mapping[str, int]
    first_date: dt.date | None
    last_date: dt.date | None

    @property
    def id(self) -> int:
        return self.index_id

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def generations(self) -> int:
        """Return the number of generations (the index alone is one)."""
        return max(self.generation.values()) + 1

    @property
    def cases(self) -> int:
        """Return how many members are cases (suspected included)."""
        return sum(n for key, n in self.counts.items() if key in CASE_CLASSES)

    def by_generation(self) -> list[list[int]]:
        """Return the members of each generation, generation 0 (the index) first, ids ascending."""
        layers: list[list[int]] = [[] for _ in range(self.generations)]
        for person_id in self.members:
            layers[self.generation[person_id]].append(person_id)
        return layers


@dataclass(slots=True)
class ChainGraph:
    """The whole contact graph and its clusters (largest first), with lookups by person."""

    nodes: dict[int, Node]
    adjacency: dict[int, list[int]]
    clusters: list[Cluster]
    # Every recorded edge by (case, contact), clusters or not: the k-hop list names each link.
    links: dict[tuple[int, int], Edge] = field(default_factory=dict)
    by_id: dict[int, Cluster] = field(default_factory=dict)
    cluster_of: dict[int, int] = field(default_factory=dict)

    def cluster_for(self, person_id: int) -> Cluster | None:
        """Return the cluster ``person_id`` belongs to, or None."""
        cluster_id = self.cluster_of.get(person_id)
        return self.by_id[cluster_id] if cluster_id is not None else None

    def within_hops(self, person_id: int, k: int) -> dict[int, int]:
        """Return the people at most ``k`` contact links from ``person_id`` (either direction) with
        their distance; the person is at distance 0. Unknown people have nobody around them."""
        return hops(self.adjacency, person_id, k)

    def edge_between(self, a: int, b: int) -> Edge | None:
        """Return the edge linking ``a`` and ``b`` (``a`` named ``b`` first, else ``b`` named ``a``)."""
        return self.links.get((a, b)) or self.links.get((b, a))


def _key(node: Node) -> tuple[dt.date, dt.date, int]:
    return (node.onset or _NO_DATE, node.reported or _NO_DATE, node.person_id)


def hops(adjacency: Mapping[int, Sequence[int]], start: int, k: int) -> dict[int, int]:
    """Walk ``adjacency`` breadth-first from ``start`` up to ``k`` links; return person → distance."""
    distance = {start: 0}
    if k <= 0:
        return distance
    queue = deque([start])
    while queue:
        current = queue.popleft()
        step = distance[current] + 1
        for neighbour in adjacency.get(current, ()):
            if neighbour not in distance:
                distance[neighbour] = step
                if step < k:
                    queue.append(neighbour)
    return distance


def _placeholder(person_id: int) -> Node:
    return Node(person_id, "", None, None, False, None, None, None, None)


def compute_chains(nodes: Iterable[Node], edges: Iterable[Edge]) -> ChainGraph:
    """Find the clusters of the graph, each with its index case, generations, edges and figures.

    ``nodes`` may leave out people who appear only in ``edges`` (they become unclassified members
    with no region); a person listed twice keeps the last row. Linear in people plus edges: one walk
    from each case not yet reached finds its component (components without a case are never walked),
    a second from the component's index numbers the generations.
    """
    by_person: dict[int, Node] = {node[0]: node for node in nodes}
    # One edge per (case, contact); a self-loop is refused by the model and would add nothing here.
    unique: dict[tuple[int, int], Edge] = {}
    adjacency: dict[int, list[int]] = {}
    for edge in edges:
        a, b = edge[0], edge[1]
        if a == b or (a, b) in unique:
            continue
        unique[(a, b)] = edge
        if (b, a) in unique:
            continue  # both named each other: one link
        if a in adjacency:
            adjacency[a].append(b)
        else:
            adjacency[a] = [b]
        if b in adjacency:
            adjacency[b].append(a)
        else:
            adjacency[b] = [a]
    for person_id, neighbours in adjacency.items():
        neighbours.sort()  # the walks visit neighbours in id order: deterministic generations and parents
        if person_id not in by_person:
            by_person[person_id] = _placeholder(person_id)

    component_of: dict[int, int] = {}
    components: list[list[int]] = []
    # Lone cases (no contact recorded) are clusters of one; lone contacts or suspects are nothing.
    for seed, node in by_person.items():
        if node[1] not in INDEX_CLASSES or seed in component_of:
            continue
        number = len(components)
        component_of[seed] = number
        component = [seed]
        queue = deque(component)
        while queue:
            for neighbour in adjacency.get(queue.popleft(), ()):
                if neighbour not in component_of:
                    component_of[neighbour] = number
                    component.append(neighbour)
                    queue.append(neighbour)
        components.append(component)
    edges_of: list[list[Edge]] = [[] for _ in components]
    for pair, edge in unique.items():
        owner = component_of.get(pair[0])
        if owner is not None:
            edges_of[owner].append(edge)

    clusters: list[Cluster] = []
    for number, component in enumerate(components):
        index = min((by_person[p] for p in component if by_person[p][1] in INDEX_CLASSES), key=_key)
        edges_of[number].sort(key=lambda e: (e[0], e[1]))
        clusters.append(_cluster(index.person_id, by_person, adjacency, edges_of[number]))
    clusters.sort(key=lambda c: (-c.size, c.first_date or _NO_DATE, c.index_id))
    graph = ChainGraph(nodes=by_person, adjacency=adjacency, clusters=clusters, links=unique)
    for cluster in clusters:
        graph.by_id[cluster.index_id] = cluster
        for person_id in cluster.members:
            graph.cluster_of[person_id] = cluster.index_id
    return graph


def _cluster(
    index_id: int, nodes: Mapping[int, Node], adjacency: Mapping[int, Sequence[int]], edges: list[Edge]
) -> Cluster:
    generation = {index_id: 0}
    parent: dict[int, int] = {}
    members = [index_id]
    layer = members[:]
    step = 0
    # Layer by layer, each layer in id order: a member's parent is its lowest-id neighbour one
    # generation closer to the index, and the members come out ordered by (generation, id).
    while layer:
        step += 1
        found: list[int] = []
        for current in layer:
            for neighbour in adjacency.get(current, ()):
                if neighbour not in generation:
                    generation[neighbour] = step
                    parent[neighbour] = current
                    found.append(neighbour)
        found.sort()
        members.extend(found)
        layer = found
    counts: dict[str, int] = {}
    first = last = None
    for person_id in members:
        node = nodes[person_id]
        counts[node[1]] = counts.get(node[1], 0) + 1
        for day in (node[2], node[3]):
            if day is not None:
                first = day if first is None or day < first else first
                last = day if last is None or day > last else last
    for edge in edges:
        day = edge[3]
        if day is not None:
            first = day if first is None or day < first else first
            last = day if last is None or day > last else last
    return Cluster(
        index_id=index_id,
        members=tuple(members),
        generation=generation,
        parent=parent,
        edges=tuple(edges),
        counts=dict(sorted(counts.items())),
        first_date=first,
        last_date=last,
    )


def in_regions(nodes: Mapping[int, Node], members: Iterable[int], regions: Sequence[RegionKey]) -> bool:
    """Tell whether any of ``members`` lives in one of ``regions``."""
    for person_id in members:
        node = nodes[person_id]
        for level, region_id in regions:
            if node.chain(level) == region_id:
                return True
    return False


def overlaps(cluster: Cluster, start: dt.date | None, end: dt.date | None) -> bool:
    """Tell whether the cluster's span [first, last] meets [start, end] (an open end matches all)."""
    if start is None and end is None:
        return True
    if cluster.first_date is None or cluster.last_date is None:
        return False  # no date at all: it cannot be placed in a range
    if start is not None and cluster.last_date < start:
        return False
    return not (end is not None and cluster.first_date > end)


def select_clusters(
    graph: ChainGraph,
    *,
    scope: Sequence[RegionKey],
    region: RegionKey | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    min_size: int = 1,
) -> list[Cluster]:
    """Return the clusters with a member in ``scope`` (and in ``region``), inside the date range.

    ``scope`` is the caller's roots as region keys; an empty scope sees nothing.
    """
    regions = [region] if region is not None else []
    return [
        cluster
        for cluster in graph.clusters
        if cluster.size >= min_size
        and overlaps(cluster, start, end)
        and in_regions(graph.nodes, cluster.members, scope)
        and (not regions or in_regions(graph.nodes, cluster.members, regions))
    ]


def load_graph() -> ChainGraph:
    """Read the contact graph from the database (``load_rows``) and compute its chains.

    Reads everything, whatever the caller's scope: a cluster crosses region borders, and the selectors
    cut the result to the caller's regions.
    """
    # Some 80,000 small objects, none in a reference cycle: the collector's passes over the process's
    # whole heap while they are made cost a fifth of the time (measured 243 → 153 ms median, SQLite).
    with _collector_paused():
        nodes, edges = load_rows()
        return compute_chains(nodes, edges)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector, and restart it only if this call stopped it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _day(value: object) -> dt.date | None:
    # SQLite hands dates over as ISO text, PostgreSQL as dates.
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


# How many ids go into one IN (...) list: far below SQLite's limit on bound parameters.
CHUNK = 900


def load_rows() -> tuple[list[Node], list[Edge]]:
    """Read the graph's rows, only the columns the algorithm needs: two queries, a third only when a
    contact has no case status.

    Case statuses (classification, dates, chain) of people not merged into another record, and the
    contact edges. Someone named as a contact without a case status of their own (none is made by
    ``contact_register``, which classifies every contact) is placed by their person row's chain. The
    rows are read from the cursor, not through the ORM's per-value converters, which cost about as
    much as the queries on SQLite (measured: 100 ms for 42,000 rows).
    """
    # Imported here so that the algorithm above loads (and is tested, benchmarked) without Django.
    from epigrid.cases.models import Contact

    edges = _edges(Contact.objects.all())
    nodes = _statuses(None)
    _place_missing(nodes, edges)
    return list(nodes.values()), edges


def load_component(person_id: int) -> ChainGraph:
    """Read only the connected component of ``person_id`` and compute its chain (the chain and k-hop
    pages): one query per generation of the walk, then the members' statuses.

    The same cluster as ``load_graph`` would find, since a cluster is a whole component; reading it
    is a few indexed lookups instead of the district's whole graph.
    """
    from django.db.models import Q

    from epigrid.cases.models import Contact

    seen = {person_id}
    frontier = [person_id]
    edges: dict[tuple[int, int], Edge] = {}
    while frontier:
        found: list[int] = []
        for start in range(0, len(frontier), CHUNK):
            chunk = frontier[start : start + CHUNK]
            for edge in _edges(Contact.objects.filter(Q(case_id__in=chunk) | Q(contact_id__in=chunk))):
                edges[(edge.case_id, edge.contact_id)] = edge
                for other in (edge.case_id, edge.contact_id):
                    if other not in seen:
                        seen.add(other)
                        found.append(other)
        frontier = found
    nodes = _statuses(sorted(seen))
    edge_list = list(edges.values())
    _place_missing(nodes, edge_list)
    return compute_chains(nodes.values(), edge_list)


def _edges(queryset: QuerySet[Contact]) -> list[Edge]:
    from django.db import connection

    rows = queryset.values_list("case_id", "contact_id", "setting", "last_exposure")
    with connection.cursor() as cursor:
        cursor.execute(*rows.query.sql_with_params())
        return [Edge(a, b, setting, _day(last)) for a, b, setting, last in cursor.fetchall()]


def _statuses(person_ids: list[int] | None) -> dict[int, Node]:
    """Read the case statuses of ``person_ids`` (None: everyone's), merged records left out."""
    from django.db import connection

    from epigrid.cases.models import CaseStatus

    nodes: dict[int, Node] = {}
    base = CaseStatus.objects.filter(person__merged_into__isnull=True)
    batches = (
        [base]
        if person_ids is None
        else [base.filter(person_id__in=person_ids[i : i + CHUNK]) for i in range(0, len(person_ids), CHUNK)]
    )
    with connection.cursor() as cursor:
        for batch in batches:
            rows = batch.values_list(
                "person_id", "classification", "onset_date", "reported_on", "imported",
                "district_id", "town_id", "village_id", "grid_id",
            )  # fmt: skip
            cursor.execute(*rows.query.sql_with_params())
            for pid, cls, onset, reported, imported, district, town, village, grid in cursor.fetchall():
                nodes[pid] = Node(
                    pid, cls, _day(onset), _day(reported), bool(imported), district, town, village, grid
                )
    return nodes


def _place_missing(nodes: dict[int, Node], edges: list[Edge]) -> None:
    """Add the people of ``edges`` who have no case status, placed by their person row's chain."""
    from epigrid.people.models import Person

    missing = sorted({p for e in edges for p in (e.case_id, e.contact_id) if p not in nodes})
    for start in range(0, len(missing), CHUNK):  # one query unless hundreds lack a status
        people = Person.objects.filter(pk__in=missing[start : start + CHUNK]).values_list(
            "pk", "district_id", "town_id", "village_id", "grid_id"
        )
        for pid, district, town, village, grid in people:
            nodes[pid] = Node(pid, "", None, None, False, district, town, village, grid)

"""Reads of transmission chains for a user: clusters in scope, one cluster's members, k-hop contacts.

The graph is computed whole for the list (``chains.load_graph``: a cluster crosses region borders) and
as the one component around a person for a chain or its k hops (``chains.load_component``), then cut to
the caller: a cluster is shown when any member lives in the caller's subtrees, and 404 otherwise. Its
members outside those subtrees are drawn and counted but never named. Names are shown in full to the
roles that work with residents by name (those that see ID numbers or phones in full: towns, villages,
grids), masked to the first character for the others (HQ, departments, checkpoints, administrators).
Every list of named people is audit-logged with the ids shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from epigrid.cases.chain_svg import NodeLabel, classification_label
from epigrid.cases.chains import (
    ChainGraph,
    Cluster,
    Edge,
    Node,
    RegionKey,
    in_regions,
    load_component,
    load_graph,
    select_clusters,
)
from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.masking import mask_name
from epigrid.people.models import Person
from epigrid.people.selectors import person_in_scope
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for

K_MAX = 5  # contacts of contacts of …: five links reach most of a district's cluster already


def region_key(region: Region) -> RegionKey:
    """Return the (level, id) a person's chain carries when they live in ``region`` (片区: its grid)."""
    if region.level <= Level.GRID:
        return (region.level, region.pk)
    return (Level.GRID, region.depth_ids[Level.GRID - 1])


def scope_keys(user: User) -> list[RegionKey]:
    return [region_key(root) for root in scope_for(user).roots]


def sees_full_names(user: User) -> bool:
    """Tell whether the user's role reads names in full (it works with residents by name)."""
    caps = user.caps
    return caps.full_id_number or caps.full_phone


@dataclass(frozen=True)
class ClusterFilter:
    region: Region | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    min_size: int = 1


@dataclass(frozen=True)
class ClusterRow:
    """A cluster as a list shows it: its figures and its index case as the caller may see it."""

    cluster: Cluster
    index: NodeLabel
    index_classification: str


@dataclass(frozen=True)
class ClusterDetail:
    cluster: Cluster
    graph: ChainGraph
    labels: dict[int, NodeLabel]


@dataclass(frozen=True)
class HopRow:
    person_id: int
    distance: int
    label: NodeLabel
    classification: str
    via: int | None  # a person one link closer to the origin
    via_label: NodeLabel | None
    edge: Edge | None  # the link between them
    cluster_id: int | None


@dataclass(frozen=True)
class HopResult:
    origin: NodeLabel
    cluster_id: int | None  # the origin's cluster, if they are in one
    rows: list[HopRow]


def clusters_for_user(
    *, user: User, filters: ClusterFilter, graph: ChainGraph | None = None
) -> list[Cluster]:
    """Return the clusters with a member in the user's scope that match ``filters`` (largest first).

    Figures only, nobody named: nothing to log until ``cluster_rows`` names the index cases.
    """
    graph = graph if graph is not None else load_graph()
    keys = scope_keys(user)
    region = region_key(filters.region) if filters.region is not None else None
    if filters.region is not None and not scope_for(user).contains(filters.region):
        raise Http404
    return select_clusters(
        graph, scope=keys, region=region, start=filters.start, end=filters.end, min_size=filters.min_size
    )


def _in_scope(node: Node, keys: Sequence[RegionKey]) -> bool:
    return any(node.chain(level) == region_id for level, region_id in keys)


def member_labels(
    *,
    user: User,
    graph: ChainGraph,
    person_ids: Iterable[int],
    href: str = "",
    cluster: Cluster | None = None,
) -> dict[int, NodeLabel]:
    """Label people for the user: a name (masked by role) in scope, "辖区外" outside; one query.

    ``href`` is a format string with ``{id}`` for the link of a person in scope.
    """
    keys = scope_keys(user)
    wanted = list(person_ids)
    inside = [p for p in wanted if _in_scope(graph.nodes[p], keys)]
    names = dict(Person.objects.filter(pk__in=inside).values_list("id", "name")) if inside else {}
    full = sees_full_names(user)
    labels: dict[int, NodeLabel] = {}
    outside_text = _("辖区外")
    for person_id in wanted:
        node = graph.nodes[person_id]
        facts = [classification_label(node.classification)]
        if cluster is not None:
            g = cluster.generation[person_id]
            facts.append(_("指示病例") if g == 0 else _("第%(g)d代") % {"g": g})
        if node.onset is not None:
            facts.append(_("发病 %(date)s") % {"date": node.onset.isoformat()})
        if person_id in names:
            name = names[person_id]
            text = name if full else mask_name(name)
            link = href.format(id=person_id) if href else ""
            labels[person_id] = NodeLabel(text=text, title=" · ".join([text, *facts]), href=link)
        else:
            labels[person_id] = NodeLabel(
                text=outside_text, title=" · ".join([outside_text, *facts]), in_scope=False
            )
    return labels


def _log(*, user: User, request: HttpRequest | None, what: str, object_id: int | str, persons: list[int],
         region: Region | None = None, extra: dict[str, object] | None = None) -> None:  # fmt: skip
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type=what,
        object_id=object_id,
        region_path=region.path if region is not None else "",
        detail={"persons": sorted(persons), **(extra or {})},
        request=request,
    )


def cluster_rows(
    *,
    user: User,
    graph: ChainGraph,
    clusters: Sequence[Cluster],
    request: HttpRequest | None,
    filters: ClusterFilter,
    href: str = "",
) -> list[ClusterRow]:
    """Name the index cases of ``clusters`` (one page of the list) for the user, and log the listing."""
    labels = member_labels(user=user, graph=graph, person_ids=[c.index_id for c in clusters], href=href)
    _log(
        user=user, request=request, what="clusters", object_id=filters.region.pk if filters.region else "",
        persons=[p for p, label in labels.items() if label.in_scope], region=filters.region,
        extra={"clusters": [c.index_id for c in clusters]},
    )  # fmt: skip
    return [
        ClusterRow(
            cluster=c, index=labels[c.index_id], index_classification=graph.nodes[c.index_id].classification
        )
        for c in clusters
    ]


def cluster_get_for_user(
    *,
    user: User,
    person_id: int,
    request: HttpRequest | None,
    href: str = "",
    graph: ChainGraph | None = None,
) -> ClusterDetail:
    """Return the cluster ``person_id`` belongs to with every member labelled; 404 when there is none
    or none of its members lives in the user's scope. Logs the members named."""
    graph = graph if graph is not None else load_component(person_id)
    cluster = graph.cluster_for(person_id)
    if cluster is None or not in_regions(graph.nodes, cluster.members, scope_keys(user)):
        raise Http404
    labels = member_labels(user=user, graph=graph, person_ids=cluster.members, href=href, cluster=cluster)
    _log(
        user=user, request=request, what="cluster", object_id=cluster.index_id,
        persons=[p for p, label in labels.items() if label.in_scope], extra={"size": cluster.size},
    )  # fmt: skip
    return ClusterDetail(cluster=cluster, graph=graph, labels=labels)


def contacts_within_hops_for_user(
    *, user: User, person_id: int, k: int, request: HttpRequest | None, href: str = "",
    graph: ChainGraph | None = None,
) -> HopResult:  # fmt: skip
    """Return a person of the user's scope (404 otherwise) and everyone within ``k`` links (1 … K_MAX)
    of them, nearest first, each with the link that reaches them; logs the people named."""
    k = max(1, min(k, K_MAX))
    person = person_in_scope(user=user, person_id=person_id)
    if person is None:
        raise Http404
    graph = graph if graph is not None else load_component(person_id)
    if person_id not in graph.nodes:
        graph.nodes[person_id] = Node(
            person_id,
            "",
            None,
            None,
            False,
            person.district_id,
            person.town_id,
            person.village_id,
            person.grid_id,
        )
    distance = graph.within_hops(person_id, k)
    ordered = sorted(distance, key=lambda p: (distance[p], p))
    labels = member_labels(user=user, graph=graph, person_ids=ordered, href=href)
    rows: list[HopRow] = []
    for other in ordered[1:]:
        closer = [q for q in graph.adjacency.get(other, ()) if distance.get(q) == distance[other] - 1]
        via = closer[0] if closer else None
        rows.append(
            HopRow(
                person_id=other,
                distance=distance[other],
                label=labels[other],
                classification=graph.nodes[other].classification,
                via=via,
                via_label=labels[via] if via is not None else None,
                edge=graph.edge_between(via, other) if via is not None else None,
                cluster_id=graph.cluster_of.get(other),
            )
        )
    _log(
        user=user, request=request, what="contact_hops", object_id=person_id,
        persons=[p for p in ordered if labels[p].in_scope], extra={"k": k},
    )  # fmt: skip
    return HopResult(origin=labels[person_id], cluster_id=graph.cluster_of.get(person_id), rows=rows)

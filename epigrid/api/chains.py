"""Transmission chains and the epidemic curve as JSON: the same selectors as the pages.

Clusters are those with a member in the caller's subtrees (``cases.chain_selectors``); members outside
them come without person id or name. Names are masked by role; every list naming people is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Schema
from ninja.errors import ValidationError

from epigrid.api.common import ApiRouter, Page, PageParams, PathId, actor, page_out
from epigrid.cases.chain_selectors import (
    K_MAX,
    ClusterFilter,
    cluster_get_for_user,
    cluster_rows,
    clusters_for_user,
    contacts_within_hops_for_user,
)
from epigrid.cases.chains import Cluster, load_graph
from epigrid.cases.curve import CurveRangeError, curve_range, epidemic_curve
from epigrid.core.clock import local_today
from epigrid.regions.selectors import region_get_for_user

router = ApiRouter(tags=["chains"])


class IndexOut(Schema):
    person_id: int | None = Field(description="null when the index case lives outside the caller's regions")
    name: str = Field(description="masked to the first character unless the role reads names in full")
    classification: str


class ClusterOut(Schema):
    id: int = Field(description="the index case's person id")
    index: IndexOut
    size: int
    cases: int = Field(description="members who are cases, suspected included")
    generations: int
    first_date: dt.date | None
    last_date: dt.date | None
    counts: dict[str, int] = Field(description="members by current classification ('' = none recorded)")


class ClusterFilterIn(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    start: dt.date | None = Field(None, description="clusters whose dates reach this day or later")
    end: dt.date | None = Field(None, description="clusters whose dates begin this day or earlier")
    min_size: int = Field(1, ge=1, le=100_000)


class NodeOut(Schema):
    key: int = Field(description="the node's position in this answer; edges refer to it")
    person_id: int | None = Field(description="null outside the caller's regions")
    name: str
    in_scope: bool
    classification: str
    generation: int
    onset_date: dt.date | None
    reported_on: dt.date | None
    imported: bool


class EdgeOut(Schema):
    source: int = Field(description="key of the case who named the contact")
    target: int = Field(description="key of the contact")
    setting: str
    last_exposure: dt.date | None


class ClusterGraphOut(ClusterOut):
    nodes: list[NodeOut]
    edges: list[EdgeOut]


class HopsFilter(Schema):
    k: int = Field(2, ge=1, le=K_MAX, description="how many links: 1 direct contacts, 2 their contacts …")


class HopOut(Schema):
    person_id: int | None
    name: str
    distance: int
    classification: str
    via_person_id: int | None
    setting: str
    last_exposure: dt.date | None
    cluster_id: int | None


class HopsOut(Schema):
    person_id: int
    k: int
    cluster_id: int | None
    items: list[HopOut]


class CurveFilter(Schema):
    region_id: int = Field(description="a district, town, village or grid in the caller's scope")
    start: dt.date | None = Field(None, description="default: 60 days before the end")
    end: dt.date | None = Field(None, description="default: today")
    kind: Literal["cases", "asymptomatic"] = "cases"


class SeriesOut(Schema):
    local: list[int]
    imported: list[int]


class CurveOut(Schema):
    region_id: int
    kind: str
    start: dt.date
    end: dt.date
    days: list[dt.date]
    onset: SeriesOut
    report: SeriesOut
    onset_unknown: int = Field(description="cases reported in the range with no onset date")


def _figures(cluster: Cluster) -> dict[str, object]:
    return {
        "id": cluster.index_id,
        "size": cluster.size,
        "cases": cluster.cases,
        "generations": cluster.generations,
        "first_date": cluster.first_date,
        "last_date": cluster.last_date,
        "counts": dict(cluster.counts),
    }


@router.get(
    "/clusters", response=Page[ClusterOut], summary="Clusters with a member in a region, largest first"
)
def cluster_list(
    request: HttpRequest, filters: Query[ClusterFilterIn], page: Query[PageParams]
) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    wanted = ClusterFilter(region=region, start=filters.start, end=filters.end, min_size=filters.min_size)
    graph = load_graph()
    clusters = clusters_for_user(user=user, filters=wanted, graph=graph)
    shown = clusters[page.offset : page.offset + page.limit]
    rows = cluster_rows(user=user, graph=graph, clusters=shown, request=request, filters=wanted)
    items = [
        {
            **_figures(row.cluster),
            "index": {
                "person_id": row.cluster.index_id if row.index.in_scope else None,
                "name": row.index.text,
                "classification": row.index_classification,
            },
        }
        for row in rows
    ]
    return page_out(len(clusters), page, items)


@router.get(
    "/clusters/{int:person_id}",
    response=ClusterGraphOut,
    summary="The cluster a person belongs to: members (nodes) and contacts (edges), audited",
)
def cluster_detail(request: HttpRequest, person_id: PathId) -> dict[str, object]:
    user = actor(request)
    detail = cluster_get_for_user(user=user, person_id=person_id, request=request)
    cluster, nodes, labels = detail.cluster, detail.graph.nodes, detail.labels
    key = {p: i for i, p in enumerate(cluster.members)}
    index = labels[cluster.index_id]
    return {
        **_figures(cluster),
        "index": {
            "person_id": cluster.index_id if index.in_scope else None,
            "name": index.text,
            "classification": nodes[cluster.index_id].classification,
        },
        "nodes": [
            {
                "key": key[p],
                "person_id": p if labels[p].in_scope else None,
                "name": labels[p].text,
                "in_scope": labels[p].in_scope,
                "classification": nodes[p].classification,
                "generation": cluster.generation[p],
                "onset_date": nodes[p].onset,
                "reported_on": nodes[p].reported,
                "imported": nodes[p].imported,
            }
            for p in cluster.members
        ],
        "edges": [
            {
                "source": key[e.case_id],
                "target": key[e.contact_id],
                "setting": e.setting,
                "last_exposure": e.last_exposure,
            }
            for e in cluster.edges
        ],
    }


@router.get(
    "/persons/{int:person_id}/hops",
    response=HopsOut,
    summary=f"People within k contact links of a person (k 1 … {K_MAX}, either direction), audited",
)
def contact_hops(request: HttpRequest, person_id: PathId, filters: Query[HopsFilter]) -> dict[str, object]:
    user = actor(request)
    k = filters.k
    hops = contacts_within_hops_for_user(user=user, person_id=person_id, k=k, request=request)
    items = [
        {
            "person_id": row.person_id if row.label.in_scope else None,
            "name": row.label.text,
            "distance": row.distance,
            "classification": row.classification,
            "via_person_id": row.via if row.via_label is not None and row.via_label.in_scope else None,
            "setting": row.edge.setting if row.edge else "",
            "last_exposure": row.edge.last_exposure if row.edge else None,
            "cluster_id": row.cluster_id,
        }
        for row in hops.rows
    ]
    return {"person_id": person_id, "k": k, "cluster_id": hops.cluster_id, "items": items}


@router.get(
    "/curve", response=CurveOut, summary="Cases per day by onset and by report date, local and imported"
)
def curve(request: HttpRequest, filters: Query[CurveFilter]) -> dict[str, object]:
    user = actor(request)
    region = region_get_for_user(user=user, region_id=filters.region_id)
    try:
        start, end = curve_range(filters.start, filters.end, today=local_today())
    except CurveRangeError as exc:
        raise ValidationError([{"loc": ["query", "start"], "msg": str(exc), "type": "value_error"}]) from None
    data = epidemic_curve(user=user, region=region, start=start, end=end, kind=filters.kind)
    return {
        "region_id": region.pk,
        "kind": data.kind,
        "start": start,
        "end": end,
        "days": data.days,
        "onset": {"local": data.onset.local, "imported": data.onset.imported},
        "report": {"local": data.report.local, "imported": data.report.imported},
        "onset_unknown": data.onset_unknown,
    }

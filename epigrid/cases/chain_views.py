"""Transmission chain pages: the cluster list, one cluster's chain (server-drawn SVG), k-hop contacts.

Thin: the chains are read through ``chain_selectors`` (scoped, names masked by role, audited) and
drawn by ``chain_svg``; nothing here touches a model.
"""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from epigrid.cases.chain_selectors import (
    K_MAX,
    ClusterFilter,
    cluster_get_for_user,
    cluster_rows,
    clusters_for_user,
    contacts_within_hops_for_user,
)
from epigrid.cases.chain_svg import CLASS_ORDER, classification_label, render_chain_svg, setting_label, symbol
from epigrid.cases.chains import load_graph
from epigrid.cases.models import Classification
from epigrid.core.access import ScopedRequest, scoped
from epigrid.regions.models import Level, Region
from epigrid.regions.selectors import region_ancestors, region_get_for_user, regions_for_user

PAGE_SIZE = 50
# The list's columns of figures, in this order; other classifications are summed under "其他".
COUNT_COLUMNS = (
    Classification.CONFIRMED,
    Classification.CLINICAL,
    Classification.ASYMPTOMATIC,
    Classification.SUSPECTED,
    Classification.CLOSE_CONTACT,
)


def _hops_href() -> str:
    # A format string for chain_selectors.member_labels: "{id}" is filled per person.
    return reverse("cases:contact_hops", args=[0]).replace("/0/", "/{id}/")


def _date(raw: str | None, errors: list[str], label: str) -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw[:10])
    except ValueError:
        errors.append(_("%(field)s：日期格式应为 2020-02-01") % {"field": label})
        return None


def _filters(request: ScopedRequest, errors: list[str]) -> ClusterFilter:
    user = request.user
    raw_region = request.GET.get("region", "")
    region: Region | None = None
    if raw_region.isdigit() and len(raw_region) < 19:
        region = region_get_for_user(user=user, region_id=int(raw_region))  # 404 outside the scope
    start = _date(request.GET.get("start"), errors, _("开始日期"))
    end = _date(request.GET.get("end"), errors, _("结束日期"))
    raw_size = request.GET.get("min_size", "")
    min_size = int(raw_size) if raw_size.isdigit() and len(raw_size) < 7 else 1
    return ClusterFilter(region=region, start=start, end=end, min_size=max(min_size, 1))


def _row_counts(counts: dict[str, int]) -> list[int]:
    shown = [counts.get(c, 0) for c in COUNT_COLUMNS]
    return [*shown, sum(counts.values()) - sum(shown)]


@scoped
def cluster_list(request: ScopedRequest) -> HttpResponse:
    """List the clusters with a member in the user's regions, largest first, filtered by region and dates."""
    user = request.user
    errors: list[str] = []
    filters = _filters(request, errors)
    graph = load_graph()
    clusters = clusters_for_user(user=user, filters=filters, graph=graph)
    page = Paginator(clusters, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = cluster_rows(
        user=user, graph=graph, clusters=list(page), request=request, filters=filters, href=_hops_href()
    )
    region = filters.region
    choices = regions_for_user(user=user).filter(level__lte=Level.VILLAGE).order_by("path")
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "rows": [(row, _row_counts(dict(row.cluster.counts))) for row in rows],
        "page": page,
        "count": len(clusters),
        "people": sum(c.size for c in clusters),
        "filters": filters,
        "errors": errors,
        "region": region,
        "regions": choices,
        "columns": [classification_label(c) for c in COUNT_COLUMNS] + [_("其他")],
        "query": query.urlencode(),
        "ancestors": [*region_ancestors(region=region, user=user), region] if region else [],
    }
    return render(request, "cases/chains_list.html", context)


@scoped
def cluster_detail(request: ScopedRequest, person_id: int) -> HttpResponse:
    """Draw the chain of the cluster ``person_id`` belongs to (its index case's id is the cluster's id)."""
    user = request.user
    detail = cluster_get_for_user(user=user, person_id=person_id, request=request, href=_hops_href())
    cluster = detail.cluster
    if cluster.index_id != person_id:
        return HttpResponseRedirect(reverse("cases:cluster", args=[cluster.index_id]))
    svg = render_chain_svg(cluster, detail.graph.nodes, detail.labels)
    nodes, labels, graph = detail.graph.nodes, detail.labels, detail.graph
    members = []
    for p in cluster.members:
        # The link through which the walk from the index reached this member: the chain as a table.
        via = cluster.parent.get(p)
        edge = graph.edge_between(via, p) if via is not None else None
        members.append(
            {
                "id": p,
                "label": labels[p],
                "generation": cluster.generation[p],
                "classification": classification_label(nodes[p].classification),
                "onset": nodes[p].onset,
                "reported": nodes[p].reported,
                "via": labels[via] if via is not None else None,
                "setting": setting_label(edge.setting) if edge else "",
                "last_exposure": edge.last_exposure if edge else None,
            }
        )
    context = {
        "cluster": cluster,
        "index": detail.labels[cluster.index_id],
        "svg": svg,
        "large": cluster.size > 60,
        "members": members,
        "counts": [
            (symbol(c), classification_label(c), cluster.counts[c])
            for c in CLASS_ORDER
            if c in cluster.counts
        ],
        "k_max": K_MAX,
    }
    return render(request, "cases/cluster_detail.html", context)


@scoped
def contact_hops(request: ScopedRequest, person_id: int) -> HttpResponse:
    """List the people within k contact links of a person of the user's regions (k from ?k=, 1 … 5)."""
    user = request.user
    raw_k = request.GET.get("k", "2")
    k = max(1, min(int(raw_k) if raw_k.isdigit() and len(raw_k) < 3 else 2, K_MAX))
    hops = contacts_within_hops_for_user(
        user=user, person_id=person_id, k=k, request=request, href=_hops_href()
    )
    rows = hops.rows
    context = {
        "origin": hops.origin,
        "origin_cluster": hops.cluster_id,
        "person_id": person_id,
        "rows": [
            {
                "row": row,
                "symbol": symbol(row.classification),
                "classification": classification_label(row.classification),
                "setting": setting_label(row.edge.setting) if row.edge else "",
            }
            for row in rows
        ],
        "k": k,
        "k_choices": range(1, K_MAX + 1),
        "clusters": sorted({row.cluster_id for row in rows if row.cluster_id is not None}),
    }
    return render(request, "cases/cluster_hops.html", context)

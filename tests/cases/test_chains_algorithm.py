"""The chain algorithm on plain tuples: clusters, index case, generations, k hops, filters (no database)."""

from __future__ import annotations

import datetime as dt
import random

from epigrid.cases.chains import Edge, Node, compute_chains, hops, in_regions, overlaps, select_clusters

D = dt.date


def node(
    pid: int,
    cls: str = "close_contact",
    onset: dt.date | None = None,
    reported: dt.date | None = None,
    *,
    grid: int = 40,
    village: int = 30,
    town: int = 20,
    district: int = 10,
) -> Node:
    return Node(pid, cls, onset, reported, False, district, town, village, grid)


def edge(case: int, contact: int, setting: str = "household", last: dt.date | None = None) -> Edge:
    return Edge(case, contact, setting, last)


def test_components_with_a_case_are_clusters_and_others_are_not():
    nodes = [
        node(1, "confirmed", D(2020, 1, 20)),
        node(2),
        node(3),
        node(10, "suspected"),  # a suspect with contacts only: no cluster yet
        node(11),
        node(20, "asymptomatic"),  # a lone case: a cluster of one
        node(30),  # a lone contact: nothing
    ]
    edges = [edge(1, 2), edge(2, 3), edge(10, 11)]
    graph = compute_chains(nodes, edges)
    assert [(c.index_id, c.members) for c in graph.clusters] == [(1, (1, 2, 3)), (20, (20,))]
    assert graph.cluster_for(3) is graph.by_id[1]
    assert graph.cluster_for(11) is None
    assert graph.cluster_for(30) is None


def test_index_is_earliest_onset_then_report_then_id_and_never_a_suspect():
    nodes = [
        node(5, "confirmed", D(2020, 1, 25), D(2020, 1, 26)),
        node(6, "confirmed", D(2020, 1, 22), D(2020, 1, 30)),
        node(7, "suspected", D(2020, 1, 1)),  # earliest onset, but a suspect is never the index
        node(8, "clinical", D(2020, 1, 22), D(2020, 1, 24)),  # same onset as 6, reported earlier
    ]
    graph = compute_chains(nodes, [edge(5, 6), edge(6, 7), edge(7, 8)])
    assert [c.index_id for c in graph.clusters] == [8]
    # Without onset dates the report date decides; a missing date sorts last; then the id.
    nodes = [node(3, "confirmed", None, D(2020, 2, 1)), node(4, "confirmed", None, D(2020, 1, 31))]
    assert compute_chains(nodes, [edge(3, 4)]).clusters[0].index_id == 4
    nodes = [node(3, "asymptomatic"), node(4, "confirmed", None, D(2020, 1, 31))]
    assert compute_chains(nodes, [edge(3, 4)]).clusters[0].index_id == 4
    nodes = [node(9, "asymptomatic"), node(4, "asymptomatic")]
    assert compute_chains(nodes, [edge(9, 4)]).clusters[0].index_id == 4


def test_recovered_and_died_are_cases():
    graph = compute_chains(
        [node(1, "recovered", D(2020, 1, 5)), node(2, "died", D(2020, 1, 3))], [edge(1, 2)]
    )
    assert graph.clusters[0].index_id == 2
    assert graph.clusters[0].cases == 2


def test_generations_are_link_counts_from_the_index_in_either_direction():
    # 1 (index) named 2 and 3; 3, confirmed later, named 4; 5 named 1 (5 fell ill later).
    nodes = [
        node(1, "confirmed", D(2020, 1, 10)),
        node(3, "confirmed", D(2020, 1, 15)),
        node(5, "confirmed", D(2020, 1, 20)),
    ]
    edges = [edge(1, 2), edge(1, 3), edge(3, 4), edge(5, 1), edge(4, 6), edge(2, 6)]
    cluster = compute_chains(nodes, edges).clusters[0]
    assert cluster.index_id == 1
    assert dict(cluster.generation) == {1: 0, 2: 1, 3: 1, 5: 1, 4: 2, 6: 2}
    assert cluster.members == (1, 2, 3, 5, 4, 6)
    assert cluster.by_generation() == [[1], [2, 3, 5], [4, 6]]
    assert cluster.generations == 3
    # The walk reaches 6 first through 2 (lower id), so 2 is its parent in the layout.
    assert cluster.parent[6] == 2 and cluster.parent[4] == 3 and 1 not in cluster.parent


def test_counts_size_dates_and_edges_of_a_cluster():
    nodes = [
        node(1, "confirmed", D(2020, 1, 10), D(2020, 1, 12)),
        node(2, "suspected", None, D(2020, 1, 14)),
        node(3),
    ]
    edges = [edge(1, 2, "meal", D(2020, 1, 9)), edge(1, 3, "work", D(2020, 1, 18)), edge(2, 3)]
    cluster = compute_chains(nodes, edges).clusters[0]
    assert cluster.size == 3
    assert dict(cluster.counts) == {"close_contact": 1, "confirmed": 1, "suspected": 1}
    assert cluster.cases == 2
    assert (cluster.first_date, cluster.last_date) == (D(2020, 1, 9), D(2020, 1, 18))
    assert [(e.case_id, e.contact_id) for e in cluster.edges] == [(1, 2), (1, 3), (2, 3)]


def test_people_only_in_edges_become_unclassified_members_and_duplicates_collapse():
    graph = compute_chains([node(1, "confirmed")], [edge(1, 2), edge(1, 2), edge(2, 1), edge(3, 3)])
    cluster = graph.clusters[0]
    assert cluster.members == (1, 2)
    assert graph.nodes[2].classification == ""
    assert graph.adjacency == {1: [2], 2: [1]}
    assert len(cluster.edges) == 2  # (1, 2) and (2, 1) are two records, one link
    assert 3 not in graph.nodes


def test_clusters_are_ordered_largest_first_then_by_first_date():
    nodes = [
        node(1, "confirmed", D(2020, 1, 20)),
        node(5, "confirmed", D(2020, 1, 10)),
        node(9, "confirmed", D(2020, 1, 30)),
    ]
    graph = compute_chains(nodes, [edge(1, 2), edge(5, 6), edge(9, 10), edge(9, 11)])
    assert [c.index_id for c in graph.clusters] == [9, 5, 1]


def test_hops_stop_at_k_and_walk_both_directions():
    adjacency = {1: [2], 2: [1, 3], 3: [2, 4], 4: [3]}
    assert hops(adjacency, 2, 1) == {2: 0, 1: 1, 3: 1}
    assert hops(adjacency, 1, 2) == {1: 0, 2: 1, 3: 2}
    assert hops(adjacency, 1, 0) == {1: 0}
    assert hops(adjacency, 99, 3) == {99: 0}
    graph = compute_chains([node(1, "confirmed")], [edge(1, 2), edge(3, 2), edge(3, 4)])
    assert graph.within_hops(4, 2) == {4: 0, 3: 1, 2: 2}


def test_region_and_scope_filters_use_the_chain_of_any_member():
    nodes = [
        node(1, "confirmed", D(2020, 1, 10), grid=41, village=31),
        node(2, grid=42, village=32),
        node(5, "confirmed", D(2020, 1, 10), grid=43, village=33, town=21),
    ]
    graph = compute_chains(nodes, [edge(1, 2)])
    assert in_regions(graph.nodes, [1, 2], [(4, 42)])
    assert not in_regions(graph.nodes, [1, 2], [(3, 33)])
    ids = [c.index_id for c in select_clusters(graph, scope=[(1, 10)])]
    assert ids == [1, 5]
    # A grid worker of grid 42 sees the cluster through its one contact there.
    assert [c.index_id for c in select_clusters(graph, scope=[(4, 42)])] == [1]
    assert [c.index_id for c in select_clusters(graph, scope=[(1, 10)], region=(2, 21))] == [5]
    assert select_clusters(graph, scope=[(4, 42)], region=(2, 21)) == []
    assert select_clusters(graph, scope=[]) == []
    assert [c.index_id for c in select_clusters(graph, scope=[(1, 10)], min_size=2)] == [1]


def test_date_filter_keeps_clusters_whose_span_overlaps_the_range():
    nodes = [node(1, "confirmed", D(2020, 1, 10), D(2020, 1, 12)), node(5, "confirmed")]
    graph = compute_chains(nodes, [edge(1, 2, last=D(2020, 1, 20))])
    cluster = graph.by_id[1]
    assert overlaps(cluster, D(2020, 1, 20), None)
    assert overlaps(cluster, None, D(2020, 1, 10))
    assert overlaps(cluster, D(2020, 1, 14), D(2020, 1, 15))
    assert not overlaps(cluster, D(2020, 1, 21), None)
    assert not overlaps(cluster, None, D(2020, 1, 9))
    # A cluster with no date at all is left out by any date filter, kept without one.
    assert [c.index_id for c in select_clusters(graph, scope=[(1, 10)], start=D(2020, 1, 1))] == [1]
    assert [c.index_id for c in select_clusters(graph, scope=[(1, 10)])] == [1, 5]


def test_matches_a_naive_reference_on_random_graphs():
    rng = random.Random(5)
    for _ in range(30):
        n = rng.randint(1, 40)
        nodes = [
            node(
                p, rng.choice(["confirmed", "suspected", "close_contact", ""]), D(2020, 1, rng.randint(1, 9))
            )
            for p in range(1, n + 1)
        ]
        edges = [edge(rng.randint(1, n), rng.randint(1, n)) for _ in range(rng.randint(0, 2 * n))]
        graph = compute_chains(nodes, edges)
        links = {(e.case_id, e.contact_id) for e in edges if e.case_id != e.contact_id}
        for cluster in graph.clusters:
            members = set(cluster.members)
            # Closed under links, and every member's generation is one more than its best neighbour's.
            for a, b in links:
                assert (a in members) == (b in members)
            for person in members - {cluster.index_id}:
                around = [cluster.generation[q] for q in graph.adjacency[person]]
                assert cluster.generation[person] == min(around) + 1
        clustered = {p for c in graph.clusters for p in c.members}
        for item in nodes:
            if item.classification == "confirmed":
                assert item.person_id in clustered

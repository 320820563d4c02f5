"""Chains read from the database: two queries, cut to the caller's scope, names masked by role, audited."""

from __future__ import annotations

import pytest
from django.http import Http404

from epigrid.cases.chain_selectors import (
    ClusterFilter,
    cluster_get_for_user,
    cluster_rows,
    clusters_for_user,
    contacts_within_hops_for_user,
    sees_full_names,
)
from epigrid.cases.chains import load_graph
from epigrid.core.models import AuditEvent
from epigrid.lists.merge import person_merge
from epigrid.people.services import person_register_unplaced
from tests.cases.chain_data import D, build, contact, status


@pytest.fixture
def chains(world):
    return build(world)


def test_the_graph_is_read_in_two_queries(chains, django_assert_num_queries):
    status(chains.zhao_contact, "close_contact")  # every contact classified, as contact_register does
    with django_assert_num_queries(2):
        graph = load_graph()
    zhang = graph.by_id[chains.zhang.pk]
    assert set(zhang.members) == {
        p.pk for p in (chains.zhang, chains.wang, chains.li, chains.sun, chains.zeng)
    }
    assert zhang.generation[chains.li.pk] == 1 and zhang.generation[chains.sun.pk] == 2
    assert graph.nodes[chains.sun.pk].grid_id == chains.sun.grid_id
    assert [c.index_id for c in graph.clusters] == [chains.zhang.pk, chains.zhao.pk, chains.zhou.pk]


def test_a_contact_with_no_case_status_is_placed_by_their_own_chain(world, chains, django_assert_num_queries):
    from tests import factories as f

    stranger = f.person(world.hh_b1, "吴昊")
    contact(chains.sun, stranger, "other", D(2020, 1, 27))
    with django_assert_num_queries(3):  # 吴昊 and 钱进 have no case status: one more query for both
        graph = load_graph()
    assert graph.nodes[stranger.pk].classification == ""
    assert graph.nodes[stranger.pk].grid_id == world.grid_b.pk
    assert graph.cluster_of[stranger.pk] == chains.zhang.pk


def test_a_merged_record_keeps_no_status_of_its_own(world, chains):
    from tests import factories as f

    kept = f.person(world.hh_a2, "吴昊")
    twin = person_register_unplaced(actor=None, region=world.district, name="吴昊", source="sent_down")
    status(twin, "confirmed", D(2020, 1, 1), D(2020, 1, 2))
    person_merge(actor=world.hq, kept=kept, absorbed=twin)  # the status moves to the record kept
    graph = load_graph()
    assert twin.pk not in graph.nodes
    assert graph.nodes[kept.pk].classification == "confirmed"
    assert graph.by_id[kept.pk].members == (kept.pk,)


def test_clusters_are_those_with_a_member_in_scope(world, chains):
    graph = load_graph()

    def ids(user, **kw):
        return [c.index_id for c in clusters_for_user(user=user, filters=ClusterFilter(**kw), graph=graph)]

    assert ids(world.hq) == [chains.zhang.pk, chains.zhou.pk]
    assert ids(world.grid_worker_b) == [chains.zhang.pk]  # through 李娜 and 孙丽
    assert ids(world.outsider) == [chains.zhao.pk]
    assert ids(world.hq, region=world.grid_b) == [chains.zhang.pk]
    assert ids(world.hq, region=world.village_a) == [chains.zhang.pk, chains.zhou.pk]
    assert ids(world.hq, start=D(2020, 2, 1)) == [chains.zhou.pk]
    assert ids(world.hq, end=D(2020, 1, 31)) == [chains.zhang.pk]
    assert ids(world.hq, min_size=2) == [chains.zhang.pk]
    with pytest.raises(Http404):
        ids(world.hq, region=world.other_district)
    with pytest.raises(Http404):
        ids(world.grid_worker_b, region=world.grid_a)


def test_names_are_masked_by_role_and_hidden_outside_the_scope(world, chains):
    assert not sees_full_names(world.hq) and sees_full_names(world.grid_worker_b)
    detail = cluster_get_for_user(user=world.hq, person_id=chains.zhang.pk, request=None)
    assert detail.labels[chains.zhang.pk].text == "张*"
    assert detail.labels[chains.li.pk].text == "李*"
    detail = cluster_get_for_user(user=world.grid_worker_b, person_id=chains.zhang.pk, request=None)
    labels = detail.labels
    assert labels[chains.li.pk].text == "李娜" and labels[chains.sun.pk].text == "孙丽"
    assert labels[chains.zhang.pk].text == "辖区外" and not labels[chains.zhang.pk].in_scope
    assert "张" not in labels[chains.zhang.pk].title and labels[chains.zhang.pk].href == ""


def test_a_cluster_outside_the_scope_or_no_cluster_is_not_found(world, chains):
    for user, person in [
        (world.outsider, chains.zhang),
        (world.grid_worker_b, chains.zhou),
        (world.hq, chains.zhao),
        (world.hq, chains.zhao_contact),
    ]:
        with pytest.raises(Http404):
            cluster_get_for_user(user=user, person_id=person.pk, request=None)
    with pytest.raises(Http404):  # a person in no cluster
        cluster_get_for_user(user=world.hq, person_id=10**9, request=None)


def test_reads_are_logged_with_the_people_named(world, chains):
    cluster_get_for_user(user=world.grid_worker_b, person_id=chains.li.pk, request=None)
    event = AuditEvent.objects.filter(object_type="cluster").get()
    assert event.action == AuditEvent.Action.READ
    assert event.object_id == str(chains.zhang.pk)
    assert event.detail["persons"] == sorted([chains.li.pk, chains.sun.pk])
    graph = load_graph()
    filters = ClusterFilter(region=world.village_a)
    shown = clusters_for_user(user=world.hq, filters=filters, graph=graph)
    rows = cluster_rows(user=world.hq, graph=graph, clusters=shown, request=None, filters=filters)
    assert [r.index.text for r in rows] == ["张*", "周*"]
    event = AuditEvent.objects.filter(object_type="clusters").get()
    assert event.detail["persons"] == sorted([chains.zhang.pk, chains.zhou.pk])
    assert event.region_path == world.village_a.path


def test_contacts_within_k_hops(world, chains):
    hops = contacts_within_hops_for_user(user=world.hq, person_id=chains.wang.pk, k=1, request=None)
    assert [(r.person_id, r.distance) for r in hops.rows] == [(chains.zhang.pk, 1)]
    assert hops.cluster_id == chains.zhang.pk
    hops = contacts_within_hops_for_user(user=world.hq, person_id=chains.wang.pk, k=3, request=None)
    rows = {r.person_id: r for r in hops.rows}
    assert {p: r.distance for p, r in rows.items()} == {
        chains.zhang.pk: 1, chains.li.pk: 2, chains.sun.pk: 3, chains.zeng.pk: 3,
    }  # fmt: skip
    assert rows[chains.sun.pk].via == chains.li.pk and rows[chains.sun.pk].edge.setting == "household"
    assert rows[chains.li.pk].edge.setting == "meal"
    # k is kept between 1 and 5; someone with no contact has nobody around them.
    lone = contacts_within_hops_for_user(user=world.hq, person_id=chains.zhou.pk, k=9, request=None)
    assert lone.rows == [] and lone.cluster_id == chains.zhou.pk
    event = AuditEvent.objects.filter(object_type="contact_hops").order_by("id").last()
    assert event.detail["k"] == 5


def test_k_hops_of_a_person_outside_the_scope_is_not_found(world, chains):
    with pytest.raises(Http404):
        contacts_within_hops_for_user(user=world.grid_worker_a, person_id=chains.li.pk, k=2, request=None)
    # From inside: the people outside are counted but not named.
    hops = contacts_within_hops_for_user(user=world.grid_worker_b, person_id=chains.li.pk, k=1, request=None)
    labels = {r.person_id: r.label for r in hops.rows}
    assert labels[chains.zhang.pk].text == "辖区外" and labels[chains.sun.pk].text == "孙丽"


def test_one_component_is_read_one_generation_at_a_time(world, chains, django_assert_num_queries):
    from epigrid.cases.chains import load_component

    whole = load_graph().by_id[chains.zhang.pk]
    # 孙丽 is two links from 张伟: three walks (the last finds nobody new), then the statuses.
    with django_assert_num_queries(5):
        part = load_component(chains.sun.pk)
    assert len(part.clusters) == 1
    cluster = part.clusters[0]
    assert (cluster.index_id, cluster.members, dict(cluster.generation), cluster.edges) == (
        whole.index_id, whole.members, dict(whole.generation), whole.edges,
    )  # fmt: skip
    assert load_component(chains.zhao_contact.pk).clusters[0].index_id == chains.zhao.pk
    assert load_component(chains.zhou.pk).clusters[0].members == (chains.zhou.pk,)
    assert load_component(world.hh_a1.pk + 10**6).clusters == []

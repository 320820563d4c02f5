"""Cluster list, chain page and k-hop page: scoped, masked by role, audited, SVG well-formed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from tests.cases.chain_data import build

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def chains(world):
    return build(world)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _svg(body: str) -> ET.Element:
    match = re.search(r"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chain\".*?</svg>", body, re.S)
    assert match, "no chain SVG on the page"
    return ET.fromstring(match.group(0))  # noqa: S314 — our own page


def test_cluster_list_shows_the_clusters_in_scope_with_figures(world, chains):
    response = client_for(world.hq).get(reverse("cases:clusters"))
    assert response.status_code == 200
    body = response.content.decode()
    assert re.findall(r'data-cluster="(\d+)"', body) == [str(chains.zhang.pk), str(chains.zhou.pk)]
    assert "张*" in body and "张伟" not in body  # HQ reads names masked
    assert "赵" not in body  # the other district's cluster
    row = body[body.index(f'data-cluster="{chains.zhang.pk}"') :].split("</tr>")[0]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    # size, cases, generations, first date, last date, confirmed, clinical, asymptomatic, suspected, contacts
    assert [c.strip() for c in cells[1:11]] == [
        "5",
        "3",
        "3",
        "2020-01-19",
        "2020-01-29",
        "2",
        "0",
        "0",
        "1",
        "2",
    ]
    event = AuditEvent.objects.filter(object_type="clusters").get()
    assert event.user == world.hq and event.detail["persons"] == sorted([chains.zhang.pk, chains.zhou.pk])


def test_cluster_list_filters_by_region_and_dates(world, chains):
    client = client_for(world.hq)
    body = client.get(reverse("cases:clusters"), {"region": world.grid_b.pk}).content.decode()
    assert re.findall(r'data-cluster="(\d+)"', body) == [str(chains.zhang.pk)]
    body = client.get(reverse("cases:clusters"), {"start": "2020-02-01"}).content.decode()
    assert re.findall(r'data-cluster="(\d+)"', body) == [str(chains.zhou.pk)]
    body = client.get(reverse("cases:clusters"), {"end": "2020-01-31", "min_size": "2"}).content.decode()
    assert re.findall(r'data-cluster="(\d+)"', body) == [str(chains.zhang.pk)]
    response = client.get(reverse("cases:clusters"), {"start": "2020-13-01"})
    assert response.status_code == 200 and "日期格式应为" in response.content.decode()
    assert client.get(reverse("cases:clusters"), {"region": world.other_grid.pk}).status_code == 404


def test_chain_page_draws_every_member_by_generation(world, chains, django_assert_max_num_queries):
    client = client_for(world.hq)
    url = reverse("cases:cluster", args=[chains.zhang.pk])
    client.get(url)  # session and user warmed up
    # Session, user, scope; one walk per generation of the component (3: the last finds nobody new), the
    # statuses, the names shown, the audit event: the chain's size does not add queries, its depth does.
    with django_assert_max_num_queries(9):
        response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    svg = _svg(body)
    nodes = svg.findall(f".//{SVG}g[@data-person]")
    assert sorted(int(n.get("data-person")) for n in nodes) == sorted(
        p.pk for p in (chains.zhang, chains.wang, chains.li, chains.sun, chains.zeng)
    )
    by_id = {int(n.get("data-person")): n for n in nodes}
    assert by_id[chains.zeng.pk].get("data-class") == "suspected"
    texts = [t.text for t in svg.iter(f"{SVG}text")]
    assert "张*" in texts and "张伟" not in body
    edge_titles = [g.find(f"{SVG}title").text for g in svg.find(f".//{SVG}g[@class='edges']")]
    assert any("共同就餐" in t and "2020-01-19" in t for t in edge_titles)
    assert AuditEvent.objects.filter(object_type="cluster", object_id=str(chains.zhang.pk)).count() == 2


def test_a_members_id_leads_to_the_cluster_of_its_index(world, chains):
    response = client_for(world.hq).get(reverse("cases:cluster", args=[chains.sun.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:cluster", args=[chains.zhang.pk])


def test_a_grid_worker_sees_their_people_by_name_and_nobody_else(world, chains):
    body = (
        client_for(world.grid_worker_b).get(reverse("cases:cluster", args=[chains.zhang.pk])).content.decode()
    )
    assert "李娜" in body and "孙丽" in body
    for name in ("张伟", "王芳", "曾强", "张*", "王*"):
        assert name not in body
    svg = _svg(body)
    dashed = [
        g
        for g in svg.findall(f".//{SVG}g[@data-person]")
        if 'stroke-dasharray="3 2"' in ET.tostring(g, "unicode")
    ]
    assert len(dashed) == 3
    assert (
        client_for(world.grid_worker_b).get(reverse("cases:cluster", args=[chains.zhou.pk])).status_code
        == 404
    )


def test_outsiders_and_people_in_no_cluster_get_404(world, chains):
    assert client_for(world.outsider).get(reverse("cases:cluster", args=[chains.zhang.pk])).status_code == 404
    assert client_for(world.hq).get(reverse("cases:cluster", args=[chains.zhao.pk])).status_code == 404
    assert client_for(world.hq).get(reverse("cases:cluster", args=[world.li.pk + 10_000])).status_code == 404
    assert not AuditEvent.objects.filter(object_type="cluster").exists()
    assert Client().get(reverse("cases:clusters")).status_code == 302  # log in first


def test_contacts_within_k_hops_page(world, chains):
    client = client_for(world.village_leader)
    url = reverse("cases:contact_hops", args=[chains.wang.pk])
    body = client.get(url, {"k": "1"}).content.decode()
    assert re.findall(r'data-person="(\d+)" data-distance="(\d)"', body) == [(str(chains.zhang.pk), "1")]
    body = client.get(url, {"k": "3"}).content.decode()
    found = dict(re.findall(r'data-person="(\d+)" data-distance="(\d)"', body))
    assert found == {
        str(chains.zhang.pk): "1",
        str(chains.li.pk): "2",
        str(chains.sun.pk): "3",
        str(chains.zeng.pk): "3",
    }
    assert "张伟" in body  # the village leader reads names in full; 李娜 lives outside the village
    assert "李娜" not in body and "辖区外" in body
    assert client.get(reverse("cases:contact_hops", args=[chains.li.pk])).status_code == 404
    assert client_for(world.outsider).get(url).status_code == 404
    assert AuditEvent.objects.filter(object_type="contact_hops", object_id=str(chains.wang.pk)).count() == 2


def test_pages_in_english(world, chains):
    client = client_for(world.hq)
    body = client.get(
        reverse("cases:cluster", args=[chains.zhang.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Transmission chain" in body and "Index case" in body and "Generation 1" in body
    body = client.get(reverse("cases:clusters"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Transmission chains" in body and "Generations" in body

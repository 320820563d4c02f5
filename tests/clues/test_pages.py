"""Staff pages: the clue list (query count bounded), reporting a clue, the police's outcome, the review
list and an entry's page, and the community links with their poster."""

from __future__ import annotations

import pytest
from django.test import Client

from epigrid.clues.entries import EntryInput, entry_submit
from epigrid.clues.models import Clue, CommunityLink, ResidentEntry
from epigrid.clues.services import ClueInput, clue_report
from epigrid.core.models import AuditEvent


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _clues(world, n: int) -> None:
    for i in range(n):
        region = world.grid_a if i % 2 else world.village_a
        data = ClueInput(kind="gathering", region=region, description=f"聚集{i}", contact_phone="13700002222")
        clue_report(actor=world.village_leader, data=data)


def test_the_clue_list_costs_a_fixed_number_of_queries(world, django_assert_max_num_queries):
    _clues(world, 2)
    client = _client(world.police)
    client.get("/clues/")  # warm the session and the user
    _clues(world, 10)
    with django_assert_max_num_queries(12):
        response = client.get("/clues/")
    body = response.content.decode()
    assert response.status_code == 200 and body.count('data-clue="') == 12
    assert "13700002222" in body  # the police station calls back
    assert AuditEvent.objects.filter(object_type="clue_list").exists()


def test_others_see_the_contact_masked(world):
    _clues(world, 1)
    body = _client(world.town_officer).get("/clues/").content.decode()
    assert "13700002222" in body  # a town officer sees phones in full
    body = _client(world.department).get("/clues/").content.decode()
    assert "聚集0" in body and "13700002222" not in body and "137****2222" in body


def test_reporting_a_clue_through_the_page(world):
    client = _client(world.grid_worker_a)
    form = client.get("/clues/new/").content.decode()
    assert f'value="{world.village_a.pk}"' in form and f'value="{world.grid_b.pk}"' not in form
    data = {"kind": "rumour", "region": world.grid_a.pk, "description": "听说要封村了", "key": "page-1"}
    response = client.post("/clues/new/", data)
    clue = Clue.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/clues/{clue.pk}/"
    client.post("/clues/new/", data)
    assert Clue.objects.count() == 1
    bad = client.post("/clues/new/", {**data, "key": "page-2", "contact_phone": "12"})
    assert bad.status_code == 400 and "联系电话无效" in bad.content.decode()
    assert _client(world.department).get("/clues/new/").status_code == 403


def test_the_police_record_an_outcome_on_the_page(world):
    _clues(world, 1)
    clue = Clue.objects.get()
    police = _client(world.police)
    assert police.post(f"/clues/{clue.pk}/", {"status": "false", "note": ""}).status_code == 400
    response = police.post(f"/clues/{clue.pk}/", {"status": "false", "note": "经核实为正常家庭聚餐，已劝散"})
    assert response.status_code == 302
    body = _client(world.village_leader).get(f"/clues/{clue.pk}/").content.decode()
    assert "不实" in body and "已劝散" in body
    assert _client(world.village_leader).post(f"/clues/{clue.pk}/", {"status": "verified"}).status_code == 403


def test_the_review_list_costs_a_fixed_number_of_queries(world, link_a, django_assert_max_num_queries):
    link, _token = link_a
    for i in range(8):
        kind = ("returnee", "fever", "clue")[i % 3]
        data = EntryInput(
            kind=kind, name=f"居民{i}", phone="13911112222", origin="武汉", temperature="38.0",
            clue_kind="other", description=f"情况{i}",
        )  # fmt: skip
        entry_submit(link=link, data=data, address=f"10.7.{i}.1")
    client = _client(world.village_leader)
    client.get("/clues/entries/")
    with django_assert_max_num_queries(10):
        response = client.get("/clues/entries/")
    assert response.content.decode().count('data-entry="') == 8


def test_an_entry_page_offers_the_candidates(world, link_a, django_assert_max_num_queries):
    entry = entry_submit(
        link=link_a[0], data=EntryInput(kind="returnee", name="张玮", phone=world.zhang.phone, origin="武汉"),
        address="10.8.0.1",
    ).entry  # fmt: skip
    client = _client(world.village_leader)
    with django_assert_max_num_queries(14):
        body = client.get(f"/clues/entries/{entry.pk}/").content.decode()
    assert f'name="person" value="{world.zhang.pk}"' in body and 'value="new"' in body
    wrong = client.post(f"/clues/entries/{entry.pk}/", {"action": "accept", "person": str(world.li.pk)})
    assert wrong.status_code == 400 and "请从列出的疑似人员中选择" in wrong.content.decode()
    client.post(f"/clues/entries/{entry.pk}/", {"action": "accept", "person": str(world.zhang.pk)})
    assert ResidentEntry.objects.get(pk=entry.pk).person == world.zhang


def test_putting_up_a_community_page_shows_its_poster_once(world):
    client = _client(world.village_leader)
    response = client.post("/clues/links/", {"village": world.village_a.pk, "label": "村委会公告栏"})
    body = response.content.decode()
    assert response.status_code == 200 and "<svg" in body and "/clues/p/" in body
    link = CommunityLink.objects.get()
    token = body.split("/clues/p/")[1].split("/")[0]
    assert Client().get(f"/clues/p/{token}/").status_code == 200
    listing = client.get("/clues/links/").content.decode()
    assert "村委会公告栏" in listing and token not in listing
    client.post(f"/clues/links/{link.pk}/revoke/")
    assert Client().get(f"/clues/p/{token}/").status_code == 404


@pytest.mark.parametrize("persona", ["grid_worker_a", "department", "checkpoint", "police"])
def test_only_village_town_and_hq_put_up_pages(world, persona):
    client = _client(world.personas()[persona])
    assert client.get("/clues/links/").status_code == 403
    assert client.post("/clues/links/", {"village": world.village_a.pk}).status_code == 403


def test_an_outsider_cannot_revoke_a_link(world):
    link = world.community_link_a
    assert _client(world.outsider).post(f"/clues/links/{link.pk}/revoke/").status_code == 404
    assert CommunityLink.objects.get(pk=link.pk).revoked_at is None

"""The clues API: clues (list, report, outcome, counts), residents' entries (review, accept, reject) and
community links (create, revoke)."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from epigrid.clues.entries import EntryInput, entry_submit
from epigrid.clues.models import Clue, CommunityLink, ResidentEntry
from epigrid.people.models import Person
from tests.api.conftest import API, session_client, token_client


@pytest.fixture(autouse=True)
def before_the_cutoff():
    """The clue counts are the day's as of the 18:00 cut-off: build the world and run at 10:00 Beijing
    time, so that the counts do not depend on the hour the suite runs."""
    morning = dt.datetime.combine(timezone.localdate(), dt.time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(morning, tick=True):
        yield


def _post(client, url: str, body: dict[str, object]):
    return client.post(API + url, data=json.dumps(body), content_type="application/json")


def test_report_a_clue_and_the_police_see_it(world):
    client = token_client(world.grid_worker_a)
    body = {"kind": "gathering", "description": "村口小卖部聚集打牌", "contact_phone": "13700002222"}
    created = _post(client, f"/regions/{world.grid_a.pk}/clues", {**body, "idempotency_key": "a1"})
    assert created.status_code == 201
    assert created.json()["police"] == ["police"]
    again = _post(client, f"/regions/{world.grid_a.pk}/clues", {**body, "idempotency_key": "a1"})
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    listing = token_client(world.police).get(API + "/clues").json()
    assert listing["count"] == 1 and listing["items"][0]["contact_phone"] == "13700002222"
    assert listing["items"][0]["handled_by_caller"] is True


def test_bad_input_is_a_422_naming_the_fields(world):
    response = _post(
        token_client(world.grid_worker_a), f"/regions/{world.grid_a.pk}/clues", {"contact_phone": "1"}
    )
    assert response.status_code == 422
    fields = {e["loc"][-1] for e in response.json()["detail"]}
    assert fields == {"kind", "description", "contact_phone"}
    assert not Clue.objects.exists()


def test_outcome_by_the_police_only(world):
    clue = world.clue_a
    assert (
        _post(
            token_client(world.village_leader), f"/clues/{clue.pk}/outcome", {"status": "verified"}
        ).status_code
        == 403
    )
    response = _post(
        token_client(world.police), f"/clues/{clue.pk}/outcome", {"status": "handled", "note": "已劝散"}
    )
    assert response.status_code == 200 and response.json()["status"] == "handled"
    counts = token_client(world.town_officer).get(API + f"/regions/{world.town.pk}/clue-counts").json()
    assert counts["received"] == 1 and counts["handled"] == 1 and counts["verified"] == 1


def test_review_through_the_api(world):
    entry = world.resident_entry_a
    reviewer = session_client(world.village_leader)
    detail = reviewer.get(API + f"/clues/entries/{entry.pk}").json()
    assert detail["candidates"] == [] and detail["phone"] == "13911112222"
    listing = token_client(world.grid_worker_a).get(API + "/clues/entries").json()
    assert listing["count"] == 1 and listing["items"][0]["phone"] == "13911112222"
    accepted = _post(reviewer, f"/clues/entries/{entry.pk}/accept", {"new_person": True})
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["person_created"] is True
    assert Person.objects.filter(name="孙红", source="local").count() == 1
    rejected = _post(reviewer, f"/clues/entries/{entry.pk}/reject", {"reason": "x"})
    assert rejected.status_code == 422


def test_reject_and_who_may_review(world):
    entry = world.resident_entry_a
    assert (
        _post(token_client(world.police), f"/clues/entries/{entry.pk}/reject", {"reason": "x"}).status_code
        == 404
    )
    assert (
        _post(
            token_client(world.grid_worker_b), f"/clues/entries/{entry.pk}/reject", {"reason": "x"}
        ).status_code
        == 404
    )
    empty = _post(token_client(world.village_leader), f"/clues/entries/{entry.pk}/reject", {})
    assert empty.status_code == 422 and empty.json()["detail"][0]["loc"][-1] == "reason"
    done = _post(token_client(world.village_leader), f"/clues/entries/{entry.pk}/reject", {"reason": "重复"})
    assert done.json()["status"] == "rejected"
    assert ResidentEntry.objects.get(pk=entry.pk).reject_reason == "重复"


def test_accept_a_candidate_not_offered_is_refused(world, link_a):
    data = EntryInput(kind="returnee", name="张玮", phone=world.zhang.phone, origin="武汉")
    entry = entry_submit(link=link_a[0], data=data, address="10.9.0.1").entry
    client = token_client(world.village_leader)
    candidates = client.get(API + f"/clues/entries/{entry.pk}").json()["candidates"]
    assert [c["person_id"] for c in candidates] == [world.zhang.pk]
    wrong = _post(client, f"/clues/entries/{entry.pk}/accept", {"person_id": world.li.pk})
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["loc"][-1] == "person_id"
    undecided = _post(client, f"/clues/entries/{entry.pk}/accept", {})
    assert undecided.status_code == 422
    right = _post(client, f"/clues/entries/{entry.pk}/accept", {"person_id": world.zhang.pk})
    assert right.json()["person_id"] == world.zhang.pk


def test_links_create_and_revoke(world):
    client = token_client(world.town_officer)
    created = _post(client, f"/regions/{world.village_a.pk}/community-links", {"label": "文化广场"})
    assert created.status_code == 201 and "/clues/p/" in created.json()["url"]
    assert _post(client, f"/regions/{world.town.pk}/community-links", {}).status_code == 422
    department = token_client(world.department)
    assert _post(department, f"/regions/{world.village_a.pk}/community-links", {}).status_code == 403
    link_id = created.json()["id"]
    revoked = _post(client, f"/clues/links/{link_id}/revoke", {})
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert CommunityLink.objects.get(pk=link_id).revoked_at is not None
    assert token_client(world.village_leader).get(API + "/clues/links").json()["count"] == 1

"""The community's review: an accepted returnee matched to a registered person or added unplaced with
their journey; a fever handed to observation; a clue routed to the police; rejection; who may decide."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from epigrid.clues.entries import EntryInput, entry_submit
from epigrid.clues.errors import ClueInvalid
from epigrid.clues.models import Clue, ResidentEntry
from epigrid.clues.review import entry_accept, entry_match, entry_reject
from epigrid.core.models import AuditEvent
from epigrid.people.models import Person, TravelRecord


def _submit(link, **fields) -> ResidentEntry:
    data = EntryInput(**{"kind": "returnee", "origin": "湖北武汉", "arrived_on": "2020-01-25", **fields})
    entry = entry_submit(link=link, data=data, address="10.5.0.1").entry
    assert entry is not None
    return entry


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_returnee_already_registered_is_linked_to_that_person(world, link_a):
    entry = _submit(link_a[0], name="张伟", phone=world.zhang.phone)
    assert entry_match(entry).best == world.zhang
    people = Person.objects.count()
    accepted = entry_accept(actor=world.village_leader, entry=entry).entry
    assert accepted.status == "accepted" and accepted.person == world.zhang and not accepted.person_created
    assert Person.objects.count() == people
    journey = TravelRecord.objects.get(person=world.zhang)
    assert (
        journey.origin == "湖北武汉"
        and journey.from_outbreak_area
        and journey.arrived_on == dt.date(2020, 1, 25)
    )


def test_a_returnee_nobody_knows_is_added_unplaced_for_the_grid_worker(world, link_a):
    entry = _submit(link_a[0], name="孙红", phone="13911112222")
    accepted = entry_accept(actor=world.grid_worker_a, entry=entry).entry
    person = accepted.person
    assert accepted.person_created and person.source == Person.Source.LOCAL
    assert (person.village_id, person.grid_id, person.household_id) == (world.village_a.pk, None, None)
    assert person.phone == "13911112222"
    assert TravelRecord.objects.get(person=person).origin == "湖北武汉"


def test_accepting_twice_changes_nothing(world, link_a):
    entry = _submit(link_a[0], name="孙红")
    entry_accept(actor=world.village_leader, entry=entry)
    again = entry_accept(actor=world.village_leader, entry=entry)
    assert not again.created and Person.objects.filter(name="孙红").count() == 1
    assert TravelRecord.objects.filter(person__name="孙红").count() == 1


def test_a_homophone_with_the_same_phone_asks_the_reviewer(world, link_a):
    entry = _submit(link_a[0], name="张玮", phone=world.zhang.phone)
    matching = entry_match(entry)
    assert matching.best is None and [c.person for c in matching.candidates] == [world.zhang]
    with pytest.raises(ClueInvalid) as exc:
        entry_accept(actor=world.village_leader, entry=entry)
    assert exc.value.by_field == {"person": ["有疑似已登记人员，请确认是否为同一人。"]}
    assert ResidentEntry.objects.get(pk=entry.pk).status == "pending"
    as_new = entry_accept(actor=world.village_leader, entry=entry, new_person=True).entry
    assert as_new.person_created and as_new.person != world.zhang


def test_a_namesake_at_the_same_door_is_matched(world, link_a):
    entry = _submit(link_a[0], name="张伟", address="甲村一组1号")
    assert entry_match(entry).best == world.zhang


def test_a_namesake_alone_is_a_new_person_as_for_department_lists(world, link_a):
    entry = _submit(link_a[0], name="张伟")
    assert entry_match(entry).candidates == []
    assert entry_accept(actor=world.village_leader, entry=entry).entry.person_created


def test_the_reviewer_may_pick_a_candidate_but_not_someone_else(world, link_a):
    entry = _submit(link_a[0], name="张玮", phone=world.zhang.phone)
    with pytest.raises(ClueInvalid):
        entry_accept(actor=world.village_leader, entry=entry, person=world.li)
    accepted = entry_accept(actor=world.village_leader, entry=entry, person=world.zhang).entry
    assert accepted.person == world.zhang


def test_a_fever_is_linked_and_handed_to_observation(world, link_a):
    data = EntryInput(kind="fever", name="张伟", phone=world.zhang.phone, temperature="38.4")
    entry = entry_submit(link=link_a[0], data=data, address="10.5.0.2").entry
    client = _client(world.village_leader)
    response = client.post(f"/clues/entries/{entry.pk}/", {"action": "accept", "person": str(world.zhang.pk)})
    assert response.status_code == 302
    body = client.get(f"/clues/entries/{entry.pk}/").content.decode()
    assert f"/monitoring/people/{world.zhang.pk}/start/" in body
    timeline = client.get(f"/people/{world.zhang.pk}/")
    assert timeline.status_code == 200 and "群众报告发热 38.4℃" in timeline.content.decode()


def test_an_accepted_clue_is_routed_to_the_police(world, link_a):
    data = EntryInput(kind="clue", clue_kind="rumour", description="听说水源被污染了", phone="13800001111")
    entry = entry_submit(link=link_a[0], data=data, address="10.5.0.3").entry
    accepted = entry_accept(actor=world.village_leader, entry=entry).entry
    clue = accepted.clue
    assert (clue.kind, clue.region, clue.source, clue.contact_phone) == (
        "rumour",
        world.village_a,
        "resident",
        "13800001111",
    )
    assert clue.reporter_unit == world.village_a
    police = _client(world.police)
    assert "听说水源被污染了" in police.get("/clues/").content.decode()


def test_rejection_needs_a_reason_and_is_final(world, link_a):
    entry = _submit(link_a[0], name="孙红")
    with pytest.raises(ClueInvalid) as exc:
        entry_reject(actor=world.village_leader, entry=entry, reason=" ")
    assert exc.value.by_field == {"reason": ["请填写退回原因。"]}
    rejected = entry_reject(actor=world.village_leader, entry=entry, reason="重复报告")
    assert rejected.status == "rejected" and rejected.reject_reason == "重复报告"
    with pytest.raises(ClueInvalid):
        entry_accept(actor=world.village_leader, entry=entry)
    assert AuditEvent.objects.filter(object_type="resident_entry", action="update").count() == 1


@pytest.mark.parametrize(
    ("persona", "may"),
    [
        ("hq", True), ("town_officer", True), ("village_leader", True), ("grid_worker_a", True),
        ("grid_worker_b", False), ("department", False), ("checkpoint", False), ("police", False),
        ("outsider", False),
    ],
)  # fmt: skip
def test_who_reviews_a_communitys_entries(world, link_a, persona, may):
    entry = _submit(link_a[0], name="孙红")
    user = world.personas()[persona]
    listed = _client(user).get("/clues/entries/")
    assert (listed.status_code == 200 and "孙红" in listed.content.decode()) is may
    if may:
        assert entry_accept(actor=user, entry=entry).entry.status == "accepted"
    else:
        with pytest.raises(PermissionDenied):
            entry_accept(actor=user, entry=entry)
        assert _client(user).get(f"/clues/entries/{entry.pk}/").status_code in (403, 404)


def test_no_clue_is_written_for_a_rejected_clue_entry(world, link_a):
    entry = entry_submit(
        link=link_a[0],
        data=EntryInput(kind="clue", clue_kind="other", description="广告"),
        address="10.5.0.4",
    ).entry
    entry_reject(actor=world.village_leader, entry=entry, reason="广告")
    assert not Clue.objects.exists()


def test_a_flood_is_rejected_at_once_and_genuine_entries_stay(world, link_a):
    from epigrid.clues.entries import FLOOD_LIMIT

    link = link_a[0]
    for i in range(FLOOD_LIMIT + 2):
        data = EntryInput(kind="clue", clue_kind="other", description=f"广告{i}")
        entry_submit(link=link, data=data, address=f"10.6.{i}.1")
    response = _client(world.village_leader).post("/clues/entries/", {"reason": "广告刷屏"})
    assert response.status_code == 302
    assert ResidentEntry.objects.filter(status="rejected", quarantined=True).count() == 2
    assert ResidentEntry.objects.filter(status="pending").count() == FLOOD_LIMIT
    assert _client(world.department).post("/clues/entries/", {"reason": "x"}).status_code == 403

"""The cases API: counts, lists, classification with history, measures, contacts; scope and roles."""

from __future__ import annotations

import json

from django.utils import timezone

from epigrid.cases.models import CaseStatus, Classification, Contact
from epigrid.people.models import Person
from tests.api.conftest import API, api_events, session_client, token_client

C = Classification


def _post(client, url: str, body: dict):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _wang(world) -> Person:
    return Person.objects.get(name="王芳", household=world.hh_a1)


def test_counts_per_region(world, confirmed_zhang):
    client = token_client(world.hq)
    body = client.get(f"{API}/cases/counts", {"region_id": world.town.pk}).json()
    assert body["confirmed"] == 1 and body["total"] == 1 and body["by_classification"] == {"confirmed": 1}
    assert body["measured"]["confirmed"] == 0  # no measure recorded yet
    street = client.get(f"{API}/cases/counts", {"region_id": world.street.pk}).json()
    assert street["confirmed"] == 0
    assert (
        token_client(world.grid_worker_b).get(f"{API}/cases/counts", {"region_id": world.town.pk}).status_code
        == 404
    )


def test_the_case_list_is_filtered_and_audited(world, confirmed_zhang):
    client = token_client(world.hq)
    body = client.get(f"{API}/cases", {"region_id": world.district.pk}).json()
    assert body["count"] == 1 and body["items"][0]["name"] == "张伟"
    assert body["items"][0]["classification_label"] == "确诊病例"
    none = client.get(f"{API}/cases", {"region_id": world.district.pk, "classification": "suspected"}).json()
    assert none["count"] == 0
    assert api_events("case_status", "export")[-1].detail["ids"] == []


def test_classification_change_and_refusal(world, confirmed_zhang):
    client = session_client(world.town_officer)
    url = f"{API}/persons/{world.zhang.pk}/classification"
    before = client.get(url).json()
    assert before["classification"] == "confirmed" and set(before["allowed_next"]) == {"recovered", "died"}
    refused = _post(client, url, {"to": "suspected", "reason": "误录"})
    assert refused.status_code == 409
    assert refused.json()["detail"] == "当前为确诊病例，不能直接改为疑似病例"
    done = _post(client, url, {"to": "recovered", "reason": "出院"})
    assert done.status_code == 200
    history = done.json()["history"]
    assert [h["to_classification"] for h in history] == ["recovered", "confirmed"]


def test_grid_workers_cannot_classify_but_may_record_measures(world, confirmed_zhang):
    wang = _wang(world)
    client = token_client(world.grid_worker_a)
    refused = _post(client, f"{API}/persons/{wang.pk}/classification", {"to": "suspected", "reason": "发热"})
    assert refused.status_code == 403
    created = _post(client, f"{API}/persons/{wang.pk}/measures", {"kind": "home_monitoring"})
    assert created.status_code == 201 and created.json()["episode_id"] is not None
    listed = client.get(f"{API}/persons/{wang.pk}/measures").json()
    assert [m["kind"] for m in listed] == ["home_monitoring"]


def test_a_measure_sent_twice_with_one_key_is_recorded_once(world):
    from epigrid.cases.models import Measure
    from epigrid.monitoring.models import Episode

    wang = _wang(world)
    client = token_client(world.grid_worker_a)
    url = f"{API}/persons/{wang.pk}/measures"
    first = _post(client, url, {"kind": "home_monitoring", "idempotency_key": "m-1"})
    again = _post(client, url, {"kind": "home_monitoring", "note": "重发", "idempotency_key": "m-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["note"] == ""
    assert Measure.objects.filter(person=wang).count() == 1
    assert Episode.objects.filter(person=wang).count() == 1
    assert len(api_events("measure")) == 1


def test_a_measure_key_is_per_account_and_refused_for_another_person(world):
    from epigrid.cases.models import Measure

    wang = _wang(world)
    body = {"kind": "home_monitoring", "idempotency_key": "k"}
    grid = _post(token_client(world.grid_worker_a), f"{API}/persons/{wang.pk}/measures", body)
    town = _post(token_client(world.town_officer), f"{API}/persons/{wang.pk}/measures", body)
    assert (grid.status_code, town.status_code) == (201, 201) and grid.json()["id"] != town.json()["id"]
    other = _post(token_client(world.grid_worker_a), f"{API}/persons/{world.zhang.pk}/measures", body)
    assert other.status_code == 409 and other.json()["detail"] == "这个提交标识已用于另一条记录。"
    assert Measure.objects.filter(person=world.zhang).count() == 0


def test_contacts_are_registered_once(world, confirmed_zhang):
    wang = _wang(world)
    client = token_client(world.town_officer)
    url = f"{API}/persons/{world.zhang.pk}/contacts"
    today = timezone.localdate().isoformat()
    first = _post(client, url, {"contact_id": wang.pk, "setting": "household", "last_exposure": today})
    assert first.status_code == 201
    assert first.json()["classification"] == "close_contact" and first.json()["episode_id"]
    again = _post(client, url, {"contact_id": wang.pk, "setting": "household", "last_exposure": today})
    assert again.status_code == 200 and not again.json()["created"]
    assert Contact.objects.filter(case=world.zhang).count() == 1
    listed = client.get(url).json()
    assert [c["other_name"] for c in listed["named"]] == ["王芳"]
    exposures = client.get(f"{API}/persons/{wang.pk}/contacts").json()["exposures"]
    assert exposures[0]["other_person_id"] == world.zhang.pk


def test_contact_refusals(world, confirmed_zhang):
    client = token_client(world.town_officer)
    url = f"{API}/persons/{world.zhang.pk}/contacts"
    today = timezone.localdate().isoformat()
    own = _post(client, url, {"contact_id": world.zhang.pk, "setting": "other", "last_exposure": today})
    assert own.status_code == 409 and own.json()["detail"] == "一个人不能登记为自己的密切接触者。"
    foreign = _post(client, url, {"contact_id": world.li.pk, "setting": "other", "last_exposure": today})
    assert foreign.status_code == 404
    both = _post(
        client,
        url,
        {
            "contact_id": world.zhang.pk,
            "new_person": {"name": "某"},
            "setting": "other",
            "last_exposure": today,
        },
    )
    assert both.status_code == 422


def test_a_new_contact_person_through_the_api(world, confirmed_zhang):
    client = token_client(world.town_officer)
    today = timezone.localdate().isoformat()
    response = _post(
        client,
        f"{API}/persons/{world.zhang.pk}/contacts",
        {
            "new_person": {"name": "刘洋", "region_id": world.village_a.pk},
            "setting": "vehicle",
            "last_exposure": today,
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["person_created"] and body["episode_id"] is None and "尚未落户" in body["episode_note"]
    person = Person.objects.get(name="刘洋")
    assert person.village_id == world.village_a.pk
    assert CaseStatus.objects.get(person=person).classification == C.CLOSE_CONTACT

"""Screenings and report counts through the API: the same service, scope, masking and audit as the pages."""

from __future__ import annotations

import json

from django.utils import timezone

from epigrid.people.models import Person, Screening, TravelRecord
from tests.api.conftest import API, api_events, session_client, token_client


def _post(client, payload):
    return client.post(f"{API}/screenings", data=json.dumps(payload), content_type="application/json")


def _visit(world, **overrides):
    wang = Person.objects.get(name="王芳")
    today = timezone.localdate().isoformat()
    payload = {
        "household_id": world.hh_a1.pk,
        "entries": [
            {"person_id": world.zhang.pk, "temperature": "36.6",
             "travel": {"origin": "武汉", "arrived_on": today, "transport": "train"}},
            {"person_id": wang.pk, "present": False, "whereabouts": "在县城上班"},
            {"new_person": {"name": "张小明", "sex": "M", "relation": "儿子"}, "temperature": "36.5"},
        ],
        "measures": ["home_isolation"],
        "idempotency_key": "k-1",
    }  # fmt: skip
    payload.update(overrides)
    return payload


def test_record_a_visit_by_token_once(world):
    client = token_client(world.grid_worker_a)
    response = _post(client, _visit(world))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["created"] and [e["name"] for e in body["entries"]] == ["张伟", "王芳", "张小明"]
    assert TravelRecord.objects.get(person=world.zhang).from_outbreak_area
    again = _post(client, _visit(world))
    assert again.status_code == 200 and not again.json()["created"]
    assert Screening.objects.count() == 1
    assert Person.objects.get(name="张小明").source == Person.Source.LOCAL


def test_invalid_visit_names_entry_and_field_and_records_nothing(world):
    client = token_client(world.grid_worker_a)
    payload = _visit(world, measures=[])
    payload["entries"][0]["temperature"] = "45.0"
    response = _post(client, payload)
    assert response.status_code == 422
    locs = [tuple(e["loc"]) for e in response.json()["detail"]]
    assert ("body", "payload", "entries", 0, "temperature") in locs
    assert Screening.objects.count() == 0
    assert _post(client, {"household_id": world.hh_a1.pk, "entries": []}).status_code == 422
    bad_symptom = _visit(world)
    bad_symptom["entries"][0]["symptoms"] = ["sneezing-loudly"]
    assert _post(client, bad_symptom).status_code == 422


def test_scope_and_capability(world):
    assert _post(token_client(world.grid_worker_b), _visit(world)).status_code == 404
    assert _post(token_client(world.department), _visit(world)).status_code == 403
    assert Screening.objects.count() == 0


def test_list_and_detail_are_scoped_and_audited(world):
    _post(token_client(world.grid_worker_a), _visit(world))
    screening = Screening.objects.get()
    client = session_client(world.village_leader)
    listing = client.get(f"{API}/screenings", {"region_id": world.village_a.pk})
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert api_events("screening", "export")[-1].detail["ids"] == [screening.pk]
    detail = client.get(f"{API}/screenings/{screening.pk}")
    assert detail.status_code == 200 and len(detail.json()["entries"]) == 3
    other = session_client(world.grid_worker_b)
    assert other.get(f"{API}/screenings/{screening.pk}").status_code == 404
    assert other.get(f"{API}/screenings", {"region_id": world.village_a.pk}).status_code == 404


def test_counts(world):
    _post(token_client(world.grid_worker_a), _visit(world))
    client = session_client(world.town_officer)
    body = client.get(f"{API}/counts/returnees", {"region_id": world.town.pk}).json()
    assert body["outbreak"] == 1 and body["families"] == 2  # 王芳 and the son found at the door
    assert body["sources"] == [{"source": "区教育局", "batches": 1, "people": 1}]
    assert body["sent_down"] == 1
    past = client.get(
        f"{API}/counts/returnees", {"region_id": world.town.pk, "as_of": "2020-02-03T18:00+08:00"}
    )
    assert past.status_code == 200 and past.json()["outbreak"] == 0
    assert client.get(f"{API}/counts/returnees", {"region_id": world.street.pk}).status_code == 404
    assert (
        client.get(f"{API}/counts/returnees", {"region_id": world.town.pk, "as_of": "soon"}).status_code
        == 422
    )

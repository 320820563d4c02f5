"""The triage API: a visit posted to its facility (201, then 200 on the same key; 422 listing every
field, and the candidates; 403 without record_triage; 404 elsewhere), the scoped, audited lists and
the detail."""

from __future__ import annotations

import json

from epigrid.core.models import AuditEvent
from epigrid.triage.models import FeverVisit
from tests.api.conftest import API, session_client, token_client


def _post(client, facility, body):
    return client.post(
        f"{API}/triage/facilities/{facility.pk}/visits",
        data=json.dumps(body),
        content_type="application/json",
    )


def test_post_a_visit_then_the_same_key_again(world):
    client = token_client(world.clinic)
    body = {
        "person_id": world.zhang.pk, "temperature": "38.5", "disposition": "suspected", "doctor": "刘医生",
        "symptoms": ["cough"], "cluster": True, "idempotency_key": "api-1",
    }  # fmt: skip
    first = _post(client, world.facility_a, body)
    assert first.status_code == 201, first.content
    out = first.json()
    assert (out["person_id"], out["status_label"], out["classification_after"]) == (
        world.zhang.pk,
        "疑似病例",
        "suspected",
    )
    assert out["id_number"] == world.zhang.id_number and out["cluster"] is True
    again = _post(client, world.facility_a, body)
    assert again.status_code == 200 and again.json()["id"] == out["id"]
    assert FeverVisit.objects.count() == 1


def test_every_field_error_is_listed_and_nothing_written(world):
    response = _post(token_client(world.clinic), world.facility_a, {"temperature": "44", "phone": "12"})
    assert response.status_code == 422
    fields = {item["loc"][-1] for item in response.json()["detail"]}
    assert fields == {"temperature", "disposition", "doctor", "name", "phone"}
    assert all(world.zhang.phone not in item["msg"] for item in response.json()["detail"])
    assert not FeverVisit.objects.exists()


def test_a_contradicting_disposition_is_a_422_naming_the_classification(world):
    from epigrid.cases.services import classification_set

    classification_set(actor=world.hq, person=world.zhang, to="suspected", reason="CT")
    response = _post(
        token_client(world.clinic), world.facility_a,
        {"person_id": world.zhang.pk, "temperature": "38", "disposition": "fever_unexcluded", "doctor": "刘"},
    )  # fmt: skip
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == "该人员当前为疑似病例，预检处置不能为“不能排除的发热”。"
    assert not FeverVisit.objects.exists()


def test_candidates_come_with_the_422(world):
    body = {
        "name": "张玮",
        "phone": world.zhang.phone,
        "temperature": "38",
        "disposition": "excluded",
        "doctor": "刘",
    }
    response = _post(token_client(world.clinic), world.facility_a, body)
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"][-1] == "person_id" and item["candidates"][0]["person_id"] == world.zhang.pk
    created = _post(
        token_client(world.clinic),
        world.facility_a,
        {**body, "new_person": True, "region_id": world.village_b.pk},
    )
    assert created.status_code == 201 and created.json()["village_id"] == world.village_b.pk


def test_without_record_triage_403_and_elsewhere_404(world):
    body = {"person_id": world.zhang.pk, "temperature": "38", "disposition": "excluded", "doctor": "刘"}
    assert _post(token_client(world.village_leader), world.facility_a, body).status_code == 403
    from epigrid.core.roles import Role
    from tests import factories as f

    other_clinic = f.user("other_clinic", Role.CLINIC, world.other_district)
    assert _post(token_client(other_clinic), world.facility_a, body).status_code == 404
    assert not FeverVisit.objects.exists()


def test_lists_are_scoped_paged_filtered_and_audited(world):
    visit = world.fever_visit_a
    leader = session_client(world.village_leader)
    listing = leader.get(f"{API}/triage/visits", {"region_id": world.grid_a.pk, "limit": 10})
    assert listing.status_code == 200
    data = listing.json()
    assert (
        data["count"] == 1
        and data["items"][0]["id"] == visit.pk
        and data["items"][0]["status_label"] == "排除"
    )
    assert AuditEvent.objects.filter(
        object_type="fever_visit", action="export", user=world.village_leader
    ).exists()
    assert session_client(world.grid_worker_b).get(f"{API}/triage/visits").json()["count"] == 0
    assert leader.get(f"{API}/triage/visits", {"region_id": world.village_b.pk}).status_code == 404
    day = visit.visited_at.date().isoformat()
    clinic = token_client(world.clinic)
    assert (
        clinic.get(f"{API}/triage/visits", {"facility_id": world.facility_a.pk, "day": day}).json()["count"]
        == 1
    )
    hq = session_client(world.hq).get(f"{API}/triage/visits/{visit.pk}").json()
    assert hq["phone"] != world.zhang.phone  # HQ reads phones masked
    assert session_client(world.grid_worker_b).get(f"{API}/triage/visits/{visit.pk}").status_code == 404

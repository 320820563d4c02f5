"""The facilities API: beds and occupancy (HQ writes, refusals as 422), the site table, a site's rooms."""

from __future__ import annotations

import json

from epigrid.core.models import AuditEvent
from epigrid.core.roles import Role
from epigrid.resources.models import Facility
from tests import factories as f
from tests.api.conftest import API, session_client, token_client


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_hq_adds_a_clinic_and_everyone_in_the_district_lists_it(world):
    response = _post(
        token_client(world.hq), f"{API}/facilities", {"kind": "hospital", "name": "区人民医院", "beds": 50}
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["beds"], created["occupied"], created["free"]) == (50, 0, 50)
    listed = session_client(world.grid_worker_a).get(f"{API}/facilities").json()
    assert [row["name"] for row in listed] == ["区人民医院"]
    assert session_client(world.outsider).get(f"{API}/facilities").json() == []


def test_a_town_officer_may_not_add_one(world):
    response = _post(
        session_client(world.town_officer), f"{API}/facilities", {"kind": "hospital", "name": "x", "beds": 5}
    )
    assert response.status_code == 403
    assert not Facility.objects.exists()


def test_occupancy_over_the_beds_is_a_422_and_changes_nothing(world):
    clinic = world.facility_a
    client = token_client(world.hq)
    url = f"{API}/facilities/{clinic.pk}/occupancy"
    response = _post(client, url, {"occupied": 41})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "occupied"
    assert "40" in response.json()["detail"][0]["msg"]
    assert Facility.objects.get(pk=clinic.pk).occupied == 12
    ok = _post(client, url, {"occupied": 30})
    assert ok.status_code == 200 and ok.json()["free"] == 10 and ok.json()["occupied_on"]
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    assert _post(token_client(other_hq), url, {"occupied": 1}).status_code == 404
    assert Facility.objects.get(pk=clinic.pk).occupied == 30


def test_the_site_table_and_a_sites_rooms_masked(world):
    site = world.site_a  # 曾强 of 甲2 in room 201, back from the outbreak area
    table = session_client(world.hq).get(f"{API}/sites").json()
    assert table["sites"][0]["figures"] == {
        "rooms": 2, "capacity": 2, "occupied": 1, "occupied_outbreak": 1, "free_rooms": 1, "free_places": 1,
    }  # fmt: skip
    assert table["total"]["occupied"] == 1
    # 乙社区's grid worker sees that the room is taken, not by whom.
    detail = session_client(world.grid_worker_b).get(f"{API}/sites/{site.pk}").json()
    occupant = detail["rooms"][0]["occupants"][0]
    assert occupant["name"] == "曾*" and occupant["person_id"] is None
    assert "曾强" not in json.dumps(detail, ensure_ascii=False)
    mine = session_client(world.grid_worker_a).get(f"{API}/sites/{site.pk}").json()
    assert mine["rooms"][0]["occupants"][0]["name"] == "曾强"
    assert mine["rooms"][1]["free"] == 1
    assert AuditEvent.objects.filter(object_type="site", object_id=str(site.pk)).count() == 2
    assert session_client(world.outsider).get(f"{API}/sites/{site.pk}").status_code == 404


def test_a_facility_added_twice_with_one_key_is_added_once(world):
    client = token_client(world.hq)
    body = {"kind": "fever_clinic", "name": "区中医院发热门诊", "beds": 12, "idempotency_key": "f-1"}
    first = _post(client, f"{API}/facilities", body)
    again = _post(client, f"{API}/facilities", {**body, "beds": 30})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json() and again.json()["beds"] == 12
    assert list(Facility.objects.values_list("name", "beds")) == [("区中医院发热门诊", 12)]
    assert AuditEvent.objects.filter(object_type="facility", action="create").count() == 1


def test_a_facility_key_is_per_account(world):
    other_hq = f.user("hq2", Role.DISTRICT_HQ, world.district)
    one = _post(token_client(world.hq), f"{API}/facilities", {"kind": "hospital", "name": "一院", "beds": 5,
                "idempotency_key": "k"})  # fmt: skip
    two = _post(token_client(other_hq), f"{API}/facilities", {"kind": "hospital", "name": "二院", "beds": 5,
                "idempotency_key": "k"})  # fmt: skip
    assert (one.status_code, two.status_code) == (201, 201)
    assert sorted(Facility.objects.values_list("name", flat=True)) == ["一院", "二院"]

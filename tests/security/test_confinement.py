"""Confined roles (``Capabilities.areas``): the police station works in the clues, the fever clinic in
pre-triage and its patients' pages; both get 403 on the pages (ScopeDeclarationMiddleware) and the API
operations (epigrid.api.auth) of every other area, by session and by token alike, and keep their
account's pages. An unconfined role (HQ) is not affected."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import get_resolver

from epigrid.api.api import PATH_AREA, api, operation_area
from epigrid.clues.models import Clue
from epigrid.core.models import ApiToken
from epigrid.core.roles import ACCOUNT_AREAS, CAPABILITIES, Role
from epigrid.triage.models import FeverVisit
from tests.api.conftest import session_client, token_client
from tests.clues import world as _clues_world  # noqa: F401 - World.clue_a
from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, facility visits

API = "/api/v1"
POLICE_REFUSED = "您的角色（派出所）只能使用这些部分的接口：account、clues、tokens"
CLINIC_REFUSED = "您的角色（发热门诊）只能使用这些部分的接口：account、facilities、people、tokens、triage"


def _json(client: Client, path: str, body: dict[str, object]):
    return client.post(API + path, data=json.dumps(body), content_type="application/json")


def test_police_gets_403_on_an_episode_list_page(world):
    response = session_client(world.police).get(f"/monitoring/regions/{world.town.pk}/episodes/")
    assert response.status_code == 403
    assert world.zhang.name not in response.content.decode()


@pytest.mark.parametrize("path", ["/episodes", "/persons/{zhang}/timeline", "/facilities"])
def test_police_gets_403_with_the_reason_on_other_api_areas(world, path):
    path = path.format(zhang=world.zhang.pk)
    for client in (token_client(world.police), session_client(world.police)):
        response = client.get(API + path)
        assert response.status_code == 403
        assert response.json() == {"detail": POLICE_REFUSED}


def test_police_still_settles_a_clue_on_its_page(world):
    clue = world.clue_a
    client = session_client(world.police)
    assert client.get("/clues/").status_code == 200
    assert client.get(f"/clues/{clue.pk}/").status_code == 200
    response = client.post(f"/clues/{clue.pk}/", {"status": "verified", "note": "已核实"})
    assert response.status_code in (200, 302)
    clue.refresh_from_db()
    assert clue.status == "verified"


def test_police_still_uses_the_clues_api(world):
    clue = world.clue_a
    client = token_client(world.police)
    listing = client.get(API + "/clues")
    assert listing.status_code == 200 and clue.pk in [item["id"] for item in listing.json()["items"]]
    response = _json(client, f"/clues/{clue.pk}/outcome", {"status": "handled", "note": "已劝散"})
    assert response.status_code == 200 and response.json()["status"] == "handled"
    clue.refresh_from_db()
    assert clue.status == Clue.Status.HANDLED


def test_clinic_gets_403_on_a_department_list_page_and_its_api(world):
    batch = world.hq_batch
    page = session_client(world.clinic).get(f"/lists/{batch.pk}/")
    assert page.status_code == 403
    for path in (f"/lists/batches/{batch.pk}", "/episodes", f"/persons/{world.zhang.pk}/classification"):
        response = token_client(world.clinic).get(API + path)
        assert response.status_code == 403
        assert response.json() == {"detail": CLINIC_REFUSED}


@pytest.mark.parametrize(
    "page", ["/dashboard/", "/cases/", "/checkpoints/", "/resources/", "/reports/", "/volunteers/"]
)
def test_clinic_gets_403_on_the_district_pages_beyond_triage(world, page):
    assert session_client(world.clinic).get(page).status_code == 403


def test_clinic_still_records_a_fever_visit_on_the_triage_page(world):
    client = session_client(world.clinic)
    form = {
        "key": "confine-1", "name": "张伟", "id_number": world.zhang.id_number, "temperature": "38.6",
        "symptoms": ["cough"], "disposition": "fever_unexcluded", "doctor": "刘医生",
    }  # fmt: skip
    response = client.post(f"/triage/facilities/{world.facility_a.pk}/new/", form)
    visit = FeverVisit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/triage/visits/{visit.pk}/"
    assert visit.person == world.zhang and visit.recorded_by == world.clinic
    detail = client.get(f"/triage/visits/{visit.pk}/")
    assert detail.status_code == 200 and f'href="/people/{world.zhang.pk}/"' in detail.content.decode()
    # the patient's page the visit links to (the person's history) stays open to the clinic
    assert client.get(f"/people/{world.zhang.pk}/").status_code == 200


def test_clinic_still_records_a_fever_visit_through_the_api(world):
    client = token_client(world.clinic)
    facility = world.facility_a
    facilities = client.get(API + "/facilities")
    assert facilities.status_code == 200 and facility.pk in [f["id"] for f in facilities.json()]
    body = {"person_id": world.zhang.pk, "temperature": "38.5", "disposition": "suspected", "doctor": "刘"}
    response = _json(client, f"/triage/facilities/{facility.pk}/visits", body)
    assert response.status_code == 201, response.content
    assert FeverVisit.objects.get().person == world.zhang
    assert client.get(f"{API}/persons/{world.zhang.pk}").status_code == 200
    assert client.get(f"{API}/persons/{world.zhang.pk}/timeline").status_code == 200
    assert client.get(f"{API}/sites").json() == {"detail": CLINIC_REFUSED}


@pytest.mark.parametrize("persona", ["police", "clinic"])
def test_confined_roles_keep_their_account_pages(world, persona):
    user = getattr(world, persona)
    client = session_client(user)
    assert client.get("/home/").status_code == 302
    assert client.get("/accounts/password/").status_code == 200
    assert client.get("/accounts/tokens/").status_code == 200
    created = client.post("/accounts/tokens/", {"name": "值班电脑", "days": 30})
    assert created.status_code == 200 and ApiToken.objects.filter(user=user, name="值班电脑").count() == 1
    listing = token_client(user).get(API + "/tokens")
    assert listing.status_code == 200 and "值班电脑" in [t["name"] for t in listing.json()["items"]]
    assert client.post("/i18n/setlang/", {"language": "en"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/accounts/password/")["Location"].startswith("/accounts/login/")


def test_an_unconfined_role_is_not_affected(world):
    assert CAPABILITIES[Role.DISTRICT_HQ].areas is None
    client = session_client(world.hq)
    assert client.get(f"/monitoring/regions/{world.town.pk}/episodes/").status_code == 200
    assert client.get(f"/lists/{world.hq_batch.pk}/").status_code == 200
    api_client = token_client(world.hq)
    assert api_client.get(f"{API}/lists/batches/{world.hq_batch.pk}").status_code == 200
    assert api_client.get(API + "/episodes", {"region_id": world.town.pk}).status_code == 200
    assert api_client.get(API + "/clues").status_code == 200


def test_anonymous_callers_still_log_in_first(world):
    assert Client().get("/clues/")["Location"].startswith("/accounts/login/")
    assert Client().get(API + "/clues").status_code == 401


def _page_namespaces() -> set[str]:
    return {key for key in get_resolver().namespace_dict if key != "api"}


def _operations() -> list[tuple[str, str | None]]:
    return [
        (path, operation_area(bound.template.tags, path))
        for bound in api._get_bound_routers()
        for path in bound.path_operations
    ]


def test_every_api_operation_has_an_area_of_the_product():
    known = _page_namespaces() | {"facilities"}
    assert sorted((path, area) for path, area in _operations() if area not in known) == []


def test_the_areas_of_the_roles_and_the_path_overrides_exist():
    known = _page_namespaces() | {area for _path, area in _operations()} | ACCOUNT_AREAS
    for role, caps in CAPABILITIES.items():
        assert caps.areas is None or caps.areas <= known, role
    assert set(PATH_AREA) <= {path for path, _area in _operations()}
    assert {role for role, caps in CAPABILITIES.items() if caps.areas is not None} == {
        Role.POLICE,
        Role.CLINIC,
    }


@pytest.mark.parametrize(("persona", "landing"), [("police", "/clues/"), ("clinic", "/triage/")])
def test_a_confined_role_lands_in_its_area_after_logging_in(world, persona, landing):
    """Home (where log-in lands and the brand links) must not send a confined role to a 403."""
    response = session_client(getattr(world, persona)).get("/home/")
    assert response.status_code == 302 and response["Location"] == landing
    assert session_client(getattr(world, persona)).get(landing).status_code == 200


def test_the_clinic_reads_the_patients_place_without_links_into_closed_areas(world):
    """The breadcrumbs of the person page name the patient's village and grid; for a confined role they
    are plain text, not links to region pages that would answer 403."""
    page = session_client(world.clinic).get(f"/people/{world.zhang.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert world.village_a.name in html and f'href="/regions/{world.village_a.pk}/"' not in html
    hq_page = session_client(world.hq).get(f"/people/{world.zhang.pk}/").content.decode()
    assert f'href="/regions/{world.village_a.pk}/"' in hq_page

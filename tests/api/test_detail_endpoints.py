"""One facility and one volunteer by id: scoped (404 elsewhere), the volunteer's phone masked by role
and the opening audited."""

from __future__ import annotations

import pytest

import tests.volunteers.world  # noqa: F401 - adds volunteer_a to the World
from epigrid.core.models import AuditEvent
from epigrid.lib.masking import mask_phone
from tests.api.conftest import API, token_client

pytestmark = pytest.mark.django_db


def test_one_facility(world):
    response = token_client(world.town_officer).get(f"{API}/facilities/{world.facility_a.pk}")
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["name"], body["beds"], body["occupied"]) == (
        world.facility_a.pk, "测试区人民医院发热门诊", 40, 12,
    )  # fmt: skip
    assert token_client(world.outsider).get(f"{API}/facilities/{world.facility_a.pk}").status_code == 404


@pytest.mark.parametrize(("persona", "full_phone"), [("hq", False), ("village_leader", True)])
def test_one_volunteer_masked_by_role_and_audited(world, persona, full_phone):
    volunteer = world.volunteer_a
    response = token_client(getattr(world, persona)).get(f"{API}/volunteers/{volunteer.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "周建国"
    assert body["phone"] == ("13700001111" if full_phone else mask_phone("13700001111"))
    event = AuditEvent.objects.filter(action="read", object_type="volunteer").latest("id")
    assert event.object_id == str(volunteer.pk) and event.user == getattr(world, persona)


def test_a_volunteer_elsewhere_is_a_404(world):
    url = f"{API}/volunteers/{world.volunteer_a.pk}"
    assert token_client(world.outsider).get(url).status_code == 404
    assert token_client(world.grid_worker_b).get(url).status_code == 404

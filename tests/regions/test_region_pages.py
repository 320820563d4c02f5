"""Region browser pages: counts, query budgets, masking by role, and audit of every opening."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.regions.models import Region
from epigrid.regions.services import region_counts_rebuild
from tests import factories as f


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_district_page_shows_children_with_kept_counts(world):
    response = _client(world.hq).get(reverse("regions:detail", args=[world.district.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "甲镇" in body and "乙街道" in body and "外镇" not in body
    assert response.context["region"].person_count == 4
    assert response.context["region"].household_count == 3


def test_kept_counts_equal_a_full_recount(world):
    snapshot = dict(Region.objects.values_list("code", "person_count"))
    assert region_counts_rebuild() == 0
    assert dict(Region.objects.values_list("code", "person_count")) == snapshot


@pytest.mark.parametrize("level", ["district", "town", "village_a", "grid_a"])
def test_region_page_query_count_does_not_grow_with_children(world, level):
    region = getattr(world, level)
    client = _client(world.hq)
    client.get(reverse("regions:detail", args=[region.pk]))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("regions:detail", args=[region.pk]))
    grid = world.grid_a
    for i in range(5):
        hh = f.household(grid, f"甲村二组{i}号")
        f.person(hh, f"新人{i}")
    f.region("420199100201", "新村", 3, world.town)
    with CaptureQueriesContext(connection) as big:
        client.get(reverse("regions:detail", args=[region.pk]))
    assert len(big) == len(small) <= 9


@pytest.mark.parametrize(
    ("persona", "id_masked", "phone_masked"),
    [
        ("grid_worker_a", True, False),
        ("village_leader", False, False),
        ("town_officer", False, False),
        ("hq", True, True),
        ("department", True, True),
    ],
)
def test_identifiers_are_masked_by_role(world, persona, id_masked, phone_masked):
    body = (
        _client(world.personas()[persona])
        .get(reverse("people:household", args=[world.hh_a1.pk]))
        .content.decode()
    )
    assert (world.zhang.id_number in body) is not id_masked
    assert (world.zhang.phone in body) is not phone_masked
    if id_masked:
        assert world.zhang.id_number[:6] + "********" in body


def test_opening_a_person_is_audited(world):
    client = _client(world.village_leader)
    response = client.get(reverse("people:detail", args=[world.zhang.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ, object_type="person")
    assert (event.user, event.object_id) == (world.village_leader, str(world.zhang.pk))
    assert world.zhang.id_number not in str(event.detail)


def test_listing_a_household_is_audited_with_the_persons_shown(world):
    _client(world.grid_worker_a).get(reverse("people:household", args=[world.hh_a1.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.READ, object_type="household")
    assert sorted(event.detail["persons"]) == sorted(world.hh_a1.members.values_list("pk", flat=True))


def test_grid_page_lists_and_searches_households(world):
    client = _client(world.grid_worker_a)
    url = reverse("regions:detail", args=[world.grid_a.pk])
    assert "甲村一组2号" in client.get(url).content.decode()
    fragment = client.get(url, {"q": "1号"}, headers={"HX-Request": "true"}).content.decode()
    assert "甲村一组1号" in fragment and "甲村一组2号" not in fragment
    assert "<html" not in fragment  # htmx gets the partial only


def test_audit_log_is_for_hq_and_admin_only(world):
    assert _client(world.hq).get(reverse("audit")).status_code == 200
    assert _client(world.grid_worker_a).get(reverse("audit")).status_code == 403


def test_healthz_answers_without_login(db):
    response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_person_page_writes_dates_the_chinese_way(world):
    body = _client(world.village_leader).get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    birth = world.zhang.birth_date
    assert f"{birth.year}年{birth.month}月{birth.day}日" in body


@pytest.mark.parametrize("page", ["abc", "-1", "99999", ""])
def test_junk_page_numbers_give_a_page_not_an_error(world, page):
    client = _client(world.grid_worker_a)
    response = client.get(reverse("regions:detail", args=[world.grid_a.pk]), {"page": page})
    assert response.status_code == 200
    assert "甲村一组1号" in response.content.decode()

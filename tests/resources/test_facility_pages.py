"""The facilities and observation-site pages: figures, HQ's forms and refusals, masking, other districts."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from epigrid.core.roles import Role
from epigrid.monitoring.models import Room
from epigrid.resources.models import Facility
from tests import factories as f


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_facilities_page_shows_beds_and_hq_updates_occupancy(world):
    clinic = world.facility_a
    hq = _client(world.hq)
    body = hq.get(reverse("resources:facilities")).content.decode()
    assert clinic.name in body and ">28<" in body  # free beds
    assert reverse("resources:facility_occupancy", args=[clinic.pk]) in body
    response = hq.post(reverse("resources:facility_occupancy", args=[clinic.pk]), {"occupied": "35"})
    assert response.status_code == 302
    assert Facility.objects.get(pk=clinic.pk).occupied == 35
    refused = hq.post(
        reverse("resources:facility_occupancy", args=[clinic.pk]), {"occupied": "41"}, follow=True
    )
    assert "不能超过床位数" in refused.content.decode()
    assert Facility.objects.get(pk=clinic.pk).occupied == 35


def test_a_grid_worker_reads_but_has_no_forms(world):
    clinic = world.facility_a
    worker = _client(world.grid_worker_a)
    body = worker.get(reverse("resources:facilities")).content.decode()
    assert clinic.name in body and "occupancy" not in body
    assert (
        worker.post(reverse("resources:facility_occupancy", args=[clinic.pk]), {"occupied": "1"}).status_code
        == 403
    )
    assert worker.get(reverse("resources:facility_new")).status_code == 403
    assert Facility.objects.get(pk=clinic.pk).occupied == 12


def test_hq_adds_a_facility_and_a_bad_one_is_refused_with_a_message(world):
    hq = _client(world.hq)
    data = {"kind": "hospital", "name": "区人民医院", "beds": "30", "occupied": "31", "active": "on"}
    refused = hq.post(reverse("resources:facility_new"), data)
    assert refused.status_code == 422 and "不能超过床位数" in refused.content.decode()
    assert not Facility.objects.filter(name="区人民医院").exists()
    assert hq.post(reverse("resources:facility_new"), {**data, "occupied": "3"}).status_code == 302
    hospital = Facility.objects.get(name="区人民医院")
    assert (hospital.beds, hospital.occupied, hospital.district_id) == (30, 3, world.district.pk)


def test_another_districts_ids_answer_404(world):
    other_hq = f.user("other_hq", Role.DISTRICT_HQ, world.other_district)
    client = _client(other_hq)
    assert client.get(reverse("resources:facility_edit", args=[world.facility_a.pk])).status_code == 404
    assert client.get(reverse("resources:site_detail", args=[world.site_a.pk])).status_code == 404
    assert (
        client.post(reverse("resources:site_rooms", args=[world.site_a.pk]), {"numbers": "9"}).status_code
        == 404
    )
    assert world.site_a.name not in client.get(reverse("resources:sites")).content.decode()


def test_the_site_table_and_the_rooms_page_mask_outside_the_scope(world):
    site = world.site_a
    body = _client(world.hq).get(reverse("resources:sites")).content.decode()
    assert site.name in body and "其中湖北返回" in body
    mine = _client(world.grid_worker_a).get(reverse("resources:site_detail", args=[site.pk])).content.decode()
    assert "曾强" in mine
    theirs = (
        _client(world.grid_worker_b).get(reverse("resources:site_detail", args=[site.pk])).content.decode()
    )
    assert "曾*" in theirs and "曾强" not in theirs


def test_hq_adds_rooms_by_range_and_a_taken_number_is_refused(world):
    site = world.site_a
    hq = _client(world.hq)
    url = reverse("resources:site_rooms", args=[site.pk])
    assert hq.post(url, {"numbers": "301-303", "capacity": "2"}).status_code == 302
    pairs = Room.objects.filter(site=site, capacity=2).values_list("number", flat=True).order_by("number")
    assert list(pairs) == ["301", "302", "303"]
    refused = hq.post(url, {"numbers": "304, 201", "capacity": "1"})
    assert refused.status_code == 422 and "房间已存在：201" in refused.content.decode()
    assert not Room.objects.filter(site=site, number="304").exists()

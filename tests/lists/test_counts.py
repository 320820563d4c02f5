"""Report counts per subtree and cut-off: lists and batches, returnees incl. transit, families."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from epigrid.lists.counts import returnee_counts
from epigrid.lists.merge import person_merge
from epigrid.lists.models import ListBatch, ListRow
from epigrid.people.models import Person, TravelRecord
from epigrid.people.services import person_register_unplaced


def _trip(person, origin, *, came=False, via=False, arrived=None):
    return TravelRecord.objects.create(
        person=person, origin=origin, from_outbreak_area=came, via_outbreak_area=via, arrived_on=arrived
    )


@pytest.fixture
def scene(world):
    wang = Person.objects.get(name="王芳")
    zeng = Person.objects.get(name="曾强")
    _trip(world.zhang, "湖北省武汉市", came=True)
    _trip(zeng, "长沙", via=True)  # came back through Wuhan
    _trip(world.li, "广东深圳", arrived=dt.date(2020, 1, 20))
    stranger = person_register_unplaced(actor=None, region=world.district, name="陈刚", source="sent_down")
    _trip(stranger, "外地")
    return world, wang, zeng


def test_town_counts(scene):
    world, _, _ = scene
    counts = returnee_counts(region=world.town, as_of=timezone.now())
    assert counts.outbreak == 2 and counts.outbreak_via == 1
    assert counts.families == 1  # 王芳, 张伟's wife; 曾强 lives alone
    assert counts.sent_down == 1 and counts.found_locally == 1  # 张伟 is on 区教育局's list
    assert [(s.source, s.batches, s.people) for s in counts.sources] == [("区教育局", 1, 1)]
    assert [(b.source, b.number, b.people) for b in counts.batches] == [("区教育局", 1, 1)]
    assert counts.other_provinces == 0


def test_district_counts_other_provinces_and_unknown(scene):
    world, _, _ = scene
    counts = returnee_counts(region=world.district, as_of=timezone.now())
    assert counts.outbreak == 2
    assert counts.other_provinces == 1 and counts.by_province == [("广东", 1)]
    assert counts.unknown_origin == 1


def test_cut_off_leaves_out_what_came_later(scene):
    world, _, zeng = scene
    later = timezone.now() + dt.timedelta(hours=1)
    ListBatch.objects.filter(pk=world.hq_batch.pk).update(created_at=later)
    TravelRecord.objects.filter(person=zeng).update(created_at=later)
    counts = returnee_counts(region=world.town, as_of=timezone.now())
    assert counts.outbreak == 1 and counts.outbreak_via == 0
    assert counts.sources == [] and counts.sent_down == 0 and counts.found_locally == 1


def test_a_future_arrival_is_not_yet_a_returnee(scene):
    world, _, zeng = scene
    TravelRecord.objects.filter(person=zeng).update(arrived_on=timezone.localdate() + dt.timedelta(days=2))
    assert returnee_counts(region=world.town, as_of=timezone.now()).outbreak == 1


def test_merged_duplicates_count_once(scene):
    world, _, _ = scene
    twin = person_register_unplaced(actor=None, region=world.town, name="张伟", source="sent_down")
    _trip(twin, "武汉", came=True)
    ListRow.objects.create(batch=world.hq_batch, row_number=7, name="张伟", person=twin, decision="new")
    assert returnee_counts(region=world.town, as_of=timezone.now()).outbreak == 3
    person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    counts = returnee_counts(region=world.town, as_of=timezone.now())
    assert counts.outbreak == 2
    assert counts.sources[0].people == 1


def test_grid_counts_and_unlinked_rows_ignored(scene):
    world, _, _ = scene
    counts = returnee_counts(region=world.grid_b, as_of=timezone.now())
    assert counts.outbreak == 0 and counts.sources == []  # the review row links nobody yet


def test_counts_page(scene):
    world, _, _ = scene
    client = Client()
    client.force_login(world.town_officer)
    body = client.get(reverse("lists:counts")).content.decode()
    assert "累计排摸出从疫区返回人员2人（含途经疫区1人），其家庭成员1人" in body
    assert "收到区教育局反馈名单1批次1人" in body
    url = reverse("lists:counts") + f"?region={world.village_a.pk}&day=2020-02-03&hour=18:00"
    body = client.get(url).content.decode()
    assert "截至2月3日18:00" in body
    assert client.get(reverse("lists:counts") + "?day=yesterday").status_code == 400
    # A region outside the officer's town answers 404, like every other scoped page.
    assert client.get(reverse("lists:counts") + f"?region={world.street.pk}").status_code == 404

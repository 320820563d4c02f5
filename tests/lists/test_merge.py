"""Merging two records of one person, undoing it, and moving a list row: nothing is lost."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.lists.merge import MergeError, list_row_move, person_merge, person_unmerge
from epigrid.lists.models import ListRow, PersonMerge
from epigrid.people.models import Person, TravelRecord
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Household, Region


def _twin(world, **kwargs):
    """An unplaced record of 张伟 as a department list would create it (no ID number)."""
    return person_register_unplaced(
        actor=None, region=world.town, name="张伟", source=Person.Source.SENT_DOWN, **kwargs
    )


def _counts(*regions: Region) -> list[int]:
    return [Region.objects.get(pk=r.pk).person_count for r in regions]


def test_merge_moves_rows_and_travel_fills_blanks_and_counts_out(world):
    zhang = world.zhang
    Person.objects.filter(pk=zhang.pk).update(phone="")
    zhang.refresh_from_db()
    twin = _twin(world, phone="13912345678")
    row = ListRow.objects.create(batch=world.hq_batch, row_number=9, name="张伟", person=twin, decision="new")
    trip = TravelRecord.objects.create(person=twin, origin="武汉", from_outbreak_area=True)
    before = _counts(world.district, world.town)

    merge = person_merge(actor=world.town_officer, kept=zhang, absorbed=twin, reason="同一人")

    row.refresh_from_db()
    trip.refresh_from_db()
    twin.refresh_from_db()
    zhang.refresh_from_db()
    assert row.person_id == zhang.pk and trip.person_id == zhang.pk
    assert twin.merged_into_id == zhang.pk
    assert zhang.phone == "13912345678"  # a blank filled from the absorbed record
    assert _counts(world.district, world.town) == [before[0] - 1, before[1] - 1]
    assert merge.moved["lists.listrow.person_id"] == [row.pk]
    assert merge.filled == {"phone": "13912345678"}
    event = AuditEvent.objects.filter(object_type="person", object_id=str(zhang.pk)).latest("id")
    assert event.detail["op"] == "merge" and event.detail["absorbed"] == twin.pk
    assert "13912345678" not in str(event.detail)


def test_unmerge_puts_back_exactly_what_moved(world):
    zhang = world.zhang
    twin = _twin(world)
    moved_row = ListRow.objects.create(
        batch=world.hq_batch, row_number=9, name="张伟", person=twin, decision="new"
    )
    other_row = ListRow.objects.create(
        batch=world.hq_batch, row_number=10, name="张伟", person=twin, decision="new"
    )
    own_row = ListRow.objects.get(batch=world.hq_batch, row_number=4)  # 张伟's own row stays his
    before = _counts(world.district, world.town)
    merge = person_merge(actor=world.hq, kept=zhang, absorbed=twin)
    # After the merge an officer moves one of the moved rows to someone else: the undo leaves it there.
    list_row_move(actor=world.hq, row=other_row, person=world.li)

    person_unmerge(actor=world.hq, merge=merge)

    for row in (moved_row, other_row, own_row):
        row.refresh_from_db()
    twin.refresh_from_db()
    assert twin.merged_into_id is None
    assert moved_row.person_id == twin.pk
    assert other_row.person_id == world.li.pk
    assert own_row.person_id == zhang.pk
    assert _counts(world.district, world.town) == before
    merge.refresh_from_db()
    assert merge.undone_at is not None and merge.undone_by == world.hq
    with pytest.raises(MergeError):
        person_unmerge(actor=world.hq, merge=merge)


def test_unmerge_clears_only_fields_still_holding_the_merged_value(world):
    zhang = world.zhang
    Person.objects.filter(pk=zhang.pk).update(phone="", birth_date=None)
    zhang.refresh_from_db()
    twin = _twin(world, phone="13912345678", birth_date=world.zhang.created_at.date())
    merge = person_merge(actor=world.hq, kept=zhang, absorbed=twin)
    Person.objects.filter(pk=zhang.pk).update(phone="13800000000")  # corrected by hand since
    person_unmerge(actor=world.hq, merge=merge)
    zhang.refresh_from_db()
    assert zhang.phone == "13800000000"
    assert zhang.birth_date is None


def test_placed_record_must_be_kept_and_different_ids_refuse(world):
    twin = _twin(world)
    with pytest.raises(MergeError, match="已落户"):
        person_merge(actor=world.hq, kept=twin, absorbed=world.zhang)
    wang = Person.objects.get(name="王芳")
    with pytest.raises(MergeError, match="身份证号不同"):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=wang)
    with pytest.raises(MergeError):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=world.zhang)
    assert not PersonMerge.objects.exists()


def test_a_merged_record_cannot_be_merged_again_and_undo_goes_newest_first(world):
    twin = _twin(world)
    third = _twin(world)
    first = person_merge(actor=world.hq, kept=third, absorbed=twin)
    with pytest.raises(MergeError):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    # The kept record is merged further; the first merge can only be undone after that one.
    second = person_merge(actor=world.hq, kept=world.zhang, absorbed=third)
    with pytest.raises(MergeError, match="先撤销"):
        person_unmerge(actor=world.hq, merge=first)
    person_unmerge(actor=world.hq, merge=second)
    person_unmerge(actor=world.hq, merge=first)
    assert Person.objects.filter(pk__in=[twin.pk, third.pk], merged_into__isnull=True).count() == 2


def test_merge_is_refused_outside_scope_and_for_field_roles(world):
    twin = _twin(world)
    with pytest.raises(MergeError):
        person_merge(actor=world.grid_worker_a, kept=world.zhang, absorbed=twin)
    # The street's officer... there is none; the town officer of 甲镇 does not cover 乙社区's 李娜.
    with pytest.raises(MergeError, match="管辖范围"):
        person_merge(actor=world.town_officer, kept=world.zhang, absorbed=world.li)
    with pytest.raises(MergeError, match="管辖范围"):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=world.outsider_person)
    assert not PersonMerge.objects.exists()


def test_household_count_follows_merge_and_undo(world):
    second = Person.objects.create(
        name="张伟",
        name_key=world.zhang.name_key,
        household=world.hh_a2,
        district_id=world.district.pk,
        town_id=world.town.pk,
        village_id=world.village_a.pk,
        grid_id=world.grid_a.pk,
    )
    Household.objects.filter(pk=world.hh_a2.pk).update(member_count=2)
    merge = person_merge(actor=world.hq, kept=world.zhang, absorbed=second)
    assert Household.objects.get(pk=world.hh_a2.pk).member_count == 1
    person_unmerge(actor=world.hq, merge=merge)
    assert Household.objects.get(pk=world.hh_a2.pk).member_count == 2


# Pages


def test_merge_page_shows_candidates_side_by_side_and_merges(world):
    twin = _twin(world, phone=world.zhang.phone)
    client = Client()
    client.force_login(world.town_officer)
    url = reverse("lists:merge_person", args=[world.zhang.pk])
    body = client.get(url).content.decode()
    assert f"#{twin.pk}" in body and "匹配分" in body
    response = client.post(url, {"other": str(twin.pk), "keep": "this", "reason": "名单重复"})
    assert response.status_code == 302
    twin.refresh_from_db()
    assert twin.merged_into_id == world.zhang.pk
    page = client.get(reverse("people:detail", args=[world.zhang.pk])).content.decode()
    assert "撤销合并" in page and "名单重复" in page
    merged_page = client.get(reverse("people:detail", args=[twin.pk])).content.decode()
    assert "已合并到另一条记录" in merged_page


def test_merge_page_errors_are_messages_not_500(world):
    client = Client()
    client.force_login(world.hq)
    url = reverse("lists:merge_person", args=[world.zhang.pk])
    assert client.post(url, {"other": "abc"}).status_code == 400
    response = client.post(url, {"other": str(world.outsider_person.pk)})
    assert response.status_code == 400
    assert "管辖范围" in response.content.decode()
    assert "赵敏" not in response.content.decode()
    response = client.post(url, {"other": "99999999"})
    assert response.status_code == 400


def test_field_roles_cannot_open_merge_pages(world):
    client = Client()
    client.force_login(world.grid_worker_a)
    assert client.get(reverse("lists:merge_person", args=[world.zhang.pk])).status_code == 403
    assert client.post(reverse("lists:unmerge", args=[world.hq_merge.pk])).status_code == 403
    assert client.get(reverse("lists:row_move", args=[world.hq_review_row.pk])).status_code == 403


def test_unmerge_page_undoes(world):
    merge = world.hq_merge
    client = Client()
    client.force_login(world.hq)
    response = client.post(reverse("lists:unmerge", args=[merge.pk]))
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None


def test_row_move_page(world):
    row = ListRow.objects.get(batch=world.hq_batch, row_number=4)
    client = Client()
    client.force_login(world.hq)
    url = reverse("lists:row_move", args=[row.pk])
    assert "移至人员编号" in client.get(url).content.decode()
    assert client.post(url, {"person": "x"}).status_code == 400
    assert client.post(url, {"person": str(world.li.pk)}).status_code == 302
    row.refresh_from_db()
    assert row.person_id == world.li.pk and row.decided_by == world.hq
    sources = client.get(reverse("people:detail", args=[world.li.pk])).content.decode()
    assert "区教育局" in sources

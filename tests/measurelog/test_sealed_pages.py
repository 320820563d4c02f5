"""Sealed compounds pages: the list (now, or all), the form, reopening; scope and query counts."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from epigrid.measurelog.models import SealedCompound
from tests.measurelog.conftest import DAY


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(world, **fields) -> dict[str, str]:
    data = {
        "key": "seal-key-1", "name": "幸福小区", "kind": "compound", "region": str(world.village_a.pk),
        "sealed_on": DAY.isoformat(), "guard_posts": "2", "arrangements": "东门、北门各设值守点",
    }  # fmt: skip
    data.update(fields)
    return data


def test_the_list_counts_what_is_sealed_now(world, seal, django_assert_max_num_queries):
    seal("幸福小区", guard_posts=3)
    reopened = seal("和平小区", region=world.grid_a, guard_posts=1)
    reopened.reopened_on = DAY
    reopened.save(update_fields=["reopened_on"])
    client = _client(world.town_officer)
    # session, user, scope, region, ancestors, page count, page rows, sealed counts, choices (villages)
    with django_assert_max_num_queries(9):
        response = client.get(f"/measures/regions/{world.town.pk}/sealed/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'data-figure="sealed"><dt>正在封闭管理</dt><dd>1<' in body
    assert 'data-figure="guard_posts"><dt>卡点/值守点</dt><dd>3<' in body
    assert "幸福小区" in body and "和平小区" not in body
    every = client.get(f"/measures/regions/{world.town.pk}/sealed/?show=all").content.decode()
    assert "和平小区" in every and f"{DAY.isoformat()}解除" in every
    # The town registers for its villages (here one, so it is not asked which).
    assert f'<input type="hidden" name="region" value="{world.village_a.pk}">' in body


def test_registering_a_compound_from_the_page(world, afternoon):
    client = _client(world.village_leader)
    url = f"/measures/regions/{world.village_a.pk}/sealed/"
    response = client.post(url, _form(world, region=str(world.grid_a.pk)), follow=True)
    assert "已登记封闭管理：幸福小区。" in response.content.decode()
    compound = SealedCompound.objects.get()
    assert (compound.region, compound.guard_posts, compound.created_by) == (
        world.grid_a,
        2,
        world.village_leader,
    )
    again = client.post(url, _form(world, region=str(world.grid_a.pk)), follow=True)
    assert (
        "这条登记已经保存过，没有重复保存。" in again.content.decode() and SealedCompound.objects.count() == 1
    )


def test_a_refused_registration_names_its_fields(world, afternoon):
    client = _client(world.village_leader)
    url = f"/measures/regions/{world.village_a.pk}/sealed/"
    response = client.post(url, _form(world, name="", region="", guard_posts="很多"))
    body = response.content.decode()
    assert response.status_code == 400 and "请选择所在村（社区）或网格。" in body
    response = client.post(url, _form(world, name="", guard_posts="很多"))
    body = response.content.decode()
    assert response.status_code == 400
    assert (
        "请填写小区或村的名称。" in body
        and "卡点/值守点数须为0到200的整数。" in body
        and 'value="很多"' in body
    )
    # A region outside the page's choices (another village) is not taken from the form.
    other = client.post(url, _form(world, region=str(world.village_b.pk)))
    assert other.status_code == 400 and not SealedCompound.objects.exists()


def test_reopening_from_the_list(world, seal):
    compound = seal("幸福小区", sealed_on=DAY - dt.timedelta(days=5))
    client = _client(world.village_leader)
    reopen = f"/measures/sealed/{compound.pk}/reopen/"
    assert client.get(reopen).status_code == 405
    response = client.post(
        reopen,
        {"reopened_on": (DAY - dt.timedelta(days=1)).isoformat(), "back": str(world.village_a.pk)},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/measures/regions/{world.village_a.pk}/sealed/"
    assert (
        f"幸福小区已于{(DAY - dt.timedelta(days=1)).isoformat()}解除封闭管理。" in response.content.decode()
    )
    compound.refresh_from_db()
    assert compound.reopened_on == DAY - dt.timedelta(days=1)
    late = client.post(reopen, {"reopened_on": DAY.isoformat()}, follow=True).content.decode()
    assert "幸福小区：已于" in late


def test_scope_and_roles(world, seal):
    compound = seal("幸福小区")
    assert _client(world.outsider).get(f"/measures/regions/{world.village_a.pk}/sealed/").status_code == 404
    assert _client(world.outsider).post(f"/measures/sealed/{compound.pk}/reopen/").status_code == 404
    grid_page = (
        _client(world.grid_worker_a).get(f"/measures/regions/{world.grid_a.pk}/sealed/").content.decode()
    )
    assert "登记封闭管理" not in grid_page  # grid workers staff the posts; the village decides
    dept = _client(world.department)
    assert dept.post(f"/measures/sealed/{compound.pk}/reopen/").status_code == 403
    assert dept.post(f"/measures/regions/{world.village_a.pk}/sealed/", _form(world)).status_code == 403
    compound.refresh_from_db()
    assert compound.reopened_on is None and SealedCompound.objects.count() == 1

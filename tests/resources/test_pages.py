"""Supplies pages: the overview's days of supply, the depot's forms and their refusals, allocation."""

from __future__ import annotations

import re

from django.test import Client

from epigrid.resources.models import Stock, StockMovement, SupplyRequest
from epigrid.resources.services import request_submit, staffing_set, stock_receive


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_overview_marks_a_town_whose_masks_last_two_days(world, depots, mask):
    staffing_set(actor=world.town_officer, depot=depots["town"], staff_on_duty=40, shifts_per_day=2)
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=160)
    stock_receive(actor=world.hq, depot=depots["district"], item=mask, quantity=10_000)
    body = _client(world.hq).get(f"/resources/regions/{world.district.pk}/").content.decode()
    assert "甲镇" in body and '<td class="num supply-short">160<small>2.0</small></td>' in body
    assert "项物资告急" in body
    short_only = _client(world.hq).get(f"/resources/regions/{world.district.pk}/?short=1").content.decode()
    assert "甲镇</a>" in short_only and "测试区物资储备库</a>" not in short_only
    town_view = _client(world.town_officer).get(f"/resources/regions/{world.town.pk}/").content.decode()
    assert "甲镇</a>" in town_view and "测试区物资储备库" not in town_view


def test_issuing_too_much_on_the_page_says_so_and_keeps_the_ledger(world, depots, mask):
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=50)
    client = _client(world.town_officer)
    response = client.post(
        f"/resources/depots/{depots['town'].pk}/",
        {"action": "issue", "item": mask.code, "quantity": "80", "recipient": "卡口值守"},
    )
    assert response.status_code == 400 and "库存不足" in response.content.decode()
    assert Stock.objects.get(depot=depots["town"], item=mask).quantity == 50
    assert StockMovement.objects.count() == 1
    ok = client.post(
        f"/resources/depots/{depots['town'].pk}/",
        {"action": "issue", "item": mask.code, "quantity": "30", "recipient": "卡口值守"},
        follow=True,
    )
    assert (
        "已发放 30只" in ok.content.decode()
        and Stock.objects.get(depot=depots["town"], item=mask).quantity == 20
    )


def test_a_bad_number_or_date_is_named(world, depots, mask):
    client = _client(world.town_officer)
    url = f"/resources/depots/{depots['town'].pk}/"
    assert (
        "须为整数"
        in client.post(url, {"action": "purchase", "item": mask.code, "quantity": "1.5"}).content.decode()
    )
    future = client.post(
        url, {"action": "purchase", "item": mask.code, "quantity": "5", "occurred_on": "2999-01-01"}
    )
    assert future.status_code == 400 and "日期不能晚于今天" in future.content.decode()
    assert not StockMovement.objects.exists()


def test_another_district_sees_no_depot(world, depots):
    assert _client(world.outsider).get(f"/resources/depots/{depots['town'].pk}/").status_code == 404


def test_hq_allocates_the_proposed_split(world, depots, mask):
    stock_receive(actor=world.hq, depot=depots["district"], item=mask, quantity=100)
    a = request_submit(actor=world.town_officer, depot=depots["town"], item=mask, quantity=150)
    b = request_submit(actor=world.village_leader, depot=depots["village"], item=mask, quantity=50)
    client = _client(world.hq)
    page = client.get(f"/resources/allocation/{mask.code}/").content.decode()
    assert f'name="r{a.pk}"' in page and 'value="75"' in page and 'value="25"' in page
    assert _client(world.town_officer).get(f"/resources/allocation/{mask.code}/").status_code == 403
    too_much = client.post(f"/resources/allocation/{mask.code}/", {f"r{a.pk}": "90", f"r{b.pk}": "20"})
    assert too_much.status_code == 400 and "超过库存" in too_much.content.decode()
    client.post(f"/resources/allocation/{mask.code}/", {f"r{a.pk}": "75", f"r{b.pk}": "25"})
    assert SupplyRequest.objects.get(pk=a.pk).allocated == 75
    assert Stock.objects.get(depot=depots["district"], item=mask).quantity == 0


def test_a_request_is_withdrawn_by_its_unit_or_declined_by_hq(world, depots, mask):
    mine = request_submit(actor=world.town_officer, depot=depots["town"], item=mask, quantity=40)
    theirs = request_submit(actor=world.village_leader, depot=depots["village"], item=mask, quantity=60)
    page = _client(world.town_officer).get("/resources/requests/").content.decode()
    assert f"/resources/requests/{mine.pk}/close/" in page and "撤回" in page
    assert (
        _client(world.grid_worker_b)
        .post(f"/resources/requests/{mine.pk}/close/", {"status": "withdrawn"})
        .status_code
        == 404
    )
    _client(world.town_officer).post(f"/resources/requests/{mine.pk}/close/", {"status": "withdrawn"})
    _client(world.town_officer).post(f"/resources/requests/{theirs.pk}/close/", {"status": "refused"})
    _client(world.hq).post(f"/resources/requests/{theirs.pk}/close/", {"status": "refused"})
    assert SupplyRequest.objects.get(pk=mine.pk).status == SupplyRequest.Status.WITHDRAWN
    assert SupplyRequest.objects.get(pk=theirs.pk).status == SupplyRequest.Status.REFUSED
    again = _client(world.hq).post(
        f"/resources/requests/{theirs.pk}/close/", {"status": "refused"}, follow=True
    )
    assert "该申请已处理" in again.content.decode()


def _hidden_keys(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="key" value="([0-9a-f]{32})">', html)


def test_an_issue_form_sent_twice_issues_once(world, depots, mask):
    stock_receive(actor=world.town_officer, depot=depots["town"], item=mask, quantity=50)
    client = _client(world.town_officer)
    url = f"/resources/depots/{depots['town'].pk}/"
    move_key, request_key = _hidden_keys(client.get(url).content.decode())
    assert move_key != request_key
    form = {"action": "issue", "item": mask.code, "quantity": "20", "recipient": "卡口值守", "key": move_key}
    for _ in range(2):
        assert client.post(url, form).status_code == 302
    assert list(StockMovement.objects.filter(depot=depots["town"], kind="issue").values_list("quantity")) == [
        (-20,)
    ]
    assert Stock.objects.get(depot=depots["town"], item=mask).quantity == 30
    assert move_key not in _hidden_keys(client.get(url).content.decode())


def test_a_request_form_sent_twice_requests_once(world, depots, mask):
    client = _client(world.town_officer)
    url = f"/resources/depots/{depots['town'].pk}/"
    _move_key, request_key = _hidden_keys(client.get(url).content.decode())
    form = {"action": "request", "item": mask.code, "quantity": "300", "days": "7", "key": request_key}
    for _ in range(2):
        assert client.post(url, form).status_code == 302
    assert list(SupplyRequest.objects.values_list("quantity", flat=True)) == [300]

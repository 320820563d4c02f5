"""HQ on a desktop sees which units run short of masks, and splits the warehouse's stock between two
requests by need; the town sees its masks arrive in its ledger."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from epigrid.resources.items import builtin_items_ensure
from epigrid.resources.models import Stock
from epigrid.resources.services import (
    depot_for_region,
    request_submit,
    staffing_set,
    stock_issue,
    stock_receive,
)


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill("pw-" + username)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_hq_sees_the_shortage_and_allocates(
    transactional_db, live_server, world, browser: Browser, screenshots
):
    items = {i.code: i for i in builtin_items_ensure()}
    mask = items["surgical-mask"]
    warehouse, town, street = (depot_for_region(r) for r in (world.district, world.town, world.street))
    stock_receive(actor=world.hq, depot=warehouse, item=mask, quantity=600, source="省疫情防控指挥部调拨")
    stock_receive(actor=world.hq, depot=warehouse, item=items["n95-mask"], quantity=200)
    staffing_set(actor=world.town_officer, depot=town, staff_on_duty=60, shifts_per_day=2)
    stock_receive(actor=world.town_officer, depot=town, item=mask, quantity=400, source="镇自购")
    stock_issue(actor=world.town_officer, depot=town, item=mask, quantity=160, recipient="镇村干部")
    request_submit(
        actor=world.town_officer, depot=town, item=mask, quantity=1200, days=10, reason="口罩仅够两天"
    )
    street_officer = world.hq  # the street office has no account in the test world: HQ keeps its stock
    staffing_set(actor=street_officer, depot=street, staff_on_duty=20, shifts_per_day=1)
    request_submit(actor=street_officer, depot=street, item=mask, quantity=300, days=10, reason="社区卡口")

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server, "hq")
    page.get_by_role("link", name="物资", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("防护物资")
    expect(page.locator(".supply-overview")).to_contain_text("甲镇")
    expect(page.locator("p.error")).to_contain_text("项物资告急")
    page.screenshot(path=screenshots / "70-supplies-overview-desktop.png", full_page=True)

    page.get_by_role("link", name="物资申请").first.click()
    page.get_by_role("link", name="分配医用外科口罩").click()
    expect(page.locator('[data-figure="available"]')).to_have_text("600")
    page.screenshot(path=screenshots / "71-supplies-allocation-desktop.png", full_page=True)
    page.get_by_role("button", name="确认调拨").click()
    expect(page.locator(".messages")).to_contain_text("已调拨 2 个单位，共 600只")
    assert Stock.objects.get(depot=warehouse, item=mask).quantity == 0
    assert Stock.objects.get(depot=town, item=mask).quantity > 240
    context.close()

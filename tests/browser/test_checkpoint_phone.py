"""Checkpoint staff register a car at the barrier on a phone: the driver's ID number is looked up while
typed, a second person is added, the traveller from the key area is handed to the destination
community, and its grid worker sees the handover at once. Then HQ looks at the road coverage map.

``transactional_db`` comes before ``world``: the live server answers from another thread.
"""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, Page, expect

from epigrid.checkpoints import roads
from epigrid.checkpoints.models import Handover, Passage
from epigrid.lib.roadnet_synth import synthetic_district


def _log_in(page: Page, live_server, username: str) -> None:
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill("pw-" + username)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_checkpoint_staff_register_a_car_and_the_grid_sees_the_handover(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    gate = world.checkpoint_a
    _log_in(page, live_server, "checkpoint")
    page.goto(f"{live_server.url}/checkpoints/{gate.pk}/register/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("登记通行")
    page.get_by_label("车牌号").fill("鄂a·12345")
    page.locator("#p1-name").fill("李娜")
    page.locator("#p1-id_number").fill(world.li.id_number)
    expect(page.locator("#lookup-1")).to_contain_text("已在册：李*")
    page.locator("#p1-temperature").fill("36.4")
    page.get_by_role("button", name="再加一人").click()
    expect(page.locator("#p1-name")).to_have_value("李娜")  # what was typed stays
    page.locator("#p3-name").fill("李小明")
    page.locator("#p3-temperature").fill("36.6")
    page.get_by_label("出发地").fill("湖北省武汉市")
    page.get_by_label("来自重点地区").check()
    page.locator("#destination_region").select_option(label="乙社区")
    page.screenshot(path=screenshots / "60-checkpoint-register-phone.png", full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记：鄂A12345，2人")
    expect(page.locator(".messages")).to_contain_text("已移交乙社区 2人")
    passage = Passage.objects.get()
    assert passage.plate == "鄂A12345" and passage.people_count == 2
    assert Handover.objects.filter(region__name__startswith="乙社区").count() == 2

    # Nothing overflows the phone's width.
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths

    # 乙社区's grid worker sees both travellers to receive.
    page.context.clear_cookies()
    _log_in(page, live_server, "grid_b")
    page.goto(f"{live_server.url}/checkpoints/handovers/")
    expect(page.locator(".handovers")).to_contain_text("李娜")
    expect(page.locator(".handovers")).to_contain_text("李小明")
    page.screenshot(path=screenshots / "61-handovers-phone.png", full_page=True)
    page.locator(".handovers li", has_text="李小明").get_by_role("button", name="已接收").click()
    expect(page.locator(".messages")).to_contain_text("已记录处理结果")
    assert console_errors == []


def test_hq_sees_the_blind_spots_on_the_map(
    transactional_db, live_server, world, browser: Browser, screenshots
):
    synth = synthetic_district(seed=5, edges=4000, radius_m=9000.0)
    roads.network_import(
        actor=world.hq, district=world.district, name="测试区路网", roads=json.dumps(synth.roads).encode(),
        boundary=json.dumps(synth.boundary).encode(),
    )  # fmt: skip
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    _log_in(page, live_server, "hq")
    page.goto(f"{live_server.url}/checkpoints/roads/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("路网覆盖分析")
    blind = page.locator('[data-figure="blind_spots"]')
    expect(blind).to_have_text(re.compile(r"^[1-9]\d*$"))
    image = page.locator("figure.map img")
    expect(image).to_be_visible()
    assert page.evaluate("document.querySelector('figure.map img').naturalWidth") > 0
    page.screenshot(path=screenshots / "62-road-coverage-desktop.png", full_page=True)
    context.close()

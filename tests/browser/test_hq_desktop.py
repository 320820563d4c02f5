"""The district command HQ on a desktop, browsing the small demo district from the top down."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from epigrid.demo.accounts import DEMO_PASSWORD, demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.regions.models import Level, Region


def test_hq_drills_down_from_district_to_household(
    transactional_db, live_server, browser: Browser, screenshots
):
    generate(size="small")
    demo_accounts_ensure()
    district = Region.objects.get(level=Level.DISTRICT)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("hq")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(rf"/regions/{district.pk}/$"))
    expect(page.locator("[data-figure=persons]")).to_have_text(f"{district.person_count:,}")
    rows = page.locator("table.children tbody tr")
    expect(rows).to_have_count(Region.objects.filter(parent=district).count())
    page.screenshot(path=screenshots / "10-district-hq-desktop.png", full_page=True)

    page.get_by_role("link", name="红柳镇").click()
    expect(page.locator("table.children tbody tr")).to_have_count(25)  # seed report 1: 25 village grids
    page.screenshot(path=screenshots / "11-town-hq-desktop.png", full_page=True)

    page.locator("table.children tbody tr a").first.click()
    page.locator("table.children tbody tr a").first.click()
    expect(page.get_by_role("heading", name="住户", exact=True)).to_be_visible()
    page.locator("ul.list li a").first.click()
    expect(page.locator("ul.people li").first).to_be_visible()
    # HQ steers and counts: ID numbers and phones are masked for it.
    expect(page.locator("ul.people .ident").first).to_contain_text("********")
    assert errors == []
    context.close()

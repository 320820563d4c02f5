"""The command dashboard in a real browser: tiles, the battle map's drill-down, plotly charts, the wall.

plotly.js is served from the plotly wheel and runs under the site's CSP (inline style by the page's
nonce only): the test asserts the charts are drawn and that the console has no error, CSP included.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from epigrid.core.models import User
from epigrid.demo.accounts import DEMO_PASSWORD, demo_accounts_ensure
from epigrid.demo.epidemic import demo_epidemic_load
from epigrid.demo.generator import generate
from epigrid.regions.models import Level, Region


def test_hq_reads_the_dashboard_drills_down_and_opens_the_wall(
    transactional_db, live_server, browser: Browser, screenshots
):
    generate(size="small")
    demo_accounts_ensure()
    epidemic = demo_epidemic_load(actor=User.objects.get(username="hq"))
    assert epidemic.cases > 100
    district = Region.objects.get(level=Level.DISTRICT)
    towns = Region.objects.filter(parent=district).count()
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("hq")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/regions/"))

    page.get_by_role("link", name="态势", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/dashboard/regions/{district.pk}/$"))
    confirmed = page.locator("[data-key=confirmed] .value")
    expect(confirmed).to_contain_text(re.compile(r"\d{3}"))  # the demo epidemic's cases
    expect(page.locator(".map-frame svg a")).to_have_count(towns)
    expect(page.locator("#curve-chart .main-svg").first).to_be_attached()
    expect(page.locator("#curve-chart .bars path").first).to_be_attached()
    expect(page.locator("table.dash-rt tbody tr")).to_have_count(towns + 1)

    page.get_by_role("link", name="确诊和疑似").click()  # colour the map by cases
    expect(page).to_have_url(re.compile(r"measure=cases"))
    expect(page.locator("#curve-chart .main-svg").first).to_be_attached()
    page.screenshot(path=screenshots / "80-dashboard-desktop.png", full_page=True)
    town = Region.objects.filter(parent=district).order_by("code").last()
    assert town is not None
    # Drill down to the town. The map draws its units grouped by colour class, so their order follows
    # the values: the town is found by its id.
    page.locator(f'.map-frame svg a[data-id="{town.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"/dashboard/regions/{town.pk}/\?measure=cases$"))
    expect(page.locator("h1")).to_contain_text(town.name)

    page.goto(live_server.url + f"/dashboard/regions/{district.pk}/rt/")
    expect(page.locator("#rt-chart .main-svg").first).to_be_attached()

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(live_server.url + f"/dashboard/regions/{district.pk}/wall/?measure=cases")
    expect(page.locator("body.wall")).to_be_visible()
    expect(page.locator("#curve-chart .main-svg").first).to_be_attached()
    page.wait_for_timeout(300)
    page.screenshot(path=screenshots / "81-dashboard-wall.png")
    assert errors == []
    context.close()

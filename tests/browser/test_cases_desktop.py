"""The town officer on a desktop follows the demo's clusters: the four categories on the town's page,
the cases of the town, the cluster list, one chain drawn on the server, and a person's shared timeline."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from epigrid.core.models import User
from epigrid.demo.accounts import DEMO_PASSWORD, demo_accounts_ensure
from epigrid.demo.cases import demo_cases_load
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load


def test_town_officer_follows_a_cluster_from_the_counts_to_the_chain(
    transactional_db, live_server, browser: Browser, screenshots
):
    generate(size="small")
    demo_accounts_ensure()
    demo_outbreak_load(staff=User.objects.get(username="village"))
    loaded = demo_cases_load(actor=User.objects.get(username="hq"))
    assert loaded.cases > 0 and loaded.contacts > 0
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("town")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    # The town's own page carries the four categories.
    four = page.get_by_role("heading", name="四类人员")
    expect(four).to_be_visible()

    page.get_by_role("link", name="病例", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("病例与密接")
    page.screenshot(path=screenshots / "50-town-cases-desktop.png", full_page=True)

    page.get_by_role("link", name="传播链", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("传播链")
    clusters = page.locator("table.chain-table tbody tr")
    expect(clusters.first).to_be_visible()
    page.screenshot(path=screenshots / "51-clusters-desktop.png", full_page=True)

    clusters.first.locator("a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("传播链图")
    svg = page.locator(".chain-frame svg")
    expect(svg).to_be_visible()
    assert svg.bounding_box() is not None and svg.bounding_box()["width"] > 200  # type: ignore[index]
    page.locator("details summary", has_text="成员列表").click()
    members = page.locator("table.chain-table tbody tr")
    assert members.count() >= 2
    page.screenshot(path=screenshots / "52-chain-desktop.png", full_page=True)

    # A member's page: the case panel and the shared timeline everyone authorised reads.
    member = members.first.get_attribute("data-person")
    page.goto(f"{live_server.url}/people/{member}/")
    expect(page.get_by_role("heading", name="病例分类")).to_be_visible()
    expect(page.get_by_text("最近联系").first).to_be_visible()
    page.screenshot(path=screenshots / "53-person-case-timeline-desktop.png", full_page=True)
    assert errors == []
    context.close()

"""A town officer on a desktop: the report counts, a row in review, and merging two records."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect

from epigrid.core.models import User
from epigrid.demo.accounts import DEMO_PASSWORD, demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.lists import demo_lists_load
from epigrid.lists.models import PersonMerge
from epigrid.people.models import Person
from epigrid.people.services import person_register_unplaced
from epigrid.regions.models import Level, Region


def test_town_officer_reads_counts_and_merges_a_duplicate(
    transactional_db, live_server, browser: Browser, screenshots
):
    generate(size="small")
    demo_accounts_ensure()
    demo_lists_load(uploader=User.objects.get(username="hq"))
    town = Region.objects.filter(level=Level.TOWN).order_by("code").exclude(code__regex=r"^\d{6}0\d\d$")[0]
    resident = Person.objects.filter(town=town, household__isnull=False).order_by("id")[0]
    twin = person_register_unplaced(
        actor=None, region=town, name=resident.name, source=Person.Source.SENT_DOWN, phone=resident.phone
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("用户名").fill("town")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.get_by_role("link", name="返乡统计").click()
    expect(page.locator("#summary")).to_contain_text("累计排摸出从疫区返回人员")
    expect(page.locator("#summary")).to_contain_text("区教育局")
    page.screenshot(path=screenshots / "20-town-counts-desktop.png", full_page=True)

    page.goto(live_server.url + f"/people/{resident.pk}/")
    page.get_by_role("link", name="查找重复记录并合并").click()
    expect(page).to_have_url(re.compile(rf"/lists/merge/{resident.pk}/$"))
    card = page.locator("section.card", has_text=f"#{twin.pk}")
    expect(card).to_contain_text("匹配分")
    page.screenshot(path=screenshots / "21-merge-candidates-desktop.png", full_page=True)
    card.get_by_label("合并原因").fill("卫健局名单与户籍重复")
    card.get_by_role("button", name="合并").click()
    expect(page).to_have_url(re.compile(rf"/people/{resident.pk}/$"))
    expect(page.locator("#merges")).to_contain_text("卫健局名单与户籍重复")
    assert PersonMerge.objects.filter(kept=resident, absorbed=twin).exists()
    page.get_by_role("button", name="撤销合并").click()
    expect(page.locator("#merges")).to_contain_text("已撤销")
    assert errors == []
    context.close()

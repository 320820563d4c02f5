"""A village leader sends the daily report from a phone; the town officer sees who has reported."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from epigrid.reports.models import UnitReport


def _login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_village_reports_on_a_phone_and_the_town_sees_it(
    transactional_db, live_server, page: Page, browser: Browser, console_errors, screenshots, world
):
    _login(page, live_server.url, "village")
    page.get_by_role("link", name="日报告", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("甲村")
    expect(page.locator(".figure-group").first).to_contain_text("确诊病例（含临床诊断）")
    page.get_by_label("宣传单").fill("-3")
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".field-error")).to_contain_text("宣传单：不能为负数")
    page.get_by_label("宣传单").fill("300")
    page.get_by_label("大喇叭").fill("4")
    page.get_by_label("存在问题").fill("口罩仅够两天使用。")
    page.screenshot(path=screenshots / "70-daily-report-phone.png", full_page=True)
    page.get_by_role("button", name="报送", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已报送")
    report = UnitReport.objects.get()
    assert report.measures == {"leaflets": 300, "loudspeakers": 4} and not report.zero

    desktop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    town = desktop.new_page()
    town.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    _login(town, live_server.url, "town")
    town.get_by_role("link", name="日报告", exact=True).first.click()
    expect(town.get_by_role("heading", level=1)).to_contain_text("今日谁已报告")
    row = town.locator("table.status-table tr", has=town.get_by_text("甲村"))
    expect(row).to_contain_text("第1版")
    town.screenshot(path=screenshots / "71-who-has-reported-desktop.png", full_page=True)
    town.get_by_role("link", name="报告率和及时率").click()
    expect(town.get_by_role("heading", level=1)).to_contain_text("报告率和及时率")
    desktop.close()
    # The refused form is answered 400 on purpose (the browser logs that); nothing else may fail.
    assert [e for e in console_errors if "status of 400" not in e] == []

"""A town officer reads the daily work report, corrects a section in place (htmx), issues it, downloads it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from epigrid.reports.models import ReportDraft, UnitReport


def _login(page: Page, base: str, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill("pw-" + username)
    page.get_by_role("button", name="登录").click()


def test_town_edits_issues_and_downloads_the_report(
    transactional_db, live_server, browser: Browser, console_errors, screenshots, world
):
    day = timezone.localdate() - dt.timedelta(days=1)
    UnitReport.objects.create(
        region=world.village_a, day=day, measures={"leaflets": 300, "notices": 12},
        problems="口罩仅够两天使用", suggestions="建议统筹采购防护用品",
        submitted_by=world.village_leader, submitted_at=timezone.now(),
    )  # fmt: skip
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: console_errors.append(str(e)))
    _login(page, live_server.url, "town")
    page.get_by_role("link", name="工作报告", exact=True).first.click()
    page.get_by_label("报告日期").fill(day.isoformat())
    page.get_by_role("button", name="查看报告").click()
    paper = page.locator("article.paper")
    expect(paper).to_contain_text("一、防疫情况")
    expect(paper).to_contain_text("一是（甲村）口罩仅够两天使用。")
    expect(paper).to_contain_text("张贴通知公告12份、印制发放宣传彩页300份")

    page.get_by_label("三、存在问题").fill("一是（甲村）口罩仅够两天使用；二是消毒液不足。")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator("[role=status]")).to_contain_text("已保存")
    expect(paper).to_contain_text("二是消毒液不足。")
    assert ReportDraft.objects.get().edited_by == world.town_officer
    page.screenshot(path=screenshots / "72-report-document-desktop.png", full_page=True)

    with page.expect_download() as download:
        page.get_by_label("导出用途").fill("报送上级指挥部")
        page.get_by_role("button", name="下载 Word 文档（.docx）").click()
    assert download.value.suggested_filename.endswith("工作报告.docx")

    page.get_by_role("button", name="签发（签发后不能再修改）").click()
    expect(page.locator(".messages")).to_contain_text("报告已签发")
    expect(page.locator(".doc-status")).to_contain_text("已签发")
    expect(page.get_by_label("三、存在问题")).to_have_count(0)
    assert ReportDraft.objects.get().issued
    context.close()
    assert console_errors == []

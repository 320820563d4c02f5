"""Personal data leaving the system, on a town officer's desktop: the 14-day monitoring form asks why it
is printed, then carries the officer's name across the page; 我的 API 令牌 issues a token shown once.

``transactional_db`` comes before ``world``: the live server answers from another thread.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from epigrid.core.models import ApiToken, AuditEvent


def test_a_town_officer_prints_with_a_purpose_and_issues_a_token(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    episode = world.episode_zhang
    page.set_viewport_size({"width": 1280, "height": 900})
    # The server's first request loads every view: more than the default 5 s on a busy host.
    page.goto(live_server.url + "/accounts/login/", timeout=30_000)
    page.get_by_label("用户名", exact=True).fill("town")
    page.get_by_label("密码", exact=True).fill("pw-town")
    page.locator("button.primary").click()

    page.goto(f"{live_server.url}/monitoring/episodes/{episode.pk}/form/")
    expect(page.locator("h1")).to_contain_text("填写导出用途")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()
    page.locator("#export-purpose").fill("入户随访与健康监测")
    page.get_by_role("button", name="继续导出").click()
    stamp = page.locator(".export-stamp")
    expect(stamp).to_contain_text("town")
    expect(stamp).to_contain_text("入户随访与健康监测")
    expect(page.locator(".export-watermark span").first).to_contain_text("town")
    page.screenshot(path=screenshots / "95-print-with-purpose-and-watermark-desktop.png", full_page=True)
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.user == world.town_officer and event.detail["purpose"] == "入户随访与健康监测"

    page.goto(f"{live_server.url}/accounts/tokens/")
    page.get_by_label("名称（用途）").fill("镇卫生院名单推送")
    page.get_by_label("有效期（天）").fill("30")
    page.get_by_role("button", name="签发").click()
    expect(page.locator("h1")).to_contain_text("令牌已签发")
    secret = page.get_by_label("令牌", exact=True).input_value()
    assert secret.startswith("egt_")
    page.screenshot(path=screenshots / "96-api-token-issued-desktop.png", full_page=True)
    token = ApiToken.objects.get(user=world.town_officer)
    assert token.name == "镇卫生院名单推送" and token.expires_at is not None
    page.goto(f"{live_server.url}/accounts/tokens/")
    expect(page.locator("table.grid")).to_contain_text("镇卫生院名单推送")
    assert secret not in page.content()  # shown once, never again
    assert console_errors == []

"""The public page on a resident's phone (no login): figures as of the cut-off, the risk levels with
their reasons, the towns' table with small counts hidden, the bulletin, hotlines. Before that, HQ drafts
the day's bulletin on a desktop, tries to publish it with a patient's name, is refused with the line
and column, writes "X某" instead and publishes.

``transactional_db`` comes before ``world``: the live server answers from another thread. The cases
are classified as of two days ago, so that the last daily cut-off (whatever the hour the test runs)
counts them; the clock itself is not moved (the browser and the live server keep real time).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Page, expect

from epigrid.cases.services import classification_set
from epigrid.publicinfo.services import notice_save


def test_hq_publishes_a_bulletin_and_a_resident_reads_the_public_page(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    before = timezone.now() - dt.timedelta(days=2)
    classification_set(actor=world.hq, person=world.zhang, to="confirmed", reason="核酸检测阳性", at=before)
    classification_set(actor=world.hq, person=world.li, to="suspected", reason="发热伴咳嗽", at=before)
    notice_save(
        actor=world.hq,
        region=world.district,
        kind="hotline",
        title="区疫情防控指挥部",
        phone="0571-86001234",
    )
    notice_save(
        actor=world.hq, region=world.district, kind="guidance", title="出现发热怎么办",
        body="如出现发热、干咳等症状，请佩戴口罩到就近发热门诊就诊。",
    )  # fmt: skip

    page.set_viewport_size({"width": 1280, "height": 900})
    # The server's first request loads every view: more than the default 5 s on a busy host.
    page.goto(live_server.url + "/accounts/login/", timeout=30_000)
    page.get_by_label("用户名", exact=True).fill("hq")
    page.get_by_label("密码", exact=True).fill("pw-hq")
    page.locator("button.primary").click()
    page.goto(f"{live_server.url}/public/manage/{world.district.pk}/")
    page.get_by_role("button", name="按统计数据起草通报").click()
    text = page.locator("textarea[name=text]")
    expect(text).to_contain_text("全区累计报告确诊病例1例")
    surname = world.zhang.name[0]
    text.fill(text.input_value() + f"\n患者{world.zhang.name}已收治。")
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".error")).to_contain_text("字起有与登记人员姓名相同的文字")
    page.screenshot(path=screenshots / "90-bulletin-refused-desktop.png", full_page=True)
    text.fill(text.input_value().replace(world.zhang.name, f"{surname}某"))
    page.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_contain_text("通报已发布")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/public/{world.district.code}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("测试区")
    expect(page.locator(".risk")).to_contain_text("中风险")
    expect(page.locator("table")).to_contain_text("<5")
    expect(page.locator(".bulletin")).to_contain_text(f"{surname}某已收治")
    expect(page.locator(".notices").first).to_contain_text("0571-86001234")
    body = page.content()
    assert world.zhang.name not in body and world.li.name not in body
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths
    page.screenshot(path=screenshots / "91-public-page-phone.png", full_page=True)
    assert console_errors == []

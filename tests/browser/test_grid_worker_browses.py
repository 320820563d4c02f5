"""A grid worker on a phone: log in, walk grid → household → person, switch language, stay in scope.

``transactional_db`` comes before ``world`` in every signature: the live server answers from another
thread, which only sees committed rows, so the data must not sit inside a test transaction.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page, expect

USERNAME = "grid_a"
PASSWORD = "pw-grid_a"


def log_in(page: Page, live_server, world, screenshots: Path | None = None) -> None:
    """Open the site root, get sent to the log-in form, log in as grid_a and land on the grid page."""
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    if screenshots:
        page.screenshot(path=screenshots / "01-login-zh.png", full_page=True)
    page.get_by_label("用户名", exact=True).fill(USERNAME)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/regions/{world.grid_a.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("甲村第1网格")


def test_grid_worker_logs_in_and_browses_to_a_household(
    transactional_db, live_server, world, page, screenshots, console_errors
):
    log_in(page, live_server, world, screenshots)

    # The grid page lists the grid's households under the Chinese heading 住户.
    expect(page.get_by_role("heading", level=2, name="住户")).to_be_visible()
    household_link = page.get_by_role("link", name=re.compile("甲村一组1号"))
    expect(household_link).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("甲村一组2号"))).to_be_visible()
    expect(page.locator("body")).to_contain_text("户主 张伟")
    page.screenshot(path=screenshots / "02-grid-zh.png", full_page=True)

    household_link.click()
    expect(page).to_have_url(re.compile(rf"/people/households/{world.hh_a1.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("甲村一组1号")
    expect(page.locator("main")).to_contain_text("户主 张伟")
    zhang = page.locator("ul.people li").filter(has_text="张伟")
    wang = page.locator("ul.people li").filter(has_text="王芳")
    expect(zhang).to_be_visible()
    expect(wang).to_be_visible()
    # A grid worker phones households, so the phone is shown in full; the ID number is masked.
    zhang_ident = zhang.locator(".ident")
    expect(zhang_ident.first).to_contain_text("********")
    expect(zhang_ident.nth(1)).to_have_text(world.zhang.phone)
    # ...and dialable from the phone's browser.
    expect(zhang.locator(f'a[href="tel:{world.zhang.phone}"]')).to_be_visible()
    assert world.zhang.id_number not in page.content()
    page.screenshot(path=screenshots / "03-household-zh.png", full_page=True)

    zhang.get_by_role("link", name=re.compile("^张伟")).click()
    expect(page).to_have_url(re.compile(rf"/people/{world.zhang.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("张伟")
    record = page.locator("dl.record")
    expect(record).to_contain_text("联系电话")
    expect(record).to_contain_text(world.zhang.phone)
    expect(record).to_contain_text("********")
    expect(record).to_contain_text("甲村一组1号")
    assert world.zhang.id_number not in page.content()
    page.screenshot(path=screenshots / "04-person-zh.png", full_page=True)
    # No CSP violation, failed load or script error on the way (htmx included, nothing from outside).
    assert console_errors == []


def test_language_switch_to_english_and_back(transactional_db, live_server, world, page, screenshots):
    log_in(page, live_server, world)
    household_url = f"{live_server.url}/people/households/{world.hh_a1.pk}/"
    page.goto(household_url)
    expect(page.locator("main")).to_contain_text("户主")

    page.locator("button[name=language][value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(household_url)  # set_language sends the user back where they were
    # The switch now offers the way back, under its Chinese name.
    expect(page.locator("button[name=language][value=zh-hans]")).to_have_text("中文")
    expect(page.locator("button[name=language][value=en]")).to_have_count(0)
    # The message ids are the Chinese strings, so English text appears only once a compiled English
    # catalogue exists. Ask that catalogue itself (the very file Django reads) what the nav label "区域"
    # and the label "户主" become, so the check follows the translations instead of guessing at wording.
    english_mo = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES" / "django.mo"
    if english_mo.exists():
        with english_mo.open("rb") as mo:
            english = gettext.GNUTranslations(mo)
        expect(page.locator("nav.nav")).to_contain_text(english.gettext("区域"))
        expect(page.locator("main")).to_contain_text(english.gettext("户主") + " 张伟")
    page.screenshot(path=screenshots / "05-household-en.png", full_page=True)

    page.locator("button[name=language][value=zh-hans]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page).to_have_url(household_url)
    expect(page.locator("main")).to_contain_text("户主 张伟")
    expect(page.locator("button[name=language][value=en]")).to_have_text("English")


def test_grid_worker_cannot_open_another_village(transactional_db, live_server, world, page):
    log_in(page, live_server, world)
    for url in (
        f"{live_server.url}/people/households/{world.hh_b1.pk}/",
        f"{live_server.url}/regions/{world.grid_b.pk}/",
        f"{live_server.url}/people/{world.li.pk}/",
    ):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404, url
        content = page.content()
        assert "李娜" not in content
        assert "乙社区3栋2单元101室" not in content


def test_phone_layout_has_no_horizontal_scroll(transactional_db, live_server, world, page):
    log_in(page, live_server, world)
    assert page.viewport_size == {"width": 390, "height": 844}
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["inner"] == 390
    assert widths["scroll"] <= widths["inner"], widths


# Draw single characters on a canvas in the font the page's heading actually uses, and return each
# character's alpha channel. ``document.fonts.check()`` cannot be used for this: it answers true for any
# font that is not a web font, installed or not. A missing glyph, however, is drawn as the font's
# ".notdef" box -- the same picture whatever the character -- so two different Chinese characters that
# come out pixel-identical, or identical to an unassigned code point (U+0378), are tofu.
GLYPHS_JS = """
(chars) => {
  const family = getComputedStyle(document.querySelector("h1")).fontFamily;
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 64;
  const ctx = canvas.getContext("2d", {willReadFrequently: true});
  ctx.font = `48px ${family}`;
  ctx.textBaseline = "top";
  return chars.map((ch) => {
    ctx.clearRect(0, 0, 64, 64);
    ctx.fillText(ch, 8, 8);
    return Array.from(ctx.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3));
  });
}
"""


def test_chinese_glyphs_render_not_tofu(transactional_db, live_server, page):
    page.goto(live_server.url + "/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("登录")
    zhang, wang, unassigned = page.evaluate(GLYPHS_JS, ["张", "王", "\u0378"])
    assert sum(zhang) > 0 and sum(wang) > 0, "Chinese characters drew nothing"
    assert zhang != wang, "张 and 王 render as the same glyph: CJK fonts are missing (tofu)"
    assert zhang != unassigned, "张 renders as the missing-glyph box: CJK fonts are missing (tofu)"


def test_household_search_updates_the_list_as_the_worker_types(
    transactional_db, live_server, world, page, console_errors
):
    log_in(page, live_server, world)
    items = page.locator("#households ul.list li")
    expect(items).to_have_count(2)
    page.get_by_role("searchbox").fill("2号")
    # htmx swaps the list in place (no navigation) and puts the query in the address bar.
    expect(items).to_have_count(1)
    expect(items.first).to_contain_text("甲村一组2号")
    expect(page).to_have_url(re.compile(r"\?q=2"))
    page.get_by_role("searchbox").fill("没有这户")
    expect(page.locator("#households .empty")).to_be_visible()
    assert console_errors == []

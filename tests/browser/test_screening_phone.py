"""A grid worker screens a household on a phone: members, a registered neighbour found by the live
lookup, a returnee from 武汉 who is not registered yet, and the saved visit.

``transactional_db`` comes before ``world``: the live server answers from another thread.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from playwright.sync_api import Page, expect

from epigrid.people.models import Person, Screening
from tests.browser.test_grid_worker_browses import log_in


def test_grid_worker_screens_a_household_on_a_phone(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    log_in(page, live_server, world)
    zeng = Person.objects.get(name="曾强")  # registered in household 甲2 of the same grid
    wang = Person.objects.get(name="王芳")
    page.goto(f"{live_server.url}/people/households/{world.hh_a1.pk}/")
    page.get_by_role("link", name="入户摸排", exact=True).last.click()
    expect(page).to_have_url(re.compile(rf"/screenings/households/{world.hh_a1.pk}/new/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("入户摸排")

    page.locator(f"[name='p{world.zhang.pk}-temperature']").fill("36.6")
    wang_row = page.locator(f"#row-p{wang.pk}")
    wang_row.get_by_label("在家", exact=True).uncheck()
    wang_row.locator(f"[name='p{wang.pk}-whereabouts']").fill("在县城上班")

    # A new row: typing a phone already in the registry shows who has it, and picking replaces the row.
    add = page.get_by_role("button", name=re.compile("添加不在名单中的人员"))
    add.click()
    row = page.locator("#rows article.entry").last
    expect(row.locator("input[name=new]")).to_have_count(1)
    row.locator("input[name$='-phone']").press_sequentially(zeng.phone, delay=20)
    match = row.locator(".lookup .match")
    expect(match).to_contain_text("曾强")
    expect(match).to_contain_text("甲村一组2号")
    page.screenshot(path=screenshots / "10-screening-lookup.png", full_page=True)
    match.get_by_role("button", name="是此人，选择").click()
    zeng_row = page.locator(f"#row-p{zeng.pk}")
    expect(zeng_row).to_contain_text("曾强")
    zeng_row.locator(f"[name='p{zeng.pk}-temperature']").fill("36.4")

    # Someone else's ID number (another district's grid): the page says so without naming anyone.
    add.click()
    row = page.locator("#rows article.entry").last
    id_input = row.locator("input[name$='-id_number']")
    id_input.press_sequentially(world.li.id_number, delay=20)
    expect(row.locator(".lookup")).to_contain_text("此号码已在其他地区登记")
    expect(row.locator(".lookup")).not_to_contain_text("李娜")
    with page.expect_response(lambda r: "/lookup/" in r.url):  # clearing the number asks again
        id_input.fill("")

    # A returnee from 武汉 found at the door, with a fever.
    row.locator("input[name$='-name']").fill("孙丽")
    row.get_by_label("女", exact=True).check()
    row.locator("input[name$='-relation']").fill("女儿")
    # The phone number fires a live lookup 400 ms later; a submit while it is in flight would abort it
    # (htmx reports that on the console). A worker reads the answer first; so does the test.
    with page.expect_response(lambda r: "/lookup/" in r.url):
        row.locator("input[name$='-phone']").fill("13812345678")
    row.locator("input[name$='-temperature']").fill("37.9")
    row.get_by_label("咳嗽", exact=True).check()
    row.locator("summary").click()
    row.get_by_label("返乡人员（近期从外地返回）", exact=True).check()
    row.locator("input[name$='-origin']").fill("武汉市")
    arrived = timezone.localdate() - dt.timedelta(days=1)
    row.locator("input[name$='-left_on']").fill((arrived - dt.timedelta(days=1)).isoformat())
    row.locator("input[name$='-arrived_on']").fill(arrived.isoformat())
    row.locator("select[name$='-transport']").select_option("train")
    row.locator("input[name$='-transport_no']").fill("G1234")
    page.get_by_label("居家隔离", exact=True).check()
    page.get_by_label("上报村/镇", exact=True).check()

    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths
    page.screenshot(path=screenshots / "11-screening-form.png", full_page=True)
    page.get_by_role("button", name="保存摸排记录").click()

    screening = Screening.objects.get()
    expect(page).to_have_url(re.compile(rf"/screenings/{screening.pk}/$"))
    main = page.locator("main")
    expect(main).to_contain_text("摸排记录已保存")
    expect(main).to_contain_text("孙丽")
    expect(main).to_contain_text("37.9 °C")
    expect(main).to_contain_text("来自疫区")
    expect(main).to_contain_text("在县城上班")
    expect(main).to_contain_text("居家隔离")
    page.screenshot(path=screenshots / "12-screening-saved.png", full_page=True)
    names = sorted(screening.entries.values_list("person__name", flat=True))
    assert names == sorted(["张伟", "王芳", "曾强", "孙丽"])
    assert Person.objects.get(name="孙丽").source == Person.Source.LOCAL
    assert console_errors == []

"""A fever clinic registers a visit on a phone: the patient's ID number is looked up while typed, the
doctor records the temperature and 不能排除的发热; the patient becomes 医院发热待查 and their grid worker
sees the visit at once on 发热就诊. Then HQ opens the risk levels of the district.

``transactional_db`` comes before ``world``: the live server answers from another thread.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from epigrid.cases.models import CaseStatus
from tests.triage import world as _triage_world  # noqa: F401 - World.clinic, fever_room_a


def _log_in(page: Page, live_server, username: str) -> None:
    # The server's first request loads every view: more than the default 5 s on a busy host.
    page.goto(live_server.url + "/accounts/login/", timeout=30_000)
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill("pw-" + username)
    page.locator("button.primary").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_clinic_registers_a_fever_and_the_grid_sees_it(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    clinic, facility = world.clinic, world.facility_a
    assert clinic.username == "clinic"
    _log_in(page, live_server, "clinic")
    page.goto(f"{live_server.url}/triage/facilities/{facility.pk}/new/")
    page.locator("#name").fill(world.li.name)
    page.locator("#id_number").fill(world.li.id_number)
    expect(page.locator("#lookup")).to_contain_text("已在册")
    page.locator("#temperature").fill("38.6")
    page.get_by_label("咳嗽").check()
    page.locator("input[name=disposition][value=fever_unexcluded]").check()
    page.locator("#doctor").fill("王医生")
    page.screenshot(path=screenshots / "92-triage-register-phone.png", full_page=True)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已登记")
    assert CaseStatus.objects.get(person=world.li).classification == "fever_hospital"
    widths = page.evaluate("({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})")
    assert widths["scroll"] <= widths["inner"], widths

    page.context.clear_cookies()
    _log_in(page, live_server, "grid_b")
    page.goto(f"{live_server.url}/triage/")
    expect(page.locator("main")).to_contain_text("医院发热待查")
    page.screenshot(path=screenshots / "93-triage-village-phone.png", full_page=True)
    assert console_errors == []


def test_hq_reads_the_risk_levels(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    from epigrid.cases.services import classification_set

    classification_set(actor=world.hq, person=world.zhang, to="confirmed", reason="核酸检测阳性")
    page.set_viewport_size({"width": 1280, "height": 900})
    _log_in(page, live_server, "hq")
    page.goto(f"{live_server.url}/risk/{world.district.pk}/")
    expect(page.locator("main")).to_contain_text("中风险")
    expect(page.locator("main")).to_contain_text("甲镇")
    page.screenshot(path=screenshots / "94-risk-levels-desktop.png", full_page=True)
    assert console_errors == []

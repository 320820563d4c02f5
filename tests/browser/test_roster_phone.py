"""A grid worker records the day's two readings of a person under observation on a phone, from the roster:
one tap for a normal morning reading, a typed fever with a symptom for the evening, an out-of-range
value refused inline; the page is never reloaded.

``transactional_db`` comes before ``world``: the live server answers from another thread.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from epigrid.monitoring.models import Episode, HealthCheck
from epigrid.monitoring.policy import current_policy
from tests.browser.test_grid_worker_browses import log_in


def test_grid_worker_records_two_slots_on_a_phone(
    transactional_db, live_server, world, page: Page, screenshots, console_errors
):
    policy = current_policy()
    started = timezone.localdate() - dt.timedelta(days=2)
    zhang = world.zhang
    episode = Episode.objects.create(
        person=zhang, district_id=zhang.district_id, town_id=zhang.town_id, village_id=zhang.village_id,
        grid_id=zhang.grid_id, household_id=zhang.household_id, kind=Episode.Kind.HOME,
        basis=Episode.Basis.OUTBREAK_RETURN, policy=policy, started_on=started, last_exposure=started,
        planned_end=started + dt.timedelta(days=policy.observation_days),
    )  # fmt: skip
    log_in(page, live_server, world)
    page.goto(f"{live_server.url}/monitoring/grids/{world.grid_a.pk}/roster/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("每日健康监测")
    person = page.locator(f"#ep-{episode.pk}")
    expect(person).to_contain_text("张伟")
    expect(person).to_contain_text("第3天")
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads

    # Morning: one tap on 36.5 saves it; the cell answers with the reading.
    am = page.locator(f"#cell-{episode.pk}-am")
    am.get_by_role("button", name="36.5", exact=True).click()
    expect(page.locator(f"#cell-{episode.pk}-am .reading")).to_contain_text("36.5 °C")

    # Evening: an impossible value is refused beside the input, then a fever with a cough is saved.
    pm = page.locator(f"#cell-{episode.pk}-pm")
    pm.locator("summary", has_text="其他体温").click()
    pm.locator("input[name=temperature]").fill("45")
    pm.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(f"#cell-{episode.pk}-pm [role=alert]")).to_contain_text("34.0")
    pm = page.locator(f"#cell-{episode.pk}-pm")
    pm.locator("input[name=temperature]").fill("38.2")
    pm.get_by_label("咳嗽").check()
    pm.get_by_role("button", name="保存", exact=True).click()
    expect(page.locator(f"#cell-{episode.pk}-pm .reading")).to_contain_text("38.2 °C")
    expect(page.locator(f"#cell-{episode.pk}-pm")).to_have_class(re.compile(r"\babnormal\b"))
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path=screenshots / "40-roster-phone.png", full_page=True)

    current = {c.slot: c for c in HealthCheck.objects.filter(episode=episode, replaced_by__isnull=True)}
    assert current["am"].temperature == Decimal("36.5") and not current["am"].fever
    assert current["pm"].temperature == Decimal("38.2") and current["pm"].fever
    assert current["pm"].symptoms == ["cough"]

    # The fever is on the worker's alerts at once.
    page.get_by_role("link", name="预警", exact=True).click()
    expect(page.locator(".alerts")).to_contain_text("张伟")
    page.screenshot(path=screenshots / "41-alerts-phone.png", full_page=True)
    assert console_errors == []

"""Measures log pages: a unit's day on a phone (add with or without htmx, errors beside their field,
a double tap saved once), one entry (correct, withdraw), the region's table, scope and query counts."""

from __future__ import annotations

import datetime as dt

from django.test import Client

from epigrid.core.models import AuditEvent
from epigrid.measurelog.models import MeasureEntry
from tests.measurelog.conftest import DAY

HTMX = {"HTTP_HX_REQUEST": "true"}


def _client(user, language: str = "zh-hans") -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = language
    return client


def _unit(region, day: dt.date = DAY) -> str:
    return f"/measures/units/{region.pk}/?day={day.isoformat()}"


def _add(**fields) -> dict[str, str]:
    data = {
        "day": DAY.isoformat(),
        "key": "page-key-1",
        "kind": "leaflets",
        "count": "120",
        "note": "",
        "place": "",
    }
    data.update(fields)
    return data


def test_the_days_log_shows_the_form_the_sums_and_every_entry(world, log, django_assert_max_num_queries):
    log("leaflets", 100, note="逐户发放")
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    log("banners", 6)
    withdrawn = log("notices", 3)
    withdrawn.withdrawn_at = withdrawn.recorded_at
    withdrawn.save(update_fields=["withdrawn_at"])
    client = _client(world.village_leader)
    # session, user, scope, region, ancestors, sums, sealed, entries, grids
    with django_assert_max_num_queries(9):
        response = client.get(_unit(world.village_a))
    body = response.content.decode()
    assert response.status_code == 200
    assert 'name="kind"' in body and 'name="count"' in body and 'inputmode="numeric"' in body
    assert '<optgroup label="宣传">' in body and "横幅标语（条）" in body
    assert 'data-kind="leaflets"><dt>宣传单</dt><dd>140<' in body  # the village and its grid
    assert 'data-kind="banners"><dt>横幅标语</dt><dd>6<' in body
    assert 'data-kind="notices"' not in body  # withdrawn: shown, not counted
    assert "逐户发放" in body and "甲村第1网格" in body and "已撤回" in body
    assert f'href="/reports/units/{world.village_a.pk}/?day={DAY.isoformat()}"' in body


def test_adding_without_scripts_saves_and_returns_to_the_day(world, afternoon):
    client = _client(world.village_leader)
    response = client.post(f"/measures/units/{world.village_a.pk}/", _add(place="村口"), follow=True)
    assert response.redirect_chain[-1][0] == _unit(world.village_a)
    entry = MeasureEntry.objects.get()
    assert (entry.kind, entry.count, entry.place, entry.recorded_by) == (
        "leaflets",
        120,
        "村口",
        world.village_leader,
    )
    assert "已登记：宣传单 120份。" in response.content.decode()
    assert (
        AuditEvent.objects.filter(object_type="measure_entry", action=AuditEvent.Action.CREATE).count() == 1
    )


def test_adding_with_htmx_answers_the_fragment_and_a_double_tap_saves_once(world, afternoon):
    client = _client(world.grid_worker_a)
    url = f"/measures/units/{world.grid_a.pk}/"
    response = client.post(url, _add(kind="disinfection", count="2"), **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and 'id="measure-log"' in body
    assert "已登记：消杀 2次。" in body and 'data-kind="disinfection"><dt>消杀</dt><dd>2<' in body
    assert 'name="count" value=""' in body  # a fresh form for the next one
    again = client.post(url, _add(kind="disinfection", count="2"), **HTMX).content.decode()
    assert "这条记录已经登记过，没有重复保存" in again
    assert MeasureEntry.objects.count() == 1


def test_a_refused_entry_names_the_field_and_keeps_what_was_typed(world, afternoon):
    client = _client(world.village_leader)
    url = f"/measures/units/{world.village_a.pk}/"
    response = client.post(url, _add(count="0", note="发放彩页"))
    body = response.content.decode()
    assert response.status_code == 400
    assert '<span class="field-error" id="m-count-err">数量须为正整数。</span>' in body
    assert 'value="0"' in body and 'value="发放彩页"' in body and '<option value="leaflets" selected>' in body
    htmx = client.post(url, _add(kind="", count="5"), **HTMX)
    assert htmx.status_code == 200  # htmx swaps only a 200: the errors come back in the fragment
    assert "请选择措施类型。" in htmx.content.decode()
    assert not MeasureEntry.objects.exists()


def test_a_future_day_goes_back_to_today_and_an_old_day_cannot_be_logged(world, afternoon):
    client = _client(world.village_leader)
    response = client.get(_unit(world.village_a, DAY + dt.timedelta(days=1)), follow=True)
    assert response.redirect_chain[-1][0] == f"/measures/units/{world.village_a.pk}/"
    assert "日期格式不对或是未来日期，已显示今天。" in response.content.decode()
    old = client.get(_unit(world.village_a, DAY - dt.timedelta(days=40))).content.decode()
    assert "30天前的措施不能再登记。" in old and 'name="count"' not in old


def test_readers_read_without_a_form_and_may_not_post_outsiders_get_nothing(world, log):
    entry = log("leaflets", 100)
    dept = _client(world.department)
    page = dept.get(_unit(world.village_a))
    assert page.status_code == 200 and 'name="count"' not in page.content.decode()
    assert dept.post(f"/measures/units/{world.village_a.pk}/", _add()).status_code == 403
    assert dept.post(f"/measures/entries/{entry.pk}/", {"action": "withdraw"}).status_code == 403
    outsider = _client(world.outsider)
    pages = (
        _unit(world.village_a),
        f"/measures/entries/{entry.pk}/",
        f"/measures/regions/{world.town.pk}/",
        f"/measures/regions/{world.village_a.pk}/sealed/",
    )
    for url in pages:
        assert outsider.get(url).status_code == 404
    assert outsider.post(f"/measures/units/{world.village_a.pk}/", _add()).status_code == 404
    assert _client(world.grid_worker_b).get(_unit(world.village_a)).status_code == 404
    assert MeasureEntry.objects.count() == 1 and MeasureEntry.objects.get().current


def test_correcting_an_entry_keeps_its_history(world, log):
    entry = log("leaflets", 100, region=world.grid_a, actor=world.grid_worker_a)
    client = _client(world.village_leader)
    page = client.get(f"/measures/entries/{entry.pk}/").content.decode()
    assert "保存更正" in page and "撤回这条记录" in page
    response = client.post(
        f"/measures/entries/{entry.pk}/",
        {"action": "correct", "kind": "leaflets", "count": "90", "note": "少发10份"},
    )
    assert response.status_code == 302 and response["Location"] == _unit(world.grid_a)
    new = MeasureEntry.objects.get(replaced_by__isnull=True)
    assert (new.count, new.revision, new.original_id, new.recorded_by) == (
        90,
        2,
        entry.pk,
        world.village_leader,
    )
    history = client.get(f"/measures/entries/{entry.pk}/").content.decode()
    assert "这是第1版，已被更正" in history and "已被更正" in history and "当前" in history
    assert "保存更正" not in history  # correct the current revision, not this one
    bad = client.post(
        f"/measures/entries/{new.pk}/", {"action": "correct", "kind": "leaflets", "count": "九十"}
    )
    assert bad.status_code == 400 and "数量须为正整数。" in bad.content.decode()


def test_withdrawing_marks_the_entry_and_a_peer_may_not(world, log):
    entry = log("leaflets", 100, region=world.grid_a, actor=world.grid_worker_a)
    response = _client(world.grid_worker_a).post(
        f"/measures/entries/{entry.pk}/", {"action": "withdraw", "reason": "重复登记"}, follow=True
    )
    assert "已撤回，这条记录不再计入统计。" in response.content.decode()
    entry.refresh_from_db()
    assert entry.withdrawn and entry.withdraw_reason == "重复登记"
    other = log("notices", 5)  # the village leader's
    assert (
        _client(world.grid_worker_a)
        .post(f"/measures/entries/{other.pk}/", {"action": "withdraw"})
        .status_code
        == 404
    )
    page = _client(world.grid_worker_a).get(f"/measures/entries/{entry.pk}/").content.decode()
    assert "重复登记" in page and "撤回这条记录" not in page


def test_the_region_table_by_unit_and_kind(world, log, seal, django_assert_max_num_queries):
    log("leaflets", 100)
    log("leaflets", 40, region=world.grid_a, actor=world.grid_worker_a)
    log("meetings", 1, region=world.town, actor=world.town_officer)
    log("leaflets", 70, region=world.village_b, actor=world.hq)
    seal("幸福小区", guard_posts=3)
    client = _client(world.hq)
    # session, user, scope, region, children, sums, sealed (a district has no ancestors to read)
    with django_assert_max_num_queries(7):
        response = client.get(f"/measures/regions/{world.district.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "甲镇" in body and "乙街道" in body and "横幅标语" in body
    assert f'href="/measures/regions/{world.town.pk}/?start=' in body  # drill down to the town
    town = client.get(f"/measures/regions/{world.town.pk}/?start={DAY}&end={DAY}").content.decode()
    assert "甲镇本级" in town and "甲村" in town and "乙社区" not in town
    assert '<td class="num">140</td>' in town and '<td class="num">3</td>' in town
    bad = client.get(f"/measures/regions/{world.town.pk}/?start={DAY}&end={DAY - dt.timedelta(days=1)}")
    assert bad.status_code == 400 and "已显示最近7天" in bad.content.decode()
    assert (
        client.get(f"/measures/regions/{world.grid_a.pk}/").status_code == 404
    )  # a grid has its log, not a table


def test_home_sends_each_role_to_its_place(world, afternoon):
    assert (
        _client(world.village_leader).get("/measures/")["Location"]
        == f"/measures/units/{world.village_a.pk}/"
    )
    assert _client(world.grid_worker_a).get("/measures/")["Location"] == f"/measures/units/{world.grid_a.pk}/"
    assert _client(world.town_officer).get("/measures/")["Location"] == f"/measures/regions/{world.town.pk}/"
    assert _client(world.hq).get("/measures/")["Location"] == f"/measures/regions/{world.district.pk}/"


def test_in_english(world, log):
    log("banners", 6)
    body = _client(world.village_leader, "en").get(_unit(world.village_a)).content.decode()
    assert "Measures log" in body and "Banners and slogans" in body and "Log a measure" in body

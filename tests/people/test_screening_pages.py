"""The screening pages: the visit form on a phone, the live lookup, a region's visits and one visit."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from epigrid.core.models import AuditEvent
from epigrid.people import screening as svc
from epigrid.people.models import Person, Screening, TravelRecord
from epigrid.people.screening import EntryInput, screening_record

NEW = "nabc123"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _data(world, **extra) -> dict[str, object]:
    """A good submission: 张伟 at home, 王芳 away, and a returnee from 武汉 not yet registered."""
    zhang, wang = world.zhang.pk, Person.objects.get(name="王芳").pk
    arrived = timezone.localdate() - dt.timedelta(days=1)
    data: dict[str, object] = {
        "key": "0123456789abcdef0123456789abcdef",
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "measures": ["informed", "home_isolation"],
        "notes": "已发放告知书",
        "persons": [str(zhang), str(wang)],
        f"p{zhang}-present": "on",
        f"p{zhang}-temperature": "36,6",
        f"p{wang}-whereabouts": "在县城上班",
        "new": [NEW],
        f"{NEW}-name": "孙丽",
        f"{NEW}-sex": "F",
        f"{NEW}-relation": "女儿",
        f"{NEW}-phone": "13812345678",
        f"{NEW}-present": "on",
        f"{NEW}-temperature": "37.9",
        f"{NEW}-symptoms": ["cough"],
        f"{NEW}-returnee": "on",
        f"{NEW}-origin": "武汉市",
        f"{NEW}-arrived_on": arrived.isoformat(),
        f"{NEW}-left_on": (arrived - dt.timedelta(days=1)).isoformat(),
        f"{NEW}-transport": "train",
        f"{NEW}-transport_no": "G1234",
        f"{NEW}-companions": "丈夫",
    }
    data.update(extra)
    return data


def test_the_form_lists_the_household_with_a_fresh_key(world):
    response = _client(world.grid_worker_a).get(reverse("screenings:new", args=[world.hh_a1.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "张伟" in body and "王芳" in body and "曾强" not in body
    assert re.search(r'name="key" value="[0-9a-f]{32}"', body)
    assert 'name="visited_at"' in body and 'type="datetime-local"' in body
    assert 'inputmode="decimal"' in body
    # The worker's role sees phones, never the ID number.
    assert world.zhang.phone in body and world.zhang.id_number not in body
    assert AuditEvent.objects.filter(object_type="household", object_id=str(world.hh_a1.pk)).exists()


def test_the_household_page_offers_the_visit_to_writers_only(world):
    url = reverse("people:household", args=[world.hh_a1.pk])
    new = reverse("screenings:new", args=[world.hh_a1.pk])
    assert new in _client(world.grid_worker_a).get(url).content.decode()
    assert new not in _client(world.department).get(url).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [("grid_worker_a", 200), ("village_leader", 200), ("hq", 200), ("grid_worker_b", 404), ("outsider", 404),
     ("department", 403)],
)  # fmt: skip
def test_who_may_open_the_form(world, persona, status):
    client = _client(world.personas()[persona])
    assert client.get(reverse("screenings:new", args=[world.hh_a1.pk])).status_code == status


def test_a_good_submission_is_saved_and_shown(world):
    client = _client(world.grid_worker_a)
    response = client.post(reverse("screenings:new", args=[world.hh_a1.pk]), _data(world))
    screening = Screening.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("screenings:detail", args=[screening.pk])
    entries = {e.person.name: e for e in screening.entries.select_related("person", "travel")}
    assert set(entries) == {"张伟", "王芳", "孙丽"}
    assert entries["张伟"].temperature == Decimal("36.6")
    assert not entries["王芳"].present and entries["王芳"].whereabouts == "在县城上班"
    sun = entries["孙丽"]
    assert sun.fever and sun.symptoms == ["cough"]
    assert sun.person.source == Person.Source.LOCAL and sun.person.household == world.hh_a1
    assert sun.travel is not None and sun.travel.from_outbreak_area and sun.travel.transport_no == "G1234"
    page = client.get(response["Location"]).content.decode()
    for text in (
        "摸排记录已保存",
        "孙丽",
        "37.9 °C",
        "发热",
        "咳嗽",
        "来自疫区",
        "在县城上班",
        "居家隔离",
        "已发放告知书",
    ):
        assert text in page, text


def test_a_double_submission_records_one_visit(world):
    client = _client(world.grid_worker_a)
    url = reverse("screenings:new", args=[world.hh_a1.pk])
    first = client.post(url, _data(world))
    second = client.post(url, _data(world))
    assert first["Location"] == second["Location"]
    assert Screening.objects.count() == 1
    assert Person.objects.filter(name="孙丽").count() == 1
    assert "这次摸排已经保存过" in client.get(second["Location"]).content.decode()


def test_bad_input_is_shown_beside_its_field_and_nothing_typed_is_lost(world):
    client = _client(world.grid_worker_a)
    data = _data(
        world,
        **{
            f"p{world.zhang.pk}-temperature": "45",
            f"{NEW}-arrived_on": "2020-13-45",
            f"{NEW}-phone": "12345",
        },
    )
    wang = Person.objects.get(name="王芳").pk
    data[f"p{wang}-whereabouts"] = ""
    response = client.post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "有内容需要修改" in body
    # The date could not be read: the form says so before the rules run.
    assert "日期无效，请按 2020-01-28 的格式填写" in body
    assert not Screening.objects.exists() and not Person.objects.filter(name="孙丽").exists()
    # What was typed is still there, the new person's row included.
    for typed in (
        'value="45"',
        'value="孙丽"',
        'value="12345"',
        'value="武汉市"',
        'value="G1234"',
        'value="2020-13-45"',
    ):
        assert typed in body, typed
    # Fix the date: now the rules speak, each message beside its field.
    data[f"{NEW}-arrived_on"] = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = client.post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 400
    body = response.content.decode()
    for message in (
        svc.ERR_TEMPERATURE_RANGE,
        svc.ERR_WHEREABOUTS_REQUIRED,
        "手机号应为11位数字，以13～19开头",
    ):
        assert str(message) in body, message
    assert 'value="45"' in body and 'value="孙丽"' in body
    assert not Screening.objects.exists()


@pytest.mark.parametrize(
    "junk",
    [
        {"key": "not-a-key"},
        {"visited_at": "yesterday"},
        {"persons": ["x", "99999999999999999999999"]},
        {"new": ["../../etc", "n12"]},
        {"measures": ["nonsense"]},
        {f"{NEW}-temperature": "三十七"},
        {f"{NEW}-temperature": "NaN"},
        {f"{NEW}-sex": "X"},
        {f"{NEW}-transport": "rocket"},
        {f"{NEW}-symptoms": ["sneezing"]},
    ],
)
def test_junk_is_a_message_never_a_server_error(world, junk):
    response = _client(world.grid_worker_a).post(
        reverse("screenings:new", args=[world.hh_a1.pk]), _data(world, **junk)
    )
    assert response.status_code in (302, 400)
    if "persons" in junk or "new" in junk:
        return  # junk ids and row keys are ignored; what is left is still a good visit
    assert response.status_code == 400
    assert not Screening.objects.exists()


def test_a_picked_person_from_another_household_is_entered(world):
    zeng = Person.objects.get(name="曾强")
    data = _data(world, persons=[str(world.zhang.pk), str(Person.objects.get(name="王芳").pk), str(zeng.pk)])
    data[f"p{zeng.pk}-present"] = "on"
    data[f"p{zeng.pk}-temperature"] = "36.2"
    response = _client(world.grid_worker_a).post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 302
    assert Screening.objects.get().entries.filter(person=zeng, temperature=Decimal("36.2")).exists()


def test_a_picked_person_outside_scope_is_dropped(world):
    data = _data(
        world, persons=[str(world.zhang.pk), str(Person.objects.get(name="王芳").pk), str(world.li.pk)]
    )
    response = _client(world.grid_worker_a).post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 302
    assert not Screening.objects.get().entries.filter(person=world.li).exists()


def test_the_new_number_of_a_registered_person_is_sent_back_to_the_lookup(world):
    data = _data(
        world, **{f"{NEW}-name": "张伟", f"{NEW}-sex": "M", f"{NEW}-id_number": world.zhang.id_number}
    )
    response = _client(world.grid_worker_a).post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 400
    assert str(svc.ERR_ID_REGISTERED_HERE) in response.content.decode()


# --- the live lookup and the row fragments -----------------------------------------------------------


def _lookup(client: Client, household, **typed: str):
    params = {"row": NEW, **{f"{NEW}-{name}": value for name, value in typed.items()}}
    return client.get(
        reverse("screenings:lookup", args=[household.pk]), params, headers={"HX-Request": "true"}
    )


def test_lookup_shows_a_registered_person_to_pick(world):
    zeng = Person.objects.get(name="曾强")
    response = _lookup(_client(world.grid_worker_a), world.hh_a1, id_number=zeng.id_number, phone="")
    body = response.content.decode()
    assert response.status_code == 200
    assert "曾强" in body and "甲村一组2号" in body and "是此人，选择" in body
    assert zeng.id_number not in body and zeng.id_number[:6] in body  # masked for a grid worker
    assert f"?person={zeng.pk}" in body and f'hx-target="#row-{NEW}"' in body
    assert AuditEvent.objects.filter(object_type="person_lookup", user=world.grid_worker_a).count() == 1


def test_lookup_of_a_member_says_they_are_already_listed(world):
    body = _lookup(_client(world.grid_worker_a), world.hh_a1, phone=world.zhang.phone).content.decode()
    assert "此人已在本户名单中" in body and "是此人，选择" not in body


def test_lookup_outside_scope_names_nobody(world):
    body = _lookup(_client(world.grid_worker_a), world.hh_a1, id_number=world.li.id_number).content.decode()
    assert "此号码已在其他地区登记" in body
    assert "李娜" not in body and world.li.id_number[-4:] not in body and "乙社区" not in body


def test_lookup_reports_a_wrong_check_digit(world):
    bad = world.zhang.id_number[:-1] + ("0" if world.zhang.id_number[-1] != "0" else "1")
    body = _lookup(_client(world.grid_worker_a), world.hh_a1, id_number=bad).content.decode()
    assert "身份证号校验位错误" in body


def test_lookup_refuses_bad_rows_and_foreign_households(world):
    client = _client(world.grid_worker_a)
    url = reverse("screenings:lookup", args=[world.hh_a1.pk])
    assert client.get(url, {"row": "<script>"}).status_code == 404
    assert _lookup(client, world.hh_b1, id_number=world.li.id_number).status_code == 404
    assert _lookup(_client(world.department), world.hh_a1, id_number=world.li.id_number).status_code == 403


def test_row_fragments(world):
    client = _client(world.grid_worker_a)
    url = reverse("screenings:row", args=[world.hh_a1.pk])
    blank = client.get(url).content.decode()
    key = re.search(r'name="new" value="(n[0-9a-f]{6})"', blank)
    assert key is not None
    assert f'name="{key[1]}-id_number"' in blank and "hx-get" in blank
    zeng = Person.objects.get(name="曾强")
    picked = client.get(url, {"person": zeng.pk}).content.decode()
    assert f'name="persons" value="{zeng.pk}"' in picked and "曾强" in picked
    assert client.get(url, {"person": world.li.pk}).status_code == 404
    assert client.get(url, {"person": "abc"}).status_code == 404


# --- reading visits ----------------------------------------------------------------------------------


def _visits(world, n: int) -> None:
    for i in range(n):
        screening_record(
            actor=world.grid_worker_a,
            household=world.hh_a1 if i % 2 else world.hh_a2,
            visited_at=timezone.now() - dt.timedelta(days=i),
            entries=[EntryInput(key="p", person_id=world.zhang.pk, temperature=Decimal("37.5"))],
            measures=["reported"],
        )


def test_region_list_filters_by_day_and_keeps_its_query_count(world):
    client = _client(world.town_officer)
    url = reverse("screenings:list", args=[world.town.pk])
    _visits(world, 1)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _visits(world, 6)
    with CaptureQueriesContext(connection) as seven:
        response = client.get(url)
    assert len(seven) == len(one)
    body = response.content.decode()
    assert body.count('href="/screenings/') >= 7
    assert re.search(r'data-figure="visits">7<', body) and re.search(r'data-figure="fevers"[^>]*>7<', body)
    today = timezone.localdate().isoformat()
    body = client.get(url, {"since": today, "until": today}).content.decode()
    assert re.search(r'data-figure="visits">2<', body)
    response = client.get(url, {"since": "2020-02-30"})
    assert response.status_code == 200
    assert "开始日期无效" in response.content.decode()
    assert re.search(r'data-figure="visits">7<', response.content.decode())


def test_region_list_and_detail_stay_in_scope(world):
    screening = world.screening_a1
    grid_b = _client(world.grid_worker_b)
    assert grid_b.get(reverse("screenings:list", args=[world.grid_a.pk])).status_code == 404
    assert grid_b.get(reverse("screenings:detail", args=[screening.pk])).status_code == 404
    response = _client(world.hq).get(reverse("screenings:detail", args=[screening.pk]))
    assert response.status_code == 200 and "张伟" in response.content.decode()
    assert AuditEvent.objects.filter(object_type="screening", action="read", user=world.hq).exists()


def test_the_menu_entry_leads_to_the_users_region(world):
    response = _client(world.grid_worker_a).get(reverse("screenings:home"))
    assert response["Location"] == reverse("screenings:list", args=[world.grid_a.pk])


def test_region_page_links_its_visits(world):
    body = (
        _client(world.village_leader)
        .get(reverse("regions:detail", args=[world.village_a.pk]))
        .content.decode()
    )
    assert reverse("screenings:list", args=[world.village_a.pk]) in body


def test_travel_is_not_duplicated_when_the_returnee_is_visited_again(world):
    client = _client(world.grid_worker_a)
    client.post(reverse("screenings:new", args=[world.hh_a1.pk]), _data(world))
    sun = Person.objects.get(name="孙丽")
    data = _data(
        world, key="f" * 32, new=[], persons=[str(p.pk) for p in Person.objects.filter(household=world.hh_a1)]
    )
    data.update(
        {
            f"p{sun.pk}-present": "on",
            f"p{sun.pk}-returnee": "on",
            f"p{sun.pk}-origin": "武汉市",
            f"p{sun.pk}-arrived_on": (timezone.localdate() - dt.timedelta(days=1)).isoformat(),
        }
    )
    response = client.post(reverse("screenings:new", args=[world.hh_a1.pk]), data)
    assert response.status_code == 302, response.content.decode()
    assert Screening.objects.count() == 2
    assert TravelRecord.objects.filter(person=sun).count() == 1

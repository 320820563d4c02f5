"""The daily bulletin: drafted from the figures in official wording, edited, checked for personal data
(a name, an ID number or a phone refuses the whole edit and nothing is saved), published once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from epigrid.core.models import AuditEvent
from epigrid.publicinfo.models import Bulletin, PublicNotice
from epigrid.publicinfo.services import (
    PublicInfoInvalid,
    bulletin_draft,
    bulletin_edit,
    bulletin_publish,
    bulletin_withdraw,
    notice_save,
)
from tests.publicinfo.conftest import DAY, at


@pytest.fixture
def draft(world, morning, classify):
    classify(world.zhang, "confirmed")
    morning.move_to(at(DAY, 19))
    notice_save(
        actor=world.hq, region=world.district, kind="hotline", title="区防控指挥部", phone="13900001111"
    )
    return bulletin_draft(actor=world.hq, region=world.district)[0]


def test_the_draft_is_written_from_the_figures(draft):
    assert draft.title == "测试区新冠肺炎疫情通报（2020年2月10日）"
    text = draft.text
    assert text.startswith("2月9日18时至2月10日18时，全区新增确诊病例1例，无新增疑似病例。")
    assert "截至2月10日18时，全区累计报告确诊病例1例" in text
    assert "中风险地区1个（甲镇）" in text and "其余1个镇（街道）为低风险地区" in text
    assert "咨询电话：区防控指挥部：13900001111" in text  # a hotline's number is public


def test_drafting_twice_gives_the_same_bulletin(world, draft):
    again, created = bulletin_draft(actor=world.hq, region=world.district)
    assert again.pk == draft.pk and not created


def test_a_day_before_its_cutoff_cannot_be_drafted(world, draft):
    with pytest.raises(PublicInfoInvalid):
        bulletin_draft(actor=world.hq, region=world.district, day=DAY.replace(day=11))


@pytest.mark.parametrize(
    ("addition", "kind"),
    [
        ("患者张伟，男，", "姓名"),
        ("身份证号420106199001011234。", "身份证"),
        ("联系电话 139 1234 5678。", "手机号"),
        ("电话+86-13912345678", "手机号"),
    ],
)
def test_personal_data_is_refused_and_nothing_saved(world, draft, addition, kind):
    if kind == "姓名":
        addition = addition.replace("张伟", world.zhang.name)
    text = draft.text.replace("全区新增", f"{addition}全区新增", 1)
    with pytest.raises(PublicInfoInvalid) as refused:
        bulletin_edit(actor=world.hq, bulletin=draft, title=draft.title, text=text)
    (field, message), *_ = refused.value.errors
    assert field == "text" and "第1行" in message and kind[:2] in message
    assert world.zhang.name not in message and "1234" not in message
    draft.refresh_from_db()
    assert draft.text == draft.generated_text


def test_anonymised_wording_and_landlines_pass(world, draft):
    surname = world.zhang.name[0]
    text = draft.text + f"\n{surname}某已送定点医院隔离治疗。咨询电话0571-87654321，市民热线12345。"
    edited = bulletin_edit(actor=world.hq, bulletin=draft, title=draft.title, text=text)
    assert edited.text.endswith("12345。")


def test_publish_numbers_the_issue_once(world, draft):
    published = bulletin_publish(actor=world.hq, bulletin=draft)
    assert published.status == Bulletin.Status.PUBLISHED and published.number == 1
    assert published.title == "测试区新冠肺炎疫情通报（第1期）（2020年2月10日）"
    assert bulletin_publish(actor=world.hq, bulletin=draft).number == 1
    with pytest.raises(PublicInfoInvalid):
        bulletin_edit(actor=world.hq, bulletin=draft, title="x", text="y")
    body = Client().get(reverse("publicinfo:page", args=[world.district.code])).content.decode()
    assert published.title in body
    assert AuditEvent.objects.filter(object_type="bulletin", object_id=draft.pk).count() >= 2


def test_withdraw_needs_a_reason_and_takes_it_off(world, draft):
    bulletin_publish(actor=world.hq, bulletin=draft)
    with pytest.raises(PublicInfoInvalid):
        bulletin_withdraw(actor=world.hq, bulletin=draft, reason=" ")
    bulletin_withdraw(actor=world.hq, bulletin=draft, reason="数据更正")
    url = reverse("publicinfo:bulletin", args=[world.district.code, DAY.isoformat()])
    assert Client().get(url).status_code == 404
    fresh, created = bulletin_draft(actor=world.hq, region=world.district)
    assert created and fresh.pk != draft.pk


def test_who_may_publish(world, draft):
    with pytest.raises(PermissionDenied):
        bulletin_draft(actor=world.village_leader, region=world.district)
    with pytest.raises(PermissionDenied):
        bulletin_draft(actor=world.town_officer, region=world.district)
    town, _ = bulletin_draft(actor=world.town_officer, region=world.town)
    assert "全镇" in town.text


def test_notices_are_checked_too(world, draft):
    with pytest.raises(PublicInfoInvalid) as refused:
        notice_save(
            actor=world.hq,
            region=world.district,
            kind="guidance",
            title="居家观察须知",
            body="联系13912345678",
        )
    assert refused.value.errors[0][0] == "body"
    with pytest.raises(PublicInfoInvalid) as missing:
        notice_save(actor=world.hq, region=world.district, kind="hotline", title="热线", phone="")
    assert missing.value.errors[0][0] == "phone"
    assert PublicNotice.objects.filter(kind="guidance").count() == 0


def test_staff_pages(world, draft):
    client = Client()
    client.force_login(world.hq)
    page = client.get(reverse("publicinfo:manage", args=[world.district.pk]))
    assert page.status_code == 200 and draft.title in page.content.decode()
    edit = reverse("publicinfo:bulletin_edit", args=[draft.pk])
    refused = client.post(
        edit, {"title": draft.title, "text": draft.text + "\n身份证420106199001011234", "action": "save"}
    )
    assert refused.status_code == 200 and "疑似身份证号" in refused.content.decode()
    done = client.post(edit, {"title": draft.title, "text": draft.text, "action": "publish"})
    assert done.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Bulletin.Status.PUBLISHED
    leader = Client()
    leader.force_login(world.village_leader)
    assert leader.get(reverse("publicinfo:manage", args=[world.district.pk])).status_code == 403
    officer = Client()
    officer.force_login(world.town_officer)
    assert officer.get(reverse("publicinfo:manage", args=[world.district.pk])).status_code == 404
    assert officer.get(reverse("publicinfo:manage", args=[world.town.pk])).status_code == 200

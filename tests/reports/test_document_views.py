"""The report document pages: preview, editing before issue, issue, discard and the .docx download."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from docx import Document

from epigrid.core.models import AuditEvent
from epigrid.reports.document_drafts import object_id
from epigrid.reports.models import ReportDraft, UnitReport


@pytest.fixture
def day():
    return timezone.localdate() - dt.timedelta(days=1)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _url(name, region, day):
    return reverse(f"reports:document:{name}", args=[region.pk, day.isoformat()])


def _form(**changes):
    data = {
        "title": "甲镇关于工作进展情况的报告",
        "addressee": "测试区新冠肺炎疫情防控指挥部：",
        "signature": "甲镇新冠肺炎疫情防控工作领导小组",
        "problems": "一是（甲村）口罩不足。",
    }
    data.update(changes)
    return data


def test_town_officer_sees_the_report_and_its_editor(world, day, django_assert_max_num_queries):
    UnitReport.objects.create(
        region=world.village_a, day=day, problems="口罩不足", measures={"leaflets": 20},
        submitted_by=world.village_leader, submitted_at=timezone.now(),
    )  # fmt: skip
    client = _client(world.town_officer)
    with django_assert_max_num_queries(40):
        response = client.get(_url("page", world.town, day))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"甲镇关于{day.month}月{day.day}日新冠肺炎疫情防控工作进展情况的报告" in body  # the editor's field
    assert "新冠肺炎<br>疫情防控工作进展情况的报告</h2>" in body  # broken where the .docx breaks it
    assert "一是（甲村）口罩不足。" in body and "印制发放宣传彩页20份" in body
    assert '<span class="lead">一、防疫情况</span>' in body
    assert 'name="problems"' in body and "签发" in body
    assert not ReportDraft.objects.exists()  # reading writes nothing


def test_readers_in_scope_see_it_without_the_editor(world, day):
    for user in (world.department, world.hq):
        response = _client(user).get(_url("page", world.town, day))
        assert response.status_code == 200
    assert (
        'name="problems"' not in _client(world.department).get(_url("page", world.town, day)).content.decode()
    )
    assert 'name="problems"' in _client(world.hq).get(_url("page", world.town, day)).content.decode()


@pytest.mark.parametrize("persona", ["outsider", "village_leader", "grid_worker_b"])
def test_a_town_outside_the_scope_is_not_found(world, day, persona):
    user = world.personas()[persona]
    for name in ("page", "docx"):
        assert _client(user).get(_url(name, world.town, day)).status_code == 404
    assert _client(user).post(_url("save", world.town, day), _form()).status_code == 404
    assert not AuditEvent.objects.filter(object_type="report_document").exists()
    assert not ReportDraft.objects.exists()


def test_only_towns_and_streets_have_a_report(world, day):
    client = _client(world.hq)
    assert client.get(_url("page", world.village_a, day)).status_code == 404
    assert client.get(_url("page", world.district, day)).status_code == 404
    assert client.get(_url("page", world.street, day)).status_code == 200


def test_a_bad_date_is_not_found_and_a_future_one_refused_with_a_message(world):
    client = _client(world.town_officer)
    assert client.get(reverse("reports:document:page", args=[world.town.pk, "2026-13-01"])).status_code == 404
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = client.get(_url("page", world.town, tomorrow))
    assert response.status_code == 400
    assert "不能生成未来日期的报告。" in response.content.decode()
    response = client.get(_url("docx", world.town, tomorrow))
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).exists()


def test_docx_download_is_logged_as_an_export(world, day):
    response = _client(world.department).get(_url("docx", world.town, day), {"purpose": "报送上级指挥部"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    assert "attachment" in response["Content-Disposition"] and ".docx" in response["Content-Disposition"]
    doc = Document(io.BytesIO(response.content))
    assert doc.paragraphs[0].text.startswith("甲镇关于")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.user, event.object_type, event.object_id) == (
        world.department,
        "report_document",
        object_id(world.town, day),
    )
    assert (event.detail["format"], event.detail["draft"], event.detail["issued"]) == ("docx", None, False)
    assert event.detail["purpose"] == "报送上级指挥部" and event.detail["rows"] == len(
        event.detail["columns"]
    )


def test_htmx_save_keeps_the_edit_and_the_docx_carries_it(world, day):
    client = _client(world.town_officer)
    response = client.post(
        _url("save", world.town, day),
        _form(problems="一是口罩不足。\n二是（乙村）消毒液不足。"),
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="document"') and "<html" not in body
    assert "二是（乙村）消毒液不足。" in body and "已保存" in body
    draft = ReportDraft.objects.get(region=world.town, day=day)
    assert draft.edited_by == world.town_officer and not draft.issued
    problems = next(s for s in draft.content["sections"] if s["key"] == "problems")
    assert problems["paragraphs"] == ["一是口罩不足。", "二是（乙村）消毒液不足。"]
    event = AuditEvent.objects.get(object_type="report_document", action=AuditEvent.Action.CREATE)
    assert event.detail == {"draft": draft.pk, "fields": ["problems", "title"]}
    docx = Document(io.BytesIO(client.get(_url("docx", world.town, day), {"purpose": "存档"}).content))
    texts = [p.text for p in docx.paragraphs]
    assert "甲镇关于工作进展情况的报告" == texts[0] and "二是（乙村）消毒液不足。" in texts


def test_a_plain_form_save_redirects_back(world, day):
    response = _client(world.hq).post(_url("save", world.town, day), _form())
    assert response.status_code == 302 and response["Location"] == _url("page", world.town, day)
    assert ReportDraft.objects.get().edited_by == world.hq


def test_an_empty_title_is_refused_and_what_was_typed_is_kept(world, day):
    response = _client(world.town_officer).post(
        _url("save", world.town, day), _form(title=" ", problems="新写的问题"), HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "此项不能为空。" in body and "新写的问题" in body
    assert not ReportDraft.objects.exists()


def test_readers_may_not_edit_issue_or_discard(world, day):
    client = _client(world.department)
    for name in ("save", "issue", "discard"):
        assert client.post(_url(name, world.town, day), _form()).status_code == 404
    assert not ReportDraft.objects.exists()


def test_issue_locks_the_report(world, day):
    client = _client(world.town_officer)
    client.post(_url("save", world.town, day), _form())
    response = client.post(_url("issue", world.town, day))
    assert response.status_code == 302
    draft = ReportDraft.objects.get()
    assert draft.issued and draft.issued_by == world.town_officer
    page = client.get(_url("page", world.town, day)).content.decode()
    assert "已签发" in page and 'name="problems"' not in page
    refused = client.post(_url("save", world.town, day), _form(title="再改"), HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "该报告已签发，不能再修改。" in refused.content.decode()
    client.post(_url("discard", world.town, day))
    draft.refresh_from_db()
    assert draft.content["title"] == "甲镇关于工作进展情况的报告"
    issued = AuditEvent.objects.filter(object_type="report_document", detail__issued=True, action="update")
    assert issued.count() == 1


def test_issue_without_edits_freezes_the_generated_report(world, day):
    _client(world.town_officer).post(_url("issue", world.town, day))
    draft = ReportDraft.objects.get()
    assert draft.issued and draft.content["title"].startswith("甲镇关于")


def test_discard_regenerates_from_the_records(world, day):
    client = _client(world.town_officer)
    client.post(_url("save", world.town, day), _form())
    client.post(_url("discard", world.town, day))
    assert not ReportDraft.objects.exists()
    assert (
        AuditEvent.objects.filter(object_type="report_document", action=AuditEvent.Action.DELETE).count() == 1
    )
    assert "甲镇关于工作进展情况的报告" not in client.get(_url("page", world.town, day)).content.decode()


def test_home_lists_the_towns_in_scope_and_goes_to_the_report(world, day):
    client = _client(world.hq)
    body = client.get(reverse("reports:document:home")).content.decode()
    assert "甲镇" in body and "乙街道" in body and "外镇" not in body
    response = client.get(reverse("reports:document:home"), {"town": world.town.pk, "day": day.isoformat()})
    assert response.status_code == 302 and response["Location"] == _url("page", world.town, day)


def test_english_interface_keeps_the_document_chinese(world, day):
    client = _client(world.town_officer)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    body = client.get(_url("page", world.town, day)).content.decode()
    assert '<html lang="en">' in body
    assert "Download Word document (.docx)" in body and "Save draft" in body
    assert "一、防疫情况" in body and 'lang="zh-CN"' in body


def test_writes_take_post_only_and_say_so_after_the_scope_check(world, day):
    client = _client(world.town_officer)
    for name in ("save", "issue", "discard"):
        assert client.get(_url(name, world.town, day)).status_code == 405
        assert _client(world.outsider).get(_url(name, world.town, day)).status_code == 404
    assert not ReportDraft.objects.exists()


def test_navigation_offers_the_work_report_to_roles_whose_regions_hold_towns(world):
    link = f'href="{reverse("reports:document:home")}"'
    expected = {"town_officer": True, "hq": True, "department": True, "village_leader": False}
    for persona, shown in expected.items():
        body = _client(world.personas()[persona]).get(reverse("reports:document:home")).content.decode()
        assert (link in body) is shown, persona

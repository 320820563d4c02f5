"""A town's report written from the records: figures as of the cut-off, measures, merged narrative."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from epigrid.cases.models import Classification, Measure
from epigrid.cases.services import classification_set, measure_record
from epigrid.reports.document_content import NotATown, daily_report, gather, merged_items
from epigrid.reports.indicators import indicator_values, report_cutoff
from epigrid.reports.models import UnitReport

DAY = dt.date(2026, 11, 28)


@pytest.fixture
def morning():
    """The report day's morning in Shanghai; the world is built then, the report read in the evening."""
    with time_machine.travel("2026-11-28 09:00 +0800", tick=False) as traveller:
        yield traveller


def _report(world, region, *, measures=None, problems="", suggestions="", zero=False, day=DAY):
    current = UnitReport.objects.filter(region=region, day=day, replaced_by__isnull=True).first()
    if current is not None:  # make room for the new current row first (one current per unit and day)
        UnitReport.objects.filter(pk=current.pk).update(replaced_by=current)
    report = UnitReport.objects.create(
        region=region,
        day=day,
        zero=zero,
        measures=measures or {},
        problems=problems,
        suggestions=suggestions,
        submitted_by=world.town_officer if region == world.town else world.village_leader,
        submitted_at=timezone.now(),
        revision=current.revision + 1 if current else 1,
    )
    if current is not None:
        UnitReport.objects.filter(pk=current.pk).update(replaced_by=report)
    return report


@pytest.fixture
def reported(morning, world):
    classification_set(
        actor=world.town_officer, person=world.zhang, to=Classification.SUSPECTED, reason="发热"
    )
    measure_record(actor=world.town_officer, person=world.zhang, kind=Measure.Kind.DESIGNATED_HOSPITAL)
    _report(
        world,
        world.village_a,
        measures={"notices": 12, "leaflets": 300, "meetings": 1, "wechat_groups": 3, "disinfection": 2},
        problems="防护用品严重匮乏。\n人员聚餐难以避免",
        suggestions="建议区政府统筹采购防护用品",
    )
    _report(world, world.town, measures={"notices": 8}, problems="防护用品严重匮乏；\n交通布控存在漏洞")
    morning.move_to("2026-11-28 20:00 +0800")
    return world


def test_header_opening_signature_and_date(reported):
    report = daily_report(reported.town, DAY)
    assert report.title == "甲镇关于11月28日新冠肺炎疫情防控工作进展情况的报告"
    assert report.addressee == "测试区新冠肺炎疫情防控指挥部："
    assert report.section("opening").paragraphs == (
        "按照测试区新冠肺炎疫情防控指挥部安排部署，现将11月28日甲镇新冠肺炎疫情防控工作进展情况汇报如下：",
    )
    assert report.signature == "甲镇新冠肺炎疫情防控工作领导小组"
    assert report.date_text == "2026年11月28日"
    assert [s.heading for s in report.sections] == [
        "",
        "一、防疫情况",
        "二、采取措施",
        "三、存在问题",
        "四、下步建议",
    ]


def test_situation_reads_the_figures_as_of_the_cutoff(reported):
    text = daily_report(reported.town, DAY).section("situation").paragraphs[0]
    figures = indicator_values(reported.town, report_cutoff(DAY))
    assert text.startswith("截止11月28日18:00，甲镇共排查由区教育局反馈湖北方向返乡人员1批次1人，")
    assert f"居家医学观察{figures['home_observation']}人" in text
    assert "疑似1例，已采取定点医院收治1人" in text
    assert "确诊0例；" in text and "与确诊病人有密切接触0人；" in text
    assert "今日1个村（社区）中已有1个报送日报告。" in text


def test_figures_recorded_after_the_cutoff_are_left_out(reported):
    classification_set(
        actor=reported.town_officer, person=reported.zhang, to=Classification.CONFIRMED, reason="核酸阳性"
    )
    text = daily_report(reported.town, DAY).section("situation").paragraphs[0]
    assert "确诊0例" in text and "疑似1例" in text  # 20:00 is after the 18:00 cut-off


def test_measures_sum_the_units_counts(reported):
    first, second, third, fourth, fifth = daily_report(reported.town, DAY).section("measures").paragraphs
    assert first.startswith("（一）强化宣传。张贴通知公告20份、印制发放宣传彩页300份，")  # 12 + the town's 8
    assert "召开疫情防控工作会议1次" in second
    assert third.startswith("（三）群防群治。现已建成村级网格1个，片区网格1个（共")
    assert "建立微信群3个" in third
    assert fourth.startswith("（四）强化排查。")
    assert "开展消毒2次" in fifth


def test_problems_merge_the_town_and_its_villages_with_attribution(reported):
    report = daily_report(reported.town, DAY)
    assert report.section("problems").paragraphs == (
        "一是（甲村）防护用品严重匮乏；二是交通布控存在漏洞；三是（甲村）人员聚餐难以避免。",
    )
    assert report.section("suggestions").paragraphs == ("一是（甲村）建议区政府统筹采购防护用品。",)


def test_a_day_without_reports_says_so(morning, world):
    morning.move_to("2026-11-28 20:00 +0800")
    report = daily_report(world.town, DAY)
    assert report.section("problems").paragraphs == ("今日各村（社区）未报告存在问题。",)
    assert report.section("measures").paragraphs[0] == "（一）强化宣传。今日各村（社区）未报送宣传数据。"
    assert "今日1个村（社区）中已有0个报送日报告。" in report.section("situation").paragraphs[0]


def test_zero_reports_are_counted_and_a_revision_replaces_its_predecessor(morning, world):
    _report(world, world.village_a, problems="旧问题")
    _report(world, world.village_a, zero=True)  # a revision: the old row now points at it
    morning.move_to("2026-11-28 20:00 +0800")
    report = daily_report(world.town, DAY)
    assert "旧问题" not in report.plain_text()
    assert "已有1个报送日报告（其中零报告1个）" in report.section("situation").paragraphs[0]


def test_only_a_town_or_street_writes_the_report(world):
    with pytest.raises(NotATown):
        gather(world.village_a, DAY)
    with pytest.raises(NotATown):
        gather(world.district, DAY)


def test_gather_costs_a_fixed_number_of_queries(reported, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        gather(reported.town, DAY)


def test_merged_items_keep_order_and_join_names():
    items = merged_items([("", "甲\n1.乙。"), ("东村", "乙；\n丙"), ("西村", "丙\n\n")])
    assert items == ["甲", "（东村）乙", "（东村、西村）丙"]


def test_each_person_counts_once_under_their_latest_measure(reported):
    from epigrid.people.models import Person

    before_cutoff = report_cutoff(DAY) - dt.timedelta(minutes=30)
    measure_record(
        actor=reported.town_officer, person=reported.zhang, kind=Measure.Kind.FEVER_CLINIC,
        decided_at=before_cutoff,
    )  # fmt: skip
    wang = Person.objects.get(name="王芳")
    classification_set(
        actor=reported.town_officer, person=wang, to=Classification.SUSPECTED, reason="发热",
        at=before_cutoff,
    )  # fmt: skip
    text = daily_report(reported.town, DAY).section("situation").paragraphs[0]
    assert "疑似2例，已采取发热门诊就诊1人，另有1人措施尚未登记；" in text
    assert "定点医院" not in text


def test_many_units_with_one_item_are_counted_after_three_names():
    items = merged_items([(name, "口罩不足") for name in ("东村", "西村", "南村", "北村", "中村")])
    assert items == ["（东村、西村、南村等5个村（社区））口罩不足"]


def test_temperature_checks_are_reported_once_the_cutoff_has_passed(morning, world):
    world.episode_zhang  # under home observation since yesterday  # noqa: B018
    morning.move_to("2026-11-28 12:00 +0800")
    assert "今日应测体温" not in daily_report(world.town, DAY).plain_text()
    morning.move_to("2026-11-28 20:00 +0800")
    figures = indicator_values(world.town, report_cutoff(DAY), ["checks_due_today", "checks_missed_today"])
    assert figures["checks_due_today"] > 0
    text = daily_report(world.town, DAY).section("measures").paragraphs[2]
    due, missed = figures["checks_due_today"], figures["checks_missed_today"]
    assert f"（今日应测体温{due}人次，未测{missed}人次）" in text


def test_the_seeds_banners_closures_and_patrols_reach_section_two(world):
    """Seed report 3's banners and seed report 1's cancelled gatherings and closed venues, as the
    measures log carries them into the daily report, read in paragraphs (一) and (五)."""
    _report(
        world, world.village_a,
        measures={"leaflets": 30, "banners": 12, "gatherings_cancelled": 2, "venues_closed": 3, "patrols": 4},
    )  # fmt: skip
    _report(world, world.town, measures={"banners": 3})
    first, *_middle, fifth = daily_report(world.town, DAY).section("measures").paragraphs
    assert "印制发放宣传彩页30份、悬挂横幅标语15条" in first
    assert "取消聚集性活动2场；关闭公共场所3处；组织巡逻4次；" in fifth


def test_compounds_under_closed_management_on_the_day_reach_section_two(world):
    from epigrid.measurelog.models import SealedCompound
    from epigrid.measurelog.sealed_services import sealed_compound_add

    sealed = dict(actor=world.village_leader, region=world.village_a, sealed_on=DAY - dt.timedelta(days=2))
    sealed_compound_add(name="幸福小区", guard_posts=2, **sealed)
    sealed_compound_add(name="和平小区", guard_posts=1, **sealed)
    reopened = sealed_compound_add(name="东风小区", guard_posts=5, **sealed).compound
    SealedCompound.objects.filter(pk=reopened.pk).update(reopened_on=DAY)  # open again on the day itself
    fifth = daily_report(world.town, DAY).section("measures").paragraphs[4]
    assert "对2个小区（村）实行封闭管理，设置卡点（值守点）3个；" in fifth

"""Submitting a unit's daily report: computed figures, zero report, late, revisions, idempotency, scope."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.http import Http404
from django.test import override_settings
from django.utils import translation

from epigrid.core.models import AuditEvent
from epigrid.lists.models import ListBatch
from epigrid.reports.indicators import INDICATORS
from epigrid.reports.models import UnitReport
from epigrid.reports.services import (
    FUTURE_DAY,
    NEGATIVE,
    NOT_A_NUMBER,
    NOT_A_UNIT,
    ZERO_WITH_CONTENT,
    ReportForbidden,
    ReportInvalid,
    unit_report_submit,
)

DAY = dt.date(2020, 1, 28)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def submit(world, when: str = "17:00", day: dt.date = DAY, user=None, **kwargs):
    with time_machine.travel(f"{DAY.isoformat()} {when} +0800", tick=False):
        return unit_report_submit(
            actor=user or world.village_leader, region=world.village_a, day=day, **kwargs
        )


def test_a_report_snapshots_the_figures_and_keeps_the_measures(world):
    received = dt.datetime(2020, 1, 28, 8, tzinfo=SHANGHAI)
    ListBatch.objects.filter(pk=world.hq_batch.pk).update(created_at=received)
    result = submit(world, measures={"leaflets": "120", "notices": 8, "screens": ""}, problems=" 口罩不足 ")
    report = result.report
    assert result.created and report.revision == 1 and report.current and not report.late
    assert list(report.figures) == list(INDICATORS)
    assert report.figures["list_people"] == 1  # 张伟 is on the education bureau's list
    assert report.measures == {"notices": 8, "leaflets": 120}
    assert report.problems == "口罩不足"
    assert report.submitted_by == world.village_leader
    event = AuditEvent.objects.get(object_type="unit_report")
    assert event.action == AuditEvent.Action.CREATE and event.detail["revision"] == 1


def test_a_zero_report_is_one_click(world):
    report = submit(world, zero=True).report
    assert report.zero and report.measures == {} and report.problems == ""


def test_a_zero_report_with_content_is_refused(world):
    with pytest.raises(ReportInvalid) as refused:
        submit(world, zero=True, measures={"leaflets": 3})
    assert refused.value.errors == {"zero": ZERO_WITH_CONTENT}
    assert not UnitReport.objects.exists()


def test_after_the_deadline_a_report_is_accepted_and_marked_late(world):
    assert not submit(world, when="18:59").report.late  # 18:00 cut-off + 60 minutes' grace
    UnitReport.objects.all().delete()
    assert submit(world, when="19:01").report.late


@override_settings(EPIGRID_REPORT_GRACE_MINUTES=0)
def test_the_grace_is_configurable(world):
    assert submit(world, when="18:01").report.late


def test_a_second_report_is_a_revision_and_keeps_the_first(world):
    first = submit(world, when="17:00", measures={"leaflets": 10}).report
    second = submit(world, when="20:00", measures={"leaflets": 12}, suggestions="增加口罩").report
    first.refresh_from_db()
    assert (first.revision, second.revision) == (1, 2)
    assert first.replaced_by == second and second.current and not first.current
    assert not second.late  # the unit reported in time; the correction does not make it late
    assert UnitReport.objects.filter(region=world.village_a, day=DAY, replaced_by__isnull=True).count() == 1
    assert AuditEvent.objects.filter(object_type="unit_report", action=AuditEvent.Action.UPDATE).count() == 1


def test_a_late_report_stays_late_when_revised(world):
    submit(world, when="19:30", measures={"leaflets": 1})
    assert submit(world, when="21:00", measures={"leaflets": 2}).report.late


def test_the_same_content_twice_is_one_revision(world):
    first = submit(world, measures={"leaflets": "10"}, problems="口罩不足")
    again = submit(world, when="17:01", measures={"leaflets": 10}, problems="口罩不足 ")
    assert first.created and not again.created
    assert again.report.pk == first.report.pk
    assert UnitReport.objects.count() == 1


def test_bad_measures_name_the_field(world):
    with pytest.raises(ReportInvalid) as refused:
        submit(world, measures={"leaflets": "-3", "notices": "十", "audio": "1.5", "fireworks": 1})
    assert refused.value.errors == {
        "measures.leaflets": NEGATIVE,
        "measures.notices": NOT_A_NUMBER,
        "measures.audio": NOT_A_NUMBER,
        "measures.fireworks": refused.value.errors["measures.fireworks"],
    }
    assert str(refused.value.errors["measures.fireworks"]) == "未知的措施类型"
    assert not UnitReport.objects.exists()


def test_a_future_day_is_refused(world):
    with pytest.raises(ReportInvalid) as refused:
        submit(world, day=DAY + dt.timedelta(days=1))
    assert refused.value.errors == {"day": FUTURE_DAY}


def test_a_grid_is_not_a_reporting_unit(world):
    with (
        time_machine.travel(f"{DAY.isoformat()} 17:00 +0800", tick=False),
        pytest.raises(ReportInvalid) as refused,
    ):
        unit_report_submit(actor=world.village_leader, region=world.grid_a, day=DAY)
    assert refused.value.errors == {"region": NOT_A_UNIT}


def test_a_unit_outside_the_scope_is_not_found(world):
    with pytest.raises(Http404):
        submit(world, user=world.outsider)
    with (
        time_machine.travel(f"{DAY.isoformat()} 17:00 +0800", tick=False),
        pytest.raises(Http404),
    ):
        unit_report_submit(actor=world.village_leader, region=world.village_b, day=DAY)


def test_roles_that_do_not_report_are_refused(world):
    for user in (world.department, world.checkpoint):
        with pytest.raises(ReportForbidden):
            submit(world, user=user)
    assert not UnitReport.objects.exists()


def test_the_town_reports_for_itself_and_its_villages(world):
    with time_machine.travel(f"{DAY.isoformat()} 17:00 +0800", tick=False):
        own = unit_report_submit(actor=world.town_officer, region=world.town, day=DAY, zero=True)
    assert own.report.region == world.town
    assert submit(world, user=world.town_officer, measures={"meetings": 1}).report.region == world.village_a

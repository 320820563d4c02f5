"""The demo's daily reports: a week of on-time, late, zero, revised and missing reports, loaded once."""

from __future__ import annotations

import pytest
import time_machine

from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.reports import demo_reports_load
from epigrid.regions.models import Level, Region
from epigrid.reports.models import UnitReport
from epigrid.reports.selectors import LATE, MISSING, ON_TIME, completeness


@pytest.mark.django_db(transaction=True)
def test_the_demo_loads_a_week_of_reports_once():
    generate(size="small")
    demo_accounts_ensure()
    with time_machine.travel("2026-02-10 21:00 +0800", tick=False):
        result = demo_reports_load(days=3)
        assert result.reports == UnitReport.objects.filter(replaced_by__isnull=True).count()
        assert result.revisions == UnitReport.objects.exclude(replaced_by=None).count()
        assert result.late > 0 and result.zero > 0 and result.missing > 0
        assert UnitReport.objects.filter(zero=True, measures={}).count() == result.zero
        town = Region.objects.filter(level=Level.TOWN).order_by("code").last()
        days = sorted({r.day for r in UnitReport.objects.all()})
        table = completeness(town, days[0], days[-1])
        statuses = {c.status for row in table.rows for c in row.cells}
        assert {ON_TIME, LATE, MISSING} <= statuses
        village_reports = UnitReport.objects.filter(region__level=Level.VILLAGE, zero=False)
        assert all(r.figures and r.measures for r in village_reports)
        assert demo_reports_load().reports == 0  # once

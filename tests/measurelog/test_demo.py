"""The demo's measures log: two weeks of every kind in the demo district, written through the services,
corrections and withdrawals among them, sealed compounds (a few reopened), loaded once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.measurelog import DAYS, demo_measurelog_load
from epigrid.measurelog.models import ENTRY_KINDS, MeasureEntry, SealedCompound
from epigrid.measurelog.selectors import report_prefill
from epigrid.regions.models import Level, Region


@pytest.mark.django_db(transaction=True)
def test_the_demo_logs_two_weeks_of_measures_and_seals_compounds_once():
    generate(size="small")
    demo_accounts_ensure()
    with time_machine.travel("2026-02-10 15:00 +0800", tick=False):
        result = demo_measurelog_load()
        today = local_today()
        assert 1000 <= result.entries == MeasureEntry.objects.filter(original__isnull=True).count()
        assert result.corrected == MeasureEntry.objects.filter(revision=2).count() > 0
        assert result.withdrawn == MeasureEntry.objects.exclude(withdrawn_at=None).count() > 0
        days = set(MeasureEntry.objects.values_list("day", flat=True))
        assert min(days) == today - dt.timedelta(days=DAYS - 1) and max(days) == today
        assert not MeasureEntry.objects.filter(recorded_at__gt=now()).exists()
        assert set(MeasureEntry.objects.values_list("kind", flat=True)) == set(ENTRY_KINDS)
        levels = set(MeasureEntry.objects.values_list("region__level", flat=True))
        assert levels == {Level.TOWN, Level.VILLAGE, Level.GRID}
        # Every village of the demo town logged: the leader in the demo village, the grid worker in theirs.
        village_user, grid_user = User.objects.get(username="village"), User.objects.get(username="grid")
        town = Region.objects.get(pk=village_user.assignments.get().region.parent_id)
        villages = set(Region.objects.filter(parent=town).values_list("pk", flat=True))
        assert villages <= set(MeasureEntry.objects.values_list("village_id", flat=True))
        assert MeasureEntry.objects.filter(recorded_by=village_user, region__level=Level.VILLAGE).exists()
        assert MeasureEntry.objects.filter(recorded_by=grid_user, region__level=Level.GRID).exists()
        # Sealed compounds in the street's communities and whole villages, a few reopened since.
        assert result.sealed == SealedCompound.objects.count() > 0
        assert {c.kind for c in SealedCompound.objects.all()} == {"compound", "village"}
        assert result.reopened == SealedCompound.objects.exclude(reopened_on=None).count() > 0
        assert all(c.guard_posts >= 1 for c in SealedCompound.objects.all())
        # Written through the services: every write audited.
        entries = AuditEvent.objects.filter(object_type="measure_entry").count()
        assert entries == result.entries + result.corrected + result.withdrawn
        assert (
            AuditEvent.objects.filter(object_type="sealed_compound").count()
            == result.sealed + result.reopened
        )
        village = village_user.assignments.get().region
        assert report_prefill(
            village, today - dt.timedelta(days=1)
        )  # the demo village's report is pre-filled
        again = demo_measurelog_load()
    assert again.entries == 0 and again.sealed == 0
    assert MeasureEntry.objects.filter(original__isnull=True).count() == result.entries

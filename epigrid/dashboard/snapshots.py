"""Serve the dashboard's figures from a snapshot, refreshed in the background when it gets old.

A snapshot younger than ``EPIGRID_DASHBOARD_REFRESH`` seconds (60) is served as it is. An older one of
the same day, up to ``STALE_MAX``, is still served (the page says when it was computed) while one
background task recomputes it; older than that, or from another day, or missing, it is computed in the
request. The HQ wall refreshes every minute, so it nearly always reads a snapshot: one primary-key read.
Yesterday's values do not change during the day and are carried from one snapshot to the next.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from epigrid.core.clock import now
from epigrid.dashboard.figures import Figures, figures_compute
from epigrid.dashboard.models import DashboardSnapshot
from epigrid.regions.models import Region

STALE_MAX = dt.timedelta(minutes=15)
# A refresh that has not finished after this long is taken to have died; another may be queued.
REFRESH_TIMEOUT = dt.timedelta(minutes=5)


def _refresh_age() -> dt.timedelta:
    return dt.timedelta(seconds=int(getattr(settings, "EPIGRID_DASHBOARD_REFRESH", 60)))


def snapshot_refresh(region: Region, moment: dt.datetime | None = None) -> Figures:
    """Compute the region's figures now and store them as its snapshot."""
    moment = moment or now()
    today = timezone.localdate(moment).isoformat()
    previous = DashboardSnapshot.objects.filter(region=region).values_list("data", flat=True).first()
    yesterday = None
    if previous and previous.get("day") == today and previous.get("yesterday"):
        yesterday = dict(previous["yesterday"])
    figures = figures_compute(region, moment, yesterday=yesterday)
    values = {"computed_at": moment, "data": figures.to_json(), "refreshing_since": None}
    if not DashboardSnapshot.objects.filter(region=region).update(**values):
        try:
            with transaction.atomic():
                DashboardSnapshot.objects.create(region=region, **values)
        except IntegrityError:  # two first visitors computed it at once: the later one is kept
            DashboardSnapshot.objects.filter(region=region).update(**values)
    return figures


def _queue_refresh(region: Region, moment: dt.datetime) -> None:
    """Queue one background refresh of the region's snapshot unless one is already on its way."""
    claimed = (
        DashboardSnapshot.objects.filter(region=region)
        .filter(Q(refreshing_since__isnull=True) | Q(refreshing_since__lt=moment - REFRESH_TIMEOUT))
        .update(refreshing_since=moment)
    )
    if claimed:
        from epigrid.dashboard.tasks import dashboard_refresh

        transaction.on_commit(lambda: dashboard_refresh.enqueue(region.pk))


def snapshot_get(region: Region, moment: dt.datetime | None = None) -> tuple[Figures, bool]:
    """Return the region's figures and whether they are being refreshed (served from an old snapshot).

    Not scoped: the caller has checked the region against the user's scope.
    """
    moment = moment or now()
    row = DashboardSnapshot.objects.filter(region=region).first()
    if row is not None:
        figures = Figures.from_json(row.data)
        age = moment - row.computed_at
        same_day = figures.day == timezone.localdate(moment).isoformat()
        if same_day and dt.timedelta(0) <= age <= _refresh_age():
            return figures, False
        if same_day and dt.timedelta(0) <= age <= STALE_MAX:
            _queue_refresh(region, moment)
            return figures, True
    return snapshot_refresh(region, moment), False

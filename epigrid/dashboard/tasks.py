"""Background tasks of the dashboard (run by `epigrid worker`)."""

from __future__ import annotations

from django.tasks import task

from epigrid.dashboard.snapshots import snapshot_refresh
from epigrid.regions.models import Region


@task
def dashboard_refresh(region_id: int) -> str:
    """Recompute one region's dashboard snapshot; a region deleted meanwhile is skipped."""
    region = Region.objects.filter(pk=region_id).first()
    if region is None:
        return "gone"
    figures = snapshot_refresh(region)
    return f"{figures.seconds:.3f}s"

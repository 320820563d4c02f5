"""Background tasks of the regions app (run by `epigrid worker`)."""

from __future__ import annotations

from django.tasks import task

from epigrid.regions.services import region_import_process


@task
def region_import_run(import_id: int) -> str:
    """Process one uploaded region file; the outcome is stored on its RegionImport row."""
    return region_import_process(import_id=import_id)

"""Background tasks of the lists app (run by `epigrid worker`)."""

from __future__ import annotations

from django.tasks import task

from epigrid.lists.services import list_batch_process


@task
def list_batch_run(batch_id: int) -> str:
    """Link one confirmed list batch; the outcome is stored on the batch."""
    return list_batch_process(batch_id=batch_id)

"""A department list whose worker died half-way is not stuck: uploading the same file again queues it,
and the task takes the stale claim over and finishes it with every row once.

A killed worker's task is not run again by django-tasks-db, so before this the batch showed 处理中
for ever and the same file uploaded again answered "already imported, nothing changed"."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from epigrid.lists.models import ListBatch, ListRow
from epigrid.lists.services import list_batch_confirm, list_batch_process, list_batch_upload
from epigrid.lists.tasks import list_batch_run

CSV = "姓名,性别,联系电话\n" + "".join(f"赵测{n},男,1370000{n:04d}\n" for n in range(30))


def _queued_runs(batch: ListBatch) -> int:
    return DBTaskResult.objects.filter(
        task_path="epigrid.lists.tasks.list_batch_run", args_kwargs__args=[batch.pk]
    ).count()


def _upload(world):
    return list_batch_upload(
        actor=world.hq,
        region=world.district,
        source_name="区教育局",
        file_name="名单.csv",
        content=CSV.encode(),
    )


def test_the_same_file_again_requeues_a_batch_whose_worker_died(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = list_batch_confirm(actor=world.hq, batch=_upload(world).batch)
    assert _queued_runs(batch) == 1
    # The worker claimed it and was killed before writing a row: it stays running, without progress.
    ListBatch.objects.filter(pk=batch.pk).update(status=ListBatch.Status.RUNNING)
    with django_capture_on_commit_callbacks(execute=True):
        again = _upload(world)
    assert not again.created and again.batch.pk == batch.pk
    assert _queued_runs(batch) == 1  # fresh: another worker may still be at it
    ListBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - dt.timedelta(minutes=16))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(world)
    assert _queued_runs(batch) == 2
    assert list_batch_run.call(batch.pk) == ListBatch.Status.DONE
    batch.refresh_from_db()
    assert (batch.status, batch.rows_done, batch.summary["rows"]) == ("done", 30, 30)
    assert ListRow.objects.filter(batch=batch).count() == 30
    assert list_batch_process(batch_id=batch.pk) == ListBatch.Status.DONE  # a second run changes nothing
    assert ListRow.objects.filter(batch=batch).count() == 30

"""Reads of department lists, limited to the batches sent into the caller's subtrees."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from epigrid.core.models import User
from epigrid.lists.models import ListBatch, ListRow
from epigrid.regions.scope import scope_for

ROWS_PER_PAGE = 50


def batches_for_user(*, user: User) -> QuerySet[ListBatch]:
    """Return the batches sent to a region inside the user's subtrees, newest first (no file bytes)."""
    return (
        ListBatch.objects.filter(scope_for(user).regions_q_for("region__"))
        .select_related("source", "region")
        .defer("content")
    )


def batch_get_for_user(*, user: User, batch_id: int) -> ListBatch:
    """Return one batch in the user's scope; 404 for a missing or foreign one."""
    batch = batches_for_user(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise Http404
    return batch


def batch_rows(*, batch: ListBatch, decision: str, page: int) -> Page[ListRow]:
    """Return one page of a batch's rows, optionally of one decision, in spreadsheet order."""
    rows = batch.rows.select_related("person").order_by("row_number")
    if decision in ListRow.Decision.values:
        rows = rows.filter(decision=decision)
    return Paginator(rows, ROWS_PER_PAGE).get_page(page)

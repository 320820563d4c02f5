"""Reads of department lists, limited to the batches sent into the caller's subtrees."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404

from epigrid.core.models import User
from epigrid.lists.models import ListBatch, ListRow
from epigrid.people.models import Person
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


def batch_rows(*, batch: ListBatch, decision: str, page: str | None) -> Page[ListRow]:
    """Return one page of a batch's rows, optionally of one decision, in spreadsheet order."""
    rows = batch.rows.select_related("person").order_by("row_number")
    if decision in ListRow.Decision.values:
        rows = rows.filter(decision=decision)
    return Paginator(rows, ROWS_PER_PAGE).get_page(page)


def review_rows_for_user(*, user: User) -> QuerySet[ListRow]:
    """Return the rows waiting for a person's decision in batches inside the user's subtrees."""
    return (
        ListRow.objects.filter(
            scope_for(user).regions_q_for("batch__region__"), decision=ListRow.Decision.REVIEW
        )
        .select_related("batch__source")
        .order_by("batch_id", "row_number")
    )


def review_row_get_for_user(*, user: User, row_id: int) -> ListRow:
    """Return one row of a batch in the user's scope; 404 for any other."""
    row = (
        ListRow.objects.filter(scope_for(user).regions_q_for("batch__region__"), pk=row_id)
        .select_related("batch__source", "batch__region", "person")
        .first()
    )
    if row is None:
        raise Http404
    return row


def row_candidates(*, row: ListRow, user: User) -> list[tuple[dict[str, object], Person]]:
    """Return the row's scored candidates that the user may see, with their evidence, best first."""
    evidence = [c for c in row.evidence.get("candidates", []) if isinstance(c, dict)]
    ids = [int(c["person"]) for c in evidence if isinstance(c.get("person"), int)]
    people = {p.pk: p for p in Person.objects.filter(scope_for(user).rows_q(), pk__in=ids)}
    return [(c, people[int(c["person"])]) for c in evidence if c.get("person") in people]

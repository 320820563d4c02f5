"""Reads of department lists, limited to the batches sent into the caller's subtrees."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import Http404

from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.lib.linkage import Comparison, Record, make_record, score
from epigrid.lists.models import ListBatch, ListRow, PersonMerge
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


def row_get_for_user(*, user: User, row_id: int) -> ListRow:
    """Return one row (any decision) of a batch in the user's scope; 404 for any other."""
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
    people = {
        p.pk: p for p in Person.objects.filter(scope_for(user).rows_q(), pk__in=ids, merged_into__isnull=True)
    }
    return [(c, people[int(c["person"])]) for c in evidence if c.get("person") in people]


def _record_of(person: Person) -> Record:
    return make_record(
        id=person.pk,
        name=person.name,
        id_number=person.id_number,
        birth_date=person.birth_date.isoformat() if person.birth_date else None,
        sex=person.sex,
        phone=person.phone,
        address=person.household.address if person.household is not None else "",
        as_of=local_today(),
    )


def duplicate_candidates(*, user: User, person: Person, limit: int = 20) -> list[tuple[Comparison, Person]]:
    """Return the records in the user's scope that may be ``person`` again, scored, best first.

    Looked up by the same blocking the linker uses: the same ID number, the same phone, or the same
    pinyin name key; merged records are left out.
    """
    q = Q(name_key=person.name_key) if person.name_key else Q(pk__in=[])
    if person.id_number:
        q |= Q(id_number=person.id_number)
    if person.phone:
        q |= Q(phone=person.phone)
    candidates = (
        Person.objects.filter(q, scope_for(user).rows_q(), merged_into__isnull=True)
        .exclude(pk=person.pk)
        .select_related("household", "grid", "village", "town", "district")[:200]
    )
    mine = _record_of(person)
    scored = [(score(mine, _record_of(other)), other) for other in candidates]
    scored.sort(key=lambda pair: -pair[0].total)
    return scored[:limit]


def person_sources(*, person: Person) -> QuerySet[ListRow]:
    """Return the department-list rows attached to a person, oldest batch first."""
    return (
        ListRow.objects.filter(person=person)
        .select_related("batch__source")
        .order_by("batch__created_at", "row_number")
    )


def person_merges(*, person: Person) -> QuerySet[PersonMerge]:
    """Return the merges this person took part in, either side, newest first."""
    return PersonMerge.objects.filter(Q(kept=person) | Q(absorbed=person)).select_related(
        "kept", "absorbed", "merged_by", "undone_by"
    )


def merge_get_for_user(*, user: User, merge_id: int) -> PersonMerge:
    """Return a merge whose kept record is in the user's scope; 404 otherwise."""
    merge = (
        PersonMerge.objects.filter(pk=merge_id)
        .select_related("kept", "absorbed", "kept__district", "kept__town", "kept__village", "kept__grid")
        .first()
    )
    if merge is None or not Person.objects.filter(scope_for(user).rows_q(), pk=merge.kept_id).exists():
        raise Http404
    return merge

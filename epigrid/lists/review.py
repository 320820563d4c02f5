"""A person's decisions on department-list rows: a reviewer's link or new person, an officer's move.

Each writes the row's link, records the journey the row gives (``lists.travel``) and is audited.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.lists.models import ListRow
from epigrid.lists.services import fields_record, list_year, unplaced_person
from epigrid.lists.travel import journeys_from_rows
from epigrid.people.models import Person
from epigrid.regions.models import Region
from epigrid.regions.services import chain_to


def list_row_decided(
    *, actor: User, row: ListRow, person: Person, decision: str, by: str = "review"
) -> ListRow:
    """Write a person's decision on a list row (a review, a move): link, journey, audit."""
    before = row.person_id
    row.person = person
    row.decision = decision
    row.decided_by = actor
    row.decided_at = now()
    row.save(update_fields=["person", "decision", "decided_by", "decided_at"])
    journeys_from_rows([row], year=list_year(row.batch))
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="list_row",
        object_id=row.pk,
        detail={"decision": decision, "person": person.pk, "by": by, "from": before},
    )
    return row


@transaction.atomic
def list_row_link(*, actor: User, row: ListRow, person: Person) -> ListRow:
    """Record a reviewer's decision that a list row is ``person``."""
    return list_row_decided(actor=actor, row=row, person=person, decision=ListRow.Decision.MATCHED)


@transaction.atomic
def list_row_new_person(*, actor: User, row: ListRow) -> ListRow:
    """Record a reviewer's decision that a list row is nobody in the registry: create the person."""
    record = fields_record({"name": row.name, **row.fields}, row_number=row.row_number, as_of=local_today())
    chain = chain_to(row.batch.region)
    person = unplaced_person(record, chain)
    person.save()
    Region.objects.filter(pk__in=list(chain.values())).update(person_count=F("person_count") + 1)
    return list_row_decided(actor=actor, row=row, person=person, decision=ListRow.Decision.NEW)

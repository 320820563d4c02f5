"""Residents' reports accepted as being about a person, as events of their shared timeline
(``monitoring.timeline``): a neighbour or the person themself reported a return or a fever through the
community page. Registered in ``CluesConfig.ready``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.clues.models import ResidentEntry
from epigrid.core.models import User
from epigrid.monitoring.timeline import SOURCE_LIMIT, ActorsOf, Event
from epigrid.people.models import Person

KIND_RESIDENT_ENTRY = "resident_entry"


def resident_entry_events(user: User, person: Person, actors_of: ActorsOf) -> list[Event]:
    """The accepted residents' reports about the person, newest first (one query, capped)."""
    rows = list(
        ResidentEntry.objects.filter(person=person, status=ResidentEntry.Status.ACCEPTED)
        .select_related("decided_by")
        .order_by("-created_at", "-id")[:SOURCE_LIMIT]
    )
    actors = actors_of([row.decided_by for row in rows])
    events = []
    for row in rows:
        if row.kind == ResidentEntry.Kind.FEVER:
            detail = _("群众报告发热 %(t)s℃") % {"t": row.temperature}
        else:
            detail = _("群众报告返乡，自%(origin)s") % {"origin": row.origin}
            if row.arrived_on:
                detail += " · " + _("%(day)s返回") % {"day": row.arrived_on.isoformat()}
        events.append(
            Event(
                at=timezone.localtime(row.created_at),
                kind=KIND_RESIDENT_ENTRY,
                code=row.kind,
                label=_("群众报告"),
                detail=detail,
                actor=actors.get(row.decided_by_id) if row.decided_by_id else None,
                object_id=row.pk,
                abnormal=row.kind == ResidentEntry.Kind.FEVER,
            )
        )
    return events

"""A person's passages through checkpoints, as events of their shared timeline
(``monitoring.timeline``): where, when, the temperature taken and what was done, and the handover to
their village. Registered in ``CheckpointsConfig.ready``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Disposition, PassagePerson
from epigrid.core.models import User
from epigrid.monitoring.timeline import SOURCE_LIMIT, ActorsOf, Event
from epigrid.people.models import Person

KIND_PASSAGE = "passage"


def passage_events(user: User, person: Person, actors_of: ActorsOf) -> list[Event]:
    """The person's checkpoint registrations, newest first (one query, capped). A checkpoint's
    temperature reading is staff reaching the person, as a visit is."""
    rows = list(
        PassagePerson.objects.filter(person=person)
        .select_related("passage__checkpoint", "passage__checked_by", "passage__destination_region")
        .order_by("-passage__checked_at", "-id")[:SOURCE_LIMIT]
    )
    actors = actors_of([row.passage.checked_by for row in rows])
    events = []
    for row in rows:
        passage = row.passage
        parts = [passage.checkpoint.name]
        if passage.plate:
            parts.append(passage.plate)
        if passage.origin:
            parts.append(_("自%(origin)s") % {"origin": passage.origin})
        if row.temperature is not None:
            parts.append(f"{row.temperature}℃")
        parts.append(str(row.get_disposition_display()))
        if row.disposition == Disposition.HANDED_OVER and passage.destination_region is not None:
            parts.append(_("移交%(region)s") % {"region": passage.destination_region.name})
        events.append(
            Event(
                at=timezone.localtime(passage.checked_at),
                kind=KIND_PASSAGE,
                code=row.disposition,
                label=_("卡口登记"),
                detail=" · ".join(parts),
                actor=actors.get(passage.checked_by_id),
                object_id=passage.pk,
                contact=True,
                abnormal=row.fever,
            )
        )
    return events

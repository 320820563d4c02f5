"""A person's fever visits as events of their shared timeline (``monitoring.timeline``): the clinic, the
reading and the doctor's disposition. Registered in ``TriageConfig.ready``."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.models import User
from epigrid.monitoring.timeline import SOURCE_LIMIT, ActorsOf, Event
from epigrid.people.models import Person
from epigrid.triage.models import FeverVisit
from epigrid.triage.selectors import status_label

KIND_FEVER_VISIT = "fever_visit"


def fever_visit_events(user: User, person: Person, actors_of: ActorsOf) -> list[Event]:
    """The person's fever visits, newest first (one query, capped)."""
    rows = list(
        FeverVisit.objects.filter(person=person)
        .select_related("facility", "recorded_by")
        .order_by("-visited_at", "-id")[:SOURCE_LIMIT]
    )
    actors = actors_of([row.recorded_by for row in rows])
    return [
        Event(
            at=timezone.localtime(row.visited_at),
            kind=KIND_FEVER_VISIT,
            code=row.disposition,
            label=_("发热门诊就诊"),
            detail=_("%(facility)s %(t)s℃，%(status)s")
            % {
                "facility": row.facility.name,
                "t": row.temperature,
                "status": status_label(row),
            },
            actor=actors.get(row.recorded_by_id),
            object_id=row.pk,
            contact=True,
            abnormal=row.fever,
        )
        for row in rows
    ]

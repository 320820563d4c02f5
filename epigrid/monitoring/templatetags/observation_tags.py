"""Monitoring on other apps' pages: a person's contact timeline, and which list rows can start an episode.

People and lists know nothing of monitoring (apps depend downward only), so their templates load these
tags rather than their views calling monitoring.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from epigrid.core.models import User
from epigrid.lists.models import ListRow
from epigrid.monitoring.episode_selectors import list_rows_startable
from epigrid.monitoring.timeline import person_timeline
from epigrid.people.models import Person

register = template.Library()


@register.inclusion_tag("monitoring/_contact_timeline.html")
def contact_timeline(person: Person, user: User) -> dict[str, object]:
    """Render the person's timeline and last contacts (the page has already opened and logged them)."""
    return {"timeline": person_timeline(user=user, person=person)}


@register.simple_tag
def startable_rows(rows: Iterable[ListRow], user: User) -> set[int]:
    """Return the ids of the rows whose person the user may put under observation from the list."""
    return list_rows_startable(user=user, rows=rows)

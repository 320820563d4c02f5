"""A person's observation episodes and the start link on the person's page (people knows no monitoring)."""

from __future__ import annotations

from django import template

from epigrid.core.models import User
from epigrid.monitoring.episode_selectors import person_episodes as episodes_of
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person

register = template.Library()


@register.inclusion_tag("monitoring/_person_episodes.html")
def person_episodes(person: Person, user: User) -> dict[str, object]:
    """Render the person's episodes the user may see, and whether a new one may be started."""
    episodes = episodes_of(user=user, person_id=person.pk)
    watched = any(e.status == Episode.Status.OPEN for e in episodes)
    return {
        "person": person,
        "episodes": episodes,
        "may_start": user.caps.can_write and not watched and not person.merged_into_id,
    }

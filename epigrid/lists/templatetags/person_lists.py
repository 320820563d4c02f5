"""The department lists and merges of a person, shown on the person's page (people knows no lists)."""

from __future__ import annotations

from django import template

from epigrid.core.models import User
from epigrid.lists import selectors
from epigrid.people.models import Person

register = template.Library()


@register.inclusion_tag("lists/_person_lists.html")
def person_lists(person: Person, user: User) -> dict[str, object]:
    """Render where a person's record came from and which records were merged into it."""
    caps = user.caps
    rows = list(selectors.person_sources(person=person)[:200])
    return {
        "person": person,
        "rows": [(row, *caps.identifiers(row.id_number, row.phone)) for row in rows],
        "merges": list(selectors.person_merges(person=person)[:50]),
        "may_merge": caps.merge_people,
    }

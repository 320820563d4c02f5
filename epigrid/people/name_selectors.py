"""Which of some words are names of people registered in a district (for texts meant for the public).

Not scoped to a user and returns no row: only which of the caller's own words are also somebody's
name, so that ``publicinfo.privacy`` can refuse a bulletin naming a person. One query on the indexed
pinyin key; the exact comparison is made here, so homophones do not count.
"""

from __future__ import annotations

from epigrid.lib.names import pinyin_key
from epigrid.people.models import Person

CHUNK = 500  # candidates per query (SQLite's limit on bound parameters is far above)


def registered_names(*, district_id: int, candidates: list[str]) -> set[str]:
    """The ``candidates`` that are the name of a (not merged) person of the district."""
    keys: dict[str, set[str]] = {}
    for word in candidates:
        keys.setdefault(pinyin_key(word)[:80], set()).add(word)
    wanted = set(candidates)
    found: set[str] = set()
    key_list = [k for k in keys if k]
    for start in range(0, len(key_list), CHUNK):
        names = (
            Person.objects.filter(
                district_id=district_id,
                merged_into__isnull=True,
                name_key__in=key_list[start : start + CHUNK],
            )
            .values_list("name", flat=True)
            .distinct()
        )
        found.update(name for name in names if name in wanted)
    return found

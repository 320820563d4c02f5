"""Registered people who may be the person a single record describes, scored by the lists' linkage.

Used wherever one person arrives at a time — a resident's report (``clues.review``), a fever-clinic
visit (``triage.matching``) — with the same blocking and scorer as the department lists: the people
sharing the record's phone or pinyin name key, each compared field by field (``lib.linkage.score``);
"match" and "review" ones are kept, best first. The caller passes the people it may consider (a
district's, or the acting user's scope).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from epigrid.lib.linkage import MATCH, NON_MATCH, Comparison, Record, score
from epigrid.lists.linking import RegistryPerson, person_record
from epigrid.people.models import Person

CANDIDATE_LIMIT = 50  # people sharing a phone or a name key; more is a very common name


@dataclass(frozen=True)
class Candidate:
    person: Person
    comparison: Comparison

    @property
    def match(self) -> bool:
        return self.comparison.decision == MATCH


def scored_candidates(record: Record, people: QuerySet[Person]) -> list[Candidate]:
    """The ``people`` sharing the record's phone or name key, scored; "match" and "review", best first."""
    blocking = Q(name_key=record.name_key[:80]) if record.name_key else Q(pk__in=[])
    if record.phone:
        blocking |= Q(phone=record.phone)
    rows = people.filter(blocking).select_related("household").order_by("id")[:CANDIDATE_LIMIT]
    scored = []
    for person in rows:
        other = person_record(
            RegistryPerson(
                person.pk, person.name, person.id_number, person.birth_date, person.sex, person.phone,
                person.household.address if person.household is not None else "",
            )
        )  # fmt: skip
        comparison = score(record, other)
        if comparison.decision != NON_MATCH:
            scored.append(Candidate(person, comparison))
    scored.sort(key=lambda c: -c.comparison.total)
    return scored

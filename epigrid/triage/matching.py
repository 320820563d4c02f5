"""Who a fever visit is about: the registry person, found with the department lists' duplicate detection.

1. A valid ID number that a registered person carries links to them (exact, after normalisation).
2. Otherwise the people of the actor's scope sharing the typed phone or the pinyin key of the name are
   scored by the linker's Fellegi–Sunter comparison (``epigrid.lib.linkage``, as ``clues.review`` and
   ``lists.linking`` do): exactly one "match" links; any other candidate asks the clinic to choose
   (the next submission names ``person_id``, or says the patient is someone new).
3. Nobody: the patient is registered as a new, unplaced person (the service does that).

Reads only, through ``people.selectors``; nothing here writes or logs (the service audits the visit).
"""

from __future__ import annotations

from dataclasses import dataclass

from epigrid.core.clock import local_today
from epigrid.core.models import User
from epigrid.lib.linkage import make_record
from epigrid.lists.candidates import Candidate, scored_candidates
from epigrid.people.models import Person
from epigrid.people.selectors import people_in_scope


@dataclass(frozen=True)
class Resolution:
    """The person found (``person``), or the candidates to choose from, or neither (someone new)."""

    person: Person | None
    by: str  # "id_number", "score", "" (nobody, or several)
    candidates: list[Candidate]


def person_by_id_number(*, actor: User, id_number: str) -> Person | None:
    """Return the first person of the actor's scope carrying a normalised ID number (merged left out)."""
    if not id_number:
        return None
    return people_in_scope(user=actor).filter(id_number=id_number).order_by("id").first()


def candidates_for(*, actor: User, name: str, id_number: str, phone: str, sex: str = "") -> list[Candidate]:
    """Score the actor's people sharing the phone or the name key; "match" and "review" ones, best first."""
    record = make_record(
        id="visit", name=name, id_number=id_number, phone=phone, sex=sex, as_of=local_today()
    )
    return scored_candidates(record, people_in_scope(user=actor).select_related("village", "town", "grid"))


def person_resolve(*, actor: User, name: str, id_number: str, phone: str, sex: str = "") -> Resolution:
    """Find the registry person a visit names (see the module docstring)."""
    found = person_by_id_number(actor=actor, id_number=id_number)
    if found is not None:
        return Resolution(found, "id_number", [])
    if not name and not phone:
        return Resolution(None, "", [])
    scored = candidates_for(actor=actor, name=name, id_number=id_number, phone=phone, sex=sex)
    matches = [c for c in scored if c.match]
    if len(matches) == 1:  # one strong candidate (weaker ones beside it do not matter, as in clues.review)
        return Resolution(matches[0].person, "score", [])
    return Resolution(None, "", scored)

"""The community's review of residents' entries: who they may be in the registry, accept, reject.

An entry naming a person (a returnee, a fever) is compared with the district's registry the way the
department-list linker compares a row (``epigrid.lib.linkage``): the people sharing its phone or the
pinyin key of its name are scored by the same Fellegi–Sunter comparison. On acceptance:

- one person scores a match, or the reviewer picks one of the candidates → the entry is linked to
  them (and shows on their timeline, ``clues.timeline``);
- nobody does, or the reviewer says "new person" → they are added to the registry unplaced at the
  village, source 自排, as a checkpoint's handover is, so the grid worker places them;
- candidates score "review" only and the reviewer chose neither → refused, naming the field ``person``.

A returnee's journey (from where, arrival day) is added to the person with the department lists'
journey writer (``lists.travel``: a journey already on record is not added again). A fever is handed
to the pages that start observation and classify a person (the entry page links them). A clue becomes
a ``Clue`` at the village, routed to the police station of the area.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.clues.errors import ClueInvalid, FieldError
from epigrid.clues.models import Clue, ResidentEntry
from epigrid.clues.selectors import REVIEWERS, entries_q
from epigrid.clues.services import ClueInput, clue_write
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.lib.linkage import make_record
from epigrid.lists.candidates import Candidate, scored_candidates
from epigrid.lists.travel import journeys_from_fields
from epigrid.people.models import Person
from epigrid.people.services import person_register_unplaced
from epigrid.regions.scope import scope_for

REASON_MAX = 200


@dataclass(frozen=True)
class Matching:
    candidates: list[Candidate]  # scored "match" or "review", best first
    best: Person | None  # the one person scored "match", when exactly one is

    def visible_to(self, user: User) -> list[Candidate]:
        scope = scope_for(user)
        return [c for c in self.candidates if scope.covers(c.person)]


def entry_match(entry: ResidentEntry) -> Matching:
    """Score the district's people who share the entry's phone or name key (the linker's blocking)."""
    if entry.kind not in (ResidentEntry.Kind.RETURNEE, ResidentEntry.Kind.FEVER):
        return Matching([], None)
    record = make_record(
        id=entry.pk, name=entry.name, phone=entry.phone, address=entry.address, as_of=local_today()
    )
    people = Person.objects.filter(district_id=entry.district_id, merged_into__isnull=True)
    scored = scored_candidates(record, people)
    matches = [c for c in scored if c.match]
    return Matching(scored, matches[0].person if len(matches) == 1 else None)


def _locked(actor: User, entry: ResidentEntry) -> ResidentEntry:
    if actor.role not in REVIEWERS or not actor.caps.can_write:
        raise PermissionDenied
    found = (
        ResidentEntry.objects.select_for_update()
        .filter(entries_q(actor), pk=entry.pk)
        .select_related("village")
        .first()
    )
    if found is None:
        raise PermissionDenied
    return found


@dataclass(frozen=True)
class Acceptance:
    entry: ResidentEntry
    created: bool  # False: it had been accepted before, nothing written now


@transaction.atomic
def entry_accept(
    *, actor: User, entry: ResidentEntry, person: Person | None = None, new_person: bool = False
) -> Acceptance:
    """Accept an entry (see the module docstring); a second acceptance changes nothing."""
    entry = _locked(actor, entry)
    if entry.status == ResidentEntry.Status.ACCEPTED:
        return Acceptance(entry, created=False)
    if entry.status == ResidentEntry.Status.REJECTED:
        raise ClueInvalid([FieldError("status", _("该报告已退回，不能再接收。"))])
    fields = ["status", "decided_by", "decided_at", "updated_at"]
    if entry.kind == ResidentEntry.Kind.CLUE:
        entry.clue = clue_write(
            actor=actor,
            data=ClueInput(
                kind=entry.clue_kind, region=entry.village, description=entry.description,
                contact_name=entry.name,
            ),
            phone=entry.phone,
            source=Clue.Source.RESIDENT,
            reporter_unit=entry.village,
        )  # fmt: skip
        fields.append("clue")
    else:
        entry.person, entry.person_created = _person_for(actor, entry, person, new_person)
        fields += ["person", "person_created"]
        if entry.kind == ResidentEntry.Kind.RETURNEE:
            journey = {
                "origin": entry.origin,
                "arrival_date": entry.arrived_on.isoformat() if entry.arrived_on else "",
            }
            journeys_from_fields([(entry.person.pk, journey)], year=local_today().year)
    entry.status = ResidentEntry.Status.ACCEPTED
    entry.decided_by = actor
    entry.decided_at = now()
    entry.save(update_fields=fields)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="resident_entry",
        object_id=entry.pk,
        region_path=entry.village.path,
        detail={
            "status": entry.status, "kind": entry.kind, "person": entry.person_id,
            "person_created": entry.person_created, "clue": entry.clue_id,
        },
    )  # fmt: skip
    return Acceptance(entry, created=True)


def _person_for(
    actor: User, entry: ResidentEntry, chosen: Person | None, new_person: bool
) -> tuple[Person, bool]:
    """The registry person an accepted entry names, and whether they were added now."""
    matching = entry_match(entry)
    if chosen is not None:
        if chosen.pk not in {c.person.pk for c in matching.visible_to(actor)}:
            raise ClueInvalid([FieldError("person", _("请从列出的疑似人员中选择。"))])
        return chosen, False
    if not new_person:
        if matching.best is not None:
            return matching.best, False
        if matching.candidates:
            raise ClueInvalid([FieldError("person", _("有疑似已登记人员，请确认是否为同一人。"))])
    person = person_register_unplaced(
        actor=actor, region=entry.village, name=entry.name, source=Person.Source.LOCAL, phone=entry.phone
    )
    return person, True


@transaction.atomic
def entry_reject(*, actor: User, entry: ResidentEntry, reason: str) -> ResidentEntry:
    """Reject an entry with a reason (junk, a joke, already known …); a second rejection changes nothing."""
    entry = _locked(actor, entry)
    if entry.status == ResidentEntry.Status.REJECTED:
        return entry
    if entry.status == ResidentEntry.Status.ACCEPTED:
        raise ClueInvalid([FieldError("status", _("该报告已接收，不能再退回。"))])
    reason = " ".join(reason.split())
    if not reason:
        raise ClueInvalid([FieldError("reason", _("请填写退回原因。"))])
    if len(reason) > REASON_MAX:
        raise ClueInvalid([FieldError("reason", _("退回原因不能超过200字。"))])
    entry.status = ResidentEntry.Status.REJECTED
    entry.reject_reason = reason
    entry.decided_by = actor
    entry.decided_at = now()
    entry.save(update_fields=["status", "reject_reason", "decided_by", "decided_at", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="resident_entry",
        object_id=entry.pk,
        region_path=entry.village.path,
        detail={"status": entry.status, "kind": entry.kind, "quarantined": entry.quarantined},
    )
    return entry


@transaction.atomic
def entries_reject_quarantined(*, actor: User, reason: str) -> int:
    """Reject every quarantined entry still waiting in the actor's communities (a flood of junk), at once.

    Genuine entries are never touched; a quarantined one a reviewer wants to keep is accepted on its own
    page first. Returns how many were rejected.
    """
    if actor.role not in REVIEWERS or not actor.caps.can_write:
        raise PermissionDenied
    reason = " ".join(reason.split())
    if not reason:
        raise ClueInvalid([FieldError("reason", _("请填写退回原因。"))])
    if len(reason) > REASON_MAX:
        raise ClueInvalid([FieldError("reason", _("退回原因不能超过200字。"))])
    waiting = ResidentEntry.objects.select_for_update().filter(
        entries_q(actor), status=ResidentEntry.Status.PENDING, quarantined=True
    )
    ids = list(waiting.values_list("pk", flat=True))
    if not ids:
        return 0
    stamp = now()
    ResidentEntry.objects.filter(pk__in=ids).update(
        status=ResidentEntry.Status.REJECTED, reject_reason=reason, decided_by=actor, decided_at=stamp,
        updated_at=stamp,
    )  # fmt: skip
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="resident_entry",
        detail={"status": ResidentEntry.Status.REJECTED, "quarantined": True, "entries": ids},
    )
    return len(ids)

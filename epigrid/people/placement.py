"""Place a person a department list sent down into the household they were found in; name a cadre.

A list names people the district knows only by name and number; the town passes them down and a grid
worker finds them at a door. Placing them fills the rest of their region chain and their household,
so from then on the grid sees them, the household shows them and the counts include them where they
live. The responsible cadre (包保人) is the worker who checks on them; it must work where they live.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.people.models import Person
from epigrid.people.signals import person_chain_changed
from epigrid.regions.models import Assignment, Household, Region
from epigrid.regions.scope import scope_for

CHAIN = ("district_id", "town_id", "village_id", "grid_id")


class PlacementError(Exception):
    """A placement or cadre choice that cannot be made; ``message`` says why, without personal data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _in_scope(actor: User, row: Person | Household) -> bool:
    return scope_for(actor).covers(row)


def fits(person: Person, household: Household) -> bool:
    """Tell whether the household lies inside the part of the chain the person is known down to."""
    return all(getattr(person, col) in (None, getattr(household, col)) for col in CHAIN)


def findable_at(person: Person, household: Household) -> bool:
    """Tell whether a worker at ``household`` may pick ``person``: sent down to the area, not yet placed.

    A list sends people to the district or a town; they are outside a grid worker's scope until
    placed. The worker at the door who types their exact ID number or phone may still find them
    (never browse them), so they are placed where they live instead of being registered twice.
    """
    return person.household_id is None and person.merged_into_id is None and fits(person, household)


def may_pick(user: User, person: Person, household: Household, picked: Iterable[int] = ()) -> bool:
    """Tell whether ``user`` at ``household`` may use ``person``: theirs, or found there by number."""
    return scope_for(user).covers(person) or (person.pk in set(picked) and findable_at(person, household))


PICK_SALT = "epigrid.people.pick"
PICK_MAX_AGE = 12 * 3600  # a working day: the form may stay open on a phone between two doors


def pick_token(person: Person, household: Household) -> str:
    """Return proof that ``person`` was found at ``household`` by their exact ID number or phone.

    Handed out only by the lookups that matched the typed number; picking a person from above the
    worker's level needs it, so nobody is reached by guessing record numbers.
    """
    return signing.dumps([person.pk, household.pk], salt=PICK_SALT, compress=False)


def picked(tokens: Iterable[str], household: Household) -> dict[int, str]:
    """Return person id → token for the valid pick tokens of this household (others are ignored)."""
    found: dict[int, str] = {}
    for token in tokens:
        try:
            person_id, household_id = signing.loads(token[:200], salt=PICK_SALT, max_age=PICK_MAX_AGE)
        except (signing.BadSignature, ValueError, TypeError):
            continue
        if household_id == household.pk and isinstance(person_id, int):
            found[person_id] = token
    return found


@transaction.atomic
def person_place(*, actor: User, person: Person, household: Household, relation: str = "") -> Person:
    """Put an unplaced person into ``household``; count them in the regions that newly hold them."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if not actor.caps.can_write:
        raise PlacementError(_("您的角色不能修改人员信息。"))
    if person.merged_into_id:
        raise PlacementError(_("该记录已合并到其他人员。"))
    if person.household_id:
        raise PlacementError(_("该人员已经落户。"))
    if not _in_scope(actor, household):
        raise PlacementError(_("住户不在您的管辖范围内。"))
    if not fits(person, household):
        raise PlacementError(_("名单把此人下发到了别的镇/村，不能落到这一户；请联系上级调整。"))
    newly = [getattr(household, col) for col in CHAIN if getattr(person, col) is None]
    for col in CHAIN:
        setattr(person, col, getattr(household, col))
    person.household = household
    person.relation = relation[:20]
    person.save(update_fields=[*CHAIN, "household", "relation", "updated_at"])
    Region.objects.filter(pk__in=newly).update(person_count=F("person_count") + 1)
    Household.objects.filter(pk=household.pk).update(member_count=F("member_count") + 1)
    person_chain_changed.send(sender=Person, person=person)
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="person",
        object_id=person.pk,
        region_path=household.grid.path,
        detail={"op": "place", "household": household.pk},
    )
    return person


def cadre_choices(*, person: Person) -> list[User]:
    """Return the active staff who work where the person lives (assigned to a region of their chain)."""
    chain = [getattr(person, col) for col in CHAIN if getattr(person, col)]
    ids = Assignment.objects.filter(region_id__in=chain).values_list("user_id", flat=True)
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("role", "display_name", "username"))


@transaction.atomic
def person_set_cadre(*, actor: User, person: Person, cadre: User | None) -> Person:
    """Name (or clear) the cadre responsible for a person: someone who works where they live."""
    if not actor.caps.can_write:
        raise PlacementError(_("您的角色不能修改人员信息。"))
    if not _in_scope(actor, person):
        raise PlacementError(_("人员不在您的管辖范围内。"))
    if cadre is not None and cadre not in cadre_choices(person=person):
        raise PlacementError(_("包保人须是在此人所在区域工作的人员。"))
    person.cadre = cadre
    person.save(update_fields=["cadre", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="person",
        object_id=person.pk,
        region_path=person.place.path,
        detail={"op": "cadre", "cadre": cadre.pk if cadre else None},
    )
    return person

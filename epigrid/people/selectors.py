"""Reads of people, scoped to the caller's subtrees, masked by role, and logged when opened."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.people.models import Person
from epigrid.regions.models import Household
from epigrid.regions.scope import scope_for


@dataclass(frozen=True)
class PersonView:
    """A person as the acting role may see them: identifiers masked unless the role needs them."""

    person: Person
    id_number: str
    phone: str

    @property
    def phone_callable(self) -> bool:
        """Tell whether the phone is shown in full, so a phone browser can dial it."""
        return bool(self.phone) and "*" not in self.phone


def present(*, person: Person, user: User) -> PersonView:
    """Mask the person's identifiers for the user's role."""
    id_number, phone = user.caps.identifiers(person.id_number, person.phone)
    return PersonView(person=person, id_number=id_number, phone=phone)


def people_in_household(
    *, user: User, household: Household, request: HttpRequest | None = None
) -> list[PersonView]:
    """Return the members of a household in the user's scope, logging that they were listed.

    The scope is checked on the household, not added to the query: with a district-wide scope the
    extra ``district_id = …`` term lets SQLite's planner pick the district index and scan a million
    rows (measured: 180 ms instead of 8 ms per page with the city demo).
    """
    if not user.caps.read_registry:
        raise PermissionDenied
    if not scope_for(user).covers(household):
        raise Http404
    members = list(Person.objects.filter(household=household, merged_into__isnull=True).order_by("id"))
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="household",
        object_id=household.pk,
        detail={"persons": [p.pk for p in members]},
        request=request,
    )
    return [present(person=p, user=user) for p in members]


def person_get_for_user(*, user: User, person_id: int, request: HttpRequest | None = None) -> PersonView:
    """Open one person's record: 404 when missing or not the user's, an audit event when shown."""
    if not user.caps.read_registry:
        raise PermissionDenied
    person = (
        Person.objects.filter(scope_for(user).rows_q(), pk=person_id)
        .select_related("household", "grid", "village", "town", "district")
        .first()
    )
    if person is None:
        raise Http404
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="person",
        object_id=person.pk,
        region_path=person.place.path,
        request=request,
    )
    return present(person=person, user=user)


def people_in_scope(*, user: User) -> QuerySet[Person]:
    """Return the user's people (merged duplicates left out), for listings that filter further.

    A role that does not read the registry (``read_registry``: the police) is refused (403) here too,
    so a page or an API operation that forgets to ask cannot list or open a person for it.
    """
    if not user.caps.read_registry:
        raise PermissionDenied
    return Person.objects.filter(scope_for(user).rows_q(), merged_into__isnull=True)


def person_in_scope(*, user: User, person_id: int | None) -> Person | None:
    """Return one of the user's people for an action (merge, move), or None; the action audits itself."""
    if person_id is None:
        return None
    return people_in_scope(user=user).filter(pk=person_id).first()

"""Find people in the caller's scope: by ID number, phone or name (homophones too); and the unplaced.

A search never logs what was typed (it may be an ID number): the audit event names the people shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import clean_input, parse_id
from epigrid.lib.names import name_info
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person
from epigrid.people.placement import fits, may_pick, pick_token, picked
from epigrid.people.selectors import PersonView, present
from epigrid.regions.models import Household
from epigrid.regions.scope import scope_for

SEARCH_LIMIT = 50
SCAN_LIMIT = 5_000  # namesakes read per search; the commonest name of a million people has ~1,000
UNPLACED_PER_PAGE = 50
BY_ID, BY_PHONE, BY_NAME = "id_number", "phone", "name"


@dataclass(frozen=True)
class SearchResult:
    by: str  # which key the text was read as; "" when it could not be used
    people: list[PersonView]
    more: bool  # more matches than shown: narrow the search


def _terms(text: str) -> tuple[str, Q]:
    typed = clean_input(text)
    digits = typed.upper()
    if len(digits) in (15, 18) and digits[:-1].isdigit():
        parsed = parse_id(digits)
        if parsed.valid and parsed.normalized:
            return BY_ID, Q(id_number=parsed.normalized)
    if sum(ch.isdigit() for ch in typed) >= 7:
        phone = normalize_phone(typed)
        if phone.valid and phone.normalized:
            return BY_PHONE, Q(phone=phone.normalized)
        return "", Q(pk__in=[])
    info = name_info(typed)
    if info.key:
        return BY_NAME, Q(name_key=info.key[:80])
    return "", Q(pk__in=[])


def person_search(*, user: User, text: str, request: HttpRequest | None = None) -> SearchResult:
    """Return the people in scope a search names: exact names before homophones, at most fifty."""
    by, terms = _terms(text[:60])
    if not by:
        return SearchResult(by="", people=[], more=False)
    # The scope is checked on the rows, not in SQL: with a district-wide scope the extra term makes
    # SQLite's planner walk the district index instead of the name key's (see people_in_household).
    scope = scope_for(user)
    candidates = (
        Person.objects.filter(terms, merged_into__isnull=True)
        .select_related("household", "district", "town", "village", "grid")
        .order_by("id")[:SCAN_LIMIT]
    )
    found = [p for p in candidates if scope.covers(p)][: SEARCH_LIMIT + 1]
    more = len(found) > SEARCH_LIMIT
    found = found[:SEARCH_LIMIT]
    if by == BY_NAME:
        wanted = name_info(text).normalized
        found.sort(key=lambda p: p.name != wanted)
    if found:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="person_search",
            detail={"by": by, "persons": [p.pk for p in found]},
            request=request,
        )
    return SearchResult(by=by, people=[present(person=p, user=user) for p in found], more=more)


def unplaced_for_user(*, user: User, page: str | None) -> Page[Person]:
    """Return the people in scope not yet found at a door (no household), newest first."""
    people = (
        Person.objects.filter(scope_for(user).rows_q(), household__isnull=True, merged_into__isnull=True)
        .select_related("town", "village", "grid")
        .order_by("-created_at", "-id")
    )
    return Paginator(people, UNPLACED_PER_PAGE).get_page(page)


def unplaced_for_household(
    *, user: User, household: Household, text: str = "", request: HttpRequest | None = None
) -> list[tuple[PersonView, str]]:
    """Return unplaced people who could live in ``household`` (their known chain covers it).

    People of the user's scope are listed; people sent down above it only answer an exact ID number or
    phone, and come with a pick token (``placement.pick_token``) that the placement must show.
    """
    if not scope_for(user).covers(household):
        raise Http404
    chain = Q(district_id=household.district_id)
    for column in ("town_id", "village_id", "grid_id"):
        chain &= Q(**{f"{column}__isnull": True}) | Q(**{column: getattr(household, column)})
    people = Person.objects.filter(chain, household__isnull=True, merged_into__isnull=True)
    by = ""
    if text.strip():
        by, terms = _terms(text[:60])
        people = people.filter(terms) if by else people.none()
    scope = scope_for(user)
    exact = by in (BY_ID, BY_PHONE)
    found = [
        p
        for p in people.order_by("-created_at", "-id")[:SCAN_LIMIT]
        if fits(p, household) and (exact or scope.covers(p))
    ][:SEARCH_LIMIT]
    if found:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="household_candidates",
            object_id=household.pk,
            region_path=household.grid.path,
            detail={"persons": [p.pk for p in found]},
            request=request,
        )
    return [
        (present(person=p, user=user), "" if scope.covers(p) else pick_token(p, household)) for p in found
    ]


def unplaced_person_for_household(
    *, user: User, household: Household, person_id: int, pick: str = ""
) -> Person | None:
    """Return the unplaced person the user may place in ``household``: theirs, or picked by number."""
    if not scope_for(user).covers(household):
        raise Http404
    person = Person.objects.filter(pk=person_id, household__isnull=True, merged_into__isnull=True).first()
    if person is None or not may_pick(user, person, household, picked([pick], household)):
        return None
    return person

"""Reads for door-to-door screening: the live duplicate lookup, a region's visits, one visit.

Every read is scoped to the caller's subtrees, skips merged records (``Person.merged_into``), masks
identifiers by role (``people.selectors.present``) and logs what it showed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from epigrid.core.audit import audit_log
from epigrid.core.models import AuditEvent, User
from epigrid.lib.idcard import clean_input, parse_id
from epigrid.lib.phone import normalize_phone
from epigrid.people.models import Person, Screening, ScreeningEntry
from epigrid.people.placement import findable_at, may_pick, pick_token
from epigrid.people.selectors import PersonView, present
from epigrid.regions.models import LEVEL_FIELD, Household, Level, Region
from epigrid.regions.scope import scope_for

SCREENINGS_PER_PAGE = 50
# More people than this sharing one phone is a switchboard, not a family: show the first few only.
LOOKUP_LIMIT = 5
# Below these lengths the worker is still typing: say nothing rather than "invalid" at every key.
ID_MIN_LENGTH = 15
PHONE_MIN_LENGTH = 11


@dataclass(frozen=True)
class LookupMatch:
    """A registered person the worker may pick instead of creating a duplicate."""

    view: PersonView
    in_household: bool
    address: str
    pick: str = ""  # set for someone a list sent down above the worker's level: proof of the number


@dataclass(frozen=True)
class LookupResult:
    """What the live lookup may say: an input error, people in scope, or "registered elsewhere"."""

    id_error: str = ""
    phone_error: str = ""
    matches: tuple[LookupMatch, ...] = ()
    elsewhere: bool = False

    @property
    def empty(self) -> bool:
        return not (self.id_error or self.phone_error or self.matches or self.elsewhere)


def person_lookup(
    *,
    user: User,
    household: Household,
    id_number: str = "",
    phone: str = "",
    request: HttpRequest | None = None,
) -> LookupResult:
    """Find registered people by a typed ID number or phone, as the user may see them.

    People outside the user's scope are only counted: the answer says the number is registered
    elsewhere and nothing about whom. Every answer that finds anyone is audit-logged.
    """
    if not scope_for(user).covers(household):
        raise Http404
    id_error = phone_error = ""
    terms = Q(pk__in=[])
    searched: list[str] = []
    typed_id = clean_input(id_number)
    if len(typed_id) >= ID_MIN_LENGTH:
        parsed = parse_id(typed_id)
        if parsed.valid and parsed.normalized:
            terms |= Q(id_number=parsed.normalized)
            searched.append("id_number")
        else:
            id_error = parsed.error or ""
    typed_phone = "".join(ch for ch in clean_input(phone) if ch.isdigit())
    if len(typed_phone) >= PHONE_MIN_LENGTH:
        result = normalize_phone(phone)
        if result.valid and result.normalized:
            terms |= Q(phone=result.normalized)
            searched.append("phone")
        else:
            phone_error = result.error or ""
    if not searched:
        return LookupResult(id_error=id_error, phone_error=phone_error)
    found = list(
        Person.objects.filter(terms, merged_into__isnull=True)
        .select_related("household")
        .order_by("id")[: LOOKUP_LIMIT * 4]
    )
    scope = scope_for(user)
    # An exact number may also find someone a list sent down to this area who is not placed yet.
    mine = [p for p in found if scope.covers(p) or findable_at(p, household)][:LOOKUP_LIMIT]
    picks = {p.pk: pick_token(p, household) for p in mine if not scope.covers(p)}
    elsewhere = len(mine) < len(found)
    if found:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="person_lookup",
            object_id=household.pk,
            region_path=household.grid.path,
            detail={"persons": [p.pk for p in mine], "by": searched, "elsewhere": elsewhere},
            request=request,
        )
    matches = tuple(
        LookupMatch(
            view=present(person=p, user=user),
            in_household=p.household_id == household.pk,
            address=p.household.address if p.household else "",
            pick=picks.get(p.pk, ""),
        )
        for p in mine
    )
    return LookupResult(id_error=id_error, phone_error=phone_error, matches=matches, elsewhere=elsewhere)


def screening_members(
    *, user: User, household: Household, request: HttpRequest | None = None
) -> list[PersonView]:
    """Return the household's people for the visit form (merged records left out), logging the listing."""
    if not scope_for(user).covers(household):
        raise Http404
    members = list(Person.objects.filter(household=household, merged_into__isnull=True).order_by("id"))
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="household",
        object_id=household.pk,
        region_path=household.grid.path,
        detail={"persons": [p.pk for p in members], "for": "screening"},
        request=request,
    )
    return [present(person=p, user=user) for p in members]


def screening_people(
    *,
    user: User,
    household: Household,
    person_ids: list[int],
    picks: Collection[int] = (),
    request: HttpRequest | None = None,
) -> dict[int, PersonView]:
    """Return the picked people the user may see (others silently absent), logging what was shown.

    ``picks``: people found at this household by their exact number (``placement.picked``).
    """
    if not person_ids:
        return {}
    people = [
        p
        for p in Person.objects.filter(pk__in=person_ids, merged_into__isnull=True).select_related(
            "household", "grid", "village", "town", "district"
        )
        if may_pick(user, p, household, picks)
    ]
    for p in people:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="person",
            object_id=p.pk,
            region_path=p.place.path,
            detail={"for": "screening"},
            request=request,
        )
    return {p.pk: present(person=p, user=user) for p in people}


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _region_visits_q(
    *, user: User, region: Region, since: dt.date | None, until: dt.date | None, prefix: str = ""
) -> Q:
    """Filter visits (``prefix`` = "screening__" for their entries) to a region and local days."""
    if region.level > Level.GRID or not scope_for(user).contains(region):
        raise Http404
    where = Q(**{f"{prefix}{LEVEL_FIELD[region.level]}": region.pk})
    if since is not None:
        where &= Q(**{f"{prefix}visited_at__gte": _day_start(since)})
    if until is not None:
        where &= Q(**{f"{prefix}visited_at__lt": _day_start(until + dt.timedelta(days=1))})
    return where


@dataclass(frozen=True)
class ScreeningFigures:
    visits: int
    households: int
    people: int
    present: int
    returnees: int
    outbreak_returnees: int
    fevers: int


def screenings_in_region(
    *, user: User, region: Region, since: dt.date | None, until: dt.date | None, page: str | int | None
) -> tuple[Page[Screening], ScreeningFigures]:
    """Return one page of a region's visits (newest first) and the figures of the whole selection."""
    where = _region_visits_q(user=user, region=region, since=since, until=until)
    entry_where = _region_visits_q(user=user, region=region, since=since, until=until, prefix="screening__")
    visits: QuerySet[Screening] = (
        Screening.objects.filter(where)
        .select_related("household", "visited_by", "grid")
        .annotate(
            n_people=Count("entries"),
            n_present=Count("entries", filter=Q(entries__present=True)),
            n_returnees=Count("entries", filter=Q(entries__returnee=True)),
            n_fevers=Count("entries", filter=Q(entries__fever=True)),
        )
        .order_by("-visited_at", "-id")
    )
    totals = ScreeningEntry.objects.filter(entry_where).aggregate(
        people=Count("id"),
        present=Count("id", filter=Q(present=True)),
        returnees=Count("id", filter=Q(returnee=True)),
        outbreak=Count(
            "id",
            filter=Q(returnee=True)
            & (Q(travel__from_outbreak_area=True) | Q(travel__via_outbreak_area=True)),
        ),
        fevers=Count("id", filter=Q(fever=True)),
    )
    heads = Screening.objects.filter(where).aggregate(
        visits=Count("id"), households=Count("household", distinct=True)
    )
    figures = ScreeningFigures(
        visits=heads["visits"],
        households=heads["households"],
        people=totals["people"],
        present=totals["present"],
        returnees=totals["returnees"],
        outbreak_returnees=totals["outbreak"],
        fevers=totals["fevers"],
    )
    return Paginator(visits, SCREENINGS_PER_PAGE).get_page(page), figures


def screening_get_for_user(*, user: User, screening_id: int, request: HttpRequest | None = None) -> Screening:
    """Open one visit with its people and journeys: 404 when missing or not the user's; logged."""
    screening = (
        Screening.objects.filter(scope_for(user).rows_q(), pk=screening_id)
        .select_related("household", "visited_by", "grid")
        .prefetch_related(
            Prefetch(
                "entries", queryset=ScreeningEntry.objects.select_related("person", "travel").order_by("id")
            )
        )
        .first()
    )
    if screening is None:
        raise Http404
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="screening",
        object_id=screening.pk,
        region_path=screening.grid.path,
        detail={"persons": [e.person_id for e in screening.entries.all()]},
        request=request,
    )
    return screening

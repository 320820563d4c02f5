"""Reads of the clues app, scoped to the caller: clues, the police stations they are routed to, resident
entries waiting for review, community links, and the counts the daily report can read.

Who sees a clue: the police station accounts whose regions contain its place (``Role.POLICE``, which
sees nothing else of this app), and staff whose scope contains its place or the reporter's unit, or who
reported it. Who sees a resident entry: the staff of its village (a grid worker's whole village: the
resident chose no grid), the town above and HQ.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from epigrid.clues.models import Clue, ClueKind, CommunityLink, ResidentEntry
from epigrid.core.models import User
from epigrid.core.roles import Role
from epigrid.lib.masking import mask_name
from epigrid.regions.models import LEVEL_FIELD, Assignment, Level, Region
from epigrid.regions.scope import scope_for, subtree_q

# Roles that review the residents' entries of their community (and HQ and towns above).
REVIEWERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER, Role.GRID_WORKER})
# Roles that put up and take down a community's public page.
LINK_MANAGERS = frozenset({Role.DISTRICT_HQ, Role.TOWN_OFFICER, Role.VILLAGE_LEADER})
# Staff roles that may report a clue themselves (departments only read).
REPORTERS = frozenset({*REVIEWERS, Role.CHECKPOINT, Role.POLICE})


def clues_q(user: User) -> Q:
    """The clues a user may read: routed to them (police) or in, or reported from, their scope."""
    scope = scope_for(user)
    if scope.empty:
        return Q(pk__in=[])
    mine = scope.regions_q_for("region__")
    if user.caps.handle_clues:
        return mine
    return mine | scope.regions_q_for("reporter_unit__") | Q(reported_by=user)


def clues_for_user(*, user: User, status: str = "", kind: str = "") -> QuerySet[Clue]:
    """The clues the user may read, newest first, optionally of one status ("open": new or checking)."""
    rows = Clue.objects.filter(clues_q(user)).select_related(
        "region", "reporter_unit", "reported_by", "outcome_by"
    )
    if status == "open":
        rows = rows.filter(status__in=[Clue.Status.NEW, Clue.Status.CHECKING])
    elif status in Clue.Status.values:
        rows = rows.filter(status=status)
    if kind in ClueKind.values:
        rows = rows.filter(kind=kind)
    return rows.order_by("-created_at", "-id")


def clue_get_for_user(*, user: User, clue_id: int) -> Clue:
    """One clue the user may read; 404 for a missing or foreign one (ids cannot be probed)."""
    found = clues_for_user(user=user).filter(pk=clue_id).first()
    if found is None:
        raise Http404
    return found


def clue_handled_by(user: User, clue: Clue) -> bool:
    """Tell whether ``user`` records the outcome of ``clue``: a police station whose area contains it."""
    return user.caps.handle_clues and scope_for(user).contains(clue.region)


def clue_contact(user: User, clue: Clue) -> tuple[str, str]:
    """The clue's contact (name, phone) as the user may see it: in full for the police station of the
    area and the reporter, otherwise masked as the role masks the registry."""
    if clue_handled_by(user, clue) or clue.reported_by_id == user.pk:
        return clue.contact_name, clue.contact_phone
    name = mask_name(clue.contact_name) if clue.contact_name else ""
    return name, user.caps.identifiers("", clue.contact_phone)[1]


def _prefixes(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def police_for_regions(regions: Iterable[Region]) -> dict[int, list[User]]:
    """The active police station accounts each region is routed to (region id → users), in one query."""
    regions = list(regions)
    paths = {prefix for region in regions for prefix in _prefixes(region.path)}
    if not paths:
        return {}
    by_path: dict[str, list[User]] = defaultdict(list)
    for assignment in (
        Assignment.objects.filter(user__role=Role.POLICE, user__is_active=True, region__path__in=paths)
        .select_related("user", "region")
        .order_by("user_id")
    ):
        by_path[assignment.region.path].append(assignment.user)
    out: dict[int, list[User]] = {}
    for region in regions:
        users: dict[int, User] = {}
        for prefix in _prefixes(region.path):
            for user in by_path.get(prefix, []):
                users[user.pk] = user
        out[region.pk] = list(users.values())
    return out


# --- resident entries ------------------------------------------------------------------------------


def entries_q(user: User) -> Q:
    """Entries a user reviews: a grid worker's whole village, a village's, town's or district's all."""
    if user.role not in REVIEWERS:
        return Q(pk__in=[])
    parts = Q(pk__in=[])
    for root in scope_for(user).roots:
        if root.level >= Level.VILLAGE:
            parts |= Q(village_id=root.depth_ids[Level.VILLAGE - 1])
        else:
            parts |= Q(**{LEVEL_FIELD[root.level]: root.pk})
    return parts


def entries_for_user(*, user: User, status: str = ResidentEntry.Status.PENDING) -> QuerySet[ResidentEntry]:
    """The entries the user reviews, newest first; genuine ones before the quarantined flood."""
    rows = ResidentEntry.objects.filter(entries_q(user)).select_related(
        "village", "link", "decided_by", "person", "clue"
    )
    if status in ResidentEntry.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("quarantined", "-created_at", "-id")


def entry_get_for_user(*, user: User, entry_id: int) -> ResidentEntry:
    found = entries_for_user(user=user, status="").filter(pk=entry_id).first()
    if found is None:
        raise Http404
    return found


def entry_counts(*, user: User) -> dict[str, int]:
    """Pending entries the user reviews: genuine and quarantined (for the page's header)."""
    counts = dict(
        ResidentEntry.objects.filter(entries_q(user), status=ResidentEntry.Status.PENDING)
        .values_list("quarantined")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {"pending": counts.get(False, 0), "quarantined": counts.get(True, 0)}


# --- community links -------------------------------------------------------------------------------


def link_villages_for_user(*, user: User) -> QuerySet[Region]:
    """The villages and communities whose public page the user may put up or take down."""
    if user.role not in LINK_MANAGERS:
        return Region.objects.none()
    return Region.objects.filter(scope_for(user).regions_q(), level=Level.VILLAGE).order_by("path")


def links_for_user(*, user: User, live_only: bool = False) -> QuerySet[CommunityLink]:
    if user.role not in LINK_MANAGERS:
        return CommunityLink.objects.none()
    rows = CommunityLink.objects.filter(scope_for(user).regions_q_for("village__")).select_related(
        "village", "created_by"
    )
    if live_only:
        rows = rows.filter(revoked_at__isnull=True)
    return rows.order_by("village__path", "-created_at", "-id")


def link_get_for_user(*, user: User, link_id: int) -> CommunityLink:
    found = links_for_user(user=user).filter(pk=link_id).first()
    if found is None:
        raise Http404
    return found


# --- counts for the daily report -------------------------------------------------------------------

COUNT_KEYS = ("received", "verified", "false", "handled", "rumours", "resident_entries")


@dataclass(frozen=True)
class ClueCounts:
    received: int  # clues received in the period (rumours included)
    verified: int  # found true in the period (已核实 or 已处置 for the first time)
    false: int  # found untrue in the period
    handled: int  # marked 已处置 in the period
    rumours: int  # rumours received in the period
    resident_entries: int  # residents' reports received through the community pages


def clue_figures(
    column: str, ids: Sequence[int], *, start: dt.datetime, end: dt.datetime
) -> dict[int, dict[str, int]]:
    """Count clues in (start, end] per value of a chain ``column`` (``town_id`` …). Three grouped queries."""
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(COUNT_KEYS, 0) for pk in ids}
    if not ids:
        return out
    unit = {f"{column}__in": list(ids)}
    received = Clue.objects.filter(**unit, created_at__gt=start, created_at__lte=end)
    for pk, n, rumours in (
        received.values_list(column)
        .annotate(n=Count("id"), rumours=Count("id", filter=Q(kind=ClueKind.RUMOUR)))
        .order_by()
    ):
        out[pk]["received"] += n
        out[pk]["rumours"] += rumours
    verified = Clue.objects.filter(**unit, verified_at__gt=start, verified_at__lte=end)
    for pk, n in verified.values_list(column).annotate(n=Count("id")).order_by():
        out[pk]["verified"] += n
    settled = Clue.objects.filter(
        **unit, outcome_at__gt=start, outcome_at__lte=end, status__in=[Clue.Status.FALSE, Clue.Status.HANDLED]
    )
    for pk, status, n in settled.values_list(column, "status").annotate(n=Count("id")).order_by():
        out[pk]["false" if status == Clue.Status.FALSE else "handled"] += n
    if column != "grid_id":
        entries = ResidentEntry.objects.filter(**unit, created_at__gt=start, created_at__lte=end)
        for pk, n in entries.values_list(column).annotate(n=Count("id")).order_by():
            out[pk]["resident_entries"] += n
    return out


def clue_counts(region: Region, start: dt.datetime, end: dt.datetime) -> ClueCounts:
    """The clue figures of ``region``'s subtree for the period (start, end]; not scoped (counts only)."""
    level = min(region.level, Level.GRID)
    pk = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
    values = clue_figures(LEVEL_FIELD[level], [pk], start=start, end=end)[pk]
    return ClueCounts(**values)


def clues_in_subtree(region: Region) -> Q:
    """Clues placed in ``region``'s subtree (for pages filtering one region)."""
    return subtree_q(region.path, field="region__path")

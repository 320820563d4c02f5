"""Designated hospitals, fever clinics and centralized observation sites: writes, reads and figures.

Hospitals and fever clinics (``Facility``) have beds and the number in them; HQ keeps both, and each
occupancy update records when it was made. Observation sites have rooms, each holding ``capacity``
people (单人单间 unless a family is kept together); ``episodes.episode_start`` refuses a full room.

The observation-site table (DOMAIN.md: 隔离点, 房间数, 使用人数, 其中湖北返回, 空余房间) is computed once, in
``site_table``, for the resources pages, the API and the department form "observation-sites":

- 使用人数: people with a centralized observation episode in one of the site's rooms, open at the
  cut-off (recorded and started by then, not ended), of the region asked for (all for a district).
- 其中湖北返回: of them, those observed because they came from or through the outbreak area (basis
  ``OUTBREAK_RETURN``) or whose journeys say so (``from_outbreak_area`` / ``via_outbreak_area``).
- 空余房间: rooms with nobody in them at the cut-off (a family room with one of two places taken is
  not free: rooms are given whole). 空余床位 (places) is given beside it for the API.

Writes are HQ's (``Role.DISTRICT_HQ`` with write rights) in its own district, and audited with ids
and counts only. Reads are scoped to the districts of the user's assignments; another district's ids
answer 404.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.lib.masking import mask_name
from epigrid.monitoring.models import Episode, Room, Site
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.resources.models import Facility

MAX_BEDS = 100_000
MAX_ROOM_CAPACITY = 20
MAX_ROOMS_AT_ONCE = 500
ROOM_NUMBER_MAX = 20
SITE_KEYS = ("rooms", "capacity", "occupied", "occupied_outbreak", "free_rooms", "free_places")


class FacilityError(Exception):
    """Nothing was written; ``message`` says why (Chinese), ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- who may --------------------------------------------------------------------------------------


def may_manage(user: User) -> bool:
    """Tell whether the user keeps the district's facilities and sites (HQ with write rights)."""
    return user.role == Role.DISTRICT_HQ and user.caps.can_write


def _require_hq(actor: User, district_id: int) -> None:
    if not may_manage(actor) or district_id not in districts_of(actor):
        raise PermissionDenied


def districts_of(user: User) -> list[int]:
    """The districts the user's assigned regions lie in (one, for every account of the demo)."""
    return sorted({root.depth_ids[0] for root in scope_for(user).roots})


# --- hospitals and fever clinics ------------------------------------------------------------------


@dataclass(frozen=True)
class FacilityInput:
    kind: str
    name: str
    beds: int | str  # checked by the service: a whole number
    occupied: int | str = 0
    address: str = ""
    phone: str = ""
    active: bool = True
    district: Region | None = None  # a new facility's district; an existing one keeps its own
    idempotency_key: str = ""  # a new facility's: the same key twice from one account adds it once


def facilities_for_user(*, user: User, kind: str | None = None) -> QuerySet[Facility]:
    """The hospitals and fever clinics of the user's district(s)."""
    rows = Facility.objects.filter(district_id__in=districts_of(user))
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("kind", "-active", "name")


def facility_get_for_user(*, user: User, facility_id: int) -> Facility:
    """One facility of the user's district; 404 otherwise (ids cannot be probed)."""
    found = facilities_for_user(user=user).filter(pk=facility_id).first()
    if found is None:
        raise Http404
    return found


def _whole(value: object, field_name: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise FacilityError(_("请填写整数。"), field_name) from None
    return number


def _check_counts(beds: int, occupied: int) -> None:
    if beds < 0 or beds > MAX_BEDS:
        raise FacilityError(_("床位数须在0到100000之间。"), "beds")
    if occupied < 0:
        raise FacilityError(_("在床人数不能为负数。"), "occupied")
    if occupied > beds:
        raise FacilityError(
            _("在床人数（%(occupied)s）不能超过床位数（%(beds)s）。") % {"occupied": occupied, "beds": beds},
            "occupied",
        )


@transaction.atomic
def facility_save(*, actor: User, data: FacilityInput, facility: Facility | None = None) -> Facility:
    """Add a hospital or fever clinic to HQ's district, or change one (refused: ``FacilityError``).

    Adding with an ``idempotency_key`` this account already added a facility with answers that one
    (``created`` false) and writes nothing, whatever else was sent; the account's row is locked while
    the key is looked up, so two retries at once add one. A key used for another district is refused.
    """
    if facility is not None:
        district_id = facility.district_id
    elif data.district is not None and data.district.level == Level.DISTRICT:
        district_id = data.district.pk
    else:
        raise FacilityError(_("请选择区/县。"), "district")
    _require_hq(actor, district_id)
    key = data.idempotency_key.strip()[:64] if facility is None else ""
    if key:
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = Facility.objects.filter(created_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.district_id != district_id:
                raise FacilityError(_("这个提交标识已用于另一条记录。"), "idempotency_key")
            previous.created = False
            return previous
    if data.kind not in Facility.Kind.values:
        raise FacilityError(_("未知的机构类型。"), "kind")
    name = data.name.strip()
    if not name:
        raise FacilityError(_("请填写名称。"), "name")
    if len(name) > 100:
        raise FacilityError(_("名称不能超过100字。"), "name")
    address, phone = data.address.strip(), data.phone.strip()
    if len(address) > 200:
        raise FacilityError(_("地址不能超过200字。"), "address")
    if len(phone) > 20:
        raise FacilityError(_("电话不能超过20字。"), "phone")
    beds = _whole(data.beds, "beds")
    occupied = _whole(data.occupied, "occupied")
    _check_counts(beds, occupied)
    same_name = Facility.objects.filter(district_id=district_id, name=name)
    if facility is not None:
        same_name = same_name.exclude(pk=facility.pk)
    if same_name.exists():
        raise FacilityError(_("本区已有同名机构。"), "name")
    created = facility is None
    if facility is None:
        facility = Facility(district_id=district_id, created_by=actor, idempotency_key=key)
    else:
        facility = Facility.objects.select_for_update().get(pk=facility.pk)
    if created or facility.occupied != occupied or facility.beds != beds:
        facility.occupied_on = now()
    facility.kind = data.kind
    facility.name = name
    facility.address = address
    facility.phone = phone
    facility.beds = beds
    facility.occupied = occupied
    facility.active = data.active
    facility.save()
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="facility",
        object_id=facility.pk,
        detail={"district": district_id, "kind": facility.kind, "beds": beds, "occupied": occupied},
    )
    return facility


@transaction.atomic
def facility_occupancy(*, actor: User, facility: Facility, occupied: object) -> Facility:
    """Record how many are in the facility's beds now (refused above the beds or below zero)."""
    _require_hq(actor, facility.district_id)
    facility = Facility.objects.select_for_update().get(pk=facility.pk)
    count = _whole(occupied, "occupied")
    _check_counts(facility.beds, count)
    before = facility.occupied
    facility.occupied = count
    facility.occupied_on = now()
    facility.save(update_fields=["occupied", "occupied_on", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="facility",
        object_id=facility.pk,
        detail={"occupied": count, "before": before, "beds": facility.beds},
    )
    return facility


# --- observation sites and rooms ------------------------------------------------------------------


def sites_for_user(*, user: User) -> QuerySet[Site]:
    """The observation sites of the user's district(s)."""
    return Site.objects.filter(district_id__in=districts_of(user)).order_by("name")


def site_get_for_user(*, user: User, site_id: int) -> Site:
    """One site of the user's district; 404 otherwise."""
    found = sites_for_user(user=user).filter(pk=site_id).first()
    if found is None:
        raise Http404
    return found


@transaction.atomic
def site_save(
    *, actor: User, name: str, address: str = "", district: Region | None = None, site: Site | None = None
) -> Site:
    """Add an observation site to HQ's district, or rename one."""
    if site is not None:
        district_id = site.district_id
    elif district is not None and district.level == Level.DISTRICT:
        district_id = district.pk
    else:
        raise FacilityError(_("请选择区/县。"), "district")
    _require_hq(actor, district_id)
    name, address = name.strip(), address.strip()
    if not name:
        raise FacilityError(_("请填写隔离点名称。"), "name")
    if len(name) > 100:
        raise FacilityError(_("名称不能超过100字。"), "name")
    if len(address) > 200:
        raise FacilityError(_("地址不能超过200字。"), "address")
    same_name = Site.objects.filter(district_id=district_id, name=name)
    if site is not None:
        same_name = same_name.exclude(pk=site.pk)
    if same_name.exists():
        raise FacilityError(_("本区已有同名隔离点。"), "name")
    created = site is None
    site = site or Site(district_id=district_id)
    site.name, site.address = name, address
    site.save()
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE if created else AuditEvent.Action.UPDATE,
        object_type="site",
        object_id=site.pk,
        detail={"district": district_id},
    )
    return site


_RANGE = re.compile(r"^(\d+)\s*[-~～—]\s*(\d+)$")


def parse_room_numbers(text: str) -> list[str]:
    """Read "201-230" or "101, 102, 105" (or both, comma separated) into room numbers, in order."""
    numbers: list[str] = []
    for part in re.split(r"[,，、;；\s]+", text.strip()):
        if not part:
            continue
        found = _RANGE.match(part)
        if found is None:
            numbers.append(part)
            continue
        first, last = int(found.group(1)), int(found.group(2))
        if last < first:
            raise FacilityError(_("房间号范围有误：%(part)s") % {"part": part}, "numbers")
        if last - first >= MAX_ROOMS_AT_ONCE:
            raise FacilityError(_("一次最多添加500个房间。"), "numbers")
        width = len(found.group(1))
        numbers.extend(str(n).zfill(width) for n in range(first, last + 1))
    return numbers


@transaction.atomic
def rooms_add(*, actor: User, site: Site, numbers: Iterable[str], capacity: object = 1) -> list[Room]:
    """Add rooms to a site, each holding ``capacity`` people; refused whole if one already exists."""
    _require_hq(actor, site.district_id)
    wanted = [str(n).strip() for n in numbers if str(n).strip()]
    if not wanted:
        raise FacilityError(_("请填写房间号。"), "numbers")
    if len(wanted) > MAX_ROOMS_AT_ONCE:
        raise FacilityError(_("一次最多添加500个房间。"), "numbers")
    if any(len(n) > ROOM_NUMBER_MAX for n in wanted):
        raise FacilityError(_("房间号不能超过20字。"), "numbers")
    if len(set(wanted)) != len(wanted):
        raise FacilityError(_("房间号有重复。"), "numbers")
    places = _whole(capacity, "capacity")
    if places < 1 or places > MAX_ROOM_CAPACITY:
        raise FacilityError(_("每间可住人数须在1到20之间。"), "capacity")
    taken = sorted(Room.objects.filter(site=site, number__in=wanted).values_list("number", flat=True))
    if taken:
        raise FacilityError(_("房间已存在：%(numbers)s") % {"numbers": "、".join(taken[:10])}, "numbers")
    rooms = Room.objects.bulk_create([Room(site=site, number=n, capacity=places) for n in wanted])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="room",
        object_id=site.pk,
        detail={"site": site.pk, "rooms": len(rooms), "capacity": places},
    )
    return rooms


# --- the observation-site table -------------------------------------------------------------------


@dataclass
class SiteRow:
    """One line of the observation-site table; ``site`` is None on the total line."""

    name: str
    site: Site | None = None
    values: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SITE_KEYS, 0))

    def __getattr__(self, key: str) -> int:
        # Templates read row.rooms, row.occupied …
        values = self.__dict__.get("values", {})
        if key in values:
            return int(values[key])
        raise AttributeError(key)


def _open_at(cutoff: dt.datetime) -> Q:
    """Episodes recorded and started by the cut-off and not ended by then (as the indicators count)."""
    day = timezone.localtime(cutoff).date()
    return Q(created_at__lte=cutoff, started_on__lte=day) & (
        Q(ended_at__isnull=True) | Q(ended_at__gt=cutoff)
    )


def _people_of(region: Region) -> Q:
    level = min(region.level, Level.GRID)
    region_id = region.pk if region.level <= Level.GRID else region.depth_ids[Level.GRID - 1]
    return Q(**{LEVEL_FIELD[level]: region_id})


def _outbreak() -> Q:
    return (
        Q(basis=Episode.Basis.OUTBREAK_RETURN)
        | Q(person__travels__from_outbreak_area=True)
        | Q(person__travels__via_outbreak_area=True)
    )


def site_table(region: Region, at: dt.datetime | None = None) -> tuple[list[SiteRow], SiteRow]:
    """The observation-site table of the region's district as of ``at`` (default: now), and its total.

    Rooms, places and free rooms are the site's; the people counted are those of ``region`` (all of
    them for a district). Six grouped queries, whatever the number of sites.
    """
    cutoff = at or now()
    sites = list(Site.objects.filter(district_id=region.depth_ids[0]).order_by("name"))
    room_figures = {
        site_id: (rooms, places or 0)
        for site_id, rooms, places in Room.objects.filter(site__in=sites)
        .values_list("site_id")
        .annotate(n=Count("id"), places=Sum("capacity"))
        .order_by()
    }
    occupied = Episode.objects.filter(_open_at(cutoff), room__site__in=sites)
    used_rooms = dict(
        occupied.values_list("room__site_id").annotate(n=Count("room_id", distinct=True)).order_by()
    )
    all_people = dict(
        occupied.values_list("room__site_id").annotate(n=Count("person_id", distinct=True)).order_by()
    )
    here = occupied.filter(_people_of(region))
    people = dict(here.values_list("room__site_id").annotate(n=Count("person_id", distinct=True)).order_by())
    outbreak = dict(
        here.filter(_outbreak())
        .values_list("room__site_id")
        .annotate(n=Count("person_id", distinct=True))
        .order_by()
    )
    rows: list[SiteRow] = []
    total = SiteRow(name=_("合计"))
    for site in sites:
        rooms, places = room_figures.get(site.pk, (0, 0))
        values = {
            "rooms": rooms,
            "capacity": places,
            "occupied": people.get(site.pk, 0),
            "occupied_outbreak": outbreak.get(site.pk, 0),
            "free_rooms": rooms - used_rooms.get(site.pk, 0),
            "free_places": max(places - all_people.get(site.pk, 0), 0),
        }
        rows.append(SiteRow(name=site.name, site=site, values=values))
        for key, value in values.items():
            total.values[key] += value
    return rows, total


# --- who is in which room -------------------------------------------------------------------------


@dataclass(frozen=True)
class Occupant:
    name: str  # masked unless the user's scope covers the person
    person_id: int | None  # only when the user's scope covers the person
    episode_id: int | None
    basis: str
    basis_label: str
    started_on: dt.date
    planned_end: dt.date


@dataclass(frozen=True)
class RoomView:
    room: Room
    occupants: list[Occupant]

    @property
    def free(self) -> int:
        return max(self.room.capacity - len(self.occupants), 0)


def room_occupants(*, user: User, site: Site, request: HttpRequest | None = None) -> list[RoomView]:
    """Each room of the site with the people in it now; the listing is audited (person ids only).

    A name is shown in full only when the user's scope covers the person (their village's or town's
    staff, HQ); others see the first character ("张*") and no link to the record.
    """
    if site.district_id not in districts_of(user):
        raise Http404
    scope = scope_for(user)
    rooms = list(Room.objects.filter(site=site).order_by("number"))
    episodes = (
        Episode.objects.filter(room__site=site, status=Episode.Status.OPEN)
        .select_related("person")
        .order_by("room_id", "started_on", "id")
    )
    by_room: dict[int, list[Occupant]] = {room.pk: [] for room in rooms}
    listed: list[int] = []
    for episode in episodes:
        person = episode.person
        covered = scope.covers(episode)
        listed.append(person.pk)
        by_room.setdefault(episode.room_id or 0, []).append(
            Occupant(
                name=person.name if covered else mask_name(person.name),
                person_id=person.pk if covered else None,
                episode_id=episode.pk if covered else None,
                basis=episode.basis,
                basis_label=str(episode.get_basis_display()),
                started_on=episode.started_on,
                planned_end=episode.planned_end,
            )
        )
    audit_log(
        actor=user,
        action=AuditEvent.Action.READ,
        object_type="site",
        object_id=site.pk,
        detail={"persons": listed, "rooms": len(rooms)},
        request=request,
    )
    return [RoomView(room=room, occupants=by_room.get(room.pk, [])) for room in rooms]

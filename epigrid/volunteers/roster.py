"""The duty roster as read: a region's day (every unit and checkpoint, who is on duty now, the hours
nobody covers) and a place's week.

What must be covered: a unit around the clock (24-hour duty, 值班值守); a checkpoint during its
opening hours (around the clock when it has none). The hours of that window that no shift covers are
the place's gaps; on today's roster a place whose window holds the present moment and that nobody
covers now is marked. Shifts whose person is also on an overlapping shift elsewhere are flagged with
the other place (named when it lies in the reader's scope, "辖区外" otherwise).

Reading a roster shows names and phones of staff and volunteers: a shift's phone is the number to call
whoever is on duty and is shown in full to every reader in scope; a volunteer's own phone (a shift
that gives no other number) is masked as the role says (``duties.duty_phone_for``). The reading is
audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.checkpoints.models import Checkpoint
from epigrid.checkpoints.selectors import checkpoints_for_user
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.regions.models import LEVEL_FIELD, Level, Region
from epigrid.regions.scope import scope_for, subtree_q
from epigrid.volunteers.duties import conflicts_for, duty_phone_for, duty_place
from epigrid.volunteers.models import Duty

Interval = tuple[dt.datetime, dt.datetime]


def day_window(day: dt.date) -> Interval:
    """The local calendar day as aware moments [start, end)."""
    zone = timezone.get_default_timezone()
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min), zone)
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min), zone)


def required_windows(
    checkpoint: Checkpoint | None, day: dt.date, unit: Region | None = None
) -> list[Interval]:
    """The hours of ``day`` that must be covered: all of it at a unit above the grids, a checkpoint's
    opening hours, none at a grid (its grid workers are there; a shift at a grid is extra)."""
    start, end = day_window(day)
    if checkpoint is None and unit is not None and unit.level >= Level.GRID:
        return []
    if checkpoint is None or checkpoint.around_the_clock:
        return [(start, end)]
    zone = timezone.get_default_timezone()
    opens = timezone.make_aware(dt.datetime.combine(day, checkpoint.opens_at or dt.time.min), zone)
    closes = timezone.make_aware(dt.datetime.combine(day, checkpoint.closes_at or dt.time.min), zone)
    if closes > opens:
        return [(opens, closes)]
    # Open across midnight (e.g. 18:00–06:00): the morning's end of last night and tonight's start.
    return [w for w in ((start, closes), (opens, end)) if w[1] > w[0]]


def uncovered(windows: list[Interval], shifts: list[Interval]) -> list[Interval]:
    """The parts of ``windows`` that no shift covers."""
    gaps: list[Interval] = []
    ordered = sorted(shifts)
    for low, high in windows:
        cursor = low
        for start, end in ordered:
            if end <= cursor or start >= high:
                continue
            if start > cursor:
                gaps.append((cursor, start))
            cursor = max(cursor, end)
            if cursor >= high:
                break
        if cursor < high:
            gaps.append((cursor, high))
    return gaps


def _hhmm(moment: dt.datetime, day: dt.date) -> str:
    local = timezone.localtime(moment, timezone.get_default_timezone())
    if local.date() > day and local.time() == dt.time.min:
        return "24:00"
    return local.strftime("%H:%M")


def span_label(interval: Interval, day: dt.date) -> str:
    return f"{_hhmm(interval[0], day)}–{_hhmm(interval[1], day)}"


@dataclass(frozen=True)
class Shift:
    duty: Duty
    phone: str  # as the role may see it
    on_now: bool
    conflicts: list[str]  # the other places, "辖区外" when outside the reader's scope


@dataclass
class PlaceDay:
    region: Region | None
    checkpoint: Checkpoint | None
    shifts: list[Shift] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)  # "20:00–24:00"
    uncovered_now: bool = False

    @property
    def name(self) -> str:
        return (
            self.checkpoint.name if self.checkpoint is not None else self.region.name if self.region else ""
        )

    @property
    def kind_label(self) -> str:
        if self.checkpoint is not None:
            return str(_("卡口"))
        return self.region.kind_label if self.region is not None else ""

    @property
    def on_now(self) -> list[Shift]:
        return [s for s in self.shifts if s.on_now]

    @property
    def conflicted(self) -> bool:
        return any(s.conflicts for s in self.shifts)


@dataclass
class Roster:
    region: Region
    day: dt.date
    is_today: bool
    places: list[PlaceDay]

    @property
    def conflicts(self) -> int:
        return sum(1 for p in self.places for s in p.shifts if s.conflicts)

    @property
    def with_gaps(self) -> int:
        return sum(1 for p in self.places if p.gaps)

    @property
    def uncovered_now(self) -> int:
        return sum(1 for p in self.places if p.uncovered_now)


def _conflict_labels(user: User, others: list[Duty]) -> list[str]:
    scope = scope_for(user)
    labels = []
    for other in others:
        place = duty_place(other)
        if scope.contains(place):
            name = other.checkpoint.name if other.checkpoint is not None else place.name
            labels.append(f"{name} {other.day:%m-%d} {other.starts_at:%H:%M}–{other.ends_at:%H:%M}")
        else:
            labels.append(str(_("辖区外另一处值班")))
    return labels


def _shifts(user: User, duties: list[Duty], moment: dt.datetime | None) -> dict[int, Shift]:
    conflicts = conflicts_for(duties)
    caps = user.caps
    return {
        d.pk: Shift(
            duty=d,
            phone=duty_phone_for(caps, d),
            on_now=moment is not None and d.start_at <= moment < d.end_at,
            conflicts=_conflict_labels(user, conflicts[d.pk]),
        )
        for d in duties
    }


def _fill(place: PlaceDay, shifts: list[Shift], day: dt.date, moment: dt.datetime | None) -> None:
    start, end = day_window(day)
    place.shifts = [s for s in shifts if s.duty.start_at < end and s.duty.end_at > start]
    windows = required_windows(place.checkpoint, day, place.region)
    place.gaps = [
        span_label(g, day)
        for g in uncovered(windows, [(s.duty.start_at, s.duty.end_at) for s in place.shifts])
    ]
    if moment is not None:
        required_now = any(low <= moment < high for low, high in windows)
        place.uncovered_now = required_now and not place.on_now


def _duties(column: str, value: int, first: dt.date, last: dt.date) -> list[Duty]:
    """Shifts touching the days first..last (a shift starting the day before may run into the first)."""
    low, _end = day_window(first)
    _start, high = day_window(last)
    return list(
        Duty.objects.filter(
            **{column: value},
            day__gte=first - dt.timedelta(days=1),
            day__lte=last,
            start_at__lt=high,
            end_at__gt=low,
        ).select_related("staff", "volunteer", "region", "checkpoint__region")
    )


def _audit(user: User, region: Region, duties: list[Duty], what: str, request: HttpRequest | None) -> None:
    if duties:
        audit_log(
            actor=user,
            action=AuditEvent.Action.READ,
            object_type="duty_roster",
            object_id=region.pk,
            region_path=region.path,
            detail={
                "what": what,
                "duties": len(duties),
                "volunteers": sorted({d.volunteer_id for d in duties if d.volunteer_id}),
            },
            request=request,
        )


def roster_for_region(
    *, user: User, region: Region, day: dt.date, request: HttpRequest | None = None
) -> Roster:
    """The day's roster of every unit and checkpoint in ``region``'s subtree (``region`` is in scope).

    Units: the region and every region below it down to the villages, plus any grid that has a shift
    that day (a grid is staffed by its grid workers, so its hours are not required to be covered).
    """
    level = min(region.level, Level.GRID)
    column = LEVEL_FIELD[level]
    duties = _duties(column, region.pk if region.level <= Level.GRID else region.depth_ids[3], day, day)
    on_duty_units = {d.region_id for d in duties if d.region_id is not None} | {region.pk}
    units = list(
        Region.objects.filter(subtree_q(region.path))
        .filter(Q(level__lte=Level.VILLAGE) | Q(pk__in=sorted(on_duty_units)))
        .order_by("path")
    )
    checkpoints = list(checkpoints_for_user(user=user, region=region).filter(active=True))
    moment = now() if day == timezone.localdate() else None
    shifts = _shifts(user, duties, moment)
    by_unit: dict[int, list[Shift]] = {}
    by_checkpoint: dict[int, list[Shift]] = {}
    for duty in duties:
        if duty.checkpoint_id is not None:
            by_checkpoint.setdefault(duty.checkpoint_id, []).append(shifts[duty.pk])
        elif duty.region_id is not None:
            by_unit.setdefault(duty.region_id, []).append(shifts[duty.pk])
    places: list[PlaceDay] = []
    for unit in units:
        place = PlaceDay(region=unit, checkpoint=None)
        _fill(place, by_unit.get(unit.pk, []), day, moment)
        places.append(place)
        for checkpoint in (c for c in checkpoints if c.region_id == unit.pk):
            row = PlaceDay(region=None, checkpoint=checkpoint)
            _fill(row, by_checkpoint.get(checkpoint.pk, []), day, moment)
            places.append(row)
    shown = {p.checkpoint.pk for p in places if p.checkpoint is not None}
    for checkpoint in checkpoints:  # standing in a grid that is not listed as a unit
        if checkpoint.pk not in shown:
            row = PlaceDay(region=None, checkpoint=checkpoint)
            _fill(row, by_checkpoint.get(checkpoint.pk, []), day, moment)
            places.append(row)
    _audit(user, region, duties, "day", request)
    return Roster(region=region, day=day, is_today=moment is not None, places=places)


@dataclass(frozen=True)
class WeekDay:
    day: dt.date
    place: PlaceDay


def week_for_place(
    *,
    user: User,
    start: dt.date,
    region: Region | None = None,
    checkpoint: Checkpoint | None = None,
    request: HttpRequest | None = None,
) -> list[WeekDay]:
    """Seven days of one unit or one checkpoint (in the user's scope): shifts, gaps, double bookings."""
    last = start + dt.timedelta(days=6)
    if checkpoint is not None:
        duties = _duties("checkpoint_id", checkpoint.pk, start, last)
        anchor = checkpoint.region
    elif region is not None:
        duties = _duties("region_id", region.pk, start, last)
        anchor = region
    else:
        return []
    today = timezone.localdate()
    moment = now()
    shifts = _shifts(user, duties, moment)
    out = []
    for n in range(7):
        day = start + dt.timedelta(days=n)
        place = PlaceDay(region=region if checkpoint is None else None, checkpoint=checkpoint)
        _fill(place, [shifts[d.pk] for d in duties], day, moment if day == today else None)
        # A night shift shows on the day it starts; the next morning only counts it as covered.
        place.shifts = [s for s in place.shifts if s.duty.day == day]
        out.append(WeekDay(day, place))
    _audit(user, anchor, duties, "week", request)
    return out

"""Writes of the measures log's entries: add one, correct or withdraw it (compounds: ``sealed_services``).

Who writes: an entry is logged for a town/street, a village/community or a grid (which counts into its
village) inside the actor's scope — village leaders and grid workers for their villages and grids, town
officers and the district HQ for any unit of their subtree (``may_log``). A unit outside the actor's
scope is ``Http404``, as a missing one; a role that writes nothing here is ``PermissionDenied``;
everything else that is wrong is ``MeasureInvalid`` naming each field at once ("count", "day", "kind",
"region" …) with the messages below, which the tests assert exactly. Nothing is written then.

An entry is corrected (a new revision the old one points at) or withdrawn (the current revision marked)
by its author or by a superior who may log for its unit; nothing is deleted. The same submission twice
— the same ``idempotency_key`` from the same account, a phone that lost the answer and sent again —
returns the first row and writes nothing, and so does a correction that the entry already carries.
Every write is audited with counts and kinds, never the note's text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.measurelog.models import ENTRY_KINDS, MeasureEntry
from epigrid.regions.models import Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.services import chain_to

UNIT_LEVELS = frozenset({Level.TOWN, Level.VILLAGE, Level.GRID})
# The levels each role logs for, inside its scope.
LOGGING_ROLES: dict[str, frozenset[int]] = {
    Role.DISTRICT_HQ: UNIT_LEVELS,
    Role.TOWN_OFFICER: UNIT_LEVELS,
    Role.VILLAGE_LEADER: frozenset({Level.VILLAGE, Level.GRID}),
    Role.GRID_WORKER: frozenset({Level.VILLAGE, Level.GRID}),
}
# Who outranks whom when correcting another's entry: a village leader corrects a grid worker's, a town
# officer a village's, HQ anyone's; peers correct only their own.
RANK: dict[str, int] = {
    Role.GRID_WORKER: 1,
    Role.VILLAGE_LEADER: 2,
    Role.TOWN_OFFICER: 3,
    Role.DISTRICT_HQ: 4,
}

BACKDATE_DAYS = 30  # an entry of a day up to 30 days back; older days' reports are long submitted
COUNT_MAX = 100_000  # a day's sum stays far below the daily report's own limit (1,000,000)
NOTE_MAX = 200
PLACE_MAX = 100
KEY_MAX = 64

COUNT_NOT_WHOLE = _("数量须为正整数。")
COUNT_TOO_LARGE = _("数量过大，请核对。")
DAY_FUTURE = _("日期不能晚于今天。")
DAY_TOO_OLD = _("只能登记30天内的措施。")
CORRECTION_TOO_OLD = _("30天前的记录不能再更正或撤回。")
KIND_UNKNOWN = _("请选择措施类型。")
REGION_NOT_A_UNIT = _("措施按镇（街道）、村（社区）或网格登记。")
REGION_NOT_YOURS = _("您的角色不能为这一级单位登记措施。")
NOTE_TOO_LONG = _("备注不能超过200字。")
PLACE_TOO_LONG = _("地点不能超过100字。")
REASON_TOO_LONG = _("撤回原因不能超过200字。")
KEY_REUSED = _("这个提交标识已用于另一条记录。")
ENTRY_WITHDRAWN = _("这条记录已撤回，不能更正。")
ENTRY_SUPERSEDED = _("这条记录已被更正，请在最新版本上修改。")


class MeasureInvalid(Exception):
    """Nothing was written; ``errors`` maps each field ("count", "day" …) to why."""

    def __init__(self, errors: Mapping[str, StrOrPromise]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True)
class Logged:
    entry: MeasureEntry
    created: bool  # False: the same submission (or the same correction) was already there


def may_log(user: User, region: Region) -> bool:
    """Tell whether ``user`` may log measures for ``region`` (its role, its level, its scope)."""
    levels = LOGGING_ROLES.get(user.role)
    return (
        levels is not None
        and user.caps.can_write
        and region.level in levels
        and scope_for(user).contains(region)
    )


def may_change(user: User, entry: MeasureEntry, author: User) -> bool:
    """Tell whether ``user`` may correct or withdraw ``entry``, first logged by ``author``."""
    if not may_log(user, entry.region):
        return False
    return user.pk == author.pk or RANK.get(user.role, 0) > RANK.get(author.role, 0)


def parse_whole(raw: object) -> int | None:
    """Read a whole number as a form or a JSON body gives it ("12", 12); None when it is not one."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw if raw is not None else "").strip()
    if text.startswith(("-", "+")):
        sign, digits = text[0], text[1:]
    else:
        sign, digits = "", text
    if not digits.isascii() or not digits.isdigit():
        return None
    return int(sign + digits)


def _count_error(raw: object) -> tuple[int, StrOrPromise | None]:
    number = parse_whole(raw)
    if number is None or number <= 0:
        return 0, COUNT_NOT_WHOLE
    if number > COUNT_MAX:
        return number, COUNT_TOO_LARGE
    return number, None


def _texts(errors: dict[str, StrOrPromise], note: str, place: str) -> tuple[str, str]:
    note, place = note.strip(), place.strip()
    if len(note) > NOTE_MAX:
        errors["note"] = NOTE_TOO_LONG
    if len(place) > PLACE_MAX:
        errors["place"] = PLACE_TOO_LONG
    return note, place


def refuse_outside(actor: User, region: Region) -> None:
    if not scope_for(actor).contains(region):
        raise Http404


# --- entries -------------------------------------------------------------------------------------


def measure_log_add(
    *,
    actor: User,
    region: Region,
    day: dt.date,
    kind: str,
    count: object,
    note: str = "",
    place: str = "",
    idempotency_key: str = "",
    moment: dt.datetime | None = None,
) -> Logged:
    """Log ``count`` of ``kind`` done by ``region`` on ``day``; the same key twice logs it once."""
    refuse_outside(actor, region)
    if actor.role not in LOGGING_ROLES or not actor.caps.can_write:
        raise PermissionDenied
    moment = moment or now()
    key = idempotency_key.strip()[:KEY_MAX]
    if key:
        previous = _keyed(actor, key, region, day, kind)
        if previous is not None:
            return Logged(previous, created=False)
    errors: dict[str, StrOrPromise] = {}
    if region.level not in UNIT_LEVELS:
        errors["region"] = REGION_NOT_A_UNIT
    elif region.level not in LOGGING_ROLES[actor.role]:
        errors["region"] = REGION_NOT_YOURS
    today = timezone.localdate(moment)
    if day > today:
        errors["day"] = DAY_FUTURE
    elif day < today - dt.timedelta(days=BACKDATE_DAYS):
        errors["day"] = DAY_TOO_OLD
    if kind not in ENTRY_KINDS:
        errors["kind"] = KIND_UNKNOWN
    number, count_error = _count_error(count)
    if count_error is not None:
        errors["count"] = count_error
    note, place = _texts(errors, note, place)
    if errors:
        raise MeasureInvalid(errors)
    try:
        with transaction.atomic():
            entry = MeasureEntry.objects.create(
                region=region,
                **chain_of(region),
                day=day,
                kind=kind,
                count=number,
                note=note,
                place=place,
                recorded_by=actor,
                recorded_at=moment,
                idempotency_key=key,
            )
            _audit(actor, AuditEvent.Action.CREATE, entry, {"count": number})
    except IntegrityError:
        # The same key from the same account, written by a request racing this one: that row is ours.
        previous = _keyed(actor, key, region, day, kind) if key else None
        if previous is None:
            raise
        return Logged(previous, created=False)
    return Logged(entry, created=True)


def _keyed(actor: User, key: str, region: Region, day: dt.date, kind: str) -> MeasureEntry | None:
    """The entry this account already logged under ``key``; refused when it was a different one."""
    previous = MeasureEntry.objects.filter(recorded_by=actor, idempotency_key=key).first()
    if previous is None:
        return None
    if (previous.region_id, previous.day, previous.kind) != (region.pk, day, kind):
        raise MeasureInvalid({"idempotency_key": KEY_REUSED})
    return previous


def chain_of(region: Region) -> dict[str, int | None]:
    chain = chain_to(region)
    return {
        "district_id": chain["district_id"],
        "town_id": chain.get("town_id"),
        "village_id": chain.get("village_id"),
        "grid_id": chain.get("grid_id"),
    }


def _audit(actor: User, action: str, entry: MeasureEntry, extra: dict[str, object]) -> None:
    audit_log(
        actor=actor,
        action=action,
        object_type="measure_entry",
        object_id=entry.pk,
        region_path=entry.region.path,
        detail={"day": entry.day.isoformat(), "kind": entry.kind, "revision": entry.revision, **extra},
    )


def _history(entry: MeasureEntry) -> Q:
    root = entry.root_id
    return Q(pk=root) | Q(original_id=root)


def _latest_locked(entry: MeasureEntry) -> MeasureEntry:
    """Lock and return the newest revision of the entry's history (the entry itself is in it)."""
    latest = MeasureEntry.objects.select_for_update().filter(_history(entry)).order_by("-revision").first()
    if latest is not None and latest.replaced_by_id is not None:
        # A correction committed while we waited for the lock: its row was not in our snapshot.
        latest = MeasureEntry.objects.filter(_history(entry)).order_by("-revision").first()
    if latest is None:
        raise MeasureEntry.DoesNotExist
    latest.region = entry.region
    return latest


def _author(entry: MeasureEntry) -> User:
    if entry.original_id is None:
        return entry.recorded_by
    first = MeasureEntry.objects.select_related("recorded_by").get(pk=entry.original_id)
    return first.recorded_by


def _may_change_or_refuse(actor: User, entry: MeasureEntry, moment: dt.datetime) -> None:
    refuse_outside(actor, entry.region)
    if not may_change(actor, entry, _author(entry)):
        raise PermissionDenied
    if entry.day < timezone.localdate(moment) - dt.timedelta(days=BACKDATE_DAYS):
        raise MeasureInvalid({"day": CORRECTION_TOO_OLD})


def measure_log_correct(
    *,
    actor: User,
    entry: MeasureEntry,
    kind: str,
    count: object,
    note: str = "",
    place: str = "",
    moment: dt.datetime | None = None,
) -> Logged:
    """Correct an entry: a new revision replaces it (kept, pointing at the new one)."""
    moment = moment or now()
    _may_change_or_refuse(actor, entry, moment)
    errors: dict[str, StrOrPromise] = {}
    if kind not in ENTRY_KINDS:
        errors["kind"] = KIND_UNKNOWN
    number, count_error = _count_error(count)
    if count_error is not None:
        errors["count"] = count_error
    note, place = _texts(errors, note, place)
    if errors:
        raise MeasureInvalid(errors)
    wanted = (kind, number, note, place)
    with transaction.atomic():
        latest = _latest_locked(entry)
        if latest.withdrawn:
            raise MeasureInvalid({"entry": ENTRY_WITHDRAWN})
        if (latest.kind, latest.count, latest.note, latest.place) == wanted:
            return Logged(latest, created=False)  # already says so: a resent correction
        if latest.pk != entry.pk:
            raise MeasureInvalid({"entry": ENTRY_SUPERSEDED})
        revision = MeasureEntry.objects.create(
            region=latest.region,
            district_id=latest.district_id,
            town_id=latest.town_id,
            village_id=latest.village_id,
            grid_id=latest.grid_id,
            day=latest.day,
            kind=kind,
            count=number,
            note=note,
            place=place,
            recorded_by=actor,
            recorded_at=moment,
            revision=latest.revision + 1,
            original_id=latest.root_id,
        )
        MeasureEntry.objects.filter(pk=latest.pk).update(replaced_by=revision)
        _audit(
            actor,
            AuditEvent.Action.UPDATE,
            revision,
            {
                "replaces": latest.pk,
                "kind_before": latest.kind,
                "count_before": latest.count,
                "count": number,
            },
        )
    return Logged(revision, created=True)


def measure_log_withdraw(
    *, actor: User, entry: MeasureEntry, reason: str = "", moment: dt.datetime | None = None
) -> MeasureEntry:
    """Withdraw an entry (its current revision): it stays, marked, and no longer counts."""
    moment = moment or now()
    _may_change_or_refuse(actor, entry, moment)
    reason = reason.strip()
    if len(reason) > NOTE_MAX:
        raise MeasureInvalid({"reason": REASON_TOO_LONG})
    with transaction.atomic():
        latest = _latest_locked(entry)
        if latest.withdrawn:
            return latest  # withdrawn already: a resent withdrawal changes nothing
        latest.withdrawn_at = moment
        latest.withdrawn_by = actor
        latest.withdraw_reason = reason
        latest.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        _audit(actor, AuditEvent.Action.DELETE, latest, {"count": latest.count, "withdrawn": True})
    return latest

"""Health checks (temperature, symptoms, whether the person went out) and personal self-report links.

``check_record`` records one check, whichever way it came in: the grid worker's roster, a phone call
recorded by staff or the person's own link (``actor`` None, channel ``self``); the public self-report
page writes its submissions in groups (``epigrid.monitoring.selfreport``) through the same
``check_validate`` and ``checks_write``. It reports
every problem at once (``CheckInvalid``, keyed by field), judges fever under the *episode's* policy
version (a later protocol change never rewrites a verdict), and treats a second entry for the same
episode, day and slot as a replacement: the earlier row stays and points at the new one
(``replaced_by``). A double submission from a flaky phone therefore leaves one current check.

Self-report links (``link_create`` / ``link_revoke`` / ``link_resolve``) follow the API tokens of
``epigrid.core.tokens``: the token is shown once (in the link) and only its SHA-256 is stored, so a
lookup is an indexed equality on the digest and a database leak gives no working link.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
from epigrid.core.bulk import insert_returning
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.monitoring.models import Episode, HealthCheck, ReportLink
from epigrid.people.models import TEMPERATURE_MAX, TEMPERATURE_MIN
from epigrid.regions.scope import scope_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise  # types only: django-stubs is a dev dependency

ERR_NOT_OPEN = _("该人员目前不在医学观察或健康监测中，不能记录健康监测")
ERR_DAY_OUTSIDE = _("日期不在本次观察期内")
ERR_SLOT_UNKNOWN = _("未知的测温时段")
ERR_TEMPERATURE_REQUIRED = _("请填写体温")
ERR_TEMPERATURE_NUMBER = _("体温应为数字，例如 36.5")
ERR_TEMPERATURE_RANGE = _("体温应在34.0至43.0 °C之间")
ERR_TEMPERATURE_DECIMALS = _("体温最多保留一位小数")
ERR_SYMPTOM_UNKNOWN = _("未知的症状")
ERR_RECORDED_FUTURE = _("测量时间不能晚于现在")
ERR_CHANNEL_UNKNOWN = _("未知的填报方式")

# A phone's clock may run a little ahead of the server's (as for screenings).
CLOCK_SKEW = dt.timedelta(minutes=10)
# Writing last_used_at on every submission would add a write per request; a minute is precise enough.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)
TOKEN_BYTES = 24  # secrets.token_urlsafe(24): 32 characters, 192 bits
TOKEN_MAX_LENGTH = 64


@dataclass(frozen=True)
class FieldError:
    field: str
    message: StrOrPromise


class CheckInvalid(Exception):
    """The check was not recorded; ``errors`` lists every problem found."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))
        self.errors = errors


def parse_temperature(text: str) -> Decimal | None:
    """Read a typed temperature ("36.5", "36,5", " 37 "); None when empty; ``CheckInvalid`` if no number."""
    clean = text.strip().replace(",", ".").replace("，", ".").replace("。", ".").replace("℃", "")
    if not clean:
        return None
    try:
        value = Decimal(clean)
    except InvalidOperation:
        raise CheckInvalid([FieldError("temperature", ERR_TEMPERATURE_NUMBER)]) from None
    if not value.is_finite():
        raise CheckInvalid([FieldError("temperature", ERR_TEMPERATURE_NUMBER)])
    return value


def check_validate(
    *,
    episode: Episode,
    day: dt.date,
    slot: str,
    temperature: Decimal | None,
    symptoms: Sequence[str],
    channel: str,
    recorded_at: dt.datetime,
) -> list[str]:
    errors: list[FieldError] = []
    if episode.status != Episode.Status.OPEN:
        # Nothing else matters: the person is not being watched.
        raise CheckInvalid([FieldError("", ERR_NOT_OPEN)])
    policy = episode.policy
    if day < episode.started_on or day > timezone.localdate(now() + CLOCK_SKEW):
        errors.append(FieldError("day", ERR_DAY_OUTSIDE))
    if slot not in policy.slot_keys:
        errors.append(FieldError("slot", ERR_SLOT_UNKNOWN))
    if channel not in HealthCheck.Channel.values:
        errors.append(FieldError("channel", ERR_CHANNEL_UNKNOWN))
    if temperature is None:
        errors.append(FieldError("temperature", ERR_TEMPERATURE_REQUIRED))
    elif not temperature.is_finite() or not TEMPERATURE_MIN <= temperature <= TEMPERATURE_MAX:
        errors.append(FieldError("temperature", ERR_TEMPERATURE_RANGE))
    elif temperature != temperature.quantize(Decimal("0.1")):
        errors.append(FieldError("temperature", ERR_TEMPERATURE_DECIMALS))
    wanted = set(symptoms)
    if wanted - set(policy.symptoms):
        errors.append(FieldError("symptoms", ERR_SYMPTOM_UNKNOWN))
    if recorded_at > now() + CLOCK_SKEW:
        errors.append(FieldError("recorded_at", ERR_RECORDED_FUTURE))
    if errors:
        raise CheckInvalid(errors)
    return [s for s in policy.symptoms if s in wanted]  # the policy's order, no duplicates


def _may_write(actor: User, episode: Episode) -> bool:
    return actor.caps.can_write and scope_for(actor).covers(episode)


def check_record(
    *,
    actor: User | None,
    episode: Episode,
    day: dt.date,
    slot: str,
    temperature: Decimal | None,
    symptoms: Sequence[str] = (),
    went_out: bool = False,
    channel: str,
    recorded_at: dt.datetime,
    link: ReportLink | None = None,
) -> HealthCheck:
    """Record one check; a current check of the same episode, day and slot is replaced, not deleted.

    ``actor`` None is the person through their own link (channel ``self``): the caller has resolved
    the link and passes it as ``link``, whose last use is noted in the same transaction (one commit
    per submission). Staff channels need a role that writes and the episode inside the actor's scope.
    """
    if actor is None:
        if channel != HealthCheck.Channel.SELF:
            raise PermissionDenied
    elif not _may_write(actor, episode):
        raise PermissionDenied
    clean_symptoms = check_validate(
        episode=episode, day=day, slot=slot, temperature=temperature, symptoms=symptoms,
        channel=channel, recorded_at=recorded_at,
    )  # fmt: skip
    values = check_values(
        episode=episode, day=day, slot=slot, temperature=temperature, symptoms=clean_symptoms,
        went_out=went_out, channel=channel, recorded_by=actor, recorded_at=recorded_at,
    )  # fmt: skip
    with transaction.atomic():
        # Two entries of one episode are serialized by locking its row (on PostgreSQL; SQLite has one
        # writer at a time anyway): the "current" row retired below is still current when replaced.
        Episode.objects.select_for_update().filter(pk=episode.pk).values_list("pk", flat=True).first()
        [(check, replaced)] = checks_write([values])
        if link is not None:
            links_touch([link])
        audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="health_check",
            object_id=check.pk,
            detail=check_audit_detail(check, replaced, link),
        )
    return check


def check_values(
    *, episode: Episode, day: dt.date, slot: str, temperature: Decimal | None, symptoms: list[str],
    went_out: bool, channel: str, recorded_by: User | None, recorded_at: dt.datetime,
) -> dict[str, object]:  # fmt: skip
    """The columns of a validated check, fever judged under the episode's policy version."""
    return {
        "episode_id": episode.pk,
        "person_id": episode.person_id,
        "grid_id": episode.grid_id,
        "day": day,
        "slot": slot,
        "temperature": temperature,
        "symptoms": symptoms,
        "went_out": went_out,
        "fever": episode.policy.is_fever(temperature),
        "channel": channel,
        "recorded_by": recorded_by,
        "recorded_at": recorded_at,
    }


def check_audit_detail(
    check: HealthCheck, replaced: int | None, link: ReportLink | None
) -> dict[str, object]:
    """What the audit log keeps of a check: ids, day, slot and channel, never the reading."""
    return {
        "episode": check.episode_id,
        "person": check.person_id,
        "day": check.day.isoformat(),
        "slot": check.slot,
        "channel": check.channel,
        "replaced": replaced,
        **({"link": link.pk} if link is not None else {}),
    }


def checks_write(entries: Sequence[dict[str, object]]) -> list[tuple[HealthCheck, int | None]]:
    """Insert checks (``check_values``), each replacing the current one of its slot; return each with
    the id of the row it replaced.

    The caller holds a transaction and the lock of every episode concerned. A batch costs three
    statements whatever its size: retire the current rows of the slots (one ``UPDATE … RETURNING``;
    PostgreSQL, SQLite >= 3.35), insert the new ones, point the retired rows at them. The partial
    unique constraint allows one row with ``replaced_by`` NULL per slot and is checked per statement,
    so a retired row points at itself for the instant between the statements. Two entries of one slot
    in the same batch are written in turn (the second replaces the first), in the order given.
    """
    results: list[tuple[HealthCheck, int | None] | None] = [None] * len(entries)
    rounds: list[list[int]] = []
    seen: dict[tuple[object, str, object], int] = {}
    for n, entry in enumerate(entries):
        key = (entry["episode_id"], str(entry["day"]), entry["slot"])
        turn = seen.get(key, 0)
        seen[key] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(n)
    table = connection.ops.quote_name(HealthCheck._meta.db_table)
    for turn_entries in rounds:
        where = " OR ".join(["(episode_id = %s AND day = %s AND slot = %s)"] * len(turn_entries))
        params: list[Any] = []
        for n in turn_entries:
            params += [entries[n]["episode_id"], str(entries[n]["day"]), entries[n]["slot"]]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET replaced_by_id = id "  # noqa: S608 (the table name is our model's)
                f"WHERE replaced_by_id IS NULL AND ({where}) RETURNING id, episode_id, day, slot",
                params,
            )
            retired = {(e, str(d), s): pk for pk, e, d, s in cursor.fetchall()}
        created = _insert([entries[n] for n in turn_entries])
        pointers: list[tuple[int, int]] = []
        for n, check in zip(turn_entries, created, strict=True):
            old = retired.get((check.episode_id, str(check.day), check.slot))
            results[n] = (check, old)
            if old is not None:
                pointers.append((old, check.pk))
        if pointers:
            cases = " ".join(["WHEN %s THEN %s"] * len(pointers))
            ids = ", ".join(["%s"] * len(pointers))
            flat = [v for pair in pointers for v in pair] + [old for old, _new in pointers]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET replaced_by_id = CASE id {cases} END "  # noqa: S608 (our table)
                    f"WHERE id IN ({ids})",
                    flat,
                )
    return [r for r in results if r is not None]


# The columns ``_insert`` writes, in order (``replaced_by`` is NULL: a new check is current).
_INSERT_FIELDS = (
    "episode_id", "person_id", "grid_id", "day", "slot", "temperature", "symptoms", "went_out", "fever",
    "channel", "recorded_by_id", "recorded_at", "entered_at",
)  # fmt: skip


def _insert(entries: Sequence[dict[str, object]]) -> list[HealthCheck]:
    """Insert checks with one statement (``core.bulk.insert_returning``); return them."""
    stamp = now()
    checks = []
    for entry in entries:
        by = entry.get("recorded_by")
        values = {k: v for k, v in entry.items() if k != "recorded_by"}
        checks.append(
            HealthCheck(**values, recorded_by_id=by.pk if isinstance(by, User) else None, entered_at=stamp)
        )
    insert_returning(checks, _INSERT_FIELDS)
    return checks


def check_history(episode: Episode, day: dt.date, slot: str) -> list[HealthCheck]:
    """Every entry of one slot, oldest first; the last is the current one."""
    return list(HealthCheck.objects.filter(episode=episode, day=day, slot=slot).order_by("entered_at", "pk"))


# --- self-report links ---------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _may_manage(actor: User, episode: Episode) -> bool:
    return _may_write(actor, episode)


@transaction.atomic
def link_create(*, actor: User, episode: Episode) -> tuple[ReportLink, str]:
    """Issue the episode's self-report link; return it with the token, which is never stored.

    At most one link per episode is live: a new one revokes the one before (a lost phone, a link
    forwarded to the wrong WeChat group).
    """
    if not _may_manage(actor, episode):
        raise PermissionDenied
    if episode.status != Episode.Status.OPEN:
        raise CheckInvalid([FieldError("", ERR_NOT_OPEN)])
    stamp = now()
    revoked = list(
        ReportLink.objects.select_for_update()
        .filter(episode=episode, revoked_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if revoked:
        ReportLink.objects.filter(pk__in=revoked).update(revoked_at=stamp)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = ReportLink.objects.create(episode=episode, token_hash=token_digest(token), created_by=actor)
    audit_log(
        actor=actor, action=AuditEvent.Action.CREATE, object_type="report_link", object_id=link.pk,
        detail={"episode": episode.pk, "person": episode.person_id, "revoked": revoked},
    )  # fmt: skip
    return link, token


@transaction.atomic
def link_revoke(*, actor: User, link: ReportLink) -> ReportLink:
    """Revoke a link for good; revoking twice keeps the first time."""
    if not _may_manage(actor, link.episode):
        raise PermissionDenied
    if link.revoked_at is None:
        link.revoked_at = now()
        link.save(update_fields=["revoked_at", "updated_at"])
        audit_log(
            actor=actor, action=AuditEvent.Action.UPDATE, object_type="report_link", object_id=link.pk,
            detail={"fields": ["revoked_at"], "episode": link.episode_id},
        )  # fmt: skip
    return link


# What the page and a submission need: the episode's chain and dates, its policy, the person's name.
RESOLVE_FIELDS = (
    "id", "episode_id", "revoked_at", "last_used_at",
    "episode__id", "episode__status", "episode__person_id", "episode__grid_id", "episode__started_on",
    "episode__district_id", "episode__town_id", "episode__village_id",
    "episode__policy__id", "episode__policy__slots", "episode__policy__symptoms",
    "episode__policy__fever_threshold", "episode__policy__fever_comparator",
    "episode__person__id", "episode__person__name",
)  # fmt: skip


def link_resolve(token: str) -> ReportLink | None:
    """Return the live link a presented token opens (with its episode, policy and person), or None.

    The lookup is an equality on the token's digest: no comparison of secrets happens in Python, so
    timing tells nothing about how much of a guess was right. A link of a closed episode is dead too.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return (
        ReportLink.objects.filter(
            token_hash=token_digest(token), revoked_at__isnull=True, episode__status=Episode.Status.OPEN
        )
        .select_related("episode__policy", "episode__person")
        .only(*RESOLVE_FIELDS)
        .first()
    )


def link_stale(link: ReportLink, stamp: dt.datetime) -> bool:
    """True when the link's last use is not noted within ``LAST_USED_RESOLUTION`` of ``stamp``."""
    return link.last_used_at is None or link.last_used_at < stamp - LAST_USED_RESOLUTION


def links_touch(links: Sequence[ReportLink]) -> None:
    """Note that links were used, at most once a minute each (no statement when all were just noted).

    The instances passed are brought up to date too: a process keeps resolved links for a while
    (``selfreport.link_for_submission``), and its copy then knows the use is noted.
    """
    stamp = now()
    stale = [link for link in links if link_stale(link, stamp)]
    if not stale:
        return
    for link in stale:
        link.last_used_at = stamp
    ReportLink.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stamp - LAST_USED_RESOLUTION),
        pk__in={link.pk for link in stale},
    ).update(last_used_at=stamp)

"""Health checks (temperature, symptoms, whether the person went out) and personal self-report links.

``check_record`` is the one write of a check, whichever way it came in: the grid worker's roster, the
person's own link (``actor`` None, channel ``self``) or a phone call recorded by staff. It reports
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
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epigrid.core.audit import audit_log
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


def _validate(
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
    clean_symptoms = _validate(
        episode=episode, day=day, slot=slot, temperature=temperature, symptoms=symptoms,
        channel=channel, recorded_at=recorded_at,
    )  # fmt: skip
    values = {
        "episode": episode,
        "person_id": episode.person_id,
        "grid_id": episode.grid_id,
        "day": day,
        "slot": slot,
        "temperature": temperature,
        "symptoms": clean_symptoms,
        "went_out": went_out,
        "fever": episode.policy.is_fever(temperature),
        "channel": channel,
        "recorded_by": actor,
        "recorded_at": recorded_at,
    }
    with transaction.atomic():
        check, replaced = _write(episode, day, slot, values)
        if link is not None:
            link_touch(link)
        audit_log(
            actor=actor,
            action=AuditEvent.Action.CREATE,
            object_type="health_check",
            object_id=check.pk,
            detail={
                "episode": episode.pk,
                "person": episode.person_id,
                "day": day.isoformat(),
                "slot": slot,
                "channel": channel,
                "replaced": replaced,
                **({"link": link.pk} if link is not None else {}),
            },
        )
    return check


def _write(
    episode: Episode, day: dt.date, slot: str, values: dict[str, object]
) -> tuple[HealthCheck, int | None]:
    """Insert the check, replacing the current one of its slot; return it and the replaced row's id.

    Two entries of one episode are serialized by locking the episode's row (on PostgreSQL; SQLite has
    one writer at a time anyway), so the "current" row read here is still current when it is replaced,
    and two first entries of a slot cannot both insert. The partial unique constraint allows one row
    with ``replaced_by`` NULL per slot and is checked per statement, so the old row leaves the
    "current" set first: it points at itself for the instant between the two statements, then at the
    new row.
    """
    Episode.objects.select_for_update().filter(pk=episode.pk).values_list("pk", flat=True).first()
    # Find and retire the current row in one statement (RETURNING: PostgreSQL, SQLite >= 3.35).
    table = connection.ops.quote_name(HealthCheck._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET replaced_by_id = id "  # noqa: S608 (the table name is our model's)
            "WHERE episode_id = %s AND day = %s AND slot = %s AND replaced_by_id IS NULL RETURNING id",
            [episode.pk, day.isoformat(), slot],
        )
        row = cursor.fetchone()
    current: int | None = row[0] if row else None
    check = HealthCheck.objects.create(**values)
    if current is not None:
        HealthCheck.objects.filter(pk=current).update(replaced_by_id=check.pk)
    return check, current


def check_history(episode: Episode, day: dt.date, slot: str) -> list[HealthCheck]:
    """Every entry of one slot, oldest first; the last is the current one."""
    return list(HealthCheck.objects.filter(episode=episode, day=day, slot=slot).order_by("entered_at", "pk"))


# --- self-report links ---------------------------------------------------------------------------


def _digest(token: str) -> str:
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
    link = ReportLink.objects.create(episode=episode, token_hash=_digest(token), created_by=actor)
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
            token_hash=_digest(token), revoked_at__isnull=True, episode__status=Episode.Status.OPEN
        )
        .select_related("episode__policy", "episode__person")
        .only(*RESOLVE_FIELDS)
        .first()
    )


def link_touch(link: ReportLink) -> None:
    """Note that the link was used (at most once a minute: no statement at all when it was just used)."""
    stamp = now()
    if link.last_used_at is not None and link.last_used_at >= stamp - LAST_USED_RESOLUTION:
        return
    ReportLink.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=stamp - LAST_USED_RESOLUTION), pk=link.pk
    ).update(last_used_at=stamp)

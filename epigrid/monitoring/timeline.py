"""One person's contact timeline, shared by every department that may read the person.

The seed report's problem is departments phoning the same suspected patients again and again; the
timeline answers "who last contacted them, when and how" from the facts already stored: the health
checks of their episodes (grid roster, phone call, self-report; replaced ones marked), the episodes'
start, extension, release and conversion, door-to-door visits, the department lists that named them
and what was done about their alerts. Nothing is kept up to date for it; it is read when shown.

The caller has opened the person (``people.selectors.person_get_for_user``) or one of their episodes
(``episode_selectors.episode_get_for_user``), which checked the scope and wrote the audit event; this
module reads only and logs nothing, so a page shows it without a second event. A fixed number of
queries whatever the history's length: each source is one query capped at ``SOURCE_LIMIT`` rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from epigrid.core.models import AuditEvent, User
from epigrid.core.roles import Role
from epigrid.lists.models import ListRow
from epigrid.monitoring.models import AlertAck, Episode, HealthCheck
from epigrid.people.models import Person, ScreeningEntry, Symptom
from epigrid.regions.models import Assignment
from epigrid.regions.scope import scope_for

SOURCE_LIMIT = 100
TIMELINE_LIMIT = 150
EPISODE_LIMIT = 20
# What someone did about an alert that means they reached the person (not "mistaken", not "other").
CONTACT_ACTIONS = frozenset({AlertAck.Action.VISITED, AlertAck.Action.PHONED, AlertAck.Action.FEVER_CLINIC})
STAFF_CHANNELS = frozenset({HealthCheck.Channel.ROSTER, HealthCheck.Channel.PHONE})
# Kinds of events, as the page marks them and the API names them.
KIND_CHECK = "check"
KIND_ACK = "ack"
KIND_EPISODE = "episode"
KIND_VISIT = "visit"
KIND_LIST_ROW = "list_row"
PLACES_SHOWN = 2


@dataclass(frozen=True)
class Actor:
    """A member of staff as the timeline names them: name, role and where they work; nothing else."""

    id: int
    name: str
    role: str
    role_label: str
    place: str


@dataclass(frozen=True)
class Event:
    """One thing that happened to or for the person, in words of the interface language."""

    at: dt.datetime
    kind: str
    code: str  # the channel, action, episode step, presence or list decision
    label: str
    detail: str
    actor: Actor | None
    object_id: int
    episode_id: int | None = None
    contact: bool = False  # a member of staff reached the person
    self_report: bool = False
    replaced: bool = False
    abnormal: bool = False


@dataclass(frozen=True)
class Timeline:
    person_id: int
    events: list[Event]
    last_contact: Event | None
    last_self_report: Event | None
    truncated: bool


# Apps above this one add their own events (a checkpoint's registration of the person …) by
# registering a source in their AppConfig.ready: called with the reading user and the person, it
# returns events (one capped query or two), so this module needs no import of theirs.
ActorsOf = Callable[[Iterable[User | None]], dict[int, Actor]]
TimelineSource = Callable[[User, Person, ActorsOf], list[Event]]
_SOURCES: dict[str, TimelineSource] = {}


def timeline_source_register(name: str, source: TimelineSource) -> None:
    """Add a source of events to every person's timeline (idempotent by ``name``)."""
    _SOURCES[name] = source


def _symptoms(values: Iterable[str]) -> str:
    labels = dict(Symptom.choices)
    return "、".join(str(labels.get(v, v)) for v in values)


def _reading(temperature: object, fever: bool, symptoms: list[str]) -> list[str]:
    parts = [f"{temperature} °C" if temperature is not None else _("未测体温")]
    if fever:
        parts.append(_("发热"))
    if symptoms:
        parts.append(_("症状：%(list)s") % {"list": _symptoms(symptoms)})
    return parts


def _slot_label(episode: Episode, slot: str) -> str:
    for item in episode.policy.slots:
        if str(item.get("key")) == slot:
            return str(item.get("label", slot))
    return slot


def _actors(users: Iterable[User | None]) -> dict[int, Actor]:
    """Name each user once, with their role and the regions they are assigned to (one query)."""
    by_id = {u.pk: u for u in users if u is not None}
    if not by_id:
        return {}
    places: dict[int, list[str]] = {pk: [] for pk in by_id}
    assignments = (
        Assignment.objects.filter(user_id__in=list(by_id))
        .order_by("region__path")
        .values_list("user_id", "region__name")
    )
    for user_id, region_name in assignments:
        places[user_id].append(region_name)
    actors = {}
    for pk, user in by_id.items():
        names = places[pk]
        place = "、".join(names[:PLACES_SHOWN]) + (_("等") if len(names) > PLACES_SHOWN else "")
        actors[pk] = Actor(
            id=pk,
            name=user.display_name or user.username,
            role=user.role,
            role_label=str(Role(user.role).label) if user.role in Role.values else user.role,
            place=place,
        )
    return actors


def _episodes(user: User, person: Person) -> list[Episode]:
    return list(
        Episode.objects.filter(scope_for(user).rows_q(), person_id=person.pk)
        .select_related("policy", "created_by", "ended_by")
        .order_by("-started_on", "-id")[:EPISODE_LIMIT]
    )


def _checks(episode_ids: list[int]) -> list[HealthCheck]:
    if not episode_ids:
        return []
    return list(
        HealthCheck.objects.filter(episode_id__in=episode_ids)
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")[:SOURCE_LIMIT]
    )


def _last_of_channels(episode_ids: list[int], channels: Iterable[str]) -> HealthCheck | None:
    return (
        HealthCheck.objects.filter(episode_id__in=episode_ids, channel__in=list(channels))
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
        .first()
    )


def _acks(episode_ids: list[int]) -> list[AlertAck]:
    if not episode_ids:
        return []
    return list(
        AlertAck.objects.filter(episode_id__in=episode_ids)
        .select_related("acknowledged_by")
        .order_by("-created_at", "-id")[:SOURCE_LIMIT]
    )


def _extensions(episode_ids: list[int]) -> list[AuditEvent]:
    """Return the extensions of the episodes: the audit log is the one record of when and by whom."""
    if not episode_ids:
        return []
    events = (
        AuditEvent.objects.filter(
            object_type="episode",
            object_id__in=[str(pk) for pk in episode_ids],
            action=AuditEvent.Action.UPDATE,
        )
        .select_related("user")
        .order_by("-at", "-id")[:SOURCE_LIMIT]
    )
    return [e for e in events if isinstance(e.detail, dict) and e.detail.get("op") == "extend"]


def _entries(user: User, person: Person) -> list[ScreeningEntry]:
    return list(
        ScreeningEntry.objects.filter(scope_for(user).rows_q("screening__"), person_id=person.pk)
        .select_related("screening__visited_by")
        .order_by("-screening__visited_at", "-id")[:SOURCE_LIMIT]
    )


def _list_rows(person: Person) -> list[ListRow]:
    # As on the person's page (``lists.selectors.person_sources``): every list that named the record.
    return list(
        ListRow.objects.filter(person_id=person.pk)
        .select_related("batch__source", "batch__uploaded_by")
        .defer("batch__content", "batch__summary", "batch__errors", "batch__mapping", "raw", "evidence")
        .order_by("-batch__created_at", "-row_number")[:SOURCE_LIMIT]
    )


def _check_event(c: HealthCheck, episode: Episode, actors: dict[int, Actor]) -> Event:
    when = f"{c.day:%Y-%m-%d} {_slot_label(episode, c.slot)}"
    parts = [when, *_reading(c.temperature, c.fever, list(c.symptoms))]
    if c.went_out:
        parts.append(_("外出"))
    return Event(
        at=c.recorded_at,
        kind=KIND_CHECK,
        code=c.channel,
        label=str(c.get_channel_display()),
        detail=" · ".join(parts),
        actor=actors.get(c.recorded_by_id) if c.recorded_by_id else None,
        object_id=c.pk,
        episode_id=c.episode_id,
        contact=c.channel in STAFF_CHANNELS,
        self_report=c.channel == HealthCheck.Channel.SELF,
        replaced=c.replaced_by_id is not None,
        abnormal=c.abnormal,
    )


def _ack_event(a: AlertAck, episode: Episode, actors: dict[int, Actor]) -> Event:
    parts = [str(a.get_kind_display()), f"{a.day:%Y-%m-%d} {_slot_label(episode, a.slot)}"]
    if a.note:
        parts.append(a.note)
    return Event(
        at=a.created_at,
        kind=KIND_ACK,
        code=a.action,
        label=str(a.get_action_display()),
        detail=" · ".join(parts),
        actor=actors.get(a.acknowledged_by_id),
        object_id=a.pk,
        episode_id=a.episode_id,
        contact=a.action in CONTACT_ACTIONS,
    )


def _episode_events(e: Episode, extensions: list[AuditEvent], actors: dict[int, Actor]) -> list[Event]:
    start_detail = _("%(basis)s · 计划 %(day)s 解除") % {
        "basis": e.get_basis_display(),
        "day": f"{e.planned_end:%Y-%m-%d}",
    }
    events = [
        Event(
            at=e.created_at,
            kind=KIND_EPISODE,
            code="start",
            label=_("纳入%(kind)s") % {"kind": e.get_kind_display()},
            detail=start_detail,
            actor=actors.get(e.created_by_id) if e.created_by_id else None,
            object_id=e.pk,
            episode_id=e.pk,
        )
    ]
    for audit in extensions:
        days = audit.detail.get("days_added")
        events.append(
            Event(
                at=audit.at,
                kind=KIND_EPISODE,
                code="extend",
                label=_("再次暴露，延长观察"),
                detail=_("延长 %(n)s 天") % {"n": days} if isinstance(days, int) else "",
                actor=actors.get(audit.user_id) if audit.user_id else None,
                object_id=e.pk,
                episode_id=e.pk,
            )
        )
    if e.ended_at is not None:
        released = e.status == Episode.Status.RELEASED
        events.append(
            Event(
                at=e.ended_at,
                kind=KIND_EPISODE,
                code="release" if released else "convert",
                label=_("解除医学观察") if released else _("结束观察并记录转归"),
                detail=str(e.get_end_reason_display()),
                actor=actors.get(e.ended_by_id) if e.ended_by_id else None,
                object_id=e.pk,
                episode_id=e.pk,
            )
        )
    return events


def _visit_event(entry: ScreeningEntry, actors: dict[int, Actor]) -> Event:
    visit = entry.screening
    if entry.present:
        detail = " · ".join([_("在家"), *_reading(entry.temperature, entry.fever, list(entry.symptoms))])
    else:
        detail = _("不在家") + (f"：{entry.whereabouts}" if entry.whereabouts else "")
    return Event(
        at=visit.visited_at,
        kind=KIND_VISIT,
        code="present" if entry.present else "absent",
        label=_("入户摸排"),
        detail=detail,
        actor=actors.get(visit.visited_by_id) if visit.visited_by_id else None,
        object_id=visit.pk,
        contact=entry.present,
        abnormal=entry.fever or bool(entry.symptoms),
    )


def _row_event(row: ListRow, actors: dict[int, Actor]) -> Event:
    batch = row.batch
    detail = _("%(source)s 第%(batch)s批 第%(row)s行 · %(decision)s") % {
        "source": batch.source.name,
        "batch": batch.number,
        "row": row.row_number,
        "decision": row.get_decision_display(),
    }
    return Event(
        at=batch.created_at,
        kind=KIND_LIST_ROW,
        code=row.decision,
        label=_("部门名单"),
        detail=detail,
        actor=actors.get(batch.uploaded_by_id),
        object_id=row.pk,
    )


def person_timeline(*, user: User, person: Person, limit: int = TIMELINE_LIMIT) -> Timeline:
    """Return the person's timeline as the user may read it, newest first, with the last contacts.

    The person must come from a scoped, audited read; the episodes and visits are those in the user's
    subtrees, the checks and acknowledgements those of these episodes.
    """
    episodes = _episodes(user, person)
    by_id = {e.pk: e for e in episodes}
    ids = list(by_id)
    checks = _checks(ids)
    # The newest checks may all be self-reports: then the last staff check is looked up on its own.
    extra: list[HealthCheck] = []
    if len(checks) == SOURCE_LIMIT:
        for channels in (STAFF_CHANNELS, {HealthCheck.Channel.SELF}):
            if not any(c.channel in channels for c in checks):
                found = _last_of_channels(ids, channels)
                extra += [found] if found is not None else []
    acks = _acks(ids)
    extensions = _extensions(ids)
    entries = _entries(user, person)
    rows = _list_rows(person)
    actors = _actors(
        [
            *(c.recorded_by for c in [*checks, *extra]),
            *(a.acknowledged_by for a in acks),
            *(u for e in episodes for u in (e.created_by, e.ended_by)),
            *(a.user for a in extensions),
            *(entry.screening.visited_by for entry in entries),
            *(row.batch.uploaded_by for row in rows),
        ]
    )
    events = [_check_event(c, by_id[c.episode_id], actors) for c in checks]
    events += [_ack_event(a, by_id[a.episode_id], actors) for a in acks]
    for e in episodes:
        events += _episode_events(e, [x for x in extensions if x.object_id == str(e.pk)], actors)
    events += [_visit_event(entry, actors) for entry in entries]
    events += [_row_event(row, actors) for row in rows]
    for source in _SOURCES.values():
        events += source(user, person, _actors)
    events.sort(key=lambda event: (event.at, event.object_id), reverse=True)
    extra_events = [_check_event(c, by_id[c.episode_id], actors) for c in extra]
    everything = [*events, *extra_events]
    return Timeline(
        person_id=person.pk,
        events=events[:limit],
        last_contact=max((e for e in everything if e.contact), key=lambda e: e.at, default=None),
        last_self_report=max((e for e in everything if e.self_report), key=lambda e: e.at, default=None),
        truncated=len(events) > limit,
    )

"""Writes about cases: a person's classification (with its history) and the measures taken.

Every write is one transaction: the current classification (``CaseStatus``), its history row and the
audit event are written together, inside the actor's region subtree, behind the role's capability.
Observation goes through ``epigrid.monitoring.episodes`` (start, extend, convert), never around it.
Contacts are in ``epigrid.cases.contacts``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange, Measure
from epigrid.cases.transitions import REPORTED, transition_error
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today, now
from epigrid.core.models import AuditEvent, User
from epigrid.monitoring.episodes import (
    EpisodeError,
    episode_convert,
    episode_extend,
    episode_start,
    latest_outbreak_journey,
)
from epigrid.monitoring.models import Episode, Room
from epigrid.people.models import Person
from epigrid.regions.models import Region
from epigrid.regions.scope import scope_for

CHAIN = ("district_id", "town_id", "village_id", "grid_id")
REASON_MAX = 500
NOTE_MAX = 200
PLACE_MAX = 100
C = Classification

# A person who becomes one of these leaves home observation: the episode is closed with this reason
# (the monitoring issue's conversion), so the roster stops asking for their temperature.
CONVERTS_EPISODE: dict[str, str] = {
    C.SUSPECTED: Episode.EndReason.SUSPECTED,
    C.CONFIRMED: Episode.EndReason.TRANSFERRED,
    C.CLINICAL: Episode.EndReason.TRANSFERRED,
    C.ASYMPTOMATIC: Episode.EndReason.TRANSFERRED,
    C.FEVER_HOSPITAL: Episode.EndReason.FEVER_CLINIC,
    C.DIED: Episode.EndReason.OTHER,
}

# Which episode a measure opens, and which measure closes one (and why).
MEASURE_EPISODE: dict[str, str] = {
    Measure.Kind.HOME_OBSERVATION: Episode.Kind.HOME,
    Measure.Kind.CENTRALIZED_OBSERVATION: Episode.Kind.CENTRAL,
    Measure.Kind.HOME_MONITORING: Episode.Kind.MONITORING,
}
MEASURE_CLOSES: dict[str, str] = {
    Measure.Kind.DESIGNATED_HOSPITAL: Episode.EndReason.TRANSFERRED,
    Measure.Kind.FEVER_CLINIC: Episode.EndReason.FEVER_CLINIC,
}
BASIS_FOR: dict[str, str] = {
    C.CLOSE_CONTACT: Episode.Basis.CLOSE_CONTACT,
    C.SECONDARY_CONTACT: Episode.Basis.CLOSE_CONTACT,
    C.FEVER_COMMUNITY: Episode.Basis.FEVER,
    C.FEVER_HOSPITAL: Episode.Basis.FEVER,
}


class CaseError(Exception):
    """A case change that cannot be made; ``message`` says why (Chinese), without personal data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def require(actor: User, flag: str) -> None:
    """Refuse (PermissionDenied) unless the actor's role has the capability ``flag``."""
    if not getattr(actor.caps, flag):
        raise PermissionDenied


def region_path(row: Person | CaseStatus) -> str:
    """Return the path of the deepest region of a row's chain (for the audit event)."""
    for col in reversed(CHAIN):
        region_id = getattr(row, col)
        if region_id:
            return Region.objects.filter(pk=region_id).values_list("path", flat=True).first() or ""
    return ""


def person_locked(actor: User, person: Person) -> Person:
    """Lock a person for a change: not a merged record, inside the actor's scope."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if person.merged_into_id:
        raise CaseError(_("该记录已合并到其他人员，请在保留的记录上操作。"))
    if not scope_for(actor).covers(person):
        raise CaseError(_("人员不在您的管辖范围内。"))
    return person


def check_day(day: dt.date | None, person: Person | None, *, what: str) -> None:
    """Refuse a date in the future or before the person's birth (``what`` names the field)."""
    if day is None:
        return
    if day > local_today():
        raise CaseError(_("%(what)s不能晚于今天。") % {"what": what})
    if person is not None and person.birth_date and day < person.birth_date:
        raise CaseError(_("%(what)s不能早于出生日期。") % {"what": what})


def current_classification(person: Person) -> str:
    """Return the person's current classification code, or "" when never classified."""
    value = CaseStatus.objects.filter(person=person).values_list("classification", flat=True).first()
    return value or ""


def classify(
    *,
    actor: User,
    person: Person,
    to: str,
    reason: str,
    source: str,
    at: dt.datetime,
    onset_date: dt.date | None = None,
    note: str = "",
) -> CaseStatus:
    """Move a locked, in-scope person to ``to`` (the caller has checked the capability and the dates)."""
    status = CaseStatus.objects.select_for_update().filter(person=person).first()
    current = status.classification if status else ""
    error = transition_error(current, to)
    if error:
        raise CaseError(error)
    if status is not None and at < status.since:
        # The history is a chain in time: a change dated before the current one would reorder it.
        raise CaseError(
            _("判定时间不能早于当前分类的时间（%(since)s）。")
            % {"since": timezone.localtime(status.since).strftime("%Y-%m-%d %H:%M")}
        )
    if status is None:
        status = CaseStatus(person=person, imported=latest_outbreak_journey(person) is not None)
    for col in CHAIN:  # the person may have been placed since: count them where they are now
        setattr(status, col, getattr(person, col))
    status.classification = to
    status.since = at
    if onset_date is not None:
        status.onset_date = onset_date
    if to in REPORTED and status.reported_on is None:
        status.reported_on = timezone.localdate(at)
    status.save()
    ClassificationChange.objects.create(
        person=person,
        from_classification=current,
        to_classification=to,
        at=at,
        decided_by=actor,
        reason=reason,
        source=source,
        note=note,
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE if current else AuditEvent.Action.CREATE,
        object_type="case_status",
        object_id=person.pk,
        region_path=region_path(status),
        detail={"person": person.pk, "from": current, "to": to, "source": source},
    )
    end_reason = CONVERTS_EPISODE.get(to)
    if end_reason:
        episode = open_episode(person)
        if episode is not None:
            episode_convert(actor=actor, episode=episode, reason=end_reason)
    return status


def open_episode(person: Person) -> Episode | None:
    """Return the person's open observation episode, if any."""
    return Episode.objects.filter(person=person, status=Episode.Status.OPEN).select_related("policy").first()


@transaction.atomic
def classification_set(
    *,
    actor: User,
    person: Person,
    to: str,
    reason: str,
    source: str = ClassificationChange.Source.MANUAL,
    onset_date: dt.date | None = None,
    at: dt.datetime | None = None,
    note: str = "",
) -> CaseStatus:
    """Change a person's classification, refusing a transition the table does not allow.

    The refusal names the current state ("当前为疑似病例，不能直接改为治愈"). Becoming suspected,
    confirmed, clinically diagnosed or asymptomatic sets ``reported_on`` the first time; becoming a
    case or a hospital fever closes an open observation episode with the matching reason.
    """
    require(actor, "classify_cases")
    if source not in ClassificationChange.Source.values:
        raise CaseError(_("未知的判定来源。"))
    reason = reason.strip()
    if not reason:
        raise CaseError(_("请填写判定依据。"))
    if len(reason) > REASON_MAX:
        raise CaseError(_("判定依据不能超过500字。"))
    if len(note.strip()) > NOTE_MAX:
        raise CaseError(_("备注不能超过200字。"))
    at = at or now()
    if at > now() + dt.timedelta(minutes=5):
        raise CaseError(_("判定时间不能晚于现在。"))
    person = person_locked(actor, person)
    check_day(onset_date, person, what=_("发病日期"))
    try:
        return classify(
            actor=actor,
            person=person,
            to=to,
            reason=reason,
            source=source,
            at=at,
            onset_date=onset_date,
            note=note.strip(),
        )
    except EpisodeError as exc:
        raise CaseError(exc.message) from exc


def _observe(
    *, actor: User, person: Person, kind: str, room: Room | None, last_exposure: dt.date | None
) -> Episode:
    """Open (or keep, extend, or move to another kind) the person's observation episode."""
    episode = open_episode(person)
    if episode is not None and episode.kind == kind and (room is None or episode.room_id == room.pk):
        new_end = (
            last_exposure + dt.timedelta(days=episode.policy.observation_days) if last_exposure else None
        )
        if new_end is not None and new_end > episode.planned_end:
            episode = episode_extend(actor=actor, episode=episode, exposure_date=last_exposure)  # type: ignore[arg-type]
        return episode
    exposure = last_exposure
    if episode is not None:
        # Moving from home to a site (or back): the old episode ends as transferred, the clock is kept.
        exposure = exposure or episode.last_exposure
        episode_convert(actor=actor, episode=episode, reason=Episode.EndReason.TRANSFERRED)
    return episode_start(
        actor=actor,
        person=person,
        kind=kind,
        basis=BASIS_FOR.get(current_classification(person), Episode.Basis.OTHER),
        last_exposure=exposure,
        room=room,
        source_type="measure",
    )


@transaction.atomic
def measure_record(
    *,
    actor: User,
    person: Person,
    kind: str,
    place: str = "",
    note: str = "",
    decided_at: dt.datetime | None = None,
    room: Room | None = None,
    last_exposure: dt.date | None = None,
    idempotency_key: str = "",
) -> Measure:
    """Record a measure taken for a person; observation measures open or extend their episode.

    Home or centralized medical observation and home health monitoring go through the monitoring
    services (a second one of the same kind extends the open episode from a later exposure; another
    kind moves the person, the old episode ending as transferred). Admission to a designated hospital
    or a fever clinic closes the open episode.

    The same ``idempotency_key`` again from the same account answers the measure it recorded (``created``
    false) and changes nothing, whatever else was sent (a retry must not extend the episode again); the
    account's row is locked while the key is looked up. A key used for another person is refused.
    """
    require(actor, "can_write")
    key = idempotency_key.strip()[:64]
    if key:
        User.objects.select_for_update().filter(pk=actor.pk).first()
        previous = Measure.objects.filter(decided_by=actor, idempotency_key=key).first()
        if previous is not None:
            if previous.person_id != person.pk:
                raise CaseError(_("这个提交标识已用于另一条记录。"))
            previous.created = False
            return previous
    if kind not in Measure.Kind.values:
        raise CaseError(_("未知的措施。"))
    place, note = place.strip(), note.strip()
    if len(place) > PLACE_MAX:
        raise CaseError(_("地点不能超过100字。"))
    if len(note) > NOTE_MAX:
        raise CaseError(_("备注不能超过200字。"))
    if kind == Measure.Kind.OTHER and not note:
        raise CaseError(_("“其他”措施请在备注中说明。"))
    decided_at = decided_at or now()
    if decided_at > now() + dt.timedelta(minutes=5):
        raise CaseError(_("决定时间不能晚于现在。"))
    person = person_locked(actor, person)
    check_day(last_exposure, person, what=_("末次暴露日期"))
    episode: Episode | None = None
    try:
        if kind in MEASURE_EPISODE:
            episode = _observe(
                actor=actor, person=person, kind=MEASURE_EPISODE[kind], room=room, last_exposure=last_exposure
            )
            if room is not None and not place:
                place = str(room)[:PLACE_MAX]
        elif kind in MEASURE_CLOSES:
            episode = open_episode(person)
            if episode is not None:
                episode = episode_convert(actor=actor, episode=episode, reason=MEASURE_CLOSES[kind])
    except EpisodeError as exc:
        raise CaseError(exc.message) from exc
    measure = Measure.objects.create(
        person=person,
        kind=kind,
        decided_by=actor,
        decided_at=decided_at,
        place=place,
        note=note,
        episode=episode,
        idempotency_key=key,
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="measure",
        object_id=measure.pk,
        region_path=region_path(person),
        detail={"person": person.pk, "kind": kind, "episode": episode.pk if episode else None},
    )
    return measure


def follow_placement(*, person: Person, **_kwargs: object) -> None:
    """Count a person's case status where they now live (``people.signals.person_chain_changed``)."""
    CaseStatus.objects.filter(person_id=person.pk).update(**{col: getattr(person, col) for col in CHAIN})

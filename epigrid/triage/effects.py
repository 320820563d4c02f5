"""What a visit's disposition writes beside the visit: the classification, a measure, home observation.

The fever clinic's role writes no registry rows (``can_write`` is False): the triage service is its one
authorised path, so after the service's own checks (``record_triage``, the person locked inside the
actor's scope by ``cases.services.person_locked``) this module writes through the unchecked layer of
the cases and monitoring services: ``cases.services.classify`` (the transition table, the history row,
the audit event) and the episode steps of ``monitoring.episodes`` that the public functions wrap with
their ``can_write`` check. Every row written here is audited like the public services audit it.
Called inside the service's transaction: a refusal undoes the whole visit.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, ClassificationChange, Measure
from epigrid.cases.services import CONVERTS_EPISODE, classify, open_episode, region_path
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.monitoring.episodes import episode_close_checked, episode_start_checked
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.resources.models import Facility
from epigrid.triage.models import Disposition, FeverVisit
from epigrid.triage.rules import Outcome

SOURCE_TYPE = "fever_visit"


def episode_end(*, actor: User, person: Person, reason: str) -> Episode | None:
    """Close the person's open observation episode (converted, with ``reason``), if they have one."""
    episode = open_episode(person)
    if episode is None:
        return None
    episode = Episode.objects.select_for_update().get(pk=episode.pk)
    return episode_close_checked(actor, episode, Episode.Status.CONVERTED, reason, "convert")


def classification_apply(
    *, actor: User, person: Person, to: str, at: dt.datetime, disposition: str, facility: Facility
) -> CaseStatus:
    """Move the person to ``to`` with source 发热门诊; an observation it ends is closed first."""
    end_reason = CONVERTS_EPISODE.get(to)
    if end_reason:
        # ``classify`` would close it through ``episode_convert``, which asks for ``can_write``.
        episode_end(actor=actor, person=person, reason=end_reason)
    return classify(
        actor=actor,
        person=person,
        to=to,
        reason=_("预检分诊：%(disposition)s") % {"disposition": Disposition(disposition).label},
        source=ClassificationChange.Source.FEVER_CLINIC,
        at=at,
        note=facility.name[:200],
    )


def home_observation_start(*, actor: User, person: Person, visit: FeverVisit) -> Episode | None:
    """Keep the open home observation, or start one (basis fever); None when the person has no home yet.

    An unplaced person (new at the clinic) cannot be watched at home before the village places them:
    the visit then shows "待村/社区落户后纳入观察" on the village's list, which is where it is done.
    """
    episode = open_episode(person)
    if episode is not None and episode.kind == Episode.Kind.HOME:
        return episode
    if person.household_id is None:
        return None
    if episode is not None:  # a site or health monitoring: the person now goes home, the clock restarts
        episode = Episode.objects.select_for_update().get(pk=episode.pk)
        episode_close_checked(
            actor, episode, Episode.Status.CONVERTED, Episode.EndReason.TRANSFERRED, "convert"
        )
    return episode_start_checked(
        actor=actor,
        person=person,
        kind=Episode.Kind.HOME,
        basis=Episode.Basis.FEVER,
        exposure=None,
        today=local_today(),
        source_type=SOURCE_TYPE,
        source_id=visit.pk,
        room=None,
        basis_note=_("预检分诊居家医学观察"),
        doctor=visit.doctor,
    )


def measure_write(
    *, actor: User, person: Person, kind: str, visit: FeverVisit, episode: Episode | None
) -> Measure:
    """Record the measure a disposition takes (a hospital admission closes an open observation)."""
    if kind == Measure.Kind.DESIGNATED_HOSPITAL:
        episode = episode_end(actor=actor, person=person, reason=Episode.EndReason.TRANSFERRED)
    measure = Measure.objects.create(
        person=person,
        kind=kind,
        decided_by=actor,
        decided_at=visit.visited_at,
        place=visit.facility.name[:100],
        note=_("预检分诊，首诊医生%(doctor)s") % {"doctor": visit.doctor[:50]},
        episode=episode,
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        object_type="measure",
        object_id=measure.pk,
        region_path=region_path(person),
        detail={
            "person": person.pk,
            "kind": kind,
            "episode": episode.pk if episode else None,
            "visit": visit.pk,
        },
    )
    return measure


def outcome_apply(*, actor: User, person: Person, visit: FeverVisit, outcome: Outcome) -> str:
    """Write what the disposition does; return the person's classification afterwards ("" = none)."""
    classification = visit.classification_before
    if outcome.to:
        classification = classification_apply(
            actor=actor, person=person, to=outcome.to, at=visit.visited_at, disposition=visit.disposition,
            facility=visit.facility,
        ).classification  # fmt: skip
    episode = None
    if outcome.observe:
        episode = home_observation_start(actor=actor, person=person, visit=visit)
    if outcome.measure:
        measure_write(actor=actor, person=person, kind=outcome.measure, visit=visit, episode=episode)
    return classification

"""What the task form is filled with from its link: a unit, a household, a person, an observation
episode or an alert acknowledgement (``?region=``, ``?household=``, ``?person=``, ``?episode=``,
``?ack=``, ``?kind=``), each looked up in the user's scope (404 outside it, as every scoped read)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.http import Http404

from epigrid.core.models import User
from epigrid.followups.models import Task
from epigrid.followups.rules import UNIT_LEVELS
from epigrid.monitoring.models import AlertAck, Episode
from epigrid.people.models import Person
from epigrid.regions.models import Household, Level, Region
from epigrid.regions.scope import scope_for
from epigrid.regions.selectors import household_get_for_user, region_get_for_user, region_roots_for_user


@dataclass
class Prefill:
    region: Region | None = None
    household: Household | None = None
    person: Person | None = None
    episode: Episode | None = None
    kind: str = ""
    title: str = ""
    # Units the form may move to: one level down (no subject named) and the unit above, in scope.
    children: list[Region] = field(default_factory=list)
    parent: Region | None = None

    @property
    def unit_ok(self) -> bool:
        return self.region is not None and self.region.level in UNIT_LEVELS

    @property
    def subject(self) -> bool:
        return self.household is not None or self.person is not None or self.episode is not None

    def query(self, region: Region) -> str:
        """The form's link for another unit, keeping the subject and kind."""
        parts = [f"region={region.pk}"]
        for name, row in (("household", self.household), ("person", self.person), ("episode", self.episode)):
            if row is not None:
                parts.append(f"{name}={row.pk}")
        if self.kind:
            parts.append(f"kind={self.kind}")
        return "?" + "&".join(parts)


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = str(params.get(name, "") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


def _episode(user: User, params: Mapping[str, str]) -> Episode | None:
    rows = Episode.objects.filter(scope_for(user).rows_q()).select_related("person", "person__household")
    ack_id = _int(params, "ack")
    if ack_id is not None:
        ack = AlertAck.objects.filter(pk=ack_id, episode__in=rows.values("pk")).first()
        if ack is None:
            raise Http404
        return rows.get(pk=ack.episode_id)
    episode_id = _int(params, "episode")
    if episode_id is None:
        return None
    found = rows.filter(pk=episode_id).first()
    if found is None:
        raise Http404
    return found


def _title(kind: str, person: Person | None, household: Household | None) -> str:
    who = person.name if person is not None else household.address if household is not None else ""
    if not who or kind not in Task.Kind.values:
        return ""
    return f"{Task.Kind(kind).label}：{who}"


def prefill_from(*, user: User, params: Mapping[str, str]) -> Prefill:
    """Read the form's link (or its hidden fields on a POST) into what the form starts with."""
    out = Prefill()
    out.episode = _episode(user, params)
    person_id = _int(params, "person")
    if person_id is not None:
        out.person = (
            Person.objects.filter(scope_for(user).rows_q(), pk=person_id, merged_into__isnull=True)
            .select_related("household")
            .first()
        )
        if out.person is None:
            raise Http404
    elif out.episode is not None:
        out.person = out.episode.person
    household_id = _int(params, "household")
    if household_id is not None:
        out.household = household_get_for_user(user=user, household_id=household_id)
    elif out.person is not None and out.person.household_id is not None:
        out.household = out.person.household
    region_id = _int(params, "region")
    if region_id is not None:
        out.region = region_get_for_user(user=user, region_id=region_id)
    else:
        chain = out.episode or out.person or out.household
        deepest = None
        if chain is not None:
            deepest = chain.grid_id or chain.village_id or chain.town_id
        if deepest is not None:
            out.region = Region.objects.filter(pk=deepest).first()
        else:
            roots = region_roots_for_user(user=user)
            out.region = roots[0] if roots else None
    region = out.region
    if region is not None and region.level > Level.GRID:  # a 片区: its grid's tasks
        out.region = region = region_get_for_user(user=user, region_id=region.depth_ids[Level.GRID - 1])
    kind = str(params.get("kind", "") or "")
    if kind not in Task.Kind.values:
        kind = Task.Kind.RECHECK if out.episode else Task.Kind.VISIT if out.subject else ""
    out.kind = kind
    out.title = str(params.get("title", "") or "")[:100] or _title(kind, out.person, out.household)
    if region is not None:
        scope = scope_for(user)
        if region.level < Level.GRID and not out.subject:
            out.children = list(Region.objects.filter(parent=region).order_by("code"))
        if region.parent_id is not None and region.level > Level.TOWN:
            parent = Region.objects.filter(pk=region.parent_id).first()
            out.parent = parent if parent is not None and scope.contains(parent) else None
    return out

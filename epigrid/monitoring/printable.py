"""The 14-day monitoring form (居家隔离人员健康监测登记表) of one episode, filled from its checks.

DOMAIN.md: a person header (类型 居家/集中 + 隔离点 + 房间, 原因, 末次暴露日期, 观察起止日期, 责任医生,
网格员) and one line per day of the period with 上午体温, 下午体温, 症状, 是否外出, 监测人.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import HttpRequest

from epigrid.core.models import User
from epigrid.monitoring.episode_selectors import episode_checks, episode_in_scope
from epigrid.monitoring.models import Episode, HealthCheck
from epigrid.monitoring.policy import slots
from epigrid.people.models import Symptom
from epigrid.people.selectors import PersonView, present
from epigrid.privacy.exports import Stamp, export_audit


@dataclass(frozen=True)
class FormCell:
    temperature: str  # "36.5", "" when missing
    fever: bool


@dataclass(frozen=True)
class FormDay:
    number: int  # 第N天
    day: dt.date
    cells: list[FormCell]  # one per policy slot
    symptoms: str
    went_out: bool
    by: str  # who recorded, or 本人 for self-reports


@dataclass(frozen=True)
class MonitoringForm:
    episode: Episode
    person: PersonView
    slot_labels: list[str]
    days: list[FormDay]


def _cell(check: HealthCheck | None) -> FormCell:
    if check is None or check.temperature is None:
        return FormCell("", bool(check and check.fever))
    return FormCell(str(check.temperature), check.fever)


# The form's fields (what the audit of a printing records as its columns).
COLUMNS = (
    "name", "sex", "phone", "kind", "basis", "last_exposure", "period", "address", "doctor", "cadre",
    "day", "temperature", "symptoms", "went_out", "recorded_by",
)  # fmt: skip


def monitoring_form(
    *, user: User, episode_id: int, stamp: Stamp, request: HttpRequest | None = None
) -> MonitoringForm:
    """Return the form of an episode in the user's scope (404 otherwise); the printing is logged as an
    export with the exporter's ``stamp`` (purpose, rows: the days of the form)."""
    episode = episode_in_scope(user=user, episode_id=episode_id)
    policy_slots = slots(episode.policy)
    current = {(c.day, c.slot): c for c in episode_checks(episode=episode)}
    labels = dict(Symptom.choices)
    days: list[FormDay] = []
    length = (episode.planned_end - episode.started_on).days
    for number in range(1, length + 1):
        day = episode.started_on + dt.timedelta(days=number - 1)
        checks = [current.get((day, slot.key)) for slot in policy_slots]
        seen = [c for c in checks if c is not None]
        symptoms = sorted({str(labels.get(s, s)) for c in seen for s in c.symptoms})
        recorders = {
            "本人" if c.channel == HealthCheck.Channel.SELF else str(c.recorded_by or "") for c in seen
        }
        days.append(
            FormDay(
                number=number,
                day=day,
                cells=[
                    FormCell(
                        str(c.temperature) if c and c.temperature is not None else "", bool(c and c.fever)
                    )
                    for c in checks
                ],
                symptoms="、".join(symptoms) if symptoms else ("无" if seen else ""),
                went_out=any(c.went_out for c in seen),
                by="、".join(sorted(r for r in recorders if r)),
            )
        )
    export_audit(
        actor=user, stamp=stamp, object_type="episode_form", object_id=episode.pk,
        region_path="", rows=len(days), columns=COLUMNS, filters=("episode",), fmt="print",
        request=request, extra={"person": episode.person_id},
    )  # fmt: skip
    return MonitoringForm(
        episode=episode,
        person=present(person=episode.person, user=user),
        slot_labels=[slot.label for slot in policy_slots],
        days=days,
    )

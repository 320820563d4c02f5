"""Anonymise the personal data of people whose observation is long over (PIPL: keep no longer than needed).

``epigrid privacy purge --before DATE [--dry-run]``. Who is anonymised (``eligible_people``):

- a person (not merged into another record) with at least one monitoring episode, every episode closed
  (released or converted) and ended before DATE (local midnight), and
- no current classification that keeps them under watch: suspected, confirmed, clinical, asymptomatic,
  fever under investigation (hospital or community), close or secondary contact (excluded, recovered
  and died do not keep anyone), and
- no fever-clinic visit, classification change or open transport-hub observation at or after DATE;
- and the records merged into such a person, on the same conditions.

What is kept, so that every report, indicator and dashboard of a past day counts the same: the region
chain, household link, sex, the birth *year* (the date becomes 1 January), every date, temperature,
symptom, classification, disposition, measure and status. What goes (``PERSON_TABLES``, ``OTHER_TABLES``):
names (a pseudonym ``已匿名-<id>``), ID numbers, phones, addresses of households whose every member is
anonymised, and personal free text (notes, reasons, whereabouts, companions, list rows' raw cells).

Travellers registered at a checkpoint without a registry record, department list rows never linked to
anyone, residents' reports and clues that were settled are anonymised when they are older than DATE.

Each table is updated with conditional ``UPDATE``s that only touch rows still holding something to
remove, in batches of people, each batch in its own transaction: a second run finds nothing, and a run
stopped half-way is finished by the next. A dry run counts with the same conditions and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _

from epigrid.cases.models import CaseStatus, Classification, ClassificationChange
from epigrid.cases.models import Measure as CaseMeasure
from epigrid.checkpoints.models import Handover, HubObservation, Passage, PassagePerson
from epigrid.clues.models import Clue, ResidentEntry
from epigrid.core.audit import audit_log
from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent
from epigrid.followups.models import Task
from epigrid.lists.models import ListBatch, ListRow
from epigrid.monitoring.models import AlertAck, Episode
from epigrid.people.models import Person, Screening, ScreeningEntry, TravelRecord
from epigrid.regions.models import Household
from epigrid.triage.models import FeverVisit

PREFIX = "已匿名-"
TASK_TITLE = "（已匿名）"
MIN_AGE_DAYS = 28
BATCH_SIZE = 500

# A person classified so is still a case, a suspect or a contact under watch: never anonymised.
ACTIVE_CLASSIFICATIONS = frozenset(
    {
        Classification.SUSPECTED,
        Classification.CONFIRMED,
        Classification.CLINICAL,
        Classification.ASYMPTOMATIC,
        Classification.FEVER_HOSPITAL,
        Classification.FEVER_COMMUNITY,
        Classification.CLOSE_CONTACT,
        Classification.SECONDARY_CONTACT,
    }
)


class PurgeRefused(ValueError):
    """The date cannot be used; the message says why and which date would do."""


def check_before(before: dt.date, *, today: dt.date | None = None) -> None:
    """Refuse a date in the future or within the last ``MIN_AGE_DAYS`` days."""
    today = today or local_today()
    latest = today - dt.timedelta(days=MIN_AGE_DAYS)
    if before > today:
        raise PurgeRefused(
            _("--before %(date)s 是未来的日期：只能匿名化已经结束的观察，请使用 %(latest)s 或更早的日期。")
            % {"date": before.isoformat(), "latest": latest.isoformat()}
        )
    if before > latest:
        raise PurgeRefused(
            _(
                "--before %(date)s 距今不足%(days)d天：观察结束后至少保留%(days)d天，"
                "请使用 %(latest)s 或更早的日期。"
            )
            % {"date": before.isoformat(), "days": MIN_AGE_DAYS, "latest": latest.isoformat()}
        )


def _cutoff(before: dt.date) -> dt.datetime:
    """Local midnight at the start of ``before``."""
    return timezone.make_aware(dt.datetime.combine(before, dt.time.min))


def _blocking_person_ids(cutoff: dt.datetime) -> Q:
    """People something still keeps under watch (see the module docstring)."""
    unfinished = Episode.objects.filter(
        Q(status=Episode.Status.OPEN) | Q(ended_at__isnull=True) | Q(ended_at__gte=cutoff)
    ).values("person_id")
    active = CaseStatus.objects.filter(classification__in=ACTIVE_CLASSIFICATIONS).values("person_id")
    visits = FeverVisit.objects.filter(visited_at__gte=cutoff).values("person_id")
    changes = ClassificationChange.objects.filter(at__gte=cutoff).values("person_id")
    stays = HubObservation.objects.filter(outcome="", passage_person__person__isnull=False).values(
        "passage_person__person_id"
    )
    return Q(pk__in=unfinished) | Q(pk__in=active) | Q(pk__in=visits) | Q(pk__in=changes) | Q(pk__in=stays)


def eligible_people(before: dt.date) -> QuerySet[Person]:
    """The people to anonymise for ``before`` (the rules of the module docstring), as one query."""
    cutoff = _cutoff(before)
    blocking = _blocking_person_ids(cutoff)
    closed = Episode.objects.exclude(status=Episode.Status.OPEN).filter(ended_at__lt=cutoff)
    base = Person.objects.filter(merged_into__isnull=True, pk__in=closed.values("person_id")).exclude(
        blocking
    )
    absorbed = Person.objects.filter(merged_into__in=base.values("pk")).exclude(blocking)
    return Person.objects.filter(Q(pk__in=base.values("pk")) | Q(pk__in=absorbed.values("pk")))


def _pseudonym(id_field: str, infix: str = "") -> Concat:
    return Concat(Value(PREFIX + infix), Cast(id_field, output_field=CharField()))


def _filled(*names: str) -> Q:
    """Rows where any of the text fields ``names`` still holds something."""
    q = Q()
    for name in names:
        q |= ~Q(**{name: ""})
    return q


_LIST_ROW_DIRTY = _filled("name", "id_number", "phone") | ~Q(raw=[]) | ~Q(fields={})
_LIST_ROW_CHANGES: dict[str, Any] = {"name": "", "id_number": "", "phone": "", "raw": [], "fields": {}}
_ENTRY_DIRTY = _filled("name", "phone", "address", "description")
_ENTRY_CHANGES: dict[str, Any] = {"name": "", "phone": "", "address": "", "description": ""}
_NOT_JAN_1 = Q(birth_date__isnull=False) & ~(Q(birth_date__month=1) & Q(birth_date__day=1))


@dataclass(frozen=True)
class Table:
    """One table's anonymisation: which rows (by person ids) still hold data, and what they become."""

    label: str
    model: type[models.Model]
    key: str  # the lookup holding the person id
    dirty: Q
    changes: dict[str, Any]


PERSON_TABLES: tuple[Table, ...] = (
    Table(
        "people.Person", Person, "pk",
        ~Q(name__startswith=PREFIX) | _filled("name_key", "id_number", "phone") | _NOT_JAN_1,
        {"name": _pseudonym("id"), "name_key": "", "id_number": "", "phone": "",
         "birth_date": TruncYear("birth_date", output_field=models.DateField())},
    ),
    Table("people.TravelRecord", TravelRecord, "person_id", _filled("companions", "transport_no"),
          {"companions": "", "transport_no": ""}),
    Table("people.ScreeningEntry", ScreeningEntry, "person_id", _filled("whereabouts"), {"whereabouts": ""}),
    Table("monitoring.Episode", Episode, "person_id", _filled("basis_note"), {"basis_note": ""}),
    Table("monitoring.AlertAck", AlertAck, "episode__person_id", _filled("note"), {"note": ""}),
    Table("cases.ClassificationChange", ClassificationChange, "person_id", _filled("reason", "note"),
          {"reason": "", "note": ""}),
    Table("cases.Measure", CaseMeasure, "person_id", _filled("note"), {"note": ""}),
    Table("triage.FeverVisit", FeverVisit, "person_id", _filled("note"), {"note": ""}),
    Table(
        "checkpoints.PassagePerson", PassagePerson, "person_id",
        ~Q(name__startswith=PREFIX) | _filled("id_number", "phone"),
        {"name": _pseudonym("person_id"), "id_number": "", "phone": ""},
    ),
    Table("checkpoints.Handover", Handover, "person_id", _filled("note"), {"note": ""}),
    Table("checkpoints.HubObservation", HubObservation, "passage_person__person_id", _filled("note"),
          {"note": ""}),
    Table("clues.ResidentEntry", ResidentEntry, "person_id", _ENTRY_DIRTY, _ENTRY_CHANGES),
    Table("lists.ListRow", ListRow, "person_id", _LIST_ROW_DIRTY, _LIST_ROW_CHANGES),
    Table("followups.Task", Task, "person_id", _filled("details", "outcome") | ~Q(title=TASK_TITLE),
          {"title": TASK_TITLE, "details": "", "outcome": ""}),
)  # fmt: skip


def _other_tables(
    before: dt.date, eligible: QuerySet[Person]
) -> list[tuple[str, QuerySet[Any], dict[str, Any]]]:
    """Rows not keyed by one person: each with its dirty filter applied and its changes."""
    cutoff = _cutoff(before)
    kept_people = Person.objects.exclude(pk__in=eligible.values("pk"))
    households = (
        Household.objects.filter(members__in=eligible.values("pk"))
        .exclude(pk__in=kept_people.filter(household__isnull=False).values("household_id"))
        .filter(~Q(address__startswith=PREFIX) | _filled("head_name"))
        .distinct()
    )
    screenings = (
        Screening.objects.filter(entries__isnull=False)
        .exclude(pk__in=ScreeningEntry.objects.filter(person__in=kept_people).values("screening_id"))
        .filter(_filled("notes"))
        .distinct()
    )
    open_stays = HubObservation.objects.filter(outcome="").values("passage_person_id")
    travellers = (
        PassagePerson.objects.filter(person__isnull=True, passage__day__lt=before)
        .exclude(pk__in=open_stays)
        .filter(~Q(name__startswith=PREFIX) | _filled("id_number", "phone"))
    )
    # A passage's free text may name anyone in the vehicle: cleared once no one in it is kept.
    passages = (
        Passage.objects.filter(day__lt=before)
        .exclude(pk__in=PassagePerson.objects.filter(person__in=kept_people).values("passage_id"))
        .exclude(pk__in=PassagePerson.objects.filter(pk__in=open_stays).values("passage_id"))
        .filter(_filled("plate", "local_contact", "notes"))
    )
    list_rows = ListRow.objects.filter(person__isnull=True, batch__created_at__lt=cutoff).filter(
        _LIST_ROW_DIRTY
    )
    batches = (
        ListBatch.objects.filter(created_at__lt=cutoff)
        .exclude(pk__in=ListRow.objects.filter(person__in=kept_people).values("batch_id"))
        .exclude(content=b"")
    )
    settled = [Clue.Status.VERIFIED, Clue.Status.FALSE, Clue.Status.HANDLED]
    clues = Clue.objects.filter(created_at__lt=cutoff, status__in=settled).filter(
        _filled("contact_name", "contact_phone")
    )
    entries = (
        ResidentEntry.objects.filter(person__isnull=True, created_at__lt=cutoff)
        .exclude(status=ResidentEntry.Status.PENDING)
        .filter(_ENTRY_DIRTY)
    )
    return [
        ("regions.Household", households, {"address": _pseudonym("id", "户"), "head_name": ""}),
        ("people.Screening", screenings, {"notes": ""}),
        ("checkpoints.PassagePerson:unlinked", travellers,
         {"name": _pseudonym("id", "旅客"), "id_number": "", "phone": ""}),
        ("checkpoints.Passage", passages, {"plate": "", "local_contact": "", "notes": ""}),
        ("lists.ListRow:unlinked", list_rows, _LIST_ROW_CHANGES),
        ("lists.ListBatch", batches, {"content": b""}),
        ("clues.Clue", clues, {"contact_name": "", "contact_phone": ""}),
        ("clues.ResidentEntry:unlinked", entries, _ENTRY_CHANGES),
    ]  # fmt: skip


@dataclass
class PurgeResult:
    before: dt.date
    dry_run: bool
    people: int = 0  # eligible people (anonymised already or not)
    counts: dict[str, int] = field(default_factory=dict)  # rows changed (or that would change) per table

    @property
    def changed(self) -> int:
        return sum(self.counts.values())


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _in_batches(queryset: QuerySet[Any], changes: dict[str, Any], size: int) -> int:
    """Update the rows of ``queryset`` batch by batch (ids read first), each batch in a transaction."""
    model = queryset.model
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    total = 0
    for chunk in _chunks(ids, size):
        with transaction.atomic():
            total += model._default_manager.filter(pk__in=chunk).update(**changes)
    return total


def purge(
    *,
    before: dt.date,
    dry_run: bool,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[str], None] | None = None,
) -> PurgeResult:
    """Anonymise (or, ``dry_run``, count) what ``before`` makes eligible; the real run is audited."""
    check_before(before)
    eligible = eligible_people(before)
    ids = list(eligible.order_by("pk").values_list("pk", flat=True))
    result = PurgeResult(before=before, dry_run=dry_run, people=len(ids))
    for table in PERSON_TABLES:
        manager = table.model._default_manager
        total = 0
        for chunk in _chunks(ids, batch_size):
            rows = manager.filter(table.dirty, **{f"{table.key}__in": chunk})
            if dry_run:
                total += rows.count()
            else:
                with transaction.atomic():
                    total += rows.update(**table.changes)
        result.counts[table.label] = total
        if progress is not None:
            progress(table.label)
    for label, queryset, changes in _other_tables(before, eligible):
        result.counts[label] = queryset.count() if dry_run else _in_batches(queryset, changes, batch_size)
        if progress is not None:
            progress(label)
    if not dry_run:
        audit_log(
            actor=None,
            action=AuditEvent.Action.UPDATE,
            object_type="privacy_purge",
            object_id=before.isoformat(),
            detail={"before": before.isoformat(), "people": result.people, "rows": result.counts},
            username="command line",
        )
    return result

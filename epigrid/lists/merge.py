"""Merge two records of one real person, undo a merge, and move a list row to another person.

Nothing is deleted. A merge repoints every row that belongs to the absorbed record (list rows, travel
records, and whatever later issues attach to a person) to the kept one, fills the kept record's blank
identifiers from the absorbed one, and marks the absorbed record ``merged_into``. The ``PersonMerge``
row remembers exactly what moved and what was filled, so an undo puts back that and only that.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.lists.models import ListRow, PersonMerge
from epigrid.lists.review import list_row_decided
from epigrid.people.models import Person
from epigrid.people.signals import person_chain_changed
from epigrid.regions.models import Household, Region
from epigrid.regions.scope import scope_for

# The identifiers a merge may fill on the kept record when it has none and the absorbed one has.
FILLABLE = ("id_number", "phone", "birth_date", "sex", "cadre_id")


class MergeError(Exception):
    """A merge, undo or move that cannot be done; ``message`` says why, without personal data."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class _Link:
    """A foreign key from some model to Person that a merge repoints."""

    model: type[models.Model]
    field: str

    @property
    def label(self) -> str:
        return f"{self.model._meta.label_lower}.{self.field}"


def _person_links() -> list[_Link]:
    """Return every foreign key (and one-to-one key) to Person, except the merge bookkeeping itself.

    Found from the model registry, so a table a later issue hangs off a person (monitoring, cases)
    moves with a merge without this module knowing it.
    """
    links = []
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if not isinstance(model, type) or model in (Person, PersonMerge):
            continue
        if (relation.one_to_many or relation.one_to_one) and relation.field.concrete:
            links.append(_Link(model, relation.field.attname))
    return sorted(links, key=lambda link: link.label)


def _links_by_label() -> dict[str, _Link]:
    return {link.label: link for link in _person_links()}


def _check_actor(actor: User, *people: Person) -> None:
    if not actor.caps.merge_people:
        raise MergeError(_("只有镇/街道干部和区指挥部可以合并人员。"))
    scope = scope_for(actor)
    for person in people:
        if not Person.objects.filter(scope.rows_q(), pk=person.pk).exists():
            raise MergeError(_("人员不在您的管辖范围内。"))


def _bump(person: Person, delta: int) -> None:
    """Count a record in or out of its regions and its household."""
    regions = [pk for pk in (person.district_id, person.town_id, person.village_id, person.grid_id) if pk]
    Region.objects.filter(pk__in=regions).update(person_count=F("person_count") + delta)
    if person.household_id:
        Household.objects.filter(pk=person.household_id).update(member_count=F("member_count") + delta)


@transaction.atomic
def person_merge(*, actor: User, kept: Person, absorbed: Person, reason: str = "") -> PersonMerge:
    """Fold ``absorbed`` into ``kept``: its rows move, blank identifiers are filled, it is counted out.

    The record that stays must be the placed one when only one of them is placed in a household, so
    a merge never takes a person out of the household a grid worker found them in.
    """
    kept = Person.objects.select_for_update().get(pk=kept.pk)
    absorbed = Person.objects.select_for_update().get(pk=absorbed.pk)
    _check_actor(actor, kept, absorbed)
    if kept.pk == absorbed.pk:
        raise MergeError(_("不能把一个人员合并到自己。"))
    if kept.merged_into_id or absorbed.merged_into_id:
        raise MergeError(_("其中一条记录已经合并到其他人员，请打开保留的记录再合并。"))
    if absorbed.household_id and not kept.household_id:
        raise MergeError(_("已落户的记录应当保留：请把未落户的记录合并到已落户的记录。"))
    same_kind = kept.doc_type == absorbed.doc_type
    if same_kind and kept.id_number and absorbed.id_number and kept.id_number != absorbed.id_number:
        raise MergeError(_("两条记录的身份证号不同，不能合并。"))

    moved: dict[str, list[int]] = {}
    failed: _Link | None = None
    try:
        with transaction.atomic():
            for link in _person_links():
                failed = link
                rows = link.model._default_manager.filter(**{link.field: absorbed.pk})
                ids = list(rows.values_list("pk", flat=True))
                if ids:
                    link.model._default_manager.filter(pk__in=ids).update(**{link.field: kept.pk})
                    moved[link.label] = ids
    except IntegrityError as exc:
        # A table that allows one row per person (an open observation, say) has one for each.
        what = failed.model._meta.verbose_name if failed is not None else ""
        raise MergeError(
            _("两条记录都有“%(what)s”，不能自动合并：请先结束或调整其中一条。") % {"what": what}
        ) from exc

    filled: dict[str, object] = {}
    for field in FILLABLE:
        mine, theirs = getattr(kept, field), getattr(absorbed, field)
        if theirs and not mine:
            setattr(kept, field, theirs)
            filled[field] = theirs.isoformat() if hasattr(theirs, "isoformat") else theirs
    if filled:
        kept.save(update_fields=[*filled, "updated_at"])
    absorbed.merged_into = kept
    absorbed.save(update_fields=["merged_into", "updated_at"])
    _bump(absorbed, -1)
    person_chain_changed.send(sender=Person, person=kept)  # rows that copy a chain now belong to kept
    merge = PersonMerge.objects.create(
        kept=kept, absorbed=absorbed, merged_by=actor, reason=reason[:200], moved=moved, filled=filled
    )
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="person",
        object_id=kept.pk,
        region_path=kept.place.path,
        detail={
            "op": "merge",
            "merge": merge.pk,
            "absorbed": absorbed.pk,
            "moved": {k: len(v) for k, v in moved.items()},
            "filled": sorted(filled),
        },
    )
    return merge


@transaction.atomic
def person_unmerge(*, actor: User, merge: PersonMerge) -> PersonMerge:
    """Undo a merge: the absorbed record comes back with the rows that moved and still sit on the kept.

    Rows an officer has since moved elsewhere stay where they are; filled fields go back to blank only
    if they still hold the value the merge put there. A record that was itself merged later must be
    taken apart first, newest merge first.
    """
    merge = PersonMerge.objects.select_for_update().select_related("kept", "absorbed").get(pk=merge.pk)
    kept, absorbed = merge.kept, merge.absorbed
    _check_actor(actor, kept)
    if merge.undone_at is not None:
        raise MergeError(_("这次合并已经撤销。"))
    if kept.merged_into_id:
        raise MergeError(_("保留的记录后来又合并到其他人员，请先撤销那次合并。"))
    links = _links_by_label()
    returned: dict[str, int] = {}
    for label, ids in merge.moved.items():
        link = links.get(label)
        if link is None:
            continue
        returned[label] = link.model._default_manager.filter(pk__in=ids, **{link.field: kept.pk}).update(
            **{link.field: absorbed.pk}
        )
    cleared = []
    for field, value in merge.filled.items():
        current = getattr(kept, field)
        current = current.isoformat() if hasattr(current, "isoformat") else current
        if current == value:
            setattr(kept, field, "" if field not in ("birth_date", "cadre_id") else None)
            cleared.append(field)
    if cleared:
        kept.save(update_fields=[*cleared, "updated_at"])
    absorbed.merged_into = None
    absorbed.save(update_fields=["merged_into", "updated_at"])
    _bump(absorbed, +1)
    for person in (kept, absorbed):
        person_chain_changed.send(sender=Person, person=person)
    merge.undone_at = now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="person",
        object_id=kept.pk,
        region_path=kept.place.path,
        detail={"op": "unmerge", "merge": merge.pk, "absorbed": absorbed.pk, "returned": returned},
    )
    return merge


@transaction.atomic
def list_row_move(*, actor: User, row: ListRow, person: Person) -> ListRow:
    """Attach a department-list row to another person (a link that turned out wrong)."""
    if not actor.caps.merge_people:
        raise MergeError(_("只有镇/街道干部和区指挥部可以调整名单行的归属。"))
    _check_actor(actor, person)
    if person.merged_into_id:
        raise MergeError(_("该人员已合并到其他人员，请选择保留的记录。"))
    return list_row_decided(actor=actor, row=row, person=person, decision=ListRow.Decision.MATCHED, by="move")

"""Handovers: a traveller from the key area handed by a checkpoint to their destination village, a
lead its grid workers see at once (``handover_create``, called by ``services.passage_register`` in its
transaction), and what the village did about it (``handover_close``)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from epigrid.checkpoints.errors import CheckpointInvalid, FieldError
from epigrid.checkpoints.hubs import TRANSPORT_OF_KIND
from epigrid.checkpoints.models import Handover, Passage, PassagePerson
from epigrid.checkpoints.selectors import handovers_q
from epigrid.core.audit import audit_log
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import Level, Region
from epigrid.regions.services import chain_to

TRANSPORT_OF_VEHICLE: dict[str, str] = {
    Passage.VehicleType.CAR: TravelRecord.Transport.CAR,
    Passage.VehicleType.BUS: TravelRecord.Transport.COACH,
    Passage.VehicleType.TRUCK: TravelRecord.Transport.CAR,
    Passage.VehicleType.MOTORCYCLE: TravelRecord.Transport.OTHER,
    Passage.VehicleType.NON_MOTOR: TravelRecord.Transport.OTHER,
    Passage.VehicleType.ON_FOOT: TravelRecord.Transport.OTHER,
    Passage.VehicleType.OTHER: TravelRecord.Transport.OTHER,
}


def handover_create(passage: Passage, row: PassagePerson, person: Person, target: Region) -> Handover:
    """Hand one traveller to the destination village: a lead for its grid workers, with the journey."""
    if target.level == Level.VILLAGE and person.village_id == target.pk and person.grid_id:
        target = Region.objects.get(pk=person.grid_id)  # a resident of the village: straight to their grid
    chain = chain_to(target)
    TravelRecord.objects.create(
        person=person,
        origin=passage.origin or _("经卡口登记"),
        from_outbreak_area=passage.from_outbreak_area,
        via_outbreak_area=passage.via_outbreak_area,
        arrived_on=passage.day,
        transport=TRANSPORT_OF_KIND.get(passage.checkpoint.kind)
        or TRANSPORT_OF_VEHICLE.get(passage.vehicle_type, TravelRecord.Transport.OTHER),
        transport_no=passage.service_no or passage.plate,
    )
    return Handover.objects.create(
        passage_person=row,
        person=person,
        region=target,
        district_id=chain["district_id"],
        town_id=chain.get("town_id"),
        village_id=chain.get("village_id"),
        grid_id=chain.get("grid_id"),
    )


@transaction.atomic
def handover_close(*, actor: User, handover: Handover, status: str, note: str = "") -> Handover:
    """Record what the village did with a handed-over traveller: received (found and registered) or not
    found. Village leaders, grid workers and the town of the destination, inside their scope."""
    found = Handover.objects.select_for_update().filter(handovers_q(actor), pk=handover.pk).first()
    if found is None or not actor.caps.can_write:
        raise PermissionDenied
    handover = found
    if status not in (Handover.Status.RECEIVED, Handover.Status.NOT_FOUND):
        raise CheckpointInvalid([FieldError("status", _("请选择接收结果。"))])
    if len(note) > 200:
        raise CheckpointInvalid([FieldError("note", _("不能超过200字。"))])
    if handover.status != Handover.Status.OPEN:
        return handover  # already closed: a second tap changes nothing
    handover.status = status
    handover.note = note.strip()
    handover.received_by = actor
    handover.received_at = now()
    handover.save(update_fields=["status", "note", "received_by", "received_at", "updated_at"])
    audit_log(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="handover",
        object_id=handover.pk,
        region_path=handover.region.path,
        detail={"status": status, "person": handover.person_id},
    )
    return handover

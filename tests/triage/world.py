"""Objects of the triage app in the shared test world, made on first use (the URL and API walks name
them in PARAMETER_OBJECTS): the district's clinic account, a township fever room in 甲镇 and a visit of
张伟 at the district's fever clinic (``facility_a``), excluded."""

from __future__ import annotations

from functools import cached_property

from tests.conftest import World


def _clinic(world: World):
    from epigrid.core.roles import Role
    from tests import factories as f

    return f.user("clinic", Role.CLINIC, world.district)


def _fever_room(world: World):
    from epigrid.resources.models import Facility

    return Facility.objects.create(
        district=world.district, kind=Facility.Kind.TOWNSHIP_FEVER_ROOM, name="甲镇卫生院发热诊室"
    )


def _visit(world: World):
    from epigrid.triage.services import VisitInput, fever_visit_record

    data = VisitInput(
        temperature="37.8", disposition="excluded", doctor="刘医生", person_id=world.zhang.pk,
        symptoms=["cough"],
    )  # fmt: skip
    return fever_visit_record(actor=world.clinic, facility=world.facility_a, data=data).visit


for _name, _make in (("clinic", _clinic), ("fever_room_a", _fever_room), ("fever_visit_a", _visit)):
    if not hasattr(World, _name):
        _prop = cached_property(_make)
        _prop.__set_name__(World, _name)
        setattr(World, _name, _prop)

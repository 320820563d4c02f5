"""Fever visits reach the daily figures without retyping: the visits of the period, and the four
categories moved by the dispositions (社区发热待查 at the township room, 医院发热待查 at a clinic)."""

from __future__ import annotations

from django.utils import timezone

from epigrid.reports.indicators import INDICATORS, indicator_table, indicator_values
from epigrid.triage.services import VisitInput, fever_visit_record

KEYS = ["fever_clinic_visits", "fever_hospital", "fever_community", "suspected"]


def _visit(world, person, disposition, facility):
    data = VisitInput(temperature="38.3", disposition=disposition, doctor="刘医生", person_id=person.pk)
    fever_visit_record(actor=world.clinic, facility=facility, data=data)


def test_visits_move_the_figures(world, django_assert_max_num_queries):
    before = indicator_values(world.district, timezone.now(), KEYS)
    assert before == dict.fromkeys(KEYS, 0)
    _visit(world, world.zhang, "fever_unexcluded", world.fever_room_a)
    _visit(world, world.li, "fever_unexcluded", world.facility_a)
    _visit(world, world.li, "suspected", world.facility_a)
    moment = timezone.now()
    with django_assert_max_num_queries(1):
        assert indicator_values(world.district, moment, ["fever_clinic_visits"]) == {"fever_clinic_visits": 3}
    values = indicator_values(world.district, moment, KEYS)
    assert values == {"fever_clinic_visits": 3, "fever_hospital": 0, "fever_community": 1, "suspected": 1}
    towns = indicator_table([world.town, world.street], moment, ["fever_clinic_visits", "fever_community"])
    assert towns[world.town.pk] == {"fever_clinic_visits": 1, "fever_community": 1}
    assert towns[world.street.pk] == {"fever_clinic_visits": 2, "fever_community": 0}
    assert indicator_values(world.grid_a, moment, ["fever_clinic_visits"])["fever_clinic_visits"] == 1
    assert INDICATORS["fever_clinic_visits"].group == "cases"

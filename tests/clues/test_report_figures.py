"""Clues and rumours reach the daily report's figures: received, verified, rumours in the report period."""

from __future__ import annotations

from django.utils import timezone

from epigrid.clues.models import Clue, ClueKind
from epigrid.clues.services import ClueInput, clue_outcome, clue_report
from epigrid.reports.indicators import INDICATORS, indicator_table, indicator_values


def test_clues_received_verified_and_rumours_in_the_report_figures(world):
    seen = clue_report(
        actor=world.grid_worker_a,
        data=ClueInput(kind=ClueKind.GATHERING, region=world.village_a, description="村口有人打麻将聚集"),
    ).clue
    clue_report(
        actor=world.village_leader,
        data=ClueInput(kind=ClueKind.RUMOUR, region=world.village_a, description="传言喝白酒能防病毒"),
    )
    clue_outcome(actor=world.police, clue=seen, status=Clue.Status.VERIFIED, note="已劝散")
    moment = timezone.now()
    values = indicator_values(world.district, moment, ["clues_received", "clues_verified", "rumours"])
    assert values == {"clues_received": 2, "clues_verified": 1, "rumours": 1}
    towns = indicator_table([world.town, world.street], moment, ["clues_received"])
    assert towns[world.town.pk]["clues_received"] == 2 and towns[world.street.pk]["clues_received"] == 0
    assert INDICATORS["rumours"].group == "clues"

"""The demo's clues: routed to the demo police station with outcomes, a rumour, residents' reports
waiting in the demo village (one of a registered person) and a flood kept apart."""

from __future__ import annotations

import pytest
from django.test import Client

from epigrid.clues.models import Clue, ResidentEntry
from epigrid.clues.selectors import clues_for_user, entries_for_user
from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.clues import demo_clues_load
from epigrid.demo.generator import generate


@pytest.mark.django_db(transaction=True)
def test_demo_clues_and_residents_reports():
    generate(size="small")
    demo_accounts_ensure()
    result = demo_clues_load()
    assert (result.clues, result.rumours, result.settled, result.links) == (3, 1, 2, 2)
    assert result.entries == 7 and result.quarantined == 3 and result.duplicates == 1
    police = User.objects.get(username="police")
    assert clues_for_user(user=police).count() == Clue.objects.count() == 3
    leader = User.objects.get(username="village")
    waiting = list(entries_for_user(user=leader))
    assert len(waiting) == 7 and sum(e.quarantined for e in waiting) == 3
    assert [e.quarantined for e in waiting] == [False] * 4 + [True] * 3
    assert ResidentEntry.objects.filter(status="rejected").count() == 20
    assert Client().get(result.public_path).status_code == 200
    assert demo_clues_load().clues == 0  # loaded once

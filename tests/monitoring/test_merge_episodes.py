"""Merging two records of one person who are both under observation."""

from __future__ import annotations

import pytest

from epigrid.lists.merge import MergeError, person_merge
from epigrid.monitoring.models import Episode
from epigrid.people.models import Person
from epigrid.people.services import person_register_unplaced


def test_both_under_observation_is_refused_with_a_reason_and_nothing_moves(world, open_episode):
    twin = person_register_unplaced(
        actor=None, region=world.town, name="张伟", source=Person.Source.SENT_DOWN
    )
    mine = open_episode(world.zhang)
    theirs = open_episode(twin)
    with pytest.raises(MergeError, match="医学观察"):
        person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    assert Episode.objects.get(pk=theirs.pk).person_id == twin.pk
    assert Episode.objects.get(pk=mine.pk).person_id == world.zhang.pk
    twin.refresh_from_db()
    assert twin.merged_into_id is None


def test_one_under_observation_moves_with_the_merge(world, open_episode):
    twin = person_register_unplaced(
        actor=None, region=world.town, name="张伟", source=Person.Source.SENT_DOWN
    )
    theirs = open_episode(twin)
    person_merge(actor=world.hq, kept=world.zhang, absorbed=twin)
    assert Episode.objects.get(pk=theirs.pk).person_id == world.zhang.pk

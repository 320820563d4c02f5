"""A centralized observation room holds at most its capacity: two people in a single room are refused."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.core.clock import local_today
from epigrid.monitoring.episodes import EpisodeError, episode_convert, episode_start
from epigrid.monitoring.models import Episode, Room, Site
from tests import factories as f

CENTRAL = Episode.Kind.CENTRAL
RETURN = Episode.Basis.OUTBREAK_RETURN


def _start(world, person, room):
    return episode_start(
        actor=world.hq,
        person=person,
        kind=CENTRAL,
        basis=RETURN,
        room=room,
        last_exposure=local_today() - dt.timedelta(days=2),
    )


@pytest.fixture
def site(world):
    return Site.objects.create(district=world.district, name="城南宾馆")


def test_a_second_person_in_a_single_room_is_refused_and_nothing_is_written(world, policy, site):
    room = Room.objects.create(site=site, number="201")
    first = _start(world, world.zhang, room)
    with pytest.raises(EpisodeError, match=r"该房间已住满（可住1人）"):
        _start(world, world.li, room)
    assert list(Episode.objects.filter(room=room).values_list("pk", flat=True)) == [first.pk]
    assert not Episode.objects.filter(person=world.li).exists()


def test_a_family_room_takes_two_and_refuses_the_third(world, policy, site):
    room = Room.objects.create(site=site, number="301", capacity=2)
    _start(world, world.zhang, room)
    _start(world, world.li, room)
    third = f.person(world.hh_a2, "赵敏", sex="F")
    with pytest.raises(EpisodeError, match=r"可住2人"):
        _start(world, third, room)
    assert Episode.objects.filter(room=room, status=Episode.Status.OPEN).count() == 2


def test_a_room_frees_when_its_episode_ends(world, policy, site):
    room = Room.objects.create(site=site, number="202")
    first = _start(world, world.zhang, room)
    episode_convert(actor=world.hq, episode=first, reason=Episode.EndReason.TRANSFERRED)
    second = _start(world, world.li, room)
    assert second.room_id == room.pk

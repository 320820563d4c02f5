"""The demo's volunteers and roster: a team per village, a week of duty through the services, one
double booking and one uncovered checkpoint shift on today's roster; loading twice changes nothing."""

from __future__ import annotations

import pytest
import time_machine

from epigrid.core.clock import local_today
from epigrid.core.models import AuditEvent, User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.checkpoints import demo_checkpoints_load
from epigrid.demo.generator import generate
from epigrid.demo.volunteers import demo_volunteers_load
from epigrid.regions.models import Level, Region
from epigrid.volunteers.models import Duty, Volunteer, VolunteerTeam
from epigrid.volunteers.roster import roster_for_region


@pytest.mark.django_db(transaction=True)
def test_demo_has_teams_a_week_of_duty_a_double_booking_and_an_uncovered_checkpoint():
    with time_machine.travel("2026-02-10 10:00 +0800", tick=False):
        generate(size="small")
        demo_accounts_ensure()
        demo_checkpoints_load()
        result = demo_volunteers_load()
        villages = Region.objects.filter(level=Level.VILLAGE).count()
        assert result.teams == VolunteerTeam.objects.count() == villages + 1  # and one property team
        assert 5 * villages <= result.volunteers == Volunteer.objects.count() <= 7 * (villages + 1)
        assert result.duties == Duty.objects.count() > 7 * 2 * villages
        assert AuditEvent.objects.filter(object_type="duty").count() == result.duties
        assert result.double_bookings == 2 and result.uncovered == 1
        assert not VolunteerTeam.objects.filter(leader__isnull=True).exists()
        town_user = User.objects.get(username="town")
        town = Region.objects.get(assignments__user=town_user)
        roster = roster_for_region(user=town_user, region=town, day=local_today())
        assert roster.conflicts == 2
        assert any(p.checkpoint is not None and p.gaps == ["20:00–24:00"] for p in roster.places)
        again = demo_volunteers_load()
        assert (again.teams, again.duties) == (0, 0) and Duty.objects.count() == result.duties

"""The demo's pre-triage: the township fever room and a week of visits, through the service."""

from __future__ import annotations

import pytest

from epigrid.cases.models import CaseStatus
from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.facilities import demo_facilities_load
from epigrid.demo.generator import generate
from epigrid.demo.triage import demo_triage_load
from epigrid.resources.models import Facility
from epigrid.triage.models import FeverVisit
from epigrid.triage.selectors import visits_for_user


@pytest.mark.django_db(transaction=True)
def test_demo_triage():
    generate(size="small")
    accounts = demo_accounts_ensure()
    assert "clinic" in {a.username for a in accounts}
    demo_facilities_load()
    result = demo_triage_load()
    assert result.fever_rooms == 1 and result.visits == FeverVisit.objects.count() == 36
    assert (result.excluded, result.fever_unexcluded, result.suspected, result.admitted) == (22, 6, 3, 1)
    assert result.home_observation == 4 and result.new_people == 2
    assert FeverVisit.objects.filter(facility__kind=Facility.Kind.TOWNSHIP_FEVER_ROOM).exists()
    classified = set(
        CaseStatus.objects.filter(person__fever_visits__isnull=False).values_list("classification", flat=True)
    )
    assert {"fever_hospital", "fever_community", "suspected"} <= classified
    leader = User.objects.get(username="village")
    assert visits_for_user(user=leader).exists()  # the demo village sees its residents' visits
    assert demo_triage_load().visits == 0  # loaded once

"""The demo's checkpoints: every kind in the demo town, stops of the last three days registered through
the service, open handovers waiting for the demo grid worker."""

from __future__ import annotations

import datetime as dt

import pytest

from epigrid.checkpoints.models import HUB_KINDS, Checkpoint, Disposition, Handover, Passage, PassagePerson
from epigrid.checkpoints.selectors import checkpoints_for_user, handovers_for_user
from epigrid.core.clock import now
from epigrid.core.models import AuditEvent, User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.checkpoints import demo_checkpoints_load
from epigrid.demo.generator import generate
from epigrid.regions.models import Level, Region


@pytest.mark.django_db(transaction=True)
def test_demo_has_checkpoints_passages_and_open_handovers_for_the_grid_worker():
    generate(size="small")
    demo_accounts_ensure()
    result = demo_checkpoints_load()
    towns = Region.objects.filter(level=Level.TOWN).count()
    assert 2 * towns <= result.checkpoints <= 4 * towns
    assert Checkpoint.objects.count() == result.checkpoints
    district = Region.objects.get(level=Level.DISTRICT)
    assert all(c.located and c.district_id == district.pk for c in Checkpoint.objects.all())
    assert any(c.around_the_clock for c in Checkpoint.objects.all())
    assert any(not c.around_the_clock for c in Checkpoint.objects.all())
    # The demo checkpoint account sees every kind in its town.
    checkpoint_user = User.objects.get(username="checkpoint")
    kinds = {c.kind for c in checkpoints_for_user(user=checkpoint_user)}
    assert kinds == set(Checkpoint.Kind.values) - HUB_KINDS  # the hubs: demo.hubs (tests/checkpoints)
    # A few hundred stops, within the service's 72 hours, written by the service (audited).
    assert 150 <= result.passages == Passage.objects.count() <= 600
    assert all(p.checked_at >= now() - dt.timedelta(hours=72) for p in Passage.objects.all())
    assert Passage.objects.filter(checked_by=checkpoint_user).exists()
    assert AuditEvent.objects.filter(object_type="passage").count() == result.passages
    assert Passage.objects.exclude(plate_warnings=[]).exists()
    assert len(set(Passage.objects.values_list("vehicle_type", flat=True))) >= 5
    dispositions = set(PassagePerson.objects.values_list("disposition", flat=True))
    assert dispositions == set(Disposition.values) - {Disposition.OBSERVATION}  # 留观: hubs only
    assert PassagePerson.objects.filter(fever=True, disposition=Disposition.FEVER_CLINIC).exists()
    assert PassagePerson.objects.filter(person__isnull=False).exists()  # residents recognised
    # Open handovers in the demo village, some of them in the demo grid itself.
    grid_user = User.objects.get(username="grid")
    open_for_grid = list(handovers_for_user(user=grid_user))
    assert len(open_for_grid) >= 5
    assert all(h.status == Handover.Status.OPEN for h in open_for_grid)
    assert result.handovers == Handover.objects.count()
    assert demo_checkpoints_load().checkpoints == 0  # once
    assert Passage.objects.count() == result.passages

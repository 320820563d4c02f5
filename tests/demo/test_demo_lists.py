"""The demo's department lists: real files through the real services, with real decisions."""

from __future__ import annotations

import pytest

from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.generator import generate
from epigrid.demo.lists import demo_lists_load
from epigrid.lists.models import ListBatch, ListRow
from epigrid.people.models import Person, TravelRecord


@pytest.mark.django_db(transaction=True)
def test_demo_lists_load_once_with_every_kind_of_decision():
    generate(size="small")
    demo_accounts_ensure()
    hq = User.objects.get(username="hq")
    before = Person.objects.count()
    batches = demo_lists_load(uploader=hq)
    assert [(b.source.name, b.number) for b in batches] == [
        ("区教育局", 1), ("区教育局", 2), ("区卫健局", 1), ("区公安分局", 1)
    ]  # fmt: skip
    assert all(b.status == ListBatch.Status.DONE for b in batches)
    decisions = set(ListRow.objects.values_list("decision", flat=True))
    assert {"matched", "new", "rejected"} <= decisions
    matched = ListRow.objects.filter(decision="matched").count()
    assert matched > 0.8 * ListRow.objects.exclude(decision="rejected").count()
    first = batches[0]
    assert first.summary["skipped"] >= 1  # the 合计 row and the empty row
    assert Person.objects.count() > before  # the students registered elsewhere
    assert TravelRecord.objects.filter(from_outbreak_area=True).exists()
    assert TravelRecord.objects.filter(via_outbreak_area=True).exists()
    assert demo_lists_load(uploader=hq) == []  # a second run adds nothing

"""The demo's cases: clusters with contacts, contacts of contacts, and every kind of classification."""

from __future__ import annotations

import pytest

from epigrid.cases.models import CaseStatus, Classification, Contact, Measure
from epigrid.cases.selectors import four_category_counts
from epigrid.core.models import User
from epigrid.demo.accounts import demo_accounts_ensure
from epigrid.demo.cases import CLUSTERS, demo_cases_load
from epigrid.demo.generator import generate
from epigrid.demo.outbreak import demo_outbreak_load
from epigrid.regions.models import Level, Region

C = Classification


@pytest.mark.django_db(transaction=True)
def test_the_demo_loads_clusters_once():
    generate(size="small")
    demo_accounts_ensure()
    demo_outbreak_load(staff=User.objects.get(username="village"))
    hq = User.objects.get(username="hq")
    result = demo_cases_load(actor=hq)
    assert result.cases == CaseStatus.objects.count() and result.contacts == Contact.objects.count()
    present = set(CaseStatus.objects.values_list("classification", flat=True))
    assert {C.CONFIRMED, C.SUSPECTED, C.FEVER_HOSPITAL, C.FEVER_COMMUNITY, C.CLOSE_CONTACT} <= present
    assert {C.SECONDARY_CONTACT, C.EXCLUDED, C.RECOVERED, C.ASYMPTOMATIC} <= present
    index_cases = set(Contact.objects.values_list("case_id", flat=True))
    # Each cluster's index case and its second generation name contacts; contacts of contacts too.
    assert len(index_cases) > CLUSTERS
    assert Contact.objects.filter(case__case_status__classification=C.CLOSE_CONTACT).exists()
    assert (
        CaseStatus.objects.filter(imported=True).exists()
        and CaseStatus.objects.filter(imported=False).exists()
    )
    assert Measure.objects.filter(kind=Measure.Kind.DESIGNATED_HOSPITAL).exists()
    # Contacts are under observation from their last exposure.
    assert Contact.objects.filter(episode__isnull=False).count() > result.contacts // 2
    counts = four_category_counts(Region.objects.get(level=Level.DISTRICT))
    assert counts.confirmed >= CLUSTERS and counts.close_contact > 0
    assert demo_cases_load(actor=hq).cases == 0  # once

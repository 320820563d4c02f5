"""The demo district's door-to-door visits: most households, the last days, returnees and a few fevers."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F
from django.utils import timezone

from epigrid.demo.generator import generate
from epigrid.people.models import FEVER_THRESHOLD, Person, Screening, ScreeningEntry, TravelRecord
from epigrid.regions.models import Household
from epigrid.regions.services import region_counts_rebuild


def test_demo_visits_look_like_a_week_of_screening(db):
    started = timezone.now()
    summary = generate(size="small")
    households = Household.objects.count()
    visits = Screening.objects.count()
    assert 0.5 * households < visits < 0.8 * households
    # Visits lie in the last five local days, in daytime, never in the future.
    first_day = timezone.localdate(started) - dt.timedelta(days=4)
    for visited_at in Screening.objects.values_list("visited_at", flat=True):
        local = timezone.localtime(visited_at)
        assert first_day <= local.date() and visited_at <= timezone.now()
    # Every member of a visited household has an entry, and only its members.
    assert not ScreeningEntry.objects.exclude(person__household_id=F("screening__household_id")).exists()
    per_visit = dict(Screening.objects.annotate(n=Count("entries")).values_list("household_id", "n"))
    sizes = dict(Household.objects.filter(pk__in=per_visit).values_list("id", "member_count"))
    assert per_visit == sizes
    # Returnees, most of them from or through the outbreak area, each with a journey.
    returnees = ScreeningEntry.objects.filter(returnee=True)
    assert returnees.count() == TravelRecord.objects.count() > 10
    assert not returnees.filter(travel__isnull=True).exists()
    assert TravelRecord.objects.filter(origin__contains="武汉").exists()
    assert TravelRecord.objects.filter(via_outbreak_area=True, origin__contains="途经武汉").exists()
    outbreak = TravelRecord.objects.filter(from_outbreak_area=True) | TravelRecord.objects.filter(
        via_outbreak_area=True
    )
    assert outbreak.count() > TravelRecord.objects.count() / 2
    for travel in TravelRecord.objects.all():
        assert travel.left_on is not None and travel.arrived_on is not None
        assert travel.left_on <= travel.arrived_on
    # A few fevers, consistent with the threshold, and home isolation where returnees came from 武汉.
    fevers = ScreeningEntry.objects.filter(fever=True)
    assert 0 < fevers.count() < 0.02 * ScreeningEntry.objects.count()
    assert not fevers.filter(temperature__lt=FEVER_THRESHOLD).exists()
    assert not ScreeningEntry.objects.filter(fever=False, temperature__gte=FEVER_THRESHOLD).exists()
    assert not ScreeningEntry.objects.filter(present=False, temperature__isnull=False).exists()
    isolated = Screening.objects.filter(entries__travel__from_outbreak_area=True).distinct()
    assert all("home_isolation" in s.measures for s in isolated)
    # Only registered people were visited: the head count and the kept counts are the generator's.
    assert Person.objects.count() == summary.people == 5000
    assert region_counts_rebuild() == 0

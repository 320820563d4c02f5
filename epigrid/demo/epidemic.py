"""The demo's epidemic curve: six weeks of confirmed cases across the district, for the dashboard's Rt.

The clusters of ``demo.cases`` are a handful of people; an epidemic curve and its Rt need a few hundred.
Here cases follow a renewal process (each day's expected local cases = R × the infectivity of the cases
before, weighted by a serial interval of mean 7.5 days and sd 3.4, Li et al. 2020) seeded by returnees
from the outbreak area in the first week: R is 2.8 until the district's measures start on day 18, then
0.7, so the curve rises, peaks and falls as the seed reports describe, and the dashboard's Rt crosses 1.
Counts are drawn from a seeded generator (deterministic). Every case is written through
``cases.services.classification_set`` as the district HQ, with its onset date and reported one to three
days later; imported cases are people with a journey from the outbreak area (so the service marks them
imported), local ones people without. Loaded once, into a district without cases beyond the clusters.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from random import Random

from django.db.models import Q
from django.utils import timezone

from epigrid.cases.curve import KINDS
from epigrid.cases.models import CaseStatus, Classification
from epigrid.cases.services import CaseError, classification_set
from epigrid.core.clock import local_today, now
from epigrid.core.models import User
from epigrid.lib.rt import discr_si
from epigrid.people.models import Person, TravelRecord
from epigrid.regions.models import Level, Region

SEED = "epigrid-demo-epidemic"
DAYS = 42  # the first onset this many days before today
MEASURES_DAY = 18  # the district's measures start: R falls
R_BEFORE, R_AFTER = 2.8, 0.7
SEEDS = (2, 1, 2, 1, 1, 0, 1)  # imported cases per day of the first week
SI_MEAN, SI_SD = 7.5, 3.4
# The clusters of demo.cases are already there: at most this many cases (confirmed and their outcomes)
# come before the epidemic is added.
CLUSTER_CASES = 40


@dataclass(frozen=True)
class DemoEpidemic:
    cases: int = 0
    imported: int = 0


def _poisson(rng: Random, mean: float) -> int:
    """A Poisson draw (Knuth's product of uniforms; the means here are small)."""
    if mean <= 0:
        return 0
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


def epidemic_counts(rng: Random) -> list[tuple[int, int]]:
    """(local, imported) onsets per day, oldest first, from the renewal process."""
    weights = discr_si(DAYS + 1, SI_MEAN, SI_SD)
    counts: list[tuple[int, int]] = []
    for day in range(DAYS):
        imported = SEEDS[day] if day < len(SEEDS) else 0
        infectivity = sum((counts[day - s][0] + counts[day - s][1]) * weights[s] for s in range(1, day + 1))
        reproduction = R_BEFORE if day < MEASURES_DAY else R_AFTER
        counts.append((_poisson(rng, reproduction * infectivity), imported))
    return counts


def demo_epidemic_load(*, actor: User | None, seed: str = SEED) -> DemoEpidemic:
    """Add the epidemic to the first district (once: skipped when it already has more than the clusters)."""
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    if actor is None or district is None:
        return DemoEpidemic()
    cases = CaseStatus.objects.filter(district_id=district.pk, classification__in=KINDS["cases"])
    if cases.count() > CLUSTER_CASES:
        return DemoEpidemic()
    rng = Random(seed)
    taken = set(CaseStatus.objects.values_list("person_id", flat=True))
    placed = Person.objects.filter(
        district_id=district.pk, household__isnull=False, merged_into__isnull=True
    ).order_by("pk")
    returnees = set(
        TravelRecord.objects.filter(
            Q(from_outbreak_area=True) | Q(via_outbreak_area=True), person__district_id=district.pk
        ).values_list("person_id", flat=True)
    )
    local_pool = [pk for pk in placed.values_list("pk", flat=True) if pk not in taken and pk not in returnees]
    imported_pool = sorted(returnees - taken)
    rng.shuffle(local_pool)
    rng.shuffle(imported_pool)
    today = local_today()
    zone = timezone.get_current_timezone()
    written = imported_written = 0
    for day, (local, imported) in enumerate(epidemic_counts(rng)):
        onset = today - dt.timedelta(days=DAYS - 1 - day)
        for is_imported, n in ((False, local), (True, imported)):
            pool = imported_pool if is_imported else local_pool
            for _ in range(n):
                if not pool:
                    break
                person = Person.objects.get(pk=pool.pop())
                reported = onset + dt.timedelta(days=rng.randint(1, 3))
                at = min(dt.datetime.combine(reported, dt.time(rng.randint(8, 20)), tzinfo=zone), now())
                try:
                    classification_set(
                        actor=actor, person=person, to=Classification.CONFIRMED,
                        reason="核酸检测阳性（演示）", onset_date=onset, at=at,
                    )  # fmt: skip
                except CaseError:
                    continue
                written += 1
                imported_written += is_imported
    return DemoEpidemic(cases=written, imported=imported_written)

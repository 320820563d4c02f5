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

Where the cases live is planned so that the towns' risk levels (``risk``, the Feb 2020 rules) show each
level the demo can hold (``town_roles``): one town is **quiet** (no case reported in the risk window,
so it is low risk), one is **capped** (its cumulative count stays within the medium limit while it gets
cases in the window, so it is medium), and the town of the clusters (``demo.cases``) takes the rest
when there is a third town, so it passes 50 cases with active clusters and is high. With two towns
(the small demo) the clusters' town is the capped one: low and medium, no high. A case whose town is
full goes to another town that may take it; none is dropped unless every town is full.
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
from epigrid.risk.facts import facts_load
from epigrid.risk.selectors import policies_for_district, policy_for

SEED = "epigrid-demo-epidemic"
DAYS = 42  # the first onset this many days before today
MEASURES_DAY = 18  # the district's measures start: R falls
# R after the measures: well below 1, as in Wuhan after the February measures (Pan et al., JAMA 2020:
# Rt fell to 0.3), so the last two weeks hold few cases and one town can stay within the medium limit.
R_BEFORE, R_AFTER = 2.8, 0.5
SEEDS = (2, 1, 2, 1, 1, 0, 1)  # imported cases per day of the first week
SI_MEAN, SI_SD = 7.5, 3.4
# The clusters of demo.cases are already there: at most this many cases (confirmed and their outcomes)
# come before the epidemic is added.
CLUSTER_CASES = 40


@dataclass(frozen=True)
class DemoEpidemic:
    cases: int = 0
    imported: int = 0
    unplaced: int = 0  # cases of the window no town could take (every one full or quiet)


QUIET, CAPPED, OPEN = "quiet", "capped", "open"


def town_roles(town_ids: list[int], cluster_town: int | None) -> dict[int, str]:
    """Give each town (code order) a role: the first town other than the clusters' is quiet; the
    clusters' town is capped when it is the only other one, else the last other town is capped and the
    clusters' town (with every remaining town) is open."""
    roles = dict.fromkeys(town_ids, OPEN)
    others = [t for t in town_ids if t != cluster_town]
    if not others:
        return roles
    roles[others[0]] = QUIET
    rest = others[1:]
    if rest:
        roles[rest[-1]] = CAPPED
    elif cluster_town is not None:
        roles[cluster_town] = CAPPED
    return roles


@dataclass
class _Towns:
    """People not yet cases, by town, and how many confirmed each town has: where a case may go."""

    roles: dict[int, str]
    pools: dict[int, list[int]]
    totals: dict[int, int]
    limit: int

    def pick(self, rng: Random, *, recent: bool) -> int | None:
        """Pop a person of a town that may take a case (``recent``: reported in the risk window)."""
        allowed = [
            town for town, pool in self.pools.items()
            if pool and self._takes(town, recent)
        ]  # fmt: skip
        if not allowed:
            return None
        weights = [len(self.pools[t]) for t in allowed]
        town = rng.choices(allowed, weights)[0]
        self.totals[town] = self.totals.get(town, 0) + 1
        return self.pools[town].pop()

    def _takes(self, town: int, recent: bool) -> bool:
        role = self.roles.get(town, OPEN)
        if role == QUIET:
            return not recent
        if role == CAPPED:
            # Only cases of the window, while the town stays within the medium limit: it is medium.
            return recent and self.totals.get(town, 0) < self.limit
        return True


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


def _pools(people: list[tuple[int, int | None]], rng: Random) -> dict[int, list[int]]:
    pools: dict[int, list[int]] = {}
    for pk, town in people:
        if town is not None:
            pools.setdefault(town, []).append(pk)
    for pool in pools.values():
        rng.shuffle(pool)
    return pools


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
    people = [(pk, town) for pk, town in placed.values_list("pk", "town_id") if pk not in taken]
    local = _pools([(pk, town) for pk, town in people if pk not in returnees], rng)
    imported_pools = _pools([(pk, town) for pk, town in people if pk in returnees], rng)
    today = local_today()
    policy = policy_for(policies_for_district(district_id=district.pk), today)
    window = policy.window_days if policy is not None else 14
    limit = policy.medium_max_cumulative if policy is not None else 50
    town_ids = list(
        Region.objects.filter(parent=district, level=Level.TOWN).order_by("code").values_list("pk", flat=True)
    )
    counts = facts_load(district=district).counts(day=today, window_days=window, cluster_min_cases=2)
    # The clusters' town (demo.cases): the one with the most clusters, then the most cases.
    cluster_town = max(counts, key=lambda t: (counts[t].clusters, counts[t].cumulative), default=None)
    roles = town_roles(town_ids, cluster_town)
    totals = {town: c.cumulative for town, c in counts.items()}
    local_towns = _Towns(roles, local, totals, limit)
    imported_towns = _Towns(roles, imported_pools, totals, limit)  # one count of confirmed per town
    first_recent = today - dt.timedelta(days=window - 1)
    zone = timezone.get_current_timezone()
    written = imported_written = unplaced = 0
    for day, (n_local, n_imported) in enumerate(epidemic_counts(rng)):
        onset = today - dt.timedelta(days=DAYS - 1 - day)
        for is_imported, n in ((False, n_local), (True, n_imported)):
            towns = imported_towns if is_imported else local_towns
            for _ in range(n):
                reported = onset + dt.timedelta(days=rng.randint(1, 3))
                at = min(dt.datetime.combine(reported, dt.time(rng.randint(8, 20)), tzinfo=zone), now())
                pk = towns.pick(rng, recent=timezone.localdate(at) >= first_recent)
                if pk is None:
                    unplaced += 1
                    continue
                person = Person.objects.get(pk=pk)
                try:
                    classification_set(
                        actor=actor, person=person, to=Classification.CONFIRMED,
                        reason="核酸检测阳性（演示）", onset_date=onset, at=at,
                    )  # fmt: skip
                except CaseError:
                    continue
                written += 1
                imported_written += is_imported
    return DemoEpidemic(cases=written, imported=imported_written, unplaced=unplaced)

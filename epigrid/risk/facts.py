"""What the risk rule counts, read once per district and then evaluated for any day in Python.

Two queries, whatever the number of towns or days:

- **confirmed people**: every person of the district ever confirmed or clinically diagnosed (Hubei,
  Feb 2020), with the town on their case status and the day of their first confirming classification
  change. People who later recovered or died still count; a case later excluded (a diagnosis withdrawn)
  does not, nor do asymptomatic infections, which are reported apart. One row per person: the
  ``MIN(at)`` of their confirming changes, grouped by person.
- **contact links** touching the district's people (``cases.Contact``), with their last exposure.

A **cluster** is what ``cases.chains`` calls one: a connected component of the contact graph, walked
in either direction and through people who are not cases themselves. Here the graph holds the people
confirmed by the day and the links whose last exposure is on or before it, so the algorithm of
``chains.compute_chains`` is reused as it is; a cluster is *active in the window* when it has at least
the policy's ``cluster_min_cases`` confirmed members and one of them was confirmed in the window, and
it counts for every town where one of its confirmed members lives.

Facts are dated by what they record (the classification change's time, the exposure's day), as known
now: a day's level in the town's history is what the register says today about that day.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Min, Q
from django.utils import timezone

from epigrid.cases.chains import Edge, Node, compute_chains
from epigrid.cases.models import Classification, ClassificationChange, Contact
from epigrid.regions.models import Region

# A person is confirmed from their first change into one of these.
CONFIRMING = (Classification.CONFIRMED, Classification.CLINICAL)
# ... and still counted while their current classification is one of these (the outcome of a case).
COUNTED = (Classification.CONFIRMED, Classification.CLINICAL, Classification.RECOVERED, Classification.DIED)


@dataclass(frozen=True, slots=True)
class Confirmed:
    person_id: int
    town_id: int | None
    day: dt.date  # local day of the first confirming change


@dataclass(frozen=True, slots=True)
class TownCounts:
    new: int = 0
    cumulative: int = 0
    clusters: int = 0


@dataclass(frozen=True)
class Facts:
    """The district's confirmed people and contact links, to be counted for any day."""

    district_id: int
    confirmed: tuple[Confirmed, ...]
    links: tuple[Edge, ...]

    def counts(self, *, day: dt.date, window_days: int, cluster_min_cases: int) -> dict[int, TownCounts]:
        """Per town: new confirmed in the window ending on ``day``, cumulative by ``day``, active clusters."""
        start = day - dt.timedelta(days=window_days - 1)
        known = [c for c in self.confirmed if c.day <= day]
        new: dict[int, int] = defaultdict(int)
        cumulative: dict[int, int] = defaultdict(int)
        for case in known:
            if case.town_id is None:
                continue
            cumulative[case.town_id] += 1
            if case.day >= start:
                new[case.town_id] += 1
        clusters = self._clusters(known, day=day, start=start, min_cases=cluster_min_cases)
        towns = set(cumulative) | set(clusters)
        return {
            town: TownCounts(
                new=new.get(town, 0), cumulative=cumulative.get(town, 0), clusters=clusters.get(town, 0)
            )
            for town in towns
        }

    def _clusters(
        self, known: list[Confirmed], *, day: dt.date, start: dt.date, min_cases: int
    ) -> dict[int, int]:
        by_person = {c.person_id: c for c in known}
        nodes = [
            Node(
                c.person_id,
                Classification.CONFIRMED.value,
                None,
                c.day,
                False,
                self.district_id,
                c.town_id,
                None,
                None,
            )
            for c in known
        ]
        links = [e for e in self.links if e.last_exposure is None or e.last_exposure <= day]
        per_town: dict[int, int] = defaultdict(int)
        for cluster in compute_chains(nodes, links).clusters:
            cases = [by_person[p] for p in cluster.members if p in by_person]
            if len(cases) < min_cases or not any(c.day >= start for c in cases):
                continue
            for town in {c.town_id for c in cases if c.town_id is not None}:
                per_town[town] += 1
        return dict(per_town)


def facts_load(*, district: Region) -> Facts:
    """Read the district's confirmed people and contact links (two queries; see the module)."""
    rows = (
        ClassificationChange.objects.filter(
            to_classification__in=CONFIRMING,
            person__case_status__district_id=district.pk,
            person__case_status__classification__in=COUNTED,
            person__merged_into__isnull=True,
        )
        .values_list("person_id", "person__case_status__town_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    confirmed = tuple(
        Confirmed(person_id, town_id, timezone.localdate(first)) for person_id, town_id, first in rows
    )
    in_district = Q(case__district_id=district.pk) | Q(contact__district_id=district.pk)
    links = tuple(
        Edge(case_id, contact_id, setting, last)
        for case_id, contact_id, setting, last in Contact.objects.filter(in_district).values_list(
            "case_id", "contact_id", "setting", "last_exposure"
        )
    )
    return Facts(district_id=district.pk, confirmed=confirmed, links=links)

"""Time the command dashboard with 1,000,000 people, 100,000 under observation and 3,000,000 checks.

    uv run python benchmarks/roster_pages.py --db postgres        # once: builds and fills the data
    uv run python benchmarks/dashboard.py --db postgres
    uv run python benchmarks/dashboard.py --db sqlite
    uv run python benchmarks/dashboard.py --db both --rounds 20

Data: the database of benchmarks/roster_pages.py (the city demo, 1,000,000 people in 48 towns and
streets, topped up to 100,000 open observation episodes and 3,000,000 checks), migrated, and given an
epidemic here once: 20,000 confirmed cases over the last 90 days (rising, then falling; 5 % imported)
so the curve and Rt have work to do. Three measurements:

1. compute: ``dashboard.figures.figures_compute`` in this process, cold (what a snapshot refresh costs)
   for the district, its biggest town and a village;
2. served: pages over HTTP on 127.0.0.1 against `epigrid serve` (2 granian workers) with `epigrid worker`
   running, as deployed: the district's dashboard, its wall, its battle map (SVG), its Rt page, the API,
   and the dashboards of 10 towns, logged in as HQ, for ``--rounds`` rounds. Snapshots refresh in the
   background every EPIGRID_DASHBOARD_REFRESH (60) seconds while this runs;
3. cold: the district's and the towns' dashboards right after their snapshot was deleted, so the request
   itself computes the figures (what the first visitor of the day waits for).

Results go to benchmarks/results/dashboard-<db>.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time

from _harness import Session, Timing, epigrid, save, time_get, wait_for
from roster_pages import roster_env, setup_django

CASES = 20_000
EPIDEMIC_DAYS = 90
TOWN_SAMPLE = 10
MIN_SECONDS = 150


def top_up_epidemic(seed: int = 9) -> dict[str, object]:
    """20,000 confirmed cases with onset dates over the last 90 days, once per database."""
    from django.db import transaction
    from django.utils import timezone

    from epigrid.cases.models import CaseStatus, Classification
    from epigrid.core.bulk import TableWriter
    from epigrid.people.models import Person

    existing = CaseStatus.objects.filter(classification=Classification.CONFIRMED).count()
    if existing >= CASES:
        return {"confirmed": existing, "added": 0}
    rng = random.Random(seed)
    taken = set(CaseStatus.objects.values_list("person_id", flat=True))
    people = list(
        Person.objects.filter(household__isnull=False, merged_into__isnull=True)
        .order_by("?")
        .values_list("pk", "district_id", "town_id", "village_id", "grid_id")[: CASES * 2]
    )
    people = [p for p in people if p[0] not in taken][: CASES - existing]
    today = timezone.localdate()
    # Onsets: a rise to a peak on day 45 and a slower fall (a triangle, heavier on the way down).
    days = [round(rng.triangular(0, EPIDEMIC_DAYS - 1, 45)) for _ in people]
    columns = ["person_id", "classification", "since", "district_id", "town_id", "village_id", "grid_id",
               "onset_date", "reported_on", "imported", "updated_at"]  # fmt: skip
    writer = TableWriter(CaseStatus, columns)
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        for (pk, district, town, village, grid), day in zip(people, days, strict=True):
            onset = today - dt.timedelta(days=EPIDEMIC_DAYS - 1 - day)
            reported = min(onset + dt.timedelta(days=rng.randint(1, 3)), today)
            since = timezone.make_aware(dt.datetime.combine(reported, dt.time(12)))
            writer.rows.append((pk, Classification.CONFIRMED, min(since, now), district, town, village, grid,
                        onset, reported, rng.random() < 0.05, now))  # fmt: skip
        writer.flush()
    seconds = round(time.perf_counter() - started, 1)
    return {"confirmed": existing + len(people), "added": len(people), "seconds": seconds}


def compute_pass(runs: int = 3) -> list[dict[str, object]]:
    """figures_compute, cold, in this process: the district, the biggest town, a village."""
    from django.db.models import Count
    from django.utils import timezone

    from epigrid.dashboard.figures import figures_compute
    from epigrid.people.models import Person
    from epigrid.regions.models import Level, Region

    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    by_size = Person.objects.values("town_id").annotate(n=Count("id")).order_by("-n")
    biggest = by_size.values_list("town_id", flat=True)[0]
    town = Region.objects.get(pk=biggest)
    village = Region.objects.filter(parent=town).order_by("code").first()
    rows = []
    for region in (district, town, village):
        assert region is not None
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            figures_compute(region, timezone.now())
            samples.append(time.perf_counter() - start)
        rows.append({"region": f"{region.get_level_display()} {region.name}",
                     "best_ms": round(min(samples) * 1000, 1),
                     "median_ms": round(statistics.median(samples) * 1000, 1)})  # fmt: skip
    return rows


def sample_paths() -> tuple[dict[str, list[str]], int, list[int]]:
    from epigrid.regions.models import Level, Region

    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    assert district is not None
    towns = list(Region.objects.filter(parent=district).order_by("code").values_list("pk", flat=True))
    sample = random.Random(5).sample(towns, min(TOWN_SAMPLE, len(towns)))
    d = district.pk
    paths = {
        "dashboard, district": [f"/dashboard/regions/{d}/"],
        "dashboard, town": [f"/dashboard/regions/{t}/" for t in sample],
        "wall, district": [f"/dashboard/regions/{d}/wall/"],
        "battle map SVG, district (report status)": [f"/dashboard/regions/{d}/map.svg?measure=reports"],
        "Rt page, district (48 towns)": [f"/dashboard/regions/{d}/rt/"],
        "API dashboard, district": [f"/api/v1/dashboard/{d}"],
    }
    return paths, d, sample


def _drop_snapshots(region_ids: list[int]) -> None:
    from epigrid.dashboard.models import DashboardSnapshot

    DashboardSnapshot.objects.filter(region_id__in=region_ids).delete()


def run(db: str, *, rounds: int) -> dict[str, object]:
    env = roster_env(db)
    epigrid(["migrate", "-v0"], env)
    setup_django(env)
    result: dict[str, object] = {"db": db, "rounds": rounds, "epidemic": top_up_epidemic()}
    from epigrid.cases.models import CaseStatus
    from epigrid.monitoring.models import Episode, HealthCheck
    from epigrid.people.models import Person

    result["data"] = {
        "people": Person.objects.count(),
        "open_episodes": Episode.objects.filter(status=Episode.Status.OPEN).count(),
        "checks": HealthCheck.objects.count(),
        "case_rows": CaseStatus.objects.count(),
    }
    print(f"{db}: {result['data']}", flush=True)
    result["compute"] = compute_pass()
    print(f"{db}: compute {result['compute']}", flush=True)
    paths, district, towns = sample_paths()
    _drop_snapshots([district, *towns])
    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"], env={**env, "EPIGRID_WEB_WORKERS": "2"}
    )
    worker = subprocess.Popen([sys.executable, "-m", "epigrid.cli", "worker"], env=env)
    try:
        base = f"http://127.0.0.1:{env['EPIGRID_PORT']}"
        wait_for(base + "/healthz", 60)
        session = Session(base)
        session.login("hq", "epigrid-demo")
        cold = {"cold dashboard, district": Timing("cold dashboard, district", []),
                "cold dashboard, town": Timing("cold dashboard, town", [])}  # fmt: skip
        for _ in range(3):
            _drop_snapshots([district, *towns])
            first = paths["dashboard, district"][0]
            cold["cold dashboard, district"].samples.append(time_get(session, first))
            for path in paths["dashboard, town"]:
                cold["cold dashboard, town"].samples.append(time_get(session, path))
        for kind_paths in paths.values():  # warm each worker once
            for path in kind_paths[:2]:
                time_get(session, path)
        timings = {kind: Timing(kind, []) for kind in paths}
        started = time.monotonic()
        done = 0
        # At least MIN_SECONDS, so that snapshots are refreshed in the background (every 60 s) meanwhile.
        while done < rounds or time.monotonic() - started < MIN_SECONDS:
            done += 1
            for kind, kind_paths in paths.items():
                for path in kind_paths:
                    timings[kind].samples.append(time_get(session, path))
        result["served_seconds"] = round(time.monotonic() - started, 1)
        result["served_rounds"] = done
        from epigrid.dashboard.models import DashboardSnapshot

        result["snapshots_after"] = {
            str(pk): str(at) for pk, at in DashboardSnapshot.objects.values_list("region_id", "computed_at")
        }
        every = [s for t in timings.values() for s in t.samples]
        result["pages"] = [t.row() for t in timings.values()] + [Timing("every page", every).row()]
        result["cold"] = [t.row() for t in cold.values()]
    finally:
        server.terminate()
        worker.terminate()
        server.wait(timeout=20)
        worker.wait(timeout=20)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    result["load_average"] = os.getloadavg()
    save(f"dashboard-{db}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if args.db == "both":
        for db in ("sqlite", "postgres"):  # each in its own process: Django is set up once per process
            subprocess.run([sys.executable, __file__, "--db", db, "--rounds", str(args.rounds)], check=True)
        return
    result = run(args.db, rounds=args.rounds)
    print(f"\n{args.db}: {result['data']}")
    for row in result["compute"]:  # type: ignore[attr-defined]
        print(f"  compute {row['region']:<24} best {row['best_ms']:>8} ms  median {row['median_ms']:>8} ms")
    for row in [*result["pages"], *result["cold"]]:  # type: ignore[misc]
        print(f"  {row['page']:<44} n={row['n']:<4} p50 {row['p50_ms']:>7} ms  p95 {row['p95_ms']:>7} ms"
              f"  max {row['max_ms']:>7} ms")  # fmt: skip


if __name__ == "__main__":
    main()

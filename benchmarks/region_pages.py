"""Build a demo district and time every kind of region page through the real server.

    uv run python benchmarks/region_pages.py --db sqlite --size city
    uv run python benchmarks/region_pages.py --db postgres --size city
    uv run python benchmarks/region_pages.py --db both --size city --reuse   # skip the build
    uv run python benchmarks/region_pages.py --db both --size city --reuse --cases  # with the four categories

Requests go over HTTP on 127.0.0.1 to `epigrid serve` (granian, 2 workers), logged in as the district
HQ (the widest scope). Results go to benchmarks/results/region-pages-<db>-<size>.json and stdout.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import time

from _harness import (
    Session,
    Timing,
    descendants,
    empty_database,
    env_for,
    epigrid,
    rss_mb,
    save,
    time_get,
    wait_for,
)


def build(db: str, size: str, env: dict[str, str]) -> dict[str, object]:
    empty_database(db, size)
    start = time.monotonic()
    epigrid(["migrate", "-v0"], env)
    out = epigrid(["load_demo", "--size", size, "--yes"], env).stdout.strip()
    epigrid(["demo", "--no-server"], env)  # creates the demo accounts
    return {"build_seconds": round(time.monotonic() - start, 1), "load_demo": out.splitlines()[-1]}


def sample_paths(env: dict[str, str], per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    """Pick the pages to time, straight from the database the server uses."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from epigrid.people.models import Person
    from epigrid.regions.models import Household, Level, Region

    rng = random.Random(seed)

    def ids(qs: object, n: int) -> list[int]:
        values = list(qs.values_list("pk", flat=True))  # type: ignore[attr-defined]
        return rng.sample(values, min(n, len(values)))

    grids = ids(Region.objects.filter(level=Level.GRID), per_kind)
    biggest_grid = Region.objects.filter(level=Level.GRID).order_by("-household_count").first()
    last_page = (biggest_grid.household_count + 49) // 50 if biggest_grid else 1
    max_household = Household.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    max_person = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    households = [
        h
        for h in (rng.randint(1, max_household) for _ in range(per_kind * 3))
        if Household.objects.filter(pk=h).exists()
    ][:per_kind]
    people = [
        p
        for p in (rng.randint(1, max_person) for _ in range(per_kind * 3))
        if Person.objects.filter(pk=p).exists()
    ][:per_kind]
    return {
        "district": [f"/regions/{i}/" for i in ids(Region.objects.filter(level=Level.DISTRICT), 1)],
        "town": [f"/regions/{i}/" for i in ids(Region.objects.filter(level=Level.TOWN), per_kind)],
        "village": [f"/regions/{i}/" for i in ids(Region.objects.filter(level=Level.VILLAGE), per_kind)],
        "grid": [f"/regions/{i}/" for i in grids],
        "grid, last page": [f"/regions/{biggest_grid.pk}/?page={last_page}"] if biggest_grid else [],
        "grid, search": [f"/regions/{i}/?q=%E5%8F%B7" for i in grids[: per_kind // 2 or 1]],
        "household": [f"/people/households/{i}/" for i in households],
        "person": [f"/people/{i}/" for i in people],
    }


def concurrent_pass(base: str, paths: dict[str, list[str]], clients: int) -> dict[str, object]:
    """Let ``clients`` logged-in sessions walk every sampled page at once; report latency and throughput."""
    from concurrent.futures import ThreadPoolExecutor

    every_path = [p for kind_paths in paths.values() for p in kind_paths]

    def walk(i: int) -> list[float]:
        session = Session(base)
        session.login("hq", "epigrid-demo")
        ordered = every_path[i % len(every_path) :] + every_path[: i % len(every_path)]
        return [time_get(session, p) for p in ordered]

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        samples = [s for result in pool.map(walk, range(clients)) for s in result]
    elapsed = time.perf_counter() - start
    row = Timing(f"{clients} clients at once", samples).row()
    return {**row, "requests_per_second": round(len(samples) / elapsed, 1)}


def top_up_cases() -> dict[str, object]:
    """Give the region pages cases to count: 5,000 cases and 20,000 contacts, as benchmarks/chains.py
    writes them, once per database."""
    from chains import fill

    from epigrid.cases.models import CaseStatus

    existing = CaseStatus.objects.count()
    if existing >= 25_000:  # topped up before (the demo's own few dozen cases do not count)
        return {"case_rows": existing, "added": False}
    return {**fill(), "added": True}


def run(
    db: str, size: str, *, reuse: bool, rounds: int, per_kind: int, concurrency: int = 1, cases: bool = False
) -> dict[str, object]:
    env = env_for(db, size)
    result: dict[str, object] = {"db": db, "size": size, "rounds": rounds}
    if not reuse:
        result.update(build(db, size, env))
    paths = sample_paths(env, per_kind)
    if cases:
        result["cases"] = top_up_cases()
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"], env={**env, "EPIGRID_WEB_WORKERS": "2"}
    )
    try:
        base = f"http://127.0.0.1:{env['EPIGRID_PORT']}"
        wait_for(base + "/healthz", 60)
        session = Session(base)
        session.login("hq", "epigrid-demo")
        for kind_paths in paths.values():  # warm each worker's caches once
            for path in kind_paths[:2]:
                time_get(session, path)
        timings = {kind: Timing(kind, []) for kind in paths}
        for _ in range(rounds):
            for kind, kind_paths in paths.items():
                for path in kind_paths:
                    timings[kind].samples.append(time_get(session, path))
        every = Timing("every region page", [s for t in timings.values() for s in t.samples])
        result["pages"] = [t.row() for t in timings.values() if t.samples] + [every.row()]
        if concurrency > 1:
            result["concurrent"] = concurrent_pass(base, paths, concurrency)
        workers = descendants(server.pid)
        result["web_rss_mb"] = {
            "server": round(rss_mb(server.pid), 1),
            "workers": [round(rss_mb(p), 1) for p in workers],
        }
    finally:
        server.terminate()
        server.wait(timeout=20)
    save(f"region-pages-{db}-{size}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--size", choices=["small", "district", "city"], default="city")
    parser.add_argument("--reuse", action="store_true", help="time an already built database")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=8, help="clients in the concurrent pass (1: skip)")
    parser.add_argument(
        "--cases", action="store_true", help="first add 5,000 cases and 20,000 contacts (once per database)"
    )
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        # One process per database: Django can be set up once per process.
        if len(dbs) > 1:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    db,
                    "--size",
                    args.size,
                    "--rounds",
                    str(args.rounds),
                    "--per-kind",
                    str(args.per_kind),
                    "--concurrency",
                    str(args.concurrency),
                    *(["--reuse"] if args.reuse else []),
                    *(["--cases"] if args.cases else []),
                ],
                check=True,
            )
            continue
        result = run(
            db,
            args.size,
            reuse=args.reuse,
            rounds=args.rounds,
            per_kind=args.per_kind,
            concurrency=args.concurrency,
            cases=args.cases,
        )
        print(f"\n{db} / {args.size}: {result.get('load_demo', '(reused)')}")
        print(f"{'page':<20} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for row in result["pages"]:  # type: ignore[attr-defined]
            print(f"{row['page']:<20} {row['n']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")
        if "concurrent" in result:
            print(f"concurrent: {result['concurrent']}")
        print(f"web RSS MB: {result['web_rss_mb']}")


if __name__ == "__main__":
    main()

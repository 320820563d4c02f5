"""Time the grid roster and "not reported" pages with 100,000 people under observation and 3,000,000 checks.

    uv run python benchmarks/roster_pages.py --db sqlite
    uv run python benchmarks/roster_pages.py --db postgres
    uv run python benchmarks/roster_pages.py --db both --reuse   # skip the build and the fill

The city demo (1,000,000 people, built as benchmarks/region_pages.py builds it, in its own data
directory or database) is topped up with ``core.bulk.TableWriter`` to 100,000 open episodes, each with
its twice-daily checks since it started, and with released episodes of the weeks before carrying
their 28 checks, until 3,000,000 checks are stored. About 93 % of slots are reported, 1 % are fevers.
Requests go over HTTP on 127.0.0.1 to `epigrid serve` (granian, 2 workers): the roster of sampled
grids (as the grid's worker would see it, logged in as HQ, who may open every grid) and the
"not reported" list of grids, villages, towns and the district (the district's list, the biggest grid's
roster and HQ's alerts five times a round, SINGLE_REPEAT). Results go to
benchmarks/results/roster-pages-<db>.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import subprocess
import sys
import time

from _harness import (
    Session,
    Timing,
    empty_database,
    epigrid,
    own_env,
    save,
    time_get,
    wait_for,
)

OPEN_EPISODES = 100_000
CHECKS = 3_000_000
PORT = 8767
NAME = "roster-city"
# The pages there is one of (the biggest grid's roster, the district's list, HQ's alerts) are asked this
# many times a round: with one request a round their p95 would be the slowest of three on a noisy host.
SINGLE_REPEAT = 5


def roster_env(db: str) -> dict[str, str]:
    """The city demo's environment, in a data directory / database of its own (not region_pages')."""
    return own_env(db, "city", NAME, port=PORT + (db == "postgres"))


def build(db: str, env: dict[str, str]) -> dict[str, object]:
    empty_database(db, NAME)
    start = time.monotonic()
    epigrid(["migrate", "-v0"], env)
    out = epigrid(["load_demo", "--size", "city", "--yes"], env).stdout.strip()
    epigrid(["demo", "--no-server"], env)  # creates the demo accounts
    return {"build_seconds": round(time.monotonic() - start, 1), "load_demo": out.splitlines()[-1]}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()


def fill(seed: int = 11) -> dict[str, object]:
    """Top the demo up to OPEN_EPISODES open episodes and CHECKS stored checks (bulk, one transaction)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from epigrid.core.bulk import TableWriter
    from epigrid.monitoring.models import Episode, HealthCheck
    from epigrid.monitoring.policy import current_policy, slot_deadline, slots
    from epigrid.people.models import Person

    start = time.monotonic()
    rng = random.Random(seed)
    policy = current_policy()
    keys = [s.key for s in slots(policy)]
    moment = timezone.now()
    today = timezone.localdate(moment)
    stamp = moment
    first_new = Episode.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    busy = set(Episode.objects.filter(status=Episode.Status.OPEN).values_list("person_id", flat=True))
    open_now = len(busy)
    checks_now = HealthCheck.objects.count()
    people = [
        row
        for row in Person.objects.filter(grid_id__isnull=False, merged_into__isnull=True).values_list(
            "pk", "district_id", "town_id", "village_id", "grid_id", "household_id"
        )
        if row[0] not in busy
    ]
    rng.shuffle(people)
    wanted_open = max(0, OPEN_EPISODES - open_now)
    chosen_open = people[:wanted_open]
    rest = people[wanted_open:]
    columns = [
        "person_id", "district_id", "town_id", "village_id", "grid_id", "household_id", "kind", "basis",
        "policy_id", "started_on", "last_exposure", "planned_end", "status", "end_reason", "ended_at",
        "source_type", "created_at", "updated_at", "basis_note", "doctor",
    ]  # fmt: skip
    days = policy.observation_days
    with transaction.atomic():
        episodes = TableWriter(Episode, columns)
        for row in chosen_open:
            started = today - dt.timedelta(days=rng.randrange(days))
            episodes.rows.append(
                (*row, "home", "outbreak_return", policy.pk, started, started,
                 started + dt.timedelta(days=days), "open", "", None, "benchmark", stamp, stamp, "", "")
            )  # fmt: skip
            if len(episodes.rows) >= 20_000:
                episodes.flush()
        episodes.flush()
        # Released episodes of the weeks before, each with a full 14 days of checks, up to CHECKS.
        expected_open_checks = int(wanted_open * ((days + 1) / 2) * len(keys) * 0.93)
        released_needed = (
            max(0, CHECKS - checks_now - expected_open_checks) // int(days * len(keys) * 0.93) + 1
        )
        for row in rest[:released_needed]:
            started = today - dt.timedelta(days=days + 1 + rng.randrange(21))
            end = started + dt.timedelta(days=days)
            ended_at = timezone.make_aware(dt.datetime.combine(end, dt.time(10)))
            episodes.rows.append(
                (*row, "home", "outbreak_return", policy.pk, started, started, end, "released", "released",
                 ended_at, "benchmark", stamp, stamp, "", "")
            )  # fmt: skip
            if len(episodes.rows) >= 20_000:
                episodes.flush()
        episodes.flush()
        check_columns = [
            "episode_id", "person_id", "grid_id", "day", "slot", "temperature", "symptoms", "went_out",
            "fever", "channel", "recorded_at", "entered_at",
        ]  # fmt: skip
        writer = TableWriter(HealthCheck, check_columns)
        made = Episode.objects.filter(source_type="benchmark", pk__gt=first_new).values_list(
            "pk", "person_id", "grid_id", "started_on", "planned_end", "status"
        )
        for pk, person_id, grid_id, started, planned_end, status in made.iterator(chunk_size=20_000):
            last = today if status == "open" else planned_end - dt.timedelta(days=1)
            day = started
            while day <= last:
                for key in keys:
                    deadline = slot_deadline(policy, day, key)
                    taken = deadline - dt.timedelta(hours=3, minutes=rng.randrange(120))
                    if taken > moment or rng.random() > 0.93:
                        continue  # not taken yet, or missed
                    fever = rng.random() < 0.01
                    temperature = (
                        rng.choice(("37.6", "38.2", "38.9")) if fever else f"36.{rng.randrange(2, 9)}"
                    )
                    writer.rows.append(
                        (
                            pk,
                            person_id,
                            grid_id,
                            day,
                            key,
                            temperature,
                            [],
                            False,
                            fever,
                            "roster",
                            taken,
                            taken,
                        )
                    )
                day += dt.timedelta(days=1)
            if len(writer.rows) >= 50_000:
                writer.flush()
        writer.flush()
    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM as well, as autovacuum does after bulk inserts (PostgreSQL 13 and later): it
        # sets the visibility map, without which the planner prices the index-only reads of the
        # "not reported" list as heap reads and chooses worse plans than a running server would.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "fill_seconds": round(time.monotonic() - start, 1),
        "open_episodes": Episode.objects.filter(status=Episode.Status.OPEN).count(),
        "episodes": Episode.objects.count(),
        "checks": HealthCheck.objects.count(),
    }


def sample_paths(per_kind: int, seed: int = 7) -> dict[str, list[str]]:
    from django.db.models import Count

    from epigrid.monitoring.models import Episode
    from epigrid.regions.models import Level, Region

    rng = random.Random(seed)
    by_grid = list(
        Episode.objects.filter(status=Episode.Status.OPEN, grid_id__isnull=False)
        .values("grid_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("grid_id", "n")
    )
    biggest = by_grid[0][0]
    grids = [g for g, _n in rng.sample(by_grid, min(per_kind, len(by_grid)))]

    def ids(level: int, n: int) -> list[int]:
        values = list(Region.objects.filter(level=level).values_list("pk", flat=True))
        return rng.sample(values, min(n, len(values)))

    return {
        "roster, grid": [f"/monitoring/grids/{g}/roster/" for g in grids],
        "roster, biggest grid": [f"/monitoring/grids/{biggest}/roster/"] * SINGLE_REPEAT,
        "not reported, grid": [f"/monitoring/regions/{g}/not-reported/" for g in grids],
        "not reported, village": [
            f"/monitoring/regions/{i}/not-reported/" for i in ids(Level.VILLAGE, per_kind)
        ],
        "not reported, town": [
            f"/monitoring/regions/{i}/not-reported/" for i in ids(Level.TOWN, per_kind // 2)
        ],
        "not reported, district": [f"/monitoring/regions/{i}/not-reported/" for i in ids(Level.DISTRICT, 1)]
        * SINGLE_REPEAT,
        "alerts (HQ, escalated)": ["/monitoring/alerts/"] * SINGLE_REPEAT,
    }


def run(db: str, *, reuse: bool, rounds: int, per_kind: int, build_db: bool = True) -> dict[str, object]:
    env = roster_env(db)
    result: dict[str, object] = {"db": db, "size": "city", "rounds": rounds}
    if not reuse and build_db:
        result.update(build(db, env))
    setup_django(env)
    if not reuse:
        result.update(fill())
        for _ in range(3):  # the first fill estimates how many checks the open episodes give; top up
            if int(result["checks"]) >= CHECKS:  # type: ignore[call-overload]
                break
            seconds = float(result["fill_seconds"])  # type: ignore[arg-type]
            result.update(fill(seed=len(str(result))))
            result["fill_seconds"] = round(seconds + float(result["fill_seconds"]), 1)  # type: ignore[arg-type]
    else:
        from epigrid.monitoring.models import Episode, HealthCheck

        result.update(
            {
                "open_episodes": Episode.objects.filter(status=Episode.Status.OPEN).count(),
                "checks": HealthCheck.objects.count(),
            }
        )
    paths = sample_paths(per_kind)
    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"], env={**env, "EPIGRID_WEB_WORKERS": "2"}
    )
    try:
        base = f"http://127.0.0.1:{env['EPIGRID_PORT']}"
        wait_for(base + "/healthz", 60)
        session = Session(base)
        session.login("hq", "epigrid-demo")
        for kind_paths in paths.values():  # warm each worker once
            for path in kind_paths[:2]:
                time_get(session, path)
        timings = {kind: Timing(kind, []) for kind in paths}
        for _ in range(rounds):
            for kind, kind_paths in paths.items():
                for path in kind_paths:
                    timings[kind].samples.append(time_get(session, path))
        every = [s for kind, t in timings.items() if not kind.startswith("alerts") for s in t.samples]
        result["pages"] = [t.row() for t in timings.values() if t.samples] + [
            Timing("every roster and not-reported page", every).row()
        ]
    finally:
        server.terminate()
        server.wait(timeout=20)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    save(f"roster-pages-{db}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--reuse", action="store_true", help="time an already built and filled database")
    parser.add_argument("--no-build", action="store_true", help="fill and time an already built city demo")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=20)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        if len(dbs) > 1:  # one process per database: Django is set up once per process
            subprocess.run(
                [sys.executable, __file__, "--db", db, "--rounds", str(args.rounds), "--per-kind",
                 str(args.per_kind), *(["--reuse"] if args.reuse else []),
                 *(["--no-build"] if args.no_build else [])],
                check=True,
            )  # fmt: skip
            continue
        result = run(
            db, reuse=args.reuse, rounds=args.rounds, per_kind=args.per_kind, build_db=not args.no_build
        )
        print(f"\n{db}: {result.get('open_episodes')} open episodes, {result.get('checks')} checks")
        print(f"{'page':<36} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for row in result["pages"]:  # type: ignore[attr-defined]
            print(f"{row['page']:<36} {row['n']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")


if __name__ == "__main__":
    main()

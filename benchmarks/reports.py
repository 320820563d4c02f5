"""Time the daily report pages (issue 6): completeness, who has reported, a unit's report, indicators.

    uv run python benchmarks/region_pages.py --db sqlite --size city   # once: the city demo
    uv run python benchmarks/reports.py --db sqlite
    uv run python benchmarks/reports.py --db sqlite --reuse            # skip the copy and the fill

The city demo built by benchmarks/region_pages.py (1,000,000 people, 48 towns and streets, their
villages and communities; ``benchmarks/.data/sqlite-city``) is copied with SQLite's backup API into a
data directory of its own (``sqlite-reports-city``), migrated, and topped up with ``core.bulk.
TableWriter`` as roster_pages.py tops up its copy: the last ``--days`` days (default 30) of daily
reports of every town and village, 85 % on time, 7 % late, 8 % missing, a third zero reports, 5 %
revised (the first revision kept, pointing at the current one); each report carries the figures of its
unit (the indicators computed once, for today, per unit) and measure counts.

Requests go over HTTP on 127.0.0.1 to ``epigrid serve`` (granian, 2 workers), logged in as the district
HQ. Pages: the district's completeness (the target: p95 <= 200 ms) over 7 and 30 days, a town's, who
has reported today for the district and a town, a village's report page (figures computed live), the
indicators of the district (every figure of a 1,000,000-person subtree and its 48 towns' table) and of
towns. Results go to benchmarks/results/reports-<db>.json and stdout. PostgreSQL: ``--db postgres``
copies ``epigrid_bench_city`` (region_pages.py's) as a template into ``epigrid_bench_reports_city``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import time

from _harness import (
    DATA,
    Session,
    Timing,
    empty_database,
    epigrid,
    own_env,
    pg_name,
    save,
    time_get,
    wait_for,
)

NAME = "reports-city"
PG_NAME = pg_name(NAME)
PORT = 8771
DAYS = 30
REPEAT = 10  # pages there is one of (the district's) are asked this many times a round


def bench_env(db: str) -> dict[str, str]:
    return own_env(db, "city", NAME, port=PORT + (db == "postgres"))


def copy_city(db: str, env: dict[str, str]) -> dict[str, object]:
    """Copy region_pages.py's city database into this benchmark's own, then migrate it."""
    start = time.monotonic()
    if db == "sqlite":
        source = DATA / "sqlite-city" / "epigrid.sqlite3"
        if not source.exists():
            raise SystemExit(
                "no city demo: run `uv run python benchmarks/region_pages.py --db sqlite --size city`"
            )
        empty_database("sqlite", NAME)
        target_dir = DATA / f"sqlite-{NAME}"
        with sqlite3.connect(source) as src, sqlite3.connect(target_dir / "epigrid.sqlite3") as dst:
            src.backup(dst)
        secret = DATA / "sqlite-city" / "demo-secret-key"
        if secret.exists():
            (target_dir / "demo-secret-key").write_text(secret.read_text())
    else:
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-v", "ON_ERROR_STOP=1", "-c"]
        subprocess.run([*psql, f"DROP DATABASE IF EXISTS {PG_NAME}"], check=True)
        subprocess.run([*psql, f"CREATE DATABASE {PG_NAME} TEMPLATE epigrid_bench_city"], check=True)
    epigrid(["migrate", "-v0"], env)
    return {"copy_seconds": round(time.monotonic() - start, 1)}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()


def fill(days: int, seed: int = 6) -> dict[str, object]:
    """Write ``days`` days of reports of every unit (bulk, one transaction) and their revisions."""
    from django.db import connection, transaction
    from django.utils import timezone

    from epigrid.core.bulk import TableWriter
    from epigrid.core.models import User
    from epigrid.regions.models import Level, Region
    from epigrid.reports.indicators import indicator_table
    from epigrid.reports.models import MEASURE_KINDS, UnitReport
    from epigrid.reports.selectors import report_deadline

    start = time.monotonic()
    rng = random.Random(seed)
    hq = User.objects.get(username="hq")
    units = list(Region.objects.filter(level__in=(Level.TOWN, Level.VILLAGE)).order_by("code"))
    moment = timezone.now()
    figures = indicator_table(units, moment)
    figures_seconds = round(time.monotonic() - start, 1)
    today = timezone.localdate(moment)
    columns = [
        "region_id", "day", "zero", "figures", "measures", "problems", "suggestions", "submitted_by_id",
        "submitted_at", "late", "revision", "replaced_by_id",
    ]  # fmt: skip
    revised: list[tuple[int, dt.date, dict[str, int], dt.datetime]] = []
    with transaction.atomic(), connection.cursor() as cursor:
        # One statement: revisions point at each other (a protected key the ORM's delete refuses).
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(UnitReport._meta.db_table)}")  # noqa: S608
        writer = TableWriter(UnitReport, columns)
        for back in range(days - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            deadline = report_deadline(day)
            for unit in units:
                roll = rng.random()
                if roll < 0.08:
                    continue
                late = roll < 0.15
                at = (
                    deadline + dt.timedelta(minutes=rng.randint(5, 240))
                    if late
                    else deadline - dt.timedelta(minutes=rng.randint(61, 360))
                )
                if at > moment:
                    continue
                zero = unit.level == Level.VILLAGE and rng.random() < 0.33
                measures = (
                    {} if zero else {k: rng.randint(1, 200) for k in rng.sample(list(MEASURE_KINDS), 4)}
                )
                words = "" if zero else "防护用品不足。"
                revision = 2 if not zero and rng.random() < 0.05 else 1
                if revision == 2:
                    revised.append((unit.pk, day, measures, at - dt.timedelta(minutes=30)))
                writer.rows.append(
                    (
                        unit.pk,
                        day,
                        zero,
                        figures[unit.pk],
                        measures,
                        words,
                        words,
                        hq.pk,
                        at,
                        late,
                        revision,
                        None,
                    )
                )
                if len(writer.rows) >= 5_000:
                    writer.flush()
        writer.flush()
        current = {
            (region_id, day): pk
            for pk, region_id, day in UnitReport.objects.filter(revision=2).values_list(
                "pk", "region_id", "day"
            )
        }
        old = TableWriter(UnitReport, columns)
        for region_id, day, measures, at in revised:
            old.rows.append(
                (
                    region_id,
                    day,
                    False,
                    figures[region_id],
                    measures,
                    "",
                    "",
                    hq.pk,
                    at,
                    False,
                    1,
                    current[(region_id, day)],
                )
            )
        old.flush()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {
        "fill_seconds": round(time.monotonic() - start, 1),
        "figures_seconds": figures_seconds,
        "units": len(units),
        "days": days,
        "reports": UnitReport.objects.count(),
        "current_reports": UnitReport.objects.filter(replaced_by__isnull=True).count(),
    }


def sample_paths(per_kind: int, seed: int = 9) -> dict[str, list[str]]:
    from django.utils import timezone

    from epigrid.regions.models import Level, Region

    rng = random.Random(seed)
    district = Region.objects.get(level=Level.DISTRICT)
    towns = list(Region.objects.filter(level=Level.TOWN).values_list("pk", flat=True))
    villages = list(Region.objects.filter(level=Level.VILLAGE).values_list("pk", flat=True))
    today = timezone.localdate()
    month = f"?start={(today - dt.timedelta(days=DAYS - 1)).isoformat()}&end={today.isoformat()}"
    some_towns = rng.sample(towns, min(per_kind, len(towns)))
    return {
        "completeness, district, 7 days": [f"/reports/regions/{district.pk}/completeness/"] * REPEAT,
        "completeness, district, 30 days": [f"/reports/regions/{district.pk}/completeness/{month}"] * REPEAT,
        "completeness, town, 7 days": [f"/reports/regions/{t}/completeness/" for t in some_towns],
        "who has reported, district": [f"/reports/regions/{district.pk}/status/"] * REPEAT,
        "who has reported, town": [f"/reports/regions/{t}/status/" for t in some_towns],
        "unit report page, village": [f"/reports/units/{v}/" for v in rng.sample(villages, per_kind)],
        "indicators, town": [
            f"/reports/regions/{t}/indicators/" for t in some_towns[: max(1, per_kind // 2)]
        ],
        "indicators, district": [f"/reports/regions/{district.pk}/indicators/"] * 3,
    }


def run(db: str, *, reuse: bool, rounds: int, per_kind: int, days: int) -> dict[str, object]:
    env = bench_env(db)
    result: dict[str, object] = {"db": db, "size": "city", "rounds": rounds}
    if not reuse:
        result.update(copy_city(db, env))
    setup_django(env)
    if not reuse:
        result.update(fill(days))
    else:
        from epigrid.reports.models import UnitReport

        result["reports"] = UnitReport.objects.count()
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
        for kind_paths in paths.values():  # warm each worker
            for path in kind_paths[:2]:
                time_get(session, path)
        timings = {kind: Timing(kind, []) for kind in paths}
        for _ in range(rounds):
            for kind, kind_paths in paths.items():
                for path in kind_paths:
                    timings[kind].samples.append(time_get(session, path))
        result["pages"] = [t.row() for t in timings.values() if t.samples]
    finally:
        server.terminate()
        server.wait(timeout=20)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    save(f"reports-{db}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--reuse", action="store_true", help="time an already copied and filled database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--per-kind", type=int, default=20)
    parser.add_argument("--days", type=int, default=DAYS)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        if len(dbs) > 1:  # one process per database: Django is set up once per process
            subprocess.run(
                [sys.executable, __file__, "--db", db, "--rounds", str(args.rounds), "--per-kind",
                 str(args.per_kind), "--days", str(args.days), *(["--reuse"] if args.reuse else [])],
                check=True,
            )  # fmt: skip
            continue
        result = run(db, reuse=args.reuse, rounds=args.rounds, per_kind=args.per_kind, days=args.days)
        print(f"\n{db}: {result.get('reports')} reports of {result.get('units')} units")
        print(f"{'page':<36} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for row in result["pages"]:  # type: ignore[attr-defined]
            print(f"{row['page']:<36} {row['n']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")


if __name__ == "__main__":
    main()

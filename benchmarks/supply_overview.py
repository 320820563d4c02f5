"""The district's supply overview (all units x items), on SQLite and on PostgreSQL.

    uv run python benchmarks/supply_overview.py                  # both databases
    uv run python benchmarks/supply_overview.py --db sqlite --runs 30

Target: district supply overview (all units x items) p95 <= 200 ms with 1,000 units, 30 items and a
year of movements.

1. A data set of its own (``benchmarks/.data/<db>-supplies``, PostgreSQL ``epigrid_bench_supplies``),
   built by this file with ``--build`` in a process of its own: a district of 20 towns with 49 villages
   each (1,001 depots: the warehouse, the towns, the villages), the 11 built-in items and 19 more,
   staffing for every depot, and a year of ledger lines per depot and item (receipts and issues on
   random days, written with ``bulk_create``; each line's ``balance_after`` follows from the ones
   before it and the ``Stock`` row holds the last one), with daily issues over the last two weeks of
   the items used per shift. The ledger's own rules are not what is timed, so it is not written
   through the services (that would take hours).
2. In the same process, after one warm-up each, ``--runs`` timings of
   (a) ``epigrid.resources.forecast.outlooks(all depot ids, all items, chain=district)``, the selector
       behind the overview: stock, staffing and the last 7 days' issues in three grouped queries (the
       issues' sums kept for the day after the first call, reported apart), and
   (b) the overview page ``GET /resources/regions/<district id>/`` through Django's test client,
       logged in as the district's HQ (skipped when the page is not there).

3. (c) the page through the real server (``epigrid serve``, 2 processes, HTTP on 127.0.0.1) as the
   same HQ user, after four warm-up requests.

Prints a table and writes benchmarks/results/supply-overview-{sqlite,postgres}.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _harness import RESULTS, Session, empty_database, epigrid, own_env, save, time_get, wait_for

NAME = "supplies"
TARGET_P95_MS = 200.0
TOWNS = 20
VILLAGES_PER_TOWN = 49
EXTRA_ITEMS = 19
LINES_PER_PAIR = 50  # ledger lines per depot and item over the year (before the last two weeks' issues)
SEED = 20200127


HQ_USERNAME = "bench-hq"
HQ_PASSWORD = "bench-hq-password"  # noqa: S105 (a local benchmark database only)


def _stats(samples: list[float]) -> dict[str, float | int]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


# --- build and time (its own process, with Django) -------------------------------------------------


def _regions() -> tuple[object, list[object]]:
    from epigrid.regions.models import Level
    from epigrid.regions.services import region_create

    district = region_create(code="620199", name="物资测试区", level=Level.DISTRICT, parent=None)
    regions = [district]
    for t in range(TOWNS):
        town = region_create(
            code=f"620199{100 + t:03d}", name=f"物资{t + 1}镇", level=Level.TOWN, parent=district
        )
        regions.append(town)
        for v in range(VILLAGES_PER_TOWN):
            regions.append(
                region_create(
                    code=f"620199{100 + t:03d}{200 + v:03d}",
                    name=f"物资{t + 1}镇{v + 1}村",
                    level=Level.VILLAGE,
                    parent=town,
                )
            )
    return district, regions


def build_and_time(runs: int, reuse: bool) -> dict[str, object]:
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from decimal import Decimal

    from django.db import connection

    from epigrid.core.clock import local_today
    from epigrid.core.models import User
    from epigrid.core.roles import Role
    from epigrid.regions.models import Region
    from epigrid.regions.services import assignment_add
    from epigrid.resources.items import builtin_items_ensure
    from epigrid.resources.models import Staffing, Stock, StockMovement, SupplyItem
    from epigrid.resources.services import depot_for_region

    rng = random.Random(SEED)
    started = time.monotonic()
    built = Region.objects.filter(code="620199").first()
    if reuse and built is not None:  # time again on the data set built before
        hq_user = User.objects.get(username=HQ_USERNAME)
        hq_user.set_password(HQ_PASSWORD)  # for the run through the real server
        hq_user.save(update_fields=["password"])
        items_all = list(SupplyItem.objects.filter(active=True).order_by("sort", "id"))
        return _time(built, hq_user, items_all, runs, None, StockMovement.objects.count())
    district, regions = _regions()
    hq = User.objects.create_user(username=HQ_USERNAME, password=HQ_PASSWORD, role=Role.DISTRICT_HQ)
    assignment_add(user=hq, region=district)  # type: ignore[arg-type]
    items = builtin_items_ensure()
    for n in range(EXTRA_ITEMS):
        SupplyItem.objects.create(
            code=f"bench-item-{n + 1:02d}", name=f"测试物资{n + 1:02d}", unit="件",
            use_per_shift=Decimal(rng.choice(("0", "0", "1", "0.5"))), sort=200 + n,
        )  # fmt: skip
    items = list(SupplyItem.objects.filter(active=True).order_by("sort", "id"))
    depots = [depot_for_region(r) for r in regions]  # type: ignore[arg-type]
    Staffing.objects.bulk_create(
        [
            Staffing(depot=d, staff_on_duty=rng.randint(5, 40), shifts_per_day=rng.choice((1, 2, 3)))
            for d in depots
        ]
    )
    today = local_today()
    year_ago = today - dt.timedelta(days=365)
    lines: list[StockMovement] = []
    stocks: list[Stock] = []
    movements = 0
    for depot in depots:
        for item in items:
            days = sorted(rng.randrange(0, 351) for _ in range(LINES_PER_PAIR))
            # The last two weeks: an issue every day of the items used per shift.
            daily = item.use_per_shift > 0
            balance = 0
            for index, offset in enumerate(days + (list(range(351, 365)) if daily else [])):
                day = year_ago + dt.timedelta(days=offset)
                receipt = index == 0 or balance < 50 or (offset < 351 and rng.random() < 0.3)
                if receipt:
                    quantity = rng.randint(200, 2000)
                    kind = rng.choice((StockMovement.Kind.PURCHASE, StockMovement.Kind.DONATION))
                else:
                    quantity = -rng.randint(1, max(1, balance // 3))
                    kind = StockMovement.Kind.ISSUE
                balance += quantity
                lines.append(
                    StockMovement(
                        depot_id=depot.pk, item_id=item.pk, kind=kind, quantity=quantity,
                        balance_after=balance, occurred_on=day, district_id=depot.district_id,
                        town_id=depot.town_id, village_id=depot.village_id, by_id=hq.pk,
                        recipient="" if receipt else "值守人员", source="县医药公司" if receipt else "",
                    )
                )  # fmt: skip
            stocks.append(Stock(depot_id=depot.pk, item_id=item.pk, quantity=balance))
            if len(lines) >= 20_000:
                StockMovement.objects.bulk_create(lines, batch_size=5000)
                movements += len(lines)
                lines = []
    StockMovement.objects.bulk_create(lines, batch_size=5000)
    movements += len(lines)
    Stock.objects.bulk_create(stocks, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # both databases: plan on the real sizes
    return _time(district, hq, items, runs, round(time.monotonic() - started, 1), movements)


def _time(
    district: Any, hq: Any, items: list[Any], runs: int, build_seconds: float | None, movements: int
) -> dict[str, object]:
    from django.db import connection
    from django.test import Client

    from epigrid.resources.forecast import outlooks
    from epigrid.resources.models import Depot

    depot_ids = list(Depot.objects.filter(district_id=district.pk).values_list("pk", flat=True))  # type: ignore[attr-defined]

    def timed(call: object, count: int) -> list[float]:
        samples = []
        for _ in range(count):
            start = time.perf_counter()
            call()  # type: ignore[operator]
            samples.append(time.perf_counter() - start)
        return samples

    chain = ("district_id", district.pk)  # type: ignore[attr-defined]
    import gc

    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (as epigrid/wsgi.py does in every web process: views loaded,
    gc.collect()  # then everything loaded frozen out of the collector's sight)
    gc.freeze()
    # The first call sums the last week's issues; later ones reuse the sums while the week is unchanged.
    cold = _stats(timed(lambda: outlooks(depot_ids, items, chain=chain), 1))
    selector = _stats(timed(lambda: outlooks(depot_ids, items, chain=chain), runs))
    page: dict[str, object] = {"skipped": "the page /resources/regions/<id>/ is not there"}
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(hq)
    url = f"/resources/regions/{district.pk}/"  # type: ignore[attr-defined]
    first = client.get(url)
    if first.status_code == 200:

        def get() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")

        page = {**_stats(timed(get, runs)), "bytes": len(first.content)}
    else:
        page = {"skipped": f"GET {url} answered {first.status_code}"}
    return {
        "district_id": district.pk,  # type: ignore[attr-defined]
        "database": connection.vendor,
        "build_seconds": build_seconds,
        "depots": len(depot_ids),
        "items": len(items),
        "movements": movements,
        "selector_first": cold,
        "selector": selector,
        "page": page,
    }


# --- orchestration ----------------------------------------------------------------------------------


def run(db: str, runs: int, reuse: bool) -> dict[str, object]:
    env = own_env(db, "small", NAME)
    if not reuse:
        empty_database(db, NAME)
    started = time.monotonic()
    epigrid(["migrate", "-v0"], env)
    command = [sys.executable, __file__, "--build", "--runs", str(runs)] + (["--reuse"] if reuse else [])
    done = subprocess.run(command, env=env, text=True, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-4000:])
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    previous = RESULTS / f"supply-overview-{db}.json"
    if reuse and previous.exists():  # the data set's build time is the run that built it
        result["build_seconds"] = json.loads(previous.read_text(encoding="utf-8")).get("build_seconds")
    result["database"] = db
    result["server_page"] = _served(env, runs, int(result.get("district_id", 0)))
    result["total_seconds"] = round(time.monotonic() - started, 1)
    return result


def _served(env: dict[str, str], runs: int, district_id: int) -> dict[str, object]:
    """(c) The same page through the real server (``epigrid serve``: granian, 2 processes, loopback),
    as the district's HQ in a browser would get it, after two warm-up requests per process."""
    if not district_id:
        return {"skipped": "no district id"}
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"], env={**env, "EPIGRID_WEB_WORKERS": "2"}
    )
    try:
        base = f"http://127.0.0.1:{env['EPIGRID_PORT']}"
        wait_for(base + "/healthz", 60)
        session = Session(base)
        session.login(HQ_USERNAME, HQ_PASSWORD)
        path = f"/resources/regions/{district_id}/"
        for _ in range(4):
            time_get(session, path)
        return {**_stats([time_get(session, path) for _ in range(runs)]), "path": path}
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true", help="time again on the data set built before")
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        print(json.dumps(build_and_time(args.runs, args.reuse)))
        return
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    print(f"District supply overview (target p95 <= {TARGET_P95_MS:.0f} ms)")
    print(f"{'database':<10} {'timed':<44} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target")
    for db in databases:
        result = run(db, args.runs, args.reuse)
        label = f"{result['depots']} depots x {result['items']} items, {result['movements']:,} lines"
        for name, row in (
            ("(a) forecast.outlooks", result["selector"]),
            ("(b) GET /resources/regions/<id>/ (test client)", result["page"]),
            ("(c) the same page through epigrid serve", result["server_page"]),
        ):
            assert isinstance(row, dict)
            if "skipped" in row:
                print(f"{db:<10} {name:<44} {row['skipped']}")
                continue
            verdict = "ok" if float(row["p95_ms"]) <= TARGET_P95_MS else "MISSED"
            print(
                f"{db:<10} {name:<44} {row['n']:>4} {row['p50_ms']:>8} {row['p95_ms']:>8} "
                f"{row['max_ms']:>8}  {verdict}"
            )
        print(f"{'':<10} ({label}; built in {result['build_seconds']} s)")
        path = save(
            f"supply-overview-{db}",
            {
                "target": "District supply overview (all units x items) p95 <= 200 ms with 1,000 units, "
                "30 items and a year of movements",
                "command": "uv run python benchmarks/supply_overview.py " + " ".join(sys.argv[1:]),
                "cpus": os.cpu_count(),
                **result,
            },
        )
        print(f"wrote {path.relative_to(Path(__file__).resolve().parent.parent)}")


if __name__ == "__main__":
    main()

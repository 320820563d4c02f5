"""The public information page through the real server against PostgreSQL, beside a bare Django endpoint.

    uv run python benchmarks/public_page.py                 # the demo district (300,000 people)
    uv run python benchmarks/public_page.py --reuse --rate 2000 --seconds 20

1. A database ``epigrid_bench_public`` (built once; ``--reuse`` keeps it): the demo district of
   ``--size`` with its epidemic (about 260 confirmed cases over six weeks), hotlines, guidance and three
   published bulletins (``demo.publicinfo``).
2. The cold cost, in this process: the district's public snapshot computed from nothing (the first
   request after a cut-off pays it), its time and its number of queries, and the same for a town; the
   number of queries is the same whatever the number of people: grouped counts only. Also what the
   towns' risk levels cost, alone and inside the dashboard's snapshot (``--cold-only`` stops here).
3. ``epigrid serve`` (granian, ``--workers`` processes of ``--threads`` threads) on 127.0.0.1, with the
   public page cache on (``EPIGRID_PUBLIC_CACHE_SECONDS=60``, the default), and a second process (this
   file with ``--load``) that drives, over HTTP/1.1 keep-alive connections from one asyncio loop:
   - GET /healthz (``SELECT 1`` through the whole Django stack: Django's floor), back to back;
   - GET /public/<district>/ back to back: the most the server answers (closed loop);
   - the same page offered at ``--rate`` requests a second (default 2,000) over ``--open-clients``
     connections, each request sent at its planned time whatever the answers before it and its latency
     counted from then (open loop: what a crowd arriving at that rate sees). The target is judged here:
     all of the offered rate answered, p99 <= 50 ms.
4. The same closed loop with the cache off (``EPIGRID_PUBLIC_CACHE_SECONDS=0``: every request through
   Django, reading the snapshot row, bulletins and notices), to show what the cache buys.

Writes benchmarks/results/public-page.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time

from _harness import (
    descendants,
    ensure_pg_database,
    env_for,
    epigrid,
    read_http_answer,
    rss_mb,
    save,
    wait_for,
)

DB = "postgres"
SIZE = "public"


def build(env: dict[str, str], size: str, reuse: bool, data: str = SIZE) -> dict[str, object]:
    """Create (or reuse) the database; return the district's code and the cold costs."""
    if not reuse:
        ensure_pg_database(f"epigrid_bench_{data}")
    epigrid(["migrate", "-v0"], env)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from epigrid.core.models import User
    from epigrid.demo.accounts import demo_accounts_ensure
    from epigrid.demo.cases import demo_cases_load
    from epigrid.demo.epidemic import demo_epidemic_load
    from epigrid.demo.generator import generate
    from epigrid.demo.publicinfo import demo_publicinfo_load
    from epigrid.people.models import Person
    from epigrid.publicinfo.models import PublicSnapshot
    from epigrid.publicinfo.selectors import snapshot_get
    from epigrid.regions.models import Level, Region

    started = time.monotonic()
    district = Region.objects.filter(level=Level.DISTRICT).first()
    if district is None or not reuse:
        if district is not None:
            raise SystemExit("the database holds a district: pass --reuse, or drop epigrid_bench_public")
        generate(size=size)
        demo_accounts_ensure()
        hq = User.objects.get(username="hq")
        demo_cases_load(actor=hq)
        demo_epidemic_load(actor=hq)
        demo_publicinfo_load()
        district = Region.objects.get(level=Level.DISTRICT)
    build_seconds = time.monotonic() - started
    town = Region.objects.filter(parent=district, level=Level.TOWN).order_by("code").first()
    assert town is not None
    cold: dict[str, object] = {}
    for name, region in (("district", district), ("town", town)):
        PublicSnapshot.objects.filter(region=region).delete()
        with CaptureQueriesContext(connection) as queries:
            begin = time.perf_counter()
            snapshot_get(region)
            seconds = time.perf_counter() - begin
        cold[name] = {"seconds": round(seconds, 3), "queries": len(queries)}
    cold["risk_and_dashboard"] = _risk_and_dashboard(district)
    return {
        "code": district.code,
        "people": Person.objects.count(),
        "build_seconds": round(build_seconds, 1),
        "cold": cold,
    }


def _risk_and_dashboard(district: object, runs: int = 5) -> dict[str, object]:
    """What the risk levels cost: alone, as the dashboard snapshot's part, and the whole snapshot."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from epigrid.cases.models import CaseStatus, Contact
    from epigrid.dashboard.figures import figures_compute
    from epigrid.dashboard.risk import risk_json
    from epigrid.regions.models import Region
    from epigrid.risk.selectors import risk_levels

    assert isinstance(district, Region)
    today = timezone.localdate()
    out: dict[str, object] = {
        "cases": CaseStatus.objects.count(),
        "contacts": Contact.objects.count(),
        "towns": Region.objects.filter(parent=district).count(),
    }
    calls = {
        "risk_levels": lambda: risk_levels(district=district, day=today),
        "dashboard_risk_json": lambda: risk_json(district, today),
        "dashboard_figures_compute": lambda: figures_compute(district, timezone.now()),
    }
    for name, call in calls.items():
        times = []
        for _ in range(runs):
            with CaptureQueriesContext(connection) as queries:
                begin = time.perf_counter()
                call()
                times.append(time.perf_counter() - begin)
        out[name] = {"median_ms": round(statistics.median(times) * 1000, 1), "queries": len(queries)}
    return out


# --- the load, in a second process ---------------------------------------------------------------


async def _client(
    port: int, path: str, deadline: float, out: list[tuple[float, int]], schedule: tuple[float, float] | None
) -> None:
    raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept-Language: zh-CN,zh;q=0.9\r\n\r\n".encode()
    planned = schedule[0] if schedule else 0.0
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    while time.perf_counter() < deadline:
        if conn is None:
            conn = await asyncio.open_connection("127.0.0.1", port)
        if schedule is not None:
            wait = planned - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            if planned >= deadline:
                break
            start = planned
            planned += schedule[1]
        else:
            start = time.perf_counter()
        try:
            conn[1].write(raw)
            status = await read_http_answer(conn[0])
        except (OSError, asyncio.IncompleteReadError, ValueError):
            status = 0
            conn[1].close()
            conn = None
        out.append((time.perf_counter() - start, status))
    if conn is not None:
        conn[1].close()


def _summary(samples: list[list[tuple[float, int]]], elapsed: float, rate: float) -> dict[str, object]:
    flat = [s for per in samples for s in per]
    latencies = sorted(s[0] for s in flat)
    ok = sum(1 for s in flat if s[1] == 200)

    def pct(p: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 1)

    return {
        "requests": len(flat),
        "ok": ok,
        "seconds": round(elapsed, 1),
        **({"offered_per_second": rate} if rate else {}),
        "requests_per_second": round(len(flat) / elapsed, 1),
        "ok_per_second": round(ok / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(latencies[-1] * 1000, 1),
    }


def _phase(port: int, path: str, clients: int, seconds: float, rate: float = 0.0) -> dict[str, object]:
    async def go() -> dict[str, object]:
        await _client(port, path, time.perf_counter() + 1.0, [], None)  # warm-up, not measured
        samples: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
        begin = time.perf_counter() + 0.2
        deadline = begin + seconds
        schedules = [(begin + i / rate, clients / rate) if rate else None for i in range(clients)]
        start = time.perf_counter()
        await asyncio.gather(
            *(_client(port, path, deadline, samples[i], schedules[i]) for i in range(clients))
        )
        # Paced: the requests planned in the window, answered or not; lateness shows in the latency.
        return _summary(samples, seconds if rate else time.perf_counter() - start, rate)

    return asyncio.run(go())


def load_main(args: argparse.Namespace) -> None:
    page = f"/public/{args.code}/"
    if args.phases == "uncached":
        print(json.dumps({"public_uncached": _phase(args.port, page, args.clients, args.seconds / 2)}))
        return
    bare = _phase(args.port, "/healthz", args.clients, args.seconds / 2)
    closed = _phase(args.port, page, args.clients, args.seconds)
    paced = _phase(args.port, page, args.open_clients, args.seconds, args.rate)
    print(json.dumps({"healthz": bare, "public": closed, "public_paced": paced}))


# --- the driver ----------------------------------------------------------------------------------


def _serve_and_load(
    args: argparse.Namespace, env: dict[str, str], code: str, phases: str
) -> dict[str, object]:
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"],
        env={**env, "EPIGRID_WEB_WORKERS": str(args.workers), "EPIGRID_WEB_THREADS": str(args.threads)},
    )
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz", 60)
        load = subprocess.run(
            [sys.executable, __file__, "--load", "--code", code, "--port", str(args.port),
             "--clients", str(args.clients), "--seconds", str(args.seconds), "--rate", str(args.rate),
             "--open-clients", str(args.open_clients), "--phases", phases],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        measured: dict[str, object] = json.loads(load.stdout)
        measured["web_rss_mb"] = [round(rss_mb(p), 1) for p in [server.pid, *descendants(server.pid)]]
    finally:
        server.terminate()
        server.wait(timeout=20)
    return measured


def run(args: argparse.Namespace) -> dict[str, object]:
    env = env_for(DB, args.data, port=args.port)
    built = build(env, args.size, args.reuse or args.data != SIZE, args.data)
    if args.cold_only:
        save(f"public-page-cold-{args.data}", built)
        return built
    code = str(built["code"])
    cached = _serve_and_load(args, {**env, "EPIGRID_PUBLIC_CACHE_SECONDS": "60"}, code, "all")
    uncached = _serve_and_load(args, {**env, "EPIGRID_PUBLIC_CACHE_SECONDS": "0"}, code, "uncached")
    paced = cached["public_paced"]
    bare = cached["healthz"]
    assert isinstance(paced, dict) and isinstance(bare, dict)
    result: dict[str, object] = {
        "db": DB,
        "cpus": os.cpu_count(),
        **built,
        "web_workers": args.workers,
        "web_threads": args.threads,
        "clients": args.clients,
        "open_clients": args.open_clients,
        "rate": args.rate,
        **cached,
        "public_uncached": uncached["public_uncached"],
        "target": ">= 2000 req/s with caching, p99 <= 50 ms, no per-person query",
        "target_met": args.rate >= 2000
        and paced["ok_per_second"] >= 0.99 * args.rate
        and paced["p99_ms"] <= 50,
    }
    save("public-page", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", default="district", choices=("small", "district", "city"))
    parser.add_argument("--reuse", action="store_true", help="keep the database built by an earlier run")
    parser.add_argument("--seconds", type=float, default=20.0, help="each page phase; /healthz runs half")
    parser.add_argument("--clients", type=int, default=64, help="connections of the closed loops")
    parser.add_argument("--workers", type=int, default=2, help="EPIGRID_WEB_WORKERS")
    parser.add_argument("--threads", type=int, default=8, help="EPIGRID_WEB_THREADS")
    parser.add_argument("--rate", type=float, default=2000.0, help="paced phase: requests offered per s")
    parser.add_argument("--open-clients", type=int, default=128, help="connections of the paced phase")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--cold-only", action="store_true", help="only the cold costs, no server")
    parser.add_argument(
        "--data", default=SIZE,
        help="another benchmark's PostgreSQL database to reuse (chains: 5,000 cases, 20,000 contacts)",
    )  # fmt: skip
    parser.add_argument("--code", default="", help=argparse.SUPPRESS)
    parser.add_argument("--phases", default="all", help=argparse.SUPPRESS)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        load_main(args)
        return
    print(json.dumps(run(args), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()

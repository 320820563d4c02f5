"""Checkpoint registration round trip through the real server, on SQLite and on PostgreSQL.

    uv run python benchmarks/checkpoint_registration.py                 # both databases, 20 s, 8 barriers
    uv run python benchmarks/checkpoint_registration.py --db sqlite --seconds 10

Target: registration round trip p95 <= 150 ms.

1. A data set of its own (``benchmarks/.data/<db>-checkpoints``, PostgreSQL ``epigrid_bench_checkpoints``):
   the small demo district (5,000 people) with its demo accounts and checkpoints, and the last three
   days of stops the demo registers; an API token for the demo ``checkpoint`` account. Built by this
   file with ``--build`` in a process of its own (Django is set up there, never in the load process).
2. ``epigrid serve`` (granian, the default 2 workers x 4 threads) on 127.0.0.1.
3. This process, without Django, drives ``POST /api/v1/checkpoints/<id>/passages`` over HTTP/1.1
   keep-alive connections, one per barrier, in three phases: ``--clients`` barriers each registering a
   stop every ``--interval`` s (default 1 s: already far busier than a real barrier, where checking a
   car takes a minute; the target is judged here); the same barriers back to back (each sends its next
   stop when the last is answered: the most the server takes); one barrier back to back, alone.
   Each stop is a driver and 0-4 passengers with made-up identities (valid ID
   numbers, phones, temperatures), a plate, a fresh idempotency key; one in ten comes from the outbreak
   area towards a village of the district (a handover: travel record, maybe a new person). Latency is
   the client's: from sending the request to reading the whole answer. Anything but 201 is an error.

Prints a table and writes benchmarks/results/checkpoint-registration.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from _harness import empty_database, epigrid, own_env, rss_mb, save, wait_for

NAME = "checkpoints"
TARGET_P95_MS = 150.0
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟强磊军勇杰涛斌超明刚平辉鹏华飞芳娜敏静丽艳娟霞秀英"
ADDRESS_CODES = ("620102", "620103", "620121", "630102", "640104", "610113", "420106", "421002")
PLATE_PREFIXES = ("甘A", "甘A", "甘A", "甘B", "青A", "宁A", "陕A", "鄂A")
PLATE_CHARS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"


# --- build (its own process, with Django) ----------------------------------------------------------


def build_main() -> None:
    """Load the small demo with its checkpoints, issue a token; print what the load process needs."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()
    from django.core.management import call_command

    from epigrid.checkpoints.models import Checkpoint
    from epigrid.core.models import User
    from epigrid.core.tokens import api_token_create
    from epigrid.demo.accounts import demo_accounts_ensure
    from epigrid.demo.checkpoints import demo_checkpoints_load
    from epigrid.regions.models import Level, Region

    start = time.monotonic()
    call_command("load_demo", size="small", if_empty=True, verbosity=0)
    demo_accounts_ensure()
    loaded = demo_checkpoints_load()
    user = User.objects.get(username="checkpoint")
    checkpoints = [
        c.pk
        for c in Checkpoint.objects.filter(active=True).order_by("pk")
        if c.region.path.startswith(_town(user))
    ]
    district = Region.objects.get(level=Level.DISTRICT)
    villages = list(
        Region.objects.filter(level=Level.VILLAGE, path__startswith=district.path).values_list(
            "pk", flat=True
        )
    )
    secret = api_token_create(actor=None, user=user, name="benchmark").secret
    print(
        json.dumps(
            {
                "token": secret,
                "checkpoints": checkpoints,
                "villages": villages,
                "demo_passages": loaded.passages,
                "build_seconds": round(time.monotonic() - start, 1),
            }
        )
    )


def _town(user: object) -> str:
    from epigrid.regions.scope import scope_for

    return scope_for(user).roots[0].path


# --- the load (this process, no Django) ------------------------------------------------------------


def _id_number(rng: random.Random) -> str:
    """A valid 18-digit ID number (GB 11643 check digit) of a made-up person."""
    birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 18_000))
    body = f"{rng.choice(ADDRESS_CODES)}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def _stop(rng: random.Random, villages: list[int]) -> dict[str, object]:
    people = []
    for _ in range(1 + rng.choices((0, 1, 2, 3, 4), weights=(30, 30, 20, 12, 8))[0]):
        person: dict[str, object] = {
            "name": rng.choice(SURNAMES)
            + rng.choice(GIVEN)
            + (rng.choice(GIVEN) if rng.random() < 0.6 else ""),
            "id_number": _id_number(rng) if rng.random() < 0.9 else "",
            "phone": f"1{rng.choice('3589')}{rng.randrange(10**9):09d}" if rng.random() < 0.8 else "",
            "temperature": round(rng.gauss(36.5, 0.25), 1) if rng.random() < 0.95 else "",
        }
        people.append(person)
    body: dict[str, object] = {
        "vehicle_type": rng.choice(("car", "car", "car", "truck", "bus")),
        "plate": rng.choice(PLATE_PREFIXES) + "".join(rng.choice(PLATE_CHARS) for _ in range(5)),
        "direction": "in",
        "origin": rng.choice(("兰州", "白银", "西宁", "西安", "定西")),
        "destination": "过境",
        "purpose": rng.choice(("返乡", "送货", "探亲", "上班")),
        "idempotency_key": uuid.uuid4().hex,
        "people": people,
    }
    if rng.random() < 0.10:  # from the outbreak area to a village of the district: handed over
        body.update(
            origin="湖北省武汉市", destination="", from_outbreak_area=True,
            destination_region_id=rng.choice(villages),
        )  # fmt: skip
    return body


def _barrier(
    port: int, token: str, checkpoint: int, villages: list[int], deadline: float, seed: int,
    out: list[tuple[float, int]], interval: float = 0.0,
) -> None:  # fmt: skip
    """Register stops until ``deadline``: back to back, or one every ``interval`` seconds (each barrier
    starting at its own offset, never sending before its last stop is answered)."""
    rng = random.Random(seed)
    planned = time.perf_counter() + rng.uniform(0, interval)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    path = f"/api/v1/checkpoints/{checkpoint}/passages"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while time.perf_counter() < deadline:
        if interval:
            wait = planned - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            planned += interval
            if time.perf_counter() >= deadline:
                break
        body = json.dumps(_stop(rng, villages), ensure_ascii=False).encode()
        start = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        out.append((time.perf_counter() - start, status))
    conn.close()


def _phase(
    port: int, built: dict[str, object], clients: int, seconds: float, interval: float = 0.0
) -> dict[str, object]:
    token = str(built["token"])
    checkpoints = [int(c) for c in built["checkpoints"]]  # type: ignore[attr-defined]
    villages = [int(v) for v in built["villages"]]  # type: ignore[attr-defined]
    # A short warm-up (imports, connections, first queries of each worker thread) is not measured.
    warm: list[tuple[float, int]] = []
    _barrier(port, token, checkpoints[0], villages, time.perf_counter() + 1.5, 999, warm)
    samples: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=_barrier,
            args=(
                port,
                token,
                checkpoints[i % len(checkpoints)],
                villages,
                deadline,
                i,
                samples[i],
                interval,
            ),
        )
        for i in range(clients)
    ]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    flat = [s for per in samples for s in per]
    ok = sorted(latency for latency, status in flat if status == 201)
    statuses: dict[str, int] = {}
    for _latency, status in flat:
        statuses[str(status)] = statuses.get(str(status), 0) + 1

    def pct(p: float) -> float:
        return round(ok[min(len(ok) - 1, int(p * len(ok)))] * 1000, 1) if ok else 0.0

    return {
        "phase": f"{clients} barriers, one stop each every {interval:g} s"
        if interval
        else f"{clients} barrier(s) back to back",
        "clients": clients,
        "requests": len(flat),
        "errors": len(flat) - len(ok),
        "statuses": statuses,
        "seconds": round(elapsed, 1),
        "per_second": round(len(flat) / elapsed, 1),
        "p50_ms": round(statistics.median(ok) * 1000, 1) if ok else 0.0,
        "p95_ms": pct(0.95),
        "p99_ms": pct(0.99),
        "max_ms": round(ok[-1] * 1000, 1) if ok else 0.0,
    }


def run(db: str, args: argparse.Namespace) -> dict[str, object]:
    env = own_env(db, "small", NAME, port=args.port)
    empty_database(db, NAME)
    started = time.monotonic()
    epigrid(["migrate", "-v0"], env)
    built = json.loads(
        subprocess.run(
            [sys.executable, __file__, "--build"], env=env, text=True, capture_output=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    build_seconds = round(time.monotonic() - started, 1)
    server = subprocess.Popen([sys.executable, "-m", "epigrid.cli", "serve"], env=env)
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz", 60)
        paced = _phase(args.port, built, args.clients, args.seconds, args.interval)
        busy = _phase(args.port, built, args.clients, args.seconds)
        alone = _phase(args.port, built, 1, args.seconds / 2)
        rss = round(rss_mb(server.pid), 1)
    finally:
        server.terminate()
        server.wait(timeout=20)
    return {
        "database": db,
        "build_seconds": build_seconds,
        "checkpoints": len(built["checkpoints"]),
        "demo_passages": built["demo_passages"],
        "server_rss_mb": rss,
        "phases": [paced, busy, alone],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=8, help="barriers sending at once")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a barrier's stops (paced)"
    )
    parser.add_argument("--port", type=int, default=8793)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build_main()
        return
    databases = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run(db, args) for db in databases]
    print(f"\nCheckpoint registration round trip (target p95 <= {TARGET_P95_MS:.0f} ms)")
    print(f"{'database':<10} {'phase':<40} {'requests':>9} {'errors':>7} {'req/s':>7} "
          f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}  target")  # fmt: skip
    for result in results:
        for phase in result["phases"]:  # type: ignore[attr-defined]
            verdict = "ok" if phase["p95_ms"] <= TARGET_P95_MS and not phase["errors"] else "MISSED"
            print(f"{result['database']:<10} {phase['phase']:<40} {phase['requests']:>9} "
                  f"{phase['errors']:>7} "
                  f"{phase['per_second']:>7} {phase['p50_ms']:>8} {phase['p95_ms']:>8} {phase['p99_ms']:>8} "
                  f"{phase['max_ms']:>8}  {verdict}")  # fmt: skip
    path = save(
        "checkpoint-registration",
        {
            "target": f"Registration round trip p95 <= {TARGET_P95_MS:.0f} ms",
            "command": "uv run python benchmarks/checkpoint_registration.py " + " ".join(sys.argv[1:]),
            "seconds": args.seconds,
            "server": "epigrid serve (granian), EPIGRID_WEB_WORKERS=2 x EPIGRID_WEB_THREADS=4 (defaults)",
            "cpus": os.cpu_count(),
            "results": results,
        },
    )
    print(f"\nwrote {path.relative_to(Path(__file__).resolve().parent.parent)}")


if __name__ == "__main__":
    main()

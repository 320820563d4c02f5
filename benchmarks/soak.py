"""Soak: a mixed load for N minutes against `epigrid serve` + `epigrid worker`; errors and memory over time.

    uv run python benchmarks/soak.py                          # SQLite, 30 minutes
    uv run python benchmarks/soak.py --db postgres --minutes 30
    uv run python benchmarks/soak.py --minutes 3              # a quick check that it works

1. A fresh database of its own (benchmarks/.data/<db>-soak, or PostgreSQL ``epigrid_bench_soak``)
   loaded with the small demo district (`epigrid demo --no-server`), a self-report link for every open
   observation episode, an API token for the HQ account, and one department list per minute of the
   run (CSV, a third of the rows registry people, the rest new; each file different so none is a no-op).
2. `epigrid serve` (``--workers`` x ``--threads``) and `epigrid worker` on 127.0.0.1, as in production.
3. For ``--minutes`` this process offers, each on its own threads and at a fixed pace:
   - check-ins: POST /r/<token>/ with a temperature (``--checkins`` per second), every connection from
     its own loopback address (127.x.y.z) so the per-address limit of 30 a minute never trips;
   - staff pages: the HQ's and a grid worker's sessions walk list pages and the dashboard
     (``--pages`` per second);
   - API reads with the HQ's token (``--api`` per second);
   - a department list import (`epigrid lists import`, a process of its own) at the start of every minute.
   Every answer is kept: time, kind, latency, status. A failure is any 5xx, any connection error or
   time-out, and any import that exits non-zero.
4. Every 30 s: the resident memory (psutil if installed, else /proc/<pid>/status VmRSS) of the server,
   each of its worker processes and the task worker, and the load average (other jobs share the machine).

Prints a per-minute table (requests, failures, p50/p99 latency, RSS, load) and writes
benchmarks/results/soak-<db>.json. Verdict: no failures, and memory flat: each web process's RSS grew
less than ``--rss-growth`` (10 %) from minute 5 (half the run when shorter) to the end.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import itertools
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from _harness import Session, descendants, empty_database, epigrid, own_env, save, wait_for

NAME = "soak"
LIST_ROWS = 300  # rows of each minute's department list
PER_ADDRESS = 20  # check-ins per loopback source address, below the limit of 30 a minute
SAMPLE_SECONDS = 30.0


# --- preparation (runs in a child process with the soak database's environment) --------------------


def prepare_main(minutes: int, out_dir: Path) -> None:
    """Create links, an API token and the minute lists; print what the load needs as JSON."""
    import django

    django.setup()
    from epigrid.core.models import User
    from epigrid.core.tokens import api_token_create
    from epigrid.lib.idcard import make_id
    from epigrid.monitoring.checks import link_create
    from epigrid.monitoring.models import Episode
    from epigrid.people.models import Person
    from epigrid.regions.models import Level, Region

    hq = User.objects.get(username="hq")
    district = Region.objects.filter(level=Level.DISTRICT).order_by("code").first()
    grid_worker = User.objects.get(username="grid")
    grid = grid_worker.assignments.select_related("region").get().region
    assert district is not None and grid is not None
    tokens = [
        link_create(actor=hq, episode=episode)[1]
        for episode in Episode.objects.filter(status=Episode.Status.OPEN).select_related("person", "policy")
    ]
    secret = api_token_create(actor=None, user=hq, name="soak benchmark").secret
    known = list(
        Person.objects.filter(district_id=district.pk).values_list("name", "id_number", "phone")[:2000]
    )
    rng = random.Random(20200123)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰"
    files = []
    out_dir.mkdir(parents=True, exist_ok=True)
    for minute in range(minutes + 1):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["序号", "姓名", "性别", "身份证号码", "联系电话", "现住址"])
        for n in range(LIST_ROWS):
            if n % 3 == 0 and known:
                name, id_number, phone = rng.choice(known)
            else:
                name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
                birth = date(1950 + rng.randrange(60), 1 + rng.randrange(12), 1 + rng.randrange(28))
                id_number = make_id(address_code="620188", birth=birth, sequence=rng.randrange(1000))
                phone = f"13{rng.randrange(10**9):09d}"
            writer.writerow([n + 1, name, "", id_number, phone, f"{district.name}浸泡路{minute}号{n}室"])
        path = out_dir / f"list-{minute:03d}.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        files.append(str(path))
    d, g = district.pk, grid.pk
    print(
        json.dumps(
            {
                "tokens": tokens,
                "api_token": secret,
                "files": files,
                "pages": {
                    "hq": [
                        "/dashboard/",
                        f"/dashboard/regions/{d}/",
                        "/monitoring/",
                        f"/monitoring/regions/{d}/episodes/",
                        "/lists/",
                        f"/regions/{d}/",
                        "/cases/",
                    ],
                    "grid": ["/monitoring/", f"/monitoring/grids/{g}/roster/", f"/regions/{g}/"],
                },
                "api": [f"/api/v1/dashboard/{d}", f"/api/v1/cases/counts?region_id={d}", "/api/v1/alerts"],
            }
        )
    )


# --- the load ---------------------------------------------------------------------------------------


@dataclass
class Recorder:
    start: float
    samples: list[tuple[float, str, float, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, began: float, status: int) -> None:
        with self.lock:
            self.samples.append((began - self.start, kind, time.perf_counter() - began, status))


def paced(rate: float, deadline: float, step: object) -> None:
    """Call ``step()`` ``rate`` times a second until ``deadline`` (a slow answer delays the next call)."""
    interval = 1.0 / rate
    planned = time.perf_counter()
    while planned < deadline:
        wait = planned - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        step()  # type: ignore[operator]
        planned = max(planned + interval, time.perf_counter() - 1.0)


_addresses = itertools.count(1)
_address_lock = threading.Lock()


def next_address() -> str:
    with _address_lock:
        n = next(_addresses)
        while n & 255 == 0:
            n = next(_addresses)
    return f"127.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def checkin_loop(port: int, tokens: list[str], rate: float, deadline: float, rec: Recorder) -> None:
    rng = random.Random()
    state: dict[str, object] = {"conn": None, "used": 0}
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "zh-CN"}

    def step() -> None:
        conn = state["conn"]
        if conn is None or int(str(state["used"])) >= PER_ADDRESS:
            if isinstance(conn, http.client.HTTPConnection):
                conn.close()
            conn = http.client.HTTPConnection(
                "127.0.0.1", port, timeout=30, source_address=(next_address(), 0)
            )
            state["conn"], state["used"] = conn, 0
        assert isinstance(conn, http.client.HTTPConnection)
        body = urllib.parse.urlencode(
            {"temperature": f"{rng.choice([36.2, 36.5, 36.8, 37.0])}", "went_out": "0"}
        )
        began = time.perf_counter()
        try:
            conn.request("POST", f"/r/{rng.choice(tokens)}/", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            state["conn"] = None
        rec.add("checkin", began, status)
        state["used"] = int(str(state["used"])) + 1

    paced(rate, deadline, step)


def pages_loop(
    port: int, username: str, paths: list[str], rate: float, deadline: float, rec: Recorder
) -> None:
    session = Session(f"http://127.0.0.1:{port}")
    session.login(username, "epigrid-demo")
    cycle = itertools.cycle(paths)

    def step() -> None:
        began = time.perf_counter()
        try:
            status, _ = session.get(next(cycle))
        except OSError:
            status = 0
        rec.add("page", began, status)

    paced(rate, deadline, step)


def api_loop(port: int, token: str, paths: list[str], rate: float, deadline: float, rec: Recorder) -> None:
    cycle = itertools.cycle(paths)
    state: dict[str, http.client.HTTPConnection | None] = {"conn": None}

    def step() -> None:
        conn = state["conn"] or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        state["conn"] = conn
        began = time.perf_counter()
        try:
            conn.request("GET", next(cycle), headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 0
            conn.close()
            state["conn"] = None
        rec.add("api", began, status)

    paced(rate, deadline, step)


def import_loop(
    env: dict[str, str], files: list[str], deadline: float, rec: Recorder, out: list[dict[str, object]]
) -> None:
    """Run `epigrid lists import` at the start of every minute of the run."""
    for minute, path in enumerate(files):
        at = rec.start + minute * 60
        if at >= deadline:
            break
        wait = at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "epigrid.cli", "lists", "import", path, "--source", "浸泡测试", "--json"],
            env=env, capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - began
        summary: dict[str, object] = {}
        if done.returncode == 0:
            summary = json.loads(done.stdout.strip().splitlines()[-1])
        ok = done.returncode == 0 and summary.get("status") == "done" and summary.get("rows") == LIST_ROWS
        rec.add("import", began, 200 if ok else 0)
        out.append(
            {
                "minute": minute,
                "seconds": round(elapsed, 2),
                "ok": ok,
                "exit": done.returncode,
                "rows": summary.get("rows"),
                "new": summary.get("new"),
                "matched": summary.get("matched"),
                # The command's last error line (no personal data: it names files and rows only).
                **({"stderr": done.stderr.strip().splitlines()[-1:]} if not ok else {}),
            }
        )


def rss_of(pid: int) -> float:
    """Resident memory of a process in MB: psutil when installed, else /proc/<pid>/status."""
    try:
        import psutil  # type: ignore[import-untyped]

        return float(psutil.Process(pid).memory_info().rss) / 2**20
    except ImportError:
        pass
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def memory_loop(
    server: int, worker: int, rec: Recorder, deadline: float, out: list[dict[str, object]]
) -> None:
    """Sample memory and load every ``SAMPLE_SECONDS``; print a progress line each time."""
    while True:
        web = {str(pid): round(rss_of(pid), 1) for pid in descendants(server)}
        sample: dict[str, object] = {
            "t": round(time.perf_counter() - rec.start, 1),
            "server": round(rss_of(server), 1),
            "web_workers": web,
            "task_worker": round(rss_of(worker), 1),
            "load": [round(x, 2) for x in os.getloadavg()],
        }
        out.append(sample)
        with rec.lock:
            done, failures = len(rec.samples), sum(1 for s in rec.samples if failed(s[3]))
        print(
            f"soak t={sample['t']:>7} s  answers {done}  failures {failures}  web RSS {web} MB  "
            f"load {sample['load']}",
            flush=True,
        )
        if time.perf_counter() + SAMPLE_SECONDS > deadline + 1:
            break
        time.sleep(min(SAMPLE_SECONDS, max(0.0, deadline - time.perf_counter())))


# --- report -----------------------------------------------------------------------------------------


def pct(ordered: list[float], p: float) -> float:
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1) if ordered else 0.0


def failed(status: int) -> bool:
    return status == 0 or status >= 500


def per_minute(
    samples: list[tuple[float, str, float, int]], minutes: int, memory: list[dict[str, object]]
) -> list[dict[str, object]]:
    rows = []
    for m in range(minutes):
        inside = [s for s in samples if m * 60 <= s[0] < (m + 1) * 60]
        http_ = [s for s in inside if s[1] != "import"]
        latencies = sorted(s[2] for s in http_)
        kinds = {k: sum(1 for s in http_ if s[1] == k) for k in ("checkin", "page", "api")}
        statuses: dict[str, int] = {}
        for s in inside:
            statuses[str(s[3])] = statuses.get(str(s[3]), 0) + 1
        mem = [x for x in memory if m * 60 <= float(str(x["t"])) < (m + 1) * 60]
        last = mem[-1] if mem else None
        rows.append(
            {
                "minute": m + 1,
                "requests": len(http_),
                **kinds,
                "failures": sum(1 for s in inside if failed(s[3])),
                "statuses": statuses,
                "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0.0,
                "p99_ms": pct(latencies, 0.99),
                "web_rss_mb": round(sum(last["web_workers"].values()), 1) if last else None,  # type: ignore[attr-defined]
                "load1": last["load"][0] if last else None,  # type: ignore[index]
            }
        )
    return rows


def memory_verdict(memory: list[dict[str, object]], minutes: int, limit: float) -> dict[str, object]:
    """RSS growth of each web process (and the task worker) from minute 5 (or half the run) to the end."""
    base_t = 300.0 if minutes > 10 else minutes * 30.0
    base = next((x for x in memory if float(str(x["t"])) >= base_t), memory[0])
    end = memory[-1]
    growth: dict[str, float] = {}
    for pid, mb in end["web_workers"].items():  # type: ignore[attr-defined]
        before = base["web_workers"].get(pid)  # type: ignore[attr-defined]
        if before:
            growth[f"web {pid}"] = round((mb - before) / before * 100, 1)
    if base["task_worker"]:
        growth["task worker"] = round(
            (float(str(end["task_worker"])) - float(str(base["task_worker"])))
            / float(str(base["task_worker"]))
            * 100,
            1,
        )
    restarted = sorted(set(end["web_workers"]) ^ set(base["web_workers"]))  # type: ignore[arg-type]
    return {
        "from_t": base["t"],
        "to_t": end["t"],
        "growth_percent": growth,
        "web_processes_replaced": restarted,
        "flat": bool(growth) and not restarted and all(g < limit for g in growth.values()),
    }


def preflight(port: int, plan: dict[str, object]) -> None:
    """Every page and API path of the plan answers 200 before the clock starts (a 404 is a typo)."""
    wrong = []
    for user, paths in plan["pages"].items():  # type: ignore[attr-defined]
        session = Session(f"http://127.0.0.1:{port}")
        session.login(user, "epigrid-demo")
        wrong += [f"{user} {path}: {status}" for path in paths if (status := session.get(path)[0]) != 200]
    for path in plan["api"]:  # type: ignore[attr-defined]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Authorization": f"Bearer {plan['api_token']}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        if response.status != 200:
            wrong.append(f"api {path}: {response.status}")
    if wrong:
        raise SystemExit("soak: paths that do not answer 200: " + "; ".join(wrong))


def run(args: argparse.Namespace) -> dict[str, object]:
    env = own_env(args.db, "small", NAME, port=args.port)
    empty_database(args.db, NAME)
    built = time.monotonic()
    epigrid(["demo", "--no-server", "--size", "small"], env)
    prepared = subprocess.run(
        [sys.executable, __file__, "--prepare", "--minutes", str(args.minutes)],
        env={**env, "DJANGO_SETTINGS_MODULE": "epigrid.settings"}, capture_output=True, text=True, check=True,
    )  # fmt: skip
    plan = json.loads(prepared.stdout.strip().splitlines()[-1])
    build_seconds = time.monotonic() - built
    web_env = {**env, "EPIGRID_WEB_WORKERS": str(args.workers), "EPIGRID_WEB_THREADS": str(args.threads)}
    server = subprocess.Popen([sys.executable, "-m", "epigrid.cli", "serve"], env=web_env)
    # The task worker logs every task at INFO: kept in the data folder, not on the console.
    worker_log = (Path(env["EPIGRID_DATA_DIR"]) / "worker.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "worker"], env=env, stdout=worker_log, stderr=subprocess.STDOUT
    )
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    try:
        wait_for(f"http://127.0.0.1:{args.port}/healthz", 90)
        preflight(args.port, plan)
        start = time.perf_counter()
        deadline = start + args.minutes * 60
        rec = Recorder(start)
        memory: list[dict[str, object]] = []
        imports: list[dict[str, object]] = []
        port, deadline_args = args.port, (deadline, rec)
        threads = [
            threading.Thread(target=memory_loop, args=(server.pid, worker.pid, rec, deadline, memory)),
            threading.Thread(target=import_loop, args=(env, plan["files"], deadline, rec, imports)),
            threading.Thread(
                target=api_loop, args=(port, plan["api_token"], plan["api"], args.api, *deadline_args)
            ),
        ]
        for user, paths in plan["pages"].items():
            threads.append(
                threading.Thread(target=pages_loop, args=(port, user, paths, args.pages / 2, *deadline_args))
            )
        for _ in range(2):
            threads.append(
                threading.Thread(
                    target=checkin_loop, args=(port, plan["tokens"], args.checkins / 2, *deadline_args)
                )
            )
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        worker.terminate()
        server.terminate()
        server.wait(timeout=30)
        worker.wait(timeout=30)
        worker_log.close()
    samples = rec.samples
    rows = per_minute(samples, args.minutes, memory)
    statuses: dict[str, dict[str, int]] = {}
    for _t, kind, _latency, status in samples:
        statuses.setdefault(kind, {})
        statuses[kind][str(status)] = statuses[kind].get(str(status), 0) + 1
    failures = sum(1 for s in samples if failed(s[3]))
    mem = memory_verdict(memory, args.minutes, args.rss_growth)
    latencies = sorted(s[2] for s in samples if s[1] != "import")
    result: dict[str, object] = {
        "db": args.db,
        "minutes": args.minutes,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "uptime_before": uptime_before,
        "uptime_after": uptime_after,
        "build_seconds": round(build_seconds, 1),
        "web_workers": args.workers,
        "web_threads": args.threads,
        "offered_per_second": {"checkins": args.checkins, "pages": args.pages, "api": args.api},
        "links": len(plan["tokens"]),
        "requests": len(latencies),
        "failures": failures,
        "statuses": statuses,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else 0.0,
        "p99_ms": pct(latencies, 0.99),
        "per_minute": rows,
        "imports": imports,
        "memory": memory,
        "memory_verdict": mem,
        "rss_growth_limit_percent": args.rss_growth,
        "verdict": "pass" if failures == 0 and mem["flat"] else "fail",
    }
    save(f"soak-{args.db}", result)
    return result


def print_table(result: dict[str, object]) -> None:
    head = ("min", "req", "checkin", "page", "api", "fail", "p50 ms", "p99 ms", "web MB", "load1")
    widths = (3, 6, 7, 5, 5, 4, 7, 7, 7, 5)
    print(" ".join(f"{h:>{w}}" for h, w in zip(head, widths, strict=True)))
    for row in result["per_minute"]:  # type: ignore[attr-defined]
        cells = [
            row[k] for k in ("minute", "requests", "checkin", "page", "api", "failures", "p50_ms", "p99_ms")
        ]
        cells += [
            "-" if row["web_rss_mb"] is None else row["web_rss_mb"],
            "-" if row["load1"] is None else row["load1"],
        ]
        print(" ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    imports: list[dict[str, object]] = result["imports"]  # type: ignore[assignment]
    seconds = [i["seconds"] for i in imports]
    print(f"imports: {sum(1 for i in imports if i['ok'])}/{len(imports)} ok, seconds each {seconds}")
    print(f"statuses: {result['statuses']}")
    print(f"memory: {result['memory_verdict']}")
    print(f"load: before [{result['uptime_before']}] after [{result['uptime_after']}]")
    print(
        f"requests {result['requests']}, failures {result['failures']}, p50 {result['p50_ms']} ms, "
        f"p99 {result['p99_ms']} ms: {result['verdict']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument(
        "--checkins", type=float, default=6.0, help="self-report submissions offered per second"
    )
    parser.add_argument("--pages", type=float, default=2.0, help="staff page views per second (two sessions)")
    parser.add_argument("--api", type=float, default=2.0, help="API reads per second")
    parser.add_argument("--workers", type=int, default=2, help="EPIGRID_WEB_WORKERS")
    parser.add_argument("--threads", type=int, default=4, help="EPIGRID_WEB_THREADS")
    parser.add_argument("--rss-growth", type=float, default=10.0, help="largest RSS growth in %% still flat")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_main(args.minutes, Path(os.environ["EPIGRID_DATA_DIR"]) / "soak-lists")
        return
    result = run(args)
    print_table(result)
    sys.exit(0 if result["verdict"] == "pass" else 1)


if __name__ == "__main__":
    main()

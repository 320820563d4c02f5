"""CPU per self-report submission in the web process: Django's full stack against the WSGI fast path.

    uv run python benchmarks/selfreport_cpu.py                  # SQLite, 2,000 submissions per path
    uv run python benchmarks/selfreport_cpu.py --db postgres    # the database's work out of process

1. A fresh database of the benchmark's own (``selfreport-cpu``) with one live self-report link per
   episode, built by ``self_report.build`` (the load test's data set, smaller).
2. In this process, the WSGI application is called directly (no server, no sockets) with a built
   environ, alternately through Django (``WSGIHandler``: the fast path off) and through
   ``SelfReportFastPath`` around it, each submission for a different link from a different address.
   ``time.process_time()`` (this process's CPU, robust against a noisy host) and wall time are taken
   around each call; a short warm-up of each path is not counted. Every link is looked up once
   beforehand (this process's link copy, as under steady load, where phones reuse their links).

On SQLite the database's own work (the insert and the commit) runs in this process and counts as CPU
for both paths; with ``--db postgres`` it runs in the server, as in production, and what remains is
the web process's share. Writes benchmarks/results/selfreport-cpu.json.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import self_report
from _harness import empty_database, own_env, save

NAME = "selfreport-cpu"
WARM_UP = 100
COLUMNS = ("cpu_mean_ms", "cpu_p50_ms", "wall_mean_ms", "wall_p50_ms", "wall_p99_ms")


def _environ(token: str, n: int) -> dict[str, Any]:
    body = urllib.parse.urlencode({"temperature": f"36.{n % 10}", "went_out": "0"}).encode()
    return {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": f"/r/{token}/",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT_LANGUAGE": "zh-CN,zh;q=0.9",
        "HTTP_USER_AGENT": "Mozilla/5.0 (Linux; Android 10) MicroMessenger/8.0",
        "REMOTE_ADDR": f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255 or 1}",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[float, float]:
    """One request as a WSGI server makes it (start_response, the body, close); its CPU and wall time."""
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
        status.append(line)

    cpu, wall = time.process_time(), time.perf_counter()
    result = app(environ, start_response)
    b"".join(result)
    close = getattr(result, "close", None)
    if close is not None:
        close()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if not status or not status[0].startswith("200"):
        raise RuntimeError(f"a submission was answered {status}")
    return cpu, wall


def _row(name: str, samples: list[tuple[float, float]]) -> dict[str, object]:
    cpu = sorted(s[0] for s in samples)
    wall = sorted(s[1] for s in samples)
    return {
        "path": name,
        "n": len(samples),
        "cpu_mean_ms": round(statistics.fmean(cpu) * 1000, 3),
        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 3),
        "wall_mean_ms": round(statistics.fmean(wall) * 1000, 3),
        "wall_p50_ms": round(statistics.median(wall) * 1000, 3),
        "wall_p99_ms": round(wall[min(len(wall) - 1, int(0.99 * len(wall)))] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--submissions", type=int, default=2000, help="measured submissions per path")
    args = parser.parse_args()

    env = own_env(args.db, "small", NAME)
    env["EPIGRID_SELFREPORT_FAST_PATH"] = "1"
    # The load test's data set, in this benchmark's own database (not the load test's).
    self_report.ensure_pg_database = lambda _name: empty_database(args.db, NAME)  # type: ignore[assignment]
    links = 2 * (args.submissions + WARM_UP)
    tokens, build_seconds = self_report.build(env, links)

    from django.core.handlers.wsgi import WSGIHandler

    from epigrid.monitoring import selfreport
    from epigrid.monitoring.selfreport_wsgi import SelfReportFastPath

    # Every link already in this process's copy, as under steady load (the load test's phones use 2,000
    # links over and over): the one lookup a new link costs is not what either path is about.
    selfreport.LINK_KEEP_SECONDS = 3600.0
    for token in tokens:
        selfreport.link_for_submission(token)

    django_app = WSGIHandler()
    apps = {"django": django_app, "fast path": SelfReportFastPath(django_app)}
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in apps}
    n = 0
    for i in range(args.submissions + WARM_UP):
        for name, app in apps.items():  # alternately, so that a slow moment of the host hits both
            timing = _call(app, _environ(tokens[n], n + 1))
            n += 1
            if i >= WARM_UP:
                samples[name].append(timing)

    rows = [_row(name, s) for name, s in samples.items()]
    heads = ("CPU mean", "CPU p50", "wall mean", "wall p50", "wall p99")
    print(f"{'path':<10} {'n':>5} " + " ".join(f"{h:>10}" for h in heads))
    for r in rows:
        print(f"{r['path']:<10} {r['n']:>5} " + " ".join(f"{r[k]:>7} ms" for k in COLUMNS))
    ratio = rows[1]["cpu_mean_ms"] / rows[0]["cpu_mean_ms"]  # type: ignore[operator]
    print(f"fast path CPU / Django CPU: {ratio:.2f}")
    path = save(
        NAME,
        {
            "db": args.db,
            "links": links,
            "build_seconds": round(build_seconds, 1),
            "warm_up_per_path": WARM_UP,
            "rows": rows,
            "cpu_ratio": round(ratio, 3),
            "python": sys.version.split()[0],
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()

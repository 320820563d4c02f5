"""Shared pieces of the benchmarks: run epigrid, start the real server, log in, time requests."""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "benchmarks" / ".data"
RESULTS = ROOT / "benchmarks" / "results"


def env_for(db: str, size: str, *, port: int = 8765) -> dict[str, str]:
    """Return the environment of a benchmark database: its own data dir (SQLite) or database (PG)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPIGRID_", "DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "EPIGRID_MODE": "demo",
            "EPIGRID_DATA_DIR": str(DATA / f"{db}-{size}"),
            "EPIGRID_PORT": str(port),
            "EPIGRID_HOST": "127.0.0.1",
            "EPIGRID_LOG_LEVEL": "WARNING",
        }
    )
    if db == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/epigrid_bench_{size}"
    return env


def epigrid(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "epigrid.cli", *args],
        env=env,
        text=True,
        capture_output=True,
        check=True,
        **kwargs,
    )


def pg_name(name: str) -> str:
    """The PostgreSQL database of a benchmark's own data set ("roster-city" -> epigrid_bench_roster_city)."""
    return "epigrid_bench_" + name.replace("-", "_")


def own_env(db: str, size: str, name: str, *, port: int = 8765) -> dict[str, str]:
    """``env_for`` a demo size, but in a data directory / database of the benchmark's own (``name``)."""
    env = env_for(db, size, port=port)
    env["EPIGRID_DATA_DIR"] = str(DATA / f"{db}-{name}")
    if db == "postgres":
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_name(name)}"
    return env


def empty_database(db: str, name: str) -> None:
    """Start a benchmark's own data set afresh: a new PostgreSQL database, or no SQLite file."""
    if db == "postgres":
        ensure_pg_database(pg_name(name))
        return
    target = DATA / f"{db}-{name}"
    target.mkdir(parents=True, exist_ok=True)
    for file in ("epigrid.sqlite3", "epigrid.sqlite3-wal", "epigrid.sqlite3-shm"):
        (target / file).unlink(missing_ok=True)


def ensure_pg_database(name: str) -> None:
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)


def wait_for(url: str, timeout: float) -> float:
    """Poll ``url`` until it answers 200; return the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not answer within {timeout} s")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB, from /proc."""
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) / 1024 if match else 0.0


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in out.split()]
    return children + [d for c in children for d in descendants(c)]


class Session:
    """A logged-in browser-like session over HTTP on loopback."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def login(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        token = next(c.value for c in self.jar if c.name == "csrftoken")
        data = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        )
        request = urllib.request.Request(
            self.base + "/accounts/login/",
            data=data.encode(),
            headers={"Referer": self.base + "/accounts/login/"},
        )
        with self.opener.open(request, timeout=30) as response:
            response.read()
        if not any(c.name == "sessionid" for c in self.jar):
            raise RuntimeError(f"log-in as {username} failed")


@dataclass
class Timing:
    name: str
    samples: list[float]

    def row(self) -> dict[str, float | int | str]:
        ordered = sorted(self.samples)
        p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
        return {
            "page": self.name,
            "n": len(ordered),
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1),
        }


def time_get(session: Session, path: str) -> float:
    start = time.perf_counter()
    status, _ = session.get(path)
    elapsed = time.perf_counter() - start
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}")
    return elapsed


def save(name: str, payload: dict[str, object]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


async def read_http_answer(reader: asyncio.StreamReader) -> int:
    """Read one HTTP/1.1 answer (status line, headers, a Content-Length or chunked body); return the status.

    The load generators write request bytes and read answers with this in one asyncio loop: parsing
    headers with ``http.client`` needs a thread per connection and takes the CPU the server should have.
    """
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"\r\ncontent-length:")
    if at >= 0:
        end = lower.index(b"\r\n", at + 2)
        length = int(head[at + 17 : end])
        if length:
            await reader.readexactly(length)
    elif b"\r\ntransfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status

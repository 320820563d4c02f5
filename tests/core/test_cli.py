"""The `epigrid` command end to end: demo, serve and worker as real processes on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EPIGRID_", "DATABASE_URL", "DJANGO_"))}
    env.update({"EPIGRID_MODE": "demo", "EPIGRID_DATA_DIR": str(tmp_path), "EPIGRID_LOG_LEVEL": "WARNING"})
    env.update(extra)
    return env


def _wait_ok(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} never answered 200")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_demo_prepares_prints_accounts_and_serves_until_interrupted(tmp_path):
    port = _free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "demo"],
        env=_env(tmp_path, EPIGRID_PORT=str(port)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_ok(f"http://127.0.0.1:{port}/healthz", 90)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5) as response:
            assert "登录" in response.read().decode()
        children = _children(demo.pid)
        assert len(children) == 2  # the web server and the task worker
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0, output
    for username in ("hq", "town", "village", "grid", "dept", "checkpoint", "admin"):
        assert f"  {username} " in output
    assert f"http://127.0.0.1:{port}/" in output
    assert "epigrid-demo" in output
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_second_demo_run_keeps_the_data_and_is_quick(tmp_path):
    env = _env(tmp_path)
    first = subprocess.run(
        [sys.executable, "-m", "epigrid.cli", "demo", "--no-server"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "demo district loaded" in first.stdout
    second = subprocess.run(
        [sys.executable, "-m", "epigrid.cli", "demo", "--no-server"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "demo district loaded" not in second.stdout
    import sqlite3

    with sqlite3.connect(tmp_path / "epigrid.sqlite3") as db:  # WAL is a property of the file
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert (tmp_path / "demo-secret-key").exists()


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_production_commands_refuse_to_start_without_a_secret(tmp_path, command):
    env = _env(tmp_path)
    env.pop("EPIGRID_MODE")
    result = subprocess.run(
        [sys.executable, "-m", "epigrid.cli", command],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().startswith("epigrid: configuration error: EPIGRID_SECRET_KEY is not set")


def test_serve_answers_on_loopback(tmp_path):
    port = _free_port()
    env = _env(tmp_path, EPIGRID_PORT=str(port), EPIGRID_WEB_WORKERS="1")
    subprocess.run([sys.executable, "-m", "epigrid.cli", "migrate", "-v0"], env=env, check=True, timeout=120)
    server = subprocess.Popen([sys.executable, "-m", "epigrid.cli", "serve"], env=env)
    try:
        _wait_ok(f"http://127.0.0.1:{port}/healthz", 60)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/epigrid/epigrid.css", timeout=5) as r:
            assert r.status == 200 and b"--brand" in r.read()
    finally:
        server.terminate()
        server.wait(timeout=30)

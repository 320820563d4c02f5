"""Time `epigrid demo` on a fresh data folder until the server answers, and measure the web RSS.

    uv run python benchmarks/startup.py            # three cold starts, fresh folder each time

"Ready" is the first 200 from /healthz, counted from the moment the command is launched. Afterwards
the page walk of a grid worker and of the HQ runs once and the resident memory of the web process is
read from /proc. Results go to benchmarks/results/startup.json.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import statistics
import subprocess
import sys
import time

from _harness import DATA, Session, descendants, env_for, rss_mb, save, wait_for


def cold_start(port: int) -> dict[str, float]:
    env = env_for("sqlite", "startup", port=port)
    shutil.rmtree(DATA / "sqlite-startup", ignore_errors=True)
    start = time.monotonic()
    demo = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz", 120)
        ready = time.monotonic() - start
        for user in ("grid", "hq"):
            session = Session(base)
            session.login(user, "epigrid-demo")
            for _ in range(20):
                session.get("/home/")
        processes = [demo.pid, *descendants(demo.pid)]
        rss = {pid: rss_mb(pid) for pid in processes}
        return {
            "ready_seconds": round(ready, 2),
            "largest_process_rss_mb": round(max(rss.values()), 1),
            "all_process_rss_mb": round(sum(rss.values()), 1),
        }
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=20)
        except subprocess.TimeoutExpired:
            demo.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [cold_start(8790 + i) for i in range(args.runs)]
    summary = {
        "runs": runs,
        "ready_seconds_median": statistics.median(r["ready_seconds"] for r in runs),
        "largest_process_rss_mb_max": max(r["largest_process_rss_mb"] for r in runs),
    }
    save("startup", summary)
    for r in runs:
        print(r)
    ready, rss = summary["ready_seconds_median"], summary["largest_process_rss_mb_max"]
    print(f"median ready {ready} s; largest process RSS {rss} MB")


if __name__ == "__main__":
    main()

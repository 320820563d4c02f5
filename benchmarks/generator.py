"""Time the demo generator on fresh databases: people per second, per size and database.

    uv run python benchmarks/generator.py --sizes small district --db both

Each run migrates a new database (SQLite file under benchmarks/.data, or a PostgreSQL database
epigrid_bench_gen_<size>) and runs `epigrid load_demo`, which reports its own rate.
"""

from __future__ import annotations

import argparse
import re
import shutil

from _harness import DATA, ensure_pg_database, env_for, epigrid, save


def run(db: str, size: str) -> dict[str, object]:
    env = env_for(db, f"gen-{size}")
    if db == "postgres":
        name = f"epigrid_bench_gen_{size}"
        ensure_pg_database(name)
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    else:
        shutil.rmtree(DATA / f"sqlite-gen-{size}", ignore_errors=True)
    epigrid(["migrate", "-v0"], env)
    line = epigrid(["load_demo", "--size", size], env).stdout.strip().splitlines()[-1]
    match = re.search(r"in ([\d.]+) s \(([\d,]+) people/s\)", line)
    assert match, line
    visits = re.search(r"(\d+) door-to-door visits in ([\d.]+) s", line)
    return {
        "db": db,
        "size": size,
        "seconds": float(match.group(1)),
        "people_per_second": int(match.group(2).replace(",", "")),
        "visits": int(visits.group(1)) if visits else 0,
        "visit_seconds": float(visits.group(2)) if visits else 0.0,
        "line": line,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", nargs="+", default=["small", "district"], choices=["small", "district", "city"]
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    results = [run(db, size) for size in args.sizes for db in dbs]
    save("generator", {"runs": results})
    for r in results:
        print(
            f"{r['db']:<9} {r['size']:<9} {r['seconds']:>6} s {r['people_per_second']:>8,} people/s"
            f"  + {r['visits']:,} visits in {r['visit_seconds']} s"
        )


if __name__ == "__main__":
    main()

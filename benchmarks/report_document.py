"""Time the daily work report document of a town: figures, text and .docx (issue 6, target <= 1 s).

    uv run python benchmarks/report_document.py --db sqlite
    uv run python benchmarks/report_document.py --db both
    uv run python benchmarks/report_document.py --db sqlite --reuse   # skip the build

A fresh database (data directory ``benchmarks/.data/<db>-report-document`` / PostgreSQL database
``epigrid_bench_report_document``) is prepared as ``epigrid demo --size district --no-server`` does:
the district demo (300,000 people, door-to-door visits), the demo accounts, the four department lists
linked, the outbreak (observation, checks) and the cases with contacts and measures. Then the demo
town (红柳镇: 25 villages, the town account's region) gets today's daily reports (the demo's records
are written now, after yesterday's cut-off): the town's own and one per village, each with measure
counts, problems and suggestions.

Timed in this process, each phase ``--runs`` times after one cold run (median and max reported):
``gather`` (every figure and unit report: ``document_content.gather``), ``build`` (the text),
``docx`` (``write_docx``), ``document`` (the three together: what the page, the download and the CLI
do), and the whole request through Django's test client, logged in as the town officer: the preview
page and the .docx download (scope check, draft lookup, audit). The demo town has about 29,000
people; the same figures for the whole district (300,000 people: indicators, returnees, measures)
show what a town that size would cost. Results go to
benchmarks/results/report-document-<db>.json and stdout.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time

from _harness import empty_database, epigrid, own_env, save

NAME = "report-document"

PROBLEMS = [
    "防护用品严重匮乏，口罩仅够两天使用",
    "人员聚餐难以避免",
    "部分返乡人员不配合居家观察",
    "交通要道监测点不足",
    "各业务部门统计数据过于繁杂",
    "村级卡口夜间值守人员不足",
]
SUGGESTIONS = [
    "建议区政府统筹采购防护用品",
    "建议全面关停机关食堂",
    "建议公安部门协助劝导不配合人员",
    "建议增设县级交汇点监测点",
    "建议减少非必要表格和数据统计",
]


def bench_env(db: str) -> dict[str, str]:
    env = own_env(db, "district", NAME)
    env["EPIGRID_ALLOWED_HOSTS"] = "localhost,127.0.0.1,testserver"
    return env


def build(db: str, env: dict[str, str]) -> dict[str, object]:
    empty_database(db, NAME)
    start = time.monotonic()
    out = epigrid(["demo", "--size", "district", "--no-server"], env, timeout=3600).stdout
    lines = [line.strip() for line in out.splitlines() if line.strip()]
    return {"build_seconds": round(time.monotonic() - start, 1), "demo": lines[:4]}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()


def add_unit_reports(day: dt.date) -> tuple[object, int]:
    """Give the demo town and each of its villages a current daily report of ``day``."""
    from django.utils import timezone

    from epigrid.core.models import User
    from epigrid.regions.models import Region
    from epigrid.reports.models import UnitReport

    officer = User.objects.get(username="town")
    town = Region.objects.get(assignments__user=officer)
    villages = list(Region.objects.filter(parent=town).order_by("code"))
    rng = random.Random(6)
    UnitReport.objects.filter(region__in=[town, *villages], day=day).delete()
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(17, 30)))
    rows = []
    for unit in [town, *villages]:
        measures = {
            "notices": rng.randint(5, 40),
            "leaflets": rng.randint(50, 500),
            "screens": rng.randint(0, 3),
            "audio": rng.randint(0, 4),
            "loudspeakers": rng.randint(0, 6),
            "meetings": rng.randint(0, 2),
            "wechat_groups": rng.randint(1, 8),
            "disinfection": rng.randint(1, 5),
        }
        rows.append(
            UnitReport(
                region=unit,
                day=day,
                measures=measures,
                problems="\n".join(rng.sample(PROBLEMS, rng.randint(0, 3))),
                suggestions="\n".join(rng.sample(SUGGESTIONS, rng.randint(0, 2))),
                submitted_by=officer,
                submitted_at=at,
            )
        )
    UnitReport.objects.bulk_create(rows)
    return town, len(villages)


def _stats(samples: list[float]) -> dict[str, float | int]:
    return {
        "n": len(samples),
        "median_ms": round(statistics.median(samples) * 1000, 1),
        "max_ms": round(max(samples) * 1000, 1),
    }


def run(db: str, *, reuse: bool, runs: int) -> dict[str, object]:
    env = bench_env(db)
    result: dict[str, object] = {"db": db}
    if not reuse:
        result.update(build(db, env))
    setup_django(env)
    from django.test import Client
    from django.urls import reverse

    from epigrid.core.clock import local_today
    from epigrid.core.models import User
    from epigrid.lists.counts import returnee_counts
    from epigrid.reports.document_content import FIGURE_KEYS, build_report, gather, measured
    from epigrid.reports.document_docx import write_docx
    from epigrid.reports.indicators import indicator_values, report_cutoff

    # Today: the demo's records were written now, so yesterday's 18:00 cut-off would leave them all out.
    day = local_today()
    town, villages = add_unit_reports(day)
    result.update(
        {"town": town.name, "villages": villages, "town_people": town.person_count, "day": str(day)}
    )

    phases: dict[str, list[float]] = {"gather": [], "build": [], "docx": [], "document": []}
    cold: dict[str, float] = {}
    size = 0
    for n in range(runs + 1):
        t0 = time.perf_counter()
        sources = gather(town, day)
        t1 = time.perf_counter()
        report = build_report(sources)
        t2 = time.perf_counter()
        content = write_docx(report)
        t3 = time.perf_counter()
        size = len(content)
        timings = {"gather": t1 - t0, "build": t2 - t1, "docx": t3 - t2, "document": t3 - t0}
        for key, value in timings.items():
            (cold.__setitem__(key, value) if n == 0 else phases[key].append(value))
    result["docx_bytes"] = size
    result["cold_ms"] = {key: round(value * 1000, 1) for key, value in cold.items()}
    result["in_process"] = {key: _stats(samples) for key, samples in phases.items()}

    # The demo town holds a tenth of the district; a town of 300,000 people costs what the same figures
    # cost for the whole district (the queries are grouped on the chain column, linear in rows).
    district = town.parent
    cutoff = report_cutoff(day)
    whole: list[float] = []
    for n in range(runs + 1):
        start = time.perf_counter()
        indicator_values(district, cutoff, FIGURE_KEYS)
        returnee_counts(region=district, as_of=cutoff)
        measured(district, cutoff)
        if n:
            whole.append(time.perf_counter() - start)
    result["figures_300k"] = {"region": district.name, "people": district.person_count, **_stats(whole)}

    client = Client()
    client.force_login(User.objects.get(username="town"))
    pages = {
        "page": reverse("reports:document:page", args=[town.pk, day.isoformat()]),
        "docx_download": reverse("reports:document:docx", args=[town.pk, day.isoformat()]),
    }
    requests: dict[str, list[float]] = {name: [] for name in pages}
    for n in range(runs + 1):
        for name, url in pages.items():
            start = time.perf_counter()
            response = client.get(url)
            elapsed = time.perf_counter() - start
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} answered {response.status_code}")
            if n:
                requests[name].append(elapsed)
    result["requests"] = {name: _stats(samples) for name, samples in requests.items()}
    save(f"{NAME}-{db}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--reuse", action="store_true", help="time an already built database")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        if len(dbs) > 1:  # one process per database: Django is set up once per process
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    db,
                    "--runs",
                    str(args.runs),
                    *(["--reuse"] if args.reuse else []),
                ],
                check=True,
            )
            continue
        result = run(db, reuse=args.reuse, runs=args.runs)
        print(
            f"\n{db}: {result['town']} ({result['villages']} villages, {result['town_people']} people), "
            f"day {result['day']}, .docx {result['docx_bytes']:,} bytes"
        )
        print(f"{'phase':<16} {'cold ms':>8} {'median ms':>10} {'max ms':>8}")
        for key, row in result["in_process"].items():  # type: ignore[attr-defined]
            print(f"{key:<16} {result['cold_ms'][key]:>8} {row['median_ms']:>10} {row['max_ms']:>8}")  # type: ignore[index]
        for key, row in result["requests"].items():  # type: ignore[attr-defined]
            print(f"{'GET ' + key:<16} {'':>8} {row['median_ms']:>10} {row['max_ms']:>8}")
        whole = result["figures_300k"]
        print(
            f"figures of {whole['region']} ({whole['people']} people): median {whole['median_ms']} ms, "  # type: ignore[index]
            f"max {whole['max_ms']} ms"  # type: ignore[index]
        )


if __name__ == "__main__":
    main()

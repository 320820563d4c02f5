"""Time transmission chains: 5,000 cases and 20,000 contacts, computed and drawn (issue 5).

    uv run python benchmarks/chains.py --db sqlite
    uv run python benchmarks/chains.py --db both
    uv run python benchmarks/chains.py --db postgres --reuse   # skip the build and the fill

A fresh database (its own data directory / PostgreSQL database ``epigrid_bench_chains``) gets the
district demo (300,000 people) and then, written with ``core.bulk.TableWriter``, 5,000 cases and
20,000 contact records among its people (SORMAS's chain graph never rendered at 4,746 cases and 18,943
contacts). Clusters follow a heavy-tailed size distribution: one of about 500 people, five of 100–250,
then clusters whose number of cases is geometric (most cases sporadic, a few dozen clusters of 5–20
cases); each case names about four contacts (Poisson), one in ten already named by another case of its
cluster; members live mostly in one town. Every contact person is classified as a close contact, as
``cases.contacts.contact_register`` does, so about 20,000 people have a case status.

Timed: (1) in this process, ``chains.load_graph`` (every chain: two queries and the algorithm), split
into the queries and ``compute_chains``; ``chains.load_component`` of the biggest cluster (what its
chain page reads: one query per generation, then the statuses); the SVG of the biggest cluster;
(2) over HTTP against ``epigrid serve`` (granian, 2 workers), logged in as the district HQ: the biggest
cluster's chain page (everything: its component, chain, names, SVG, template), the cluster list (every
chain) and the cluster's JSON. Results go to benchmarks/results/chains-<db>.json and stdout.
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

from _harness import Session, Timing, empty_database, epigrid, own_env, save, time_get, wait_for

CASES = 5_000
CONTACTS = 20_000
BIG = 500  # people in the biggest cluster
PORT = 8771
NAME = "chains"
START = dt.date(2020, 1, 1)


def chains_env(db: str) -> dict[str, str]:
    return own_env(db, "district", NAME, port=PORT + (db == "postgres"))


def build(db: str, env: dict[str, str]) -> dict[str, object]:
    empty_database(db, NAME)
    start = time.monotonic()
    epigrid(["migrate", "-v0"], env)
    out = epigrid(["load_demo", "--size", "district", "--yes"], env).stdout.strip()
    return {"build_seconds": round(time.monotonic() - start, 1), "load_demo": out.splitlines()[-1]}


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "epigrid.settings"
    import django

    django.setup()


def _cluster_plan(rng: random.Random) -> list[tuple[int, int]]:
    """Return (cases, contact edges) per cluster: the big one, five large ones, then small ones."""
    plan = [(90, round((BIG - 90) / 0.9))]  # one contact edge in ten names someone already named
    for cases in (45, 40, 35, 30, 25):
        plan.append((cases, cases * 5))
    left = CASES - sum(c for c, _ in plan)
    small: list[int] = []
    while left > 0:
        cases = 1
        while rng.random() < 0.45 and cases < 20:  # geometric: 55 % sporadic, a long tail to 20
            cases += 1
        cases = min(cases, left)
        small.append(cases)
        left -= cases
    used = sum(c - 1 for c, _ in plan) + sum(e for _, e in plan) + sum(c - 1 for c in small)
    budget = CONTACTS - used
    # Each remaining contact edge goes to a case of the small clusters chosen uniformly: Poisson per case.
    per_cluster = [0] * len(small)
    owners = [i for i, c in enumerate(small) for _ in range(c)]
    for _ in range(budget):
        per_cluster[rng.choice(owners)] += 1
    return plan + list(zip(small, per_cluster, strict=True))


def fill(seed: int = 5) -> dict[str, object]:
    """Write the cases, the contacts' statuses and the contact records (one transaction)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from epigrid.cases.models import CaseStatus, Classification, Contact
    from epigrid.core.bulk import TableWriter
    from epigrid.people.models import Person

    started = time.monotonic()
    rng = random.Random(seed)
    by_town: dict[int, list[tuple[int, ...]]] = {}
    rows = Person.objects.filter(grid_id__isnull=False, merged_into__isnull=True).values_list(
        "pk", "district_id", "town_id", "village_id", "grid_id"
    )
    for row in rows.iterator(chunk_size=20_000):
        by_town.setdefault(row[2], []).append(row)
    towns = sorted(by_town)
    for people in by_town.values():
        rng.shuffle(people)
    taken: set[int] = set()

    def draw(town: int) -> tuple[int, ...]:
        pool = by_town[town if rng.random() < 0.8 else rng.choice(towns)]
        while True:
            row = pool.pop()
            if row[0] not in taken:
                taken.add(row[0])
                return row

    moment = timezone.now()
    statuses: list[tuple[object, ...]] = []
    edges: list[tuple[object, ...]] = []
    settings = [s for s, _ in Contact.Setting.choices]
    weights = [35, 20, 15, 10, 5, 15]
    case_classes = [Classification.CONFIRMED] * 60 + [Classification.ASYMPTOMATIC] * 15
    case_classes += [Classification.CLINICAL] * 5 + [Classification.SUSPECTED] * 10
    case_classes += [Classification.RECOVERED] * 9 + [Classification.DIED] * 1
    for n_cases, n_contacts in _cluster_plan(rng):
        town = rng.choice(towns)
        first = START + dt.timedelta(days=rng.randint(0, 50))
        cases: list[tuple[tuple[int, ...], dt.date]] = []
        for i in range(n_cases):
            person = draw(town)
            parent = cases[rng.randrange(len(cases))] if cases else None
            onset = first if parent is None else parent[1] + dt.timedelta(days=rng.randint(2, 7))
            cls = Classification.CONFIRMED if i == 0 else rng.choice(case_classes)
            shown_onset = None if cls == Classification.ASYMPTOMATIC else onset
            reported = onset + dt.timedelta(days=rng.randint(1, 4))
            imported = parent is None and rng.random() < 0.1  # an imported case starts a cluster
            statuses.append((person[0], cls, moment, *person[1:], shown_onset, reported, imported, moment))
            if parent is not None:
                edges.append(
                    (parent[0][0], person[0], rng.choices(settings, weights)[0], onset, moment, "流调")
                )
            cases.append((person, onset))
        named: list[int] = []
        pairs = {(e[0], e[1]) for e in edges[-n_cases:]}
        for _ in range(n_contacts):
            case, onset = rng.choice(cases)
            last = onset + dt.timedelta(days=rng.randint(-1, 2))
            other = 0
            if named and rng.random() < 0.1:
                candidate = rng.choice(named)
                if (case[0], candidate) not in pairs and candidate != case[0]:
                    other = candidate
            if not other:
                person = draw(town)
                other = person[0]
                named.append(other)
                statuses.append(
                    (other, Classification.CLOSE_CONTACT, moment, *person[1:], None, None, False, moment)
                )
            pairs.add((case[0], other))
            edges.append((case[0], other, rng.choices(settings, weights)[0], last, moment, "流调"))
    status_columns = [
        "person_id", "classification", "since", "district_id", "town_id", "village_id", "grid_id",
        "onset_date", "reported_on", "imported", "updated_at",
    ]  # fmt: skip
    with transaction.atomic():
        writer = TableWriter(CaseStatus, status_columns)
        writer.rows = statuses
        writer.flush()
        writer = TableWriter(
            Contact, ["case_id", "contact_id", "setting", "last_exposure", "created_at", "source"]
        )
        writer.rows = edges
        writer.flush()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return {"fill_seconds": round(time.monotonic() - started, 1), **counts()}


def counts() -> dict[str, int]:
    from epigrid.cases.chains import INDEX_CLASSES
    from epigrid.cases.models import CaseStatus, Contact

    return {
        "cases": CaseStatus.objects.filter(classification__in=[*INDEX_CLASSES, "suspected"]).count(),
        "case_statuses": CaseStatus.objects.count(),
        "contacts": Contact.objects.count(),
    }


def hq_user() -> None:
    from epigrid.core.models import User
    from epigrid.core.roles import Role
    from epigrid.regions.models import Level, Region
    from epigrid.regions.services import assignment_add

    user = User.objects.filter(username="hq").first()
    if user is None:
        # The demo accounts' shared password (README), on a benchmark database only.
        user = User.objects.create_user(username="hq", password="epigrid-demo", role=Role.DISTRICT_HQ)  # noqa: S106
    for district in Region.objects.filter(level=Level.DISTRICT):
        assignment_add(user=user, region=district)


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 1),
        "min_ms": round(ordered[0] * 1000, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
    }


def in_process(repeat: int) -> tuple[dict[str, object], int]:
    """Time the loader, the algorithm and the biggest cluster's SVG in this process."""
    from django.db import connection

    from epigrid.cases.chain_svg import NodeLabel, render_chain_svg
    from epigrid.cases.chains import compute_chains, load_component, load_graph, load_rows

    total, queries, algorithm, svg, component = [], [], [], [], []
    graph = load_graph()
    for _ in range(repeat):
        t0 = time.perf_counter()
        graph = load_graph()
        total.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        nodes, edge_rows = load_rows()
        queries.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        compute_chains(nodes, edge_rows)
        algorithm.append(time.perf_counter() - t0)
        biggest = graph.clusters[0]
        t0 = time.perf_counter()
        load_component(biggest.index_id)
        component.append(time.perf_counter() - t0)
        labels = {
            p: NodeLabel(text="张*", title=f"张* {p}", href=f"/cases/persons/{p}/contacts/")
            for p in biggest.members
        }
        t0 = time.perf_counter()
        render_chain_svg(biggest, graph.nodes, labels)
        svg.append(time.perf_counter() - t0)
    biggest = graph.clusters[0]
    sizes = sorted((c.size for c in graph.clusters), reverse=True)
    result = {
        "vendor": connection.vendor,
        "clusters": len(graph.clusters),
        "people_in_clusters": sum(sizes),
        "biggest_cluster": {"id": biggest.index_id, "size": biggest.size, "generations": biggest.generations,
                            "edges": len(biggest.edges)},
        "cluster_sizes_top10": sizes[:10],
        "sporadic_clusters": sum(1 for s in sizes if s <= 5),
        "load_graph": _ms(total),
        "load_rows": _ms(queries),
        "compute_chains_only": _ms(algorithm),
        "load_component_biggest": _ms(component),
        "svg_biggest": _ms(svg),
    }  # fmt: skip
    return result, biggest.index_id


def run(db: str, *, reuse: bool, repeat: int, build_db: bool = True) -> dict[str, object]:
    env = chains_env(db)
    result: dict[str, object] = {"db": db}
    if not reuse and build_db:
        result.update(build(db, env))
    setup_django(env)
    if not reuse:
        result.update(fill())
    else:
        result.update(counts())
    hq_user()
    measured, biggest = in_process(repeat)
    result["in_process"] = measured
    from django.db import connections

    connections.close_all()
    server = subprocess.Popen(
        [sys.executable, "-m", "epigrid.cli", "serve"], env={**env, "EPIGRID_WEB_WORKERS": "2"}
    )
    try:
        base = f"http://127.0.0.1:{env['EPIGRID_PORT']}"
        wait_for(base + "/healthz", 60)
        session = Session(base)
        session.login("hq", "epigrid-demo")
        paths = {
            "chain page, biggest cluster (HTML + SVG)": f"/cases/clusters/{biggest}/",
            "cluster list, first page": "/cases/clusters/",
            "cluster JSON, biggest (API)": f"/api/v1/clusters/{biggest}",
        }
        for path in paths.values():  # warm both workers
            time_get(session, path)
            time_get(session, path)
        timings = {name: Timing(name, []) for name in paths}
        for _ in range(repeat):
            for name, path in paths.items():
                timings[name].samples.append(time_get(session, path))
        _status, body = session.get(paths["chain page, biggest cluster (HTML + SVG)"])
        result["chain_page_bytes"] = len(body)
        result["pages"] = [t.row() for t in timings.values()]
    finally:
        server.terminate()
        server.wait(timeout=20)
    result["measured_at"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    save(f"chains-{db}", result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--reuse", action="store_true", help="time an already built and filled database")
    parser.add_argument(
        "--no-build", action="store_true", help="fill and time an already built district demo"
    )
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for db in dbs:
        if len(dbs) > 1:  # one process per database: Django is set up once per process
            subprocess.run(
                [sys.executable, __file__, "--db", db, "--repeat", str(args.repeat),
                 *(["--reuse"] if args.reuse else []), *(["--no-build"] if args.no_build else [])],
                check=True,
            )  # fmt: skip
            continue
        result = run(db, reuse=args.reuse, repeat=args.repeat, build_db=not args.no_build)
        inner = result["in_process"]
        print(f"\n{db}: {result.get('cases')} cases, {result.get('contacts')} contacts")
        for key in (
            "load_graph",
            "load_rows",
            "compute_chains_only",
            "load_component_biggest",
            "svg_biggest",
        ):
            print(f"{key:<40} {inner[key]}")  # type: ignore[index]
        print(f"{'biggest cluster':<40} {inner['biggest_cluster']}")  # type: ignore[index]
        print(f"{'page':<44} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for row in result["pages"]:  # type: ignore[attr-defined]
            print(f"{row['page']:<44} {row['n']:>5} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8}")


if __name__ == "__main__":
    main()

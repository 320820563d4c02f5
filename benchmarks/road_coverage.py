"""Time the road coverage analysis (epigrid.lib.roadnet) on a synthetic district of 50,000 road edges.

    uv run python benchmarks/road_coverage.py                 # 50,000 edges, seed 1, 5 runs
    uv run python benchmarks/road_coverage.py --edges 100000 --runs 3

The district comes from epigrid.lib.roadnet_synth.synthetic_district (deterministic for a seed),
written to GeoJSON strings first. Measured: parse_roads + parse_boundary of those strings, and
analyse (network, boundary entries, point snapping, coverage, minimum cut). Target: <= 2 s each.
Results go to benchmarks/results/road-coverage.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time

from _harness import save

from epigrid.lib.roadnet import parse_boundary, parse_roads
from epigrid.lib.roadnet_cover import analyse
from epigrid.lib.roadnet_svg import render_svg
from epigrid.lib.roadnet_synth import synthetic_district


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--edges", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    district = synthetic_district(args.seed, args.edges)
    roads_text = json.dumps(district.roads, ensure_ascii=False)
    boundary_text = json.dumps(district.boundary, ensure_ascii=False)

    parse_times: list[float] = []
    analyse_times: list[float] = []
    svg_times: list[float] = []
    for _ in range(args.runs):
        start = time.perf_counter()
        roads = parse_roads(roads_text)
        boundary = parse_boundary(boundary_text)
        parse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        coverage = analyse(roads, boundary, district.points)
        analyse_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        svg = render_svg(roads, boundary, coverage)
        svg_times.append(time.perf_counter() - start)

    def stats(values: list[float]) -> dict[str, float]:
        return {"best_s": round(min(values), 3), "median_s": round(statistics.median(values), 3)}

    payload: dict[str, object] = {
        "seed": args.seed,
        "runs": args.runs,
        "python": platform.python_version(),
        "geojson_bytes": len(roads_text.encode()),
        "road_features": len(roads.roads),
        "edges": coverage.edges,
        "nodes": coverage.nodes,
        "junctions": coverage.junctions,
        "inside_edges": coverage.inside_edges,
        "entries": len(coverage.entries),
        "blind_spots": len(coverage.blind_spots),
        "dead_ends": sum(1 for e in coverage.entries if e.dead_end),
        "proposed": len(coverage.proposals),
        "points": len(district.points),
        "points_used": sum(1 for p in coverage.points if p.status == "used"),
        "svg_bytes": len(svg.encode()),
        "parse": stats(parse_times),
        "analyse": stats(analyse_times),
        "render_svg": stats(svg_times),
        "analyse_phases_ms_last_run": coverage.timings_ms,
    }
    path = save("road-coverage", payload)
    print(f"{coverage.edges:,} edges, {coverage.nodes:,} nodes, {len(coverage.entries)} entries,")
    print(f"{len(coverage.blind_spots)} blind spots, {len(coverage.proposals)} proposed points")
    print(f"{'step':<12} {'best s':>8} {'median s':>9}")
    for name, values in (("parse", parse_times), ("analyse", analyse_times), ("render_svg", svg_times)):
        print(f"{name:<12} {min(values):>8.3f} {statistics.median(values):>9.3f}")
    print(f"-> {path}")


if __name__ == "__main__":
    main()

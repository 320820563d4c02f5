"""The chain drawing: well-formed, one symbol per member, layered by generation, wrapped, deterministic."""

from __future__ import annotations

import datetime as dt
import itertools
import random
import xml.etree.ElementTree as ET

from epigrid.cases.chain_svg import COLUMNS, DX, LEFT, RIGHT, NodeLabel, layout, render_chain_svg, symbol
from epigrid.cases.chains import Edge, Node, compute_chains

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 — our own output, checked for well-formedness


def _graph(n: int, seed: int = 1):
    """A tree of ``n`` people: person 1 the index, each later person named by an earlier one."""
    rng = random.Random(seed)
    nodes = [Node(1, "confirmed", dt.date(2020, 1, 1), None, False, 1, 2, 3, 4)]
    edges = []
    for p in range(2, n + 1):
        cls = rng.choice(["close_contact", "close_contact", "confirmed", "asymptomatic", "suspected", ""])
        nodes.append(
            Node(p, cls, dt.date(2020, 1, 2) if cls == "confirmed" else None, None, False, 1, 2, 3, 4)
        )
        # Early people name many: a wide second and third generation, as a big cluster has.
        edges.append(
            Edge(rng.randint(1, max(1, min(p - 1, 1 + p // 8))), p, "household", dt.date(2020, 1, 3))
        )
    return compute_chains(nodes, edges)


def _labels(cluster, text="张*", outside=()):
    return {
        p: NodeLabel(
            text="辖区外" if p in outside else text,
            title=f"t{p}",
            href="" if p in outside else f"/x/{p}/",
            in_scope=p not in outside,
        )
        for p in cluster.members
    }


def test_well_formed_with_one_symbol_per_member_and_every_edge():
    graph = _graph(40)
    cluster = graph.clusters[0]
    root = parse(render_chain_svg(cluster, graph.nodes, _labels(cluster)))
    nodes = root.findall(f".//{SVG}g[@data-person]")
    assert len(nodes) == cluster.size == 40
    assert int(root.get("data-nodes")) == 40
    edges = root.find(f".//{SVG}g[@class='edges']")
    assert len(edges) == len(cluster.edges) == 39
    assert all(
        g.find(f"{SVG}title").text.startswith("张* → 张*：共同居住，末次接触 2020-01-03") for g in edges
    )
    assert root.find(f"{SVG}title").text == f"传播链：指示病例 张*，40 人，{cluster.generations} 代"
    links = root.findall(f".//{SVG}a")
    assert sorted(a.get("href") for a in links) == sorted(f"/x/{p}/" for p in cluster.members)


def test_generations_are_layers_from_the_top():
    graph = _graph(60)
    cluster = graph.clusters[0]
    position, tops, _cols = layout(cluster)
    for p in cluster.members:
        g = cluster.generation[p]
        y = position[p][1]
        assert tops[g] <= y and (g + 1 == len(tops) or y < tops[g + 1])
    assert position[cluster.index_id][1] == min(y for _x, y in position.values())


def test_a_cluster_of_500_wraps_and_keeps_nodes_apart():
    graph = _graph(500, seed=7)
    cluster = graph.clusters[0]
    assert cluster.size == 500
    position, _tops, cols = layout(cluster)
    assert cols == COLUMNS
    assert len(set(position.values())) == 500  # nobody drawn on top of anybody
    xs = sorted({x for x, _y in position.values()})
    assert min(b - a for a, b in itertools.pairwise(xs)) >= DX / 2 - 0.1
    svg = render_chain_svg(cluster, graph.nodes, _labels(cluster))
    root = parse(svg)
    assert int(root.get("width")) == LEFT + COLUMNS * DX + RIGHT  # about 1,400 px: scrolls, never shrinks
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert len(root.findall(f".//{SVG}g[@data-person]")) == 500
    # Every label is 11 px, drawn at its size.
    assert root.find(f".//{SVG}g[@class='nodes']").get("font-size") == "11"


def test_deterministic_and_escaped():
    graph = _graph(30)
    cluster = graph.clusters[0]
    labels = _labels(cluster, text="<&\"'>")
    first = render_chain_svg(cluster, graph.nodes, labels)
    assert first == render_chain_svg(cluster, graph.nodes, labels)
    root = parse(first)  # still well-formed
    assert "<&\"'>" in [t.text for t in root.iter(f"{SVG}text")]


def test_legend_names_the_classes_present_and_people_outside():
    nodes = [
        Node(1, "confirmed", dt.date(2020, 1, 1), None, False, 1, 2, 3, 4),
        Node(2, "asymptomatic", None, None, False, 1, 2, 3, 4),
        Node(3, "close_contact", None, None, False, 9, 8, 7, 6),
    ]
    graph = compute_chains(nodes, [Edge(1, 2, "meal", None), Edge(2, 3, "vehicle", None)])
    cluster = graph.clusters[0]
    root = parse(render_chain_svg(cluster, graph.nodes, _labels(cluster, outside={3})))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {
        "确诊病例 1",
        "无症状感染者 1",
        "密切接触者 1",
        "指示病例",
        "辖区外人员 1",
        "第1代",
        "第2代",
    } <= set(texts)
    assert "疑似病例 1" not in texts
    shapes = {g.get("data-class"): g[1].tag for g in root.findall(f".//{SVG}g[@data-person]")}
    assert shapes["asymptomatic"] == f"{SVG}a"  # linked; the symbol inside
    outside = root.find(f".//{SVG}g[@data-person='3']")
    assert outside.find(f"{SVG}a") is None and outside.find(f"{SVG}path").get("stroke-dasharray") == "3 2"
    assert "末次接触 不详" in root.find(f".//{SVG}g[@class='edges']/{SVG}g/{SVG}title").text


def test_symbol_is_a_small_svg():
    root = parse(symbol("suspected"))
    assert root.get("width") == "20" and root.find(f"{SVG}path") is not None
    assert parse(symbol("unknown-value")).find(f"{SVG}circle") is not None

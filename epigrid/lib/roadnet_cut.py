"""Minimum vertex cut by max-flow on split nodes (Dinic), for ``roadnet_cover``'s proposals."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Mapping

# ---------------------------------------------------------------------------------------------
# Minimum vertex cut (max-flow, Dinic, node splitting)
# ---------------------------------------------------------------------------------------------

_INF_CAP = 1 << 40


class _Flow:
    __slots__ = ("cap", "head", "nxt", "to")

    def __init__(self, n: int) -> None:
        self.head = [-1] * n
        self.to: list[int] = []
        self.cap: list[int] = []
        self.nxt: list[int] = []

    def add(self, u: int, v: int, c: int) -> None:
        to, cap, nxt, head = self.to, self.cap, self.nxt, self.head
        to.append(v)
        cap.append(c)
        nxt.append(head[u])
        head[u] = len(to) - 1
        to.append(u)
        cap.append(0)
        nxt.append(head[v])
        head[v] = len(to) - 1

    def max_flow(self, s: int, t: int) -> int:
        """Unit augmentations in Dinic phases (each s-t path here carries 1: node arcs have capacity 1)."""
        to, cap, nxt, head = self.to, self.cap, self.nxt, self.head
        n = len(head)
        flow = 0
        while True:
            level = [-1] * n
            level[s] = 0
            queue = deque([s])
            while queue:
                u = queue.popleft()
                e = head[u]
                while e != -1:
                    v = to[e]
                    if cap[e] > 0 and level[v] < 0:
                        level[v] = level[u] + 1
                        queue.append(v)
                    e = nxt[e]
            if level[t] < 0:
                return flow
            current = head[:]
            while True:
                path: list[int] = []
                u = s
                while u != t:
                    e = current[u]
                    lu = level[u] + 1
                    while e != -1 and not (cap[e] > 0 and level[to[e]] == lu):
                        e = nxt[e]
                    current[u] = e
                    if e == -1:
                        level[u] = -1  # dead end in this phase
                        if not path:
                            break
                        back = path.pop()
                        u = to[back ^ 1]
                        current[u] = nxt[back]
                        continue
                    path.append(e)
                    u = to[e]
                if u != t:
                    break
                for e in path:
                    cap[e] -= 1
                    cap[e ^ 1] += 1
                flow += 1

    def reachable(self, s: int) -> list[bool]:
        seen = [False] * len(self.head)
        seen[s] = True
        stack = [s]
        while stack:
            u = stack.pop()
            e = self.head[u]
            while e != -1:
                v = self.to[e]
                if self.cap[e] > 0 and not seen[v]:
                    seen[v] = True
                    stack.append(v)
                e = self.nxt[e]
        return seen


def min_vertex_cut(
    neighbours: Mapping[int, Iterable[int]] | Callable[[int], Iterable[int]],
    sources: Iterable[int],
    sinks: Iterable[int],
) -> list[int]:
    """The smallest set of nodes whose removal leaves no path from a source to a sink.

    Sources may be cut, sinks may not (a source that is a sink raises ValueError). Of the minimum
    cuts, the one nearest to the sources is returned. ``neighbours`` is an undirected graph
    (node -> adjacent nodes, both directions listed), as a mapping or a function.
    """
    adjacent: Callable[[int], Iterable[int]]
    if isinstance(neighbours, Mapping):
        mapping = neighbours

        def adjacent(u: int) -> Iterable[int]:
            return mapping.get(u, ())

    else:
        adjacent = neighbours
    sink_set = set(sinks)
    source_list = list(dict.fromkeys(sources))
    if sink_set.intersection(source_list):
        raise ValueError("a source is also a sink: no vertex cut exists")
    # the nodes reachable from the sources without passing a sink, and the sinks next to them
    local: dict[int, int] = {}
    order: list[int] = []
    for s in source_list:
        if s not in local:
            local[s] = len(order)
            order.append(s)
    k = 0
    while k < len(order):
        for w in adjacent(order[k]):
            if w not in local and w not in sink_set:
                local[w] = len(order)
                order.append(w)
        k += 1
    flow = _Flow(2 * len(order) + 2)
    source, sink = 0, 1
    for u, i in local.items():
        flow.add(2 + 2 * i, 3 + 2 * i, 1)
        for w in adjacent(u):
            if w in sink_set:
                flow.add(3 + 2 * i, sink, _INF_CAP)
            else:
                j = local.get(w)
                if j is not None and j != i:
                    flow.add(3 + 2 * i, 2 + 2 * j, _INF_CAP)
    for s in source_list:
        flow.add(source, 2 + 2 * local[s], _INF_CAP)
    value = flow.max_flow(source, sink)
    seen = flow.reachable(source)
    cut = [u for u, i in local.items() if seen[2 + 2 * i] and not seen[3 + 2 * i]]
    if len(cut) != value:  # pragma: no cover - max-flow min-cut theorem
        raise RuntimeError(f"vertex cut of {len(cut)} for a flow of {value}")
    return cut

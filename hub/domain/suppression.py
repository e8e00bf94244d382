"""Small-cell suppression for counts that leave the hub. Pure.

A table is cells (row, column) with its row totals, column totals and grand total. Primary
suppression hides every cell or total from 1 to ``threshold - 1``; complementary suppression then
hides more until no hidden value can be worked out from the published ones.

Why a graph: a table with its totals is the (R+1) x (C+1) table whose every line sums to zero (the
cells minus the line's total). Its values are the edges of a bipartite graph (rows and a "totals"
row node, columns and a "totals" column node); each line is a node whose edges sum to zero. A hidden
value is exactly derivable from the published ones iff its edge is a bridge of the graph of hidden
edges (a cut edge: no cycle of hidden edges through it lets it move). So: while a hidden edge is a
bridge, hide the published values of the cheapest cycle through it (smallest values first).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

TOTAL = "__total__"
Cell = tuple[str, str]  # (row, column); (row, TOTAL), (TOTAL, column) and (TOTAL, TOTAL) are totals


@dataclass(frozen=True)
class Suppressed:
    """A table ready to publish: ``values[(row, col)]`` is the count, or None where suppressed."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    values: dict[Cell, int | None]
    threshold: int

    def cell(self, row: str, column: str) -> int | None:
        return self.values[(row, column)]


def extended(rows: Sequence[str], columns: Sequence[str], cells: Mapping[Cell, int]) -> dict[Cell, int]:
    """Every cell (missing ones are 0) with its row, column and grand totals."""
    table = {(r, c): int(cells.get((r, c), 0)) for r in rows for c in columns}
    for r in rows:
        table[(r, TOTAL)] = sum(table[(r, c)] for c in columns)
    for c in columns:
        table[(TOTAL, c)] = sum(table[(r, c)] for r in rows)
    table[(TOTAL, TOTAL)] = sum(table[(r, TOTAL)] for r in rows)
    return table


def suppress(rows: Sequence[str], columns: Sequence[str], cells: Mapping[Cell, int], threshold: int) -> Suppressed:
    table = extended(rows, columns, cells)
    hidden = {k for k, v in table.items() if 0 < v < threshold}
    while bridge := _first_bridge(hidden):
        hidden.update(_cheapest_cycle(table, hidden, bridge))
    values = {k: (None if k in hidden else v) for k, v in table.items()}
    return Suppressed(tuple(rows), tuple(columns), values, threshold)


def derivable(hidden: set[Cell]) -> set[Cell]:
    """The hidden values that the published ones give away (the bridges of the hidden graph)."""
    return {e for e in hidden if _is_bridge(hidden, e)}


def _nodes(edge: Cell) -> tuple[str, str]:
    return "r:" + edge[0], "c:" + edge[1]


def _first_bridge(hidden: set[Cell]) -> Cell | None:
    return next((e for e in sorted(hidden) if _is_bridge(hidden, e)), None)


def _component(hidden: set[Cell], start: str, without: Cell) -> set[str]:
    """Nodes reachable from ``start`` over hidden edges other than ``without``."""
    adjacent: dict[str, list[str]] = {}
    for e in hidden - {without}:
        a, b = _nodes(e)
        adjacent.setdefault(a, []).append(b)
        adjacent.setdefault(b, []).append(a)
    seen, todo = {start}, [start]
    while todo:
        for n in adjacent.get(todo.pop(), []):
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return seen


def _is_bridge(hidden: set[Cell], edge: Cell) -> bool:
    a, b = _nodes(edge)
    return b not in _component(hidden, a, edge)


def _cheapest_cycle(table: dict[Cell, int], hidden: set[Cell], bridge: Cell) -> list[Cell]:
    """The published values to hide so that a cycle runs through ``bridge``: the cheapest path
    between its two ends over the other edges (Dijkstra), a hidden edge costing nothing, a published
    one its value (a zero costs most: hiding a zero protects nothing, it can only grow)."""
    start, goal = _nodes(bridge)
    adjacent: dict[str, list[tuple[str, Cell]]] = {}
    for k in table:
        if k != bridge:
            a, b = _nodes(k)
            adjacent.setdefault(a, []).append((b, k))
            adjacent.setdefault(b, []).append((a, k))
    best: dict[str, tuple[int, list[Cell]]] = {start: (0, [])}
    queue = [(0, start)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == goal:
            return [k for k in best[node][1] if k not in hidden]
        if cost > best[node][0]:
            continue
        for other, k in adjacent.get(node, []):
            step = 0 if k in hidden else (table[k] or _ZERO_COST)
            if other not in best or cost + step < best[other][0]:
                best[other] = (cost + step, [*best[node][1], k])
                heapq.heappush(queue, (cost + step, other))
    raise AssertionError("a table with its totals always has a cycle through every value")


_ZERO_COST = 10**9

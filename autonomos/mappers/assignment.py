"""Maximum-weight assignment (Hungarian algorithm) so each canonical field is used once per table.

Greedy picking lets the first strong-looking field steal a canonical field that another field
fits better (``Total`` vs ``SubTotal`` for ``amount``). :func:`assign` instead maximises the sum
of confidences over the whole table. Pure Python, O(n²·m) for an n×m matrix with n ≤ m, which is
tiny here (m canonical fields of one entity, usually < 20).
"""

from __future__ import annotations

import math


def _hungarian_min(cost: list[list[float]]) -> list[int]:
    """Rows ≤ columns; returns the column assigned to each row (minimum total cost)."""
    n, m = len(cost), len(cost[0])
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)  # p[j]: row (1-based) assigned to column j
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [math.inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], math.inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = cost[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    result = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def assign(scores: list[list[float]], floor: float = 0.0) -> dict[int, int]:
    """Pick at most one column per row and one row per column maximising the total score.

    ``scores[r][c]`` ≥ 0; pairs scoring ≤ ``floor`` are never returned (a row may stay
    unassigned). Returns ``{row: column}``.
    """
    if not scores or not scores[0]:
        return {}
    # Rows and columns with nothing above the floor can take part in no returned pair: the
    # assignment runs on the rest only (a 50-field table against a 60-field entity usually
    # leaves a few rows and columns: the cubic algorithm is then ~100x cheaper).
    live_rows = [r for r, row in enumerate(scores) if any(s > floor for s in row)]
    live_cols = [c for c in range(len(scores[0])) if any(scores[r][c] > floor for r in live_rows)]
    if not live_rows or not live_cols:
        return {}
    sub = [[scores[r][c] for c in live_cols] for r in live_rows]
    rows, cols = len(sub), len(sub[0])
    transpose = rows > cols
    matrix = [list(col) for col in zip(*sub)] if transpose else sub
    cost = [[-(s if s > floor else 0.0) for s in row] for row in matrix]
    picked = _hungarian_min(cost)
    out: dict[int, int] = {}
    for r, c in enumerate(picked):
        if c < 0:
            continue
        row, col = (c, r) if transpose else (r, c)
        if sub[row][col] > floor:
            out[live_rows[row]] = live_cols[col]
    return out

"""The assignment is a maximum-weight matching, also after rows and columns with nothing above
the floor are left out before the Hungarian step (the speed-up for wide tables)."""

from __future__ import annotations

import itertools
import random

from autonomos.mappers.assignment import assign


def _best_total(scores: list[list[float]], floor: float) -> float:
    rows, cols = len(scores), len(scores[0])
    best = 0.0
    if rows <= cols:
        for perm in itertools.permutations(range(cols), rows):
            best = max(best, sum(scores[r][c] for r, c in enumerate(perm) if scores[r][c] > floor))
    else:
        for perm in itertools.permutations(range(rows), cols):
            best = max(best, sum(scores[r][c] for c, r in enumerate(perm) if scores[r][c] > floor))
    return best


def test_sparse_matrices_get_the_optimal_assignment() -> None:
    rng = random.Random(11)
    for _ in range(300):
        rows, cols = rng.randint(1, 6), rng.randint(1, 6)
        scores = [[rng.choice([0.0, 0.0, 0.0, round(rng.random(), 2)]) for _ in range(cols)] for _ in range(rows)]
        floor = rng.choice([0.0, 0.3])
        picked = assign(scores, floor=floor)
        assert len(set(picked.values())) == len(picked)  # one row per column
        assert all(scores[r][c] > floor for r, c in picked.items())
        assert abs(sum(scores[r][c] for r, c in picked.items()) - _best_total(scores, floor)) < 1e-9


def test_nothing_above_the_floor_assigns_nothing() -> None:
    assert assign([[0.0, 0.1], [0.0, 0.0]], floor=0.2) == {}
    assert assign([[0.5]], floor=0.0) == {0: 0}

import itertools
import random

from autonomos.mappers.assignment import assign


def test_global_optimum_not_greedy() -> None:
    # greedy would give row 0 column 0 (0.9) and leave row 1 with 0.1
    assert assign([[0.9, 0.8], [0.85, 0.1]]) == {0: 1, 1: 0}


def test_rectangular_and_floor() -> None:
    assert assign([[0.9], [0.95], [0.2]]) == {1: 0}
    assert assign([[0.9, 0.8, 0.1]]) == {0: 0}
    assert assign([[0.3, 0.2]], floor=0.5) == {}
    assert assign([]) == {} and assign([[]]) == {}


def test_matches_brute_force() -> None:
    rng = random.Random(7)
    for _ in range(150):
        n, m = rng.randint(1, 5), rng.randint(1, 5)
        s = [[rng.random() for _ in range(m)] for _ in range(n)]
        got = assign(s)
        assert len(set(got.values())) == len(got)
        total = sum(s[r][c] for r, c in got.items())
        if n <= m:
            best = max(sum(s[i][p[i]] for i in range(n)) for p in itertools.permutations(range(m), n))
        else:
            best = max(sum(s[p[j]][j] for j in range(m)) for p in itertools.permutations(range(n), m))
        assert abs(best - total) < 1e-9

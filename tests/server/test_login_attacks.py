"""Login against the real app: an unknown account and a wrong password cannot be told apart (status,
headers, body, and time), guessing is throttled (429 with Retry-After) for known and unknown
accounts alike, and passwords are hashed with Argon2id at the documented parameters."""

from __future__ import annotations

import statistics
import time
from dataclasses import replace
from pathlib import Path

import pytest
from argon2 import extract_parameters
from litestar.testing import TestClient
from sqlalchemy import select

from autonomos.server.app import create_app
from autonomos.server.auth.passwords import PasswordHasher
from autonomos.server.db.models import User
from autonomos.server.settings import AuthSettings, Settings
from tests.server.helpers import PASSWORD, fast_auth, register

LOGIN = "/api/v1/auth/login"
VARYING_HEADERS = {"date", "content-length"}  # content-length: the instance path is the same; kept out anyway


def _attempt(c: TestClient, email: str, password: str = "wrong password 1") -> tuple[float, object]:
    start = time.perf_counter()
    r = c.post(LOGIN, data={"username": email, "password": password})
    return time.perf_counter() - start, r


def _seen(r: object) -> tuple[int, dict[str, str], dict[str, object]]:
    headers = {k: v for k, v in r.headers.items() if k.lower() not in VARYING_HEADERS}  # type: ignore[attr-defined]
    body = dict(r.json())  # type: ignore[attr-defined]
    body.pop("instance", None)
    return r.status_code, headers, body  # type: ignore[attr-defined]


def test_unknown_account_and_wrong_password_look_and_take_the_same(settings: Settings) -> None:
    """Hashing parameters heavy enough that Argon2 dominates a request (~20 ms), no throttling in
    the way; the median of 10 attempts each must agree within a tolerance. Without the dummy
    verification an unknown account answers in a fraction of the time (no hash at all)."""
    auth = fast_auth(argon2_time_cost=2, argon2_memory_cost=16 * 1024, throttle_account_failures=1000,
                     throttle_address_failures=1000)
    with TestClient(create_app(replace(settings, auth=auth))) as c:
        register(c, "Timing", "known@timing.test")
        _attempt(c, "warmup@timing.test"), _attempt(c, "known@timing.test")
        unknown, wrong = [], []
        for i in range(10):  # interleaved, so load on the machine hits both alike
            t, r_unknown = _attempt(c, f"ghost{i}@timing.test")
            unknown.append(t)
            t, r_wrong = _attempt(c, "known@timing.test")
            wrong.append(t)
            assert _seen(r_unknown) == _seen(r_wrong), (r_unknown.text, r_wrong.text)
        assert r_wrong.status_code == 401 and r_wrong.json()["detail"] == "invalid email or password"
        t_unknown, t_wrong = statistics.median(unknown), statistics.median(wrong)
        # the yardstick: one Argon2 verification on its own; a request without it (an unknown
        # account skipping the dummy check) would be that much faster, which the bound would see
        hasher = PasswordHasher(auth)
        stored = hasher.hash(PASSWORD)
        one_hash = statistics.median(_timed(lambda: hasher.verify(stored, "wrong password 1")) for _ in range(5))
        shown = f"median unknown {t_unknown * 1000:.1f} ms, wrong password {t_wrong * 1000:.1f} ms, " \
                f"one verification {one_hash * 1000:.1f} ms"
        assert one_hash > 0.4 * t_wrong, shown
        assert abs(t_unknown - t_wrong) < 0.5 * one_hash, shown


def _timed(fn: object) -> float:
    start = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - start


@pytest.mark.parametrize("account", ["known@thr.test", "ghost@thr.test"])
def test_guessing_is_throttled_with_retry_after(client: TestClient, settings: Settings, account: str) -> None:
    """The limit and its answer are the same whether the account exists or not."""
    register(client, "Thr", "known@thr.test")
    limit = settings.auth.throttle_account_failures
    codes = [_attempt(client, account, f"guess {i} wrong")[1].status_code for i in range(limit)]  # type: ignore[attr-defined]
    assert codes == [401] * limit
    _, r = _attempt(client, account, PASSWORD)  # even the right password waits
    assert r.status_code == 429, r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert r.json()["type"] == "urn:autonomos:problem:login-throttled"  # type: ignore[attr-defined]
    retry_after = int(r.headers["retry-after"])  # type: ignore[attr-defined]
    assert 0 < retry_after <= settings.auth.throttle_window
    assert f"retry in {retry_after} s" in r.json()["detail"]  # type: ignore[attr-defined]


def test_argon2id_parameters(data_dir: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The defaults (RFC 9106's second recommended option, scaled: 64 MiB, 3 passes, 4 lanes) are
    what a server without overrides hashes with, and what ends up in the stored hash."""
    for var in ("AUTONOMOS_ARGON2_TIME_COST", "AUTONOMOS_ARGON2_MEMORY_KIB", "AUTONOMOS_ARGON2_PARALLELISM"):
        monkeypatch.delenv(var, raising=False)
    defaults = AuthSettings.from_env(data_dir, embedded=True)
    assert (defaults.argon2_time_cost, defaults.argon2_memory_cost, defaults.argon2_parallelism) == (3, 65536, 4)
    stored = PasswordHasher(defaults).hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    params = extract_parameters(stored)
    assert (params.type.name, params.salt_len, params.hash_len) == ("ID", 16, 32)
    # the server stores what it is configured with (the test servers use small parameters)
    app = create_app(replace(settings, auth=fast_auth(argon2_time_cost=2, argon2_memory_cost=2048)))
    with TestClient(app) as c:
        register(c, "Hash", "h@hash.test")
    with app.state.db.system_session() as s:
        stored = s.scalar(select(User.password_hash).where(User.email == "h@hash.test"))
    assert stored.startswith("$argon2id$v=19$m=2048,t=2,p=1$") and PASSWORD not in stored

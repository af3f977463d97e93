"""Shared fixtures: an isolated data dir per test, and the installed test-plugin distribution."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own AUTONOMOS_DATA_DIR."""
    d = tmp_path / "autonomos-data"
    monkeypatch.setenv("AUTONOMOS_DATA_DIR", str(d))
    return d


@pytest.fixture(scope="session")
def test_plugins_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/plugins/autonomos_test_plugins installed (a real distribution with entry points)
    into a private folder; put it on PYTHONPATH / sys.path to make its plugins visible."""
    target = tmp_path_factory.mktemp("plugins-site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(ROOT / "tests" / "plugins" / "autonomos_test_plugins")],
        check=True, capture_output=True,
    )
    return target


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now (for servers the tests start)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float, output: "Callable[[], str] | None" = None,
              interval: float = 0.2) -> None:
    """Poll ``url`` until it answers 200; fail with the server's output if ``proc`` exits first
    or ``timeout`` seconds pass."""
    import time

    import httpx

    def out() -> str:
        if output is not None:
            return output()
        return proc.stdout.read() if proc.stdout else ""

    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert proc.poll() is None, out()
        assert time.monotonic() < deadline, f"{url} did not answer in {timeout:.0f} s: {out() if output else ''}"
        time.sleep(interval)


def stop_process(proc: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM (a graceful shutdown, as an operator would), then SIGKILL after ``timeout`` s."""
    import signal

    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def service_available(host: str, port: int) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, port: int) -> None:
    """Skip when the service is down, except under CI=true where it must run."""
    if not service_available("127.0.0.1", port):
        if IN_CI:
            pytest.fail(f"{name} on 127.0.0.1:{port} is required under CI=true but not reachable")
        pytest.skip(f"{name} not reachable on 127.0.0.1:{port}")

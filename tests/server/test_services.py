"""Issue 10, item 1: one composition root. Importing the server registers nothing; the web app
and ``autonomos worker`` get their task kinds and event hooks from ``build_services().install()``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import autonomos.server.app, autonomos.server.dcl.jobs, autonomos.server.events
from autonomos.server.tasks import registry
assert registry.task_kinds() == {}, registry.task_kinds()
assert registry._event_publisher is None and registry._task_listener is None
from autonomos.server.services import TASK_KINDS, build_services
from autonomos.server.settings import Settings
services = build_services(Settings.from_env())
from sqlalchemy.types import NullType
from autonomos.server.db.base import Base
untyped = [f"{t.name}.{c.name}" for t in Base.metadata.tables.values() for c in t.columns if isinstance(c.type, NullType)]
assert not untyped, untyped  # every foreign key found the column it references
assert not set(TASK_KINDS) & set(registry.task_kinds())  # built, not installed yet
services.install()
assert set(TASK_KINDS) <= set(registry.task_kinds()), registry.task_kinds()
assert "test.echo" in registry.task_kinds()  # AUTONOMOS_TASK_MODULES
assert registry._event_publisher is not None and registry._task_listener is not None
from autonomos.server.dcl import jobs
assert jobs.secret_key() == services.secret_key
print("ok", sorted(services.kinds))
"""


def test_importing_the_server_registers_nothing_and_install_wires_it(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "AUTONOMOS_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT),
           "AUTONOMOS_TASK_MODULES": "tests.server.tasks.kinds"}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ok" in done.stdout and "dcl.connect" in done.stdout and "test.echo" in done.stdout

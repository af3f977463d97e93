"""Connected catalogs for DCL tests, built once per session with the real engine and copied
into a test's data dir under a tenant's UUID (a catalog's files are addressed relative to its
folder, so a copy is a complete, independent catalog)."""

from __future__ import annotations

import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from autonomos.core.catalog import TenantCatalog
from autonomos.core.models import PipelineSpec, SourceSpec
from autonomos.core.pipeline.runner import Runner
from autonomos.server.dcl.jobs import demo_spec

STRIPE_ONLY = PipelineSpec(sources=[SourceSpec("stripe", "demo", {"system": "stripe"})], agents=["revops"])


def build(root: Path, spec: PipelineSpec) -> Path:
    """Run ``spec`` into a fresh catalog under ``root``; returns the tenant folder."""
    tenant = uuid.uuid4()
    catalog = TenantCatalog(tenant, data_dir=root)
    Runner(catalog).run(spec, base_dir=root, pipeline_name="fixture")
    catalog.close()
    return catalog.root


def build_demo(root: Path) -> Path:
    return build(root, demo_spec())


def install(template: Path, data_dir: Path, tenant_id: uuid.UUID) -> TenantCatalog:
    """Copy a built catalog to be ``tenant_id``'s."""
    target = data_dir / "tenants" / str(tenant_id)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(template, target)
    return TenantCatalog(tenant_id, data_dir=data_dir)


def wait_task(client: TestClient, headers: dict[str, str], task_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll ``GET /api/v1/tasks/{id}`` until the task ends."""
    deadline = time.monotonic() + timeout
    while True:
        task = client.get(f"/api/v1/tasks/{task_id}", headers=headers).json()
        if task["status"] in ("success", "failed", "cancelled"):
            return task
        assert time.monotonic() < deadline, f"task {task_id} still {task['status']} after {timeout} s"
        time.sleep(0.1)

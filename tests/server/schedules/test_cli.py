"""`autonomos schedules`: lists every organization's schedules from the server's database (TSV when
piped, --json), pauses and resumes one."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from litestar.testing import TestClient

from autonomos.cli import main
from autonomos.server.settings import Settings, get_settings
from tests.server.helpers import Tenant
from tests.server.schedules.test_schedules import sclient, tenants, upload  # noqa: F401  (fixtures)


def test_schedules_command_lists_pauses_and_resumes(sclient: TestClient, tenants: tuple[Tenant, Tenant],  # noqa: F811
                                                    settings: Settings, data_dir: Path) -> None:
    a, b = tenants
    pa = upload(sclient, a, name="daily crm")
    sclient.put(f"/api/v1/pipelines/{pa['id']}/schedule", json={"cron": "0 6 * * *", "timezone": "Europe/Berlin"},
                headers=a.headers)
    pb = upload(sclient, b, name="hourly")
    sclient.put(f"/api/v1/pipelines/{pb['id']}/schedule", json={"cron": "@hourly", "catch_up": "skip"}, headers=b.headers)
    env = {"AUTONOMOS_DATABASE_URL": settings.db.url, "AUTONOMOS_DATA_DIR": str(data_dir),
           "AUTONOMOS_JWT_SECRET": "j" * 48, "AUTONOMOS_SECRET_KEY": "k" * 48}
    get_settings.cache_clear()  # the CLI reads the settings once per process: make it this test's
    runner = CliRunner()
    r = runner.invoke(main, ["schedules"], env=env)
    assert r.exit_code == 0, r.output
    lines = [line.split("\t") for line in r.output.strip().splitlines()]
    assert lines[0][:3] == ["organization", "pipeline", "cron"]
    rows = {line[1]: line for line in lines[1:]}
    assert rows["daily crm"][:6] == ["Alpha Corp", "daily crm", "0 6 * * *", "Europe/Berlin", "once", "active"]
    assert rows["daily crm"][6].endswith("UTC)") and " 06:00 Europe/Berlin" in rows["daily crm"][6]
    assert rows["hourly"][:6] == ["Beta Corp", "hourly", "0 * * * *", "UTC", "skip", "active"]

    r = runner.invoke(main, ["schedules", "pause", "daily crm", "--org", "Alpha Corp"], env=env)
    assert r.exit_code == 0 and "daily crm: paused, next run -" in r.output, r.output
    listed = json.loads(runner.invoke(main, ["schedules", "--json", "--org", "Alpha Corp"], env=env).output)
    assert [(x["pipeline_name"], x["paused"], x["next_run_at"]) for x in listed] == [("daily crm", True, None)]
    got = sclient.get(f"/api/v1/pipelines/{pa['id']}/schedule", headers=a.headers)
    assert got.json()["paused"] is True, got.text
    r = runner.invoke(main, ["schedules", "resume", "daily crm", "--org", "Alpha Corp"], env=env)
    assert r.exit_code == 0 and "daily crm: active, next run 20" in r.output, r.output
    # another organization's pipeline name does not resolve
    r = runner.invoke(main, ["schedules", "pause", "daily crm", "--org", "Beta Corp"], env=env)
    assert r.exit_code != 0 and "Beta Corp has no pipeline 'daily crm'" in r.output
    get_settings.cache_clear()

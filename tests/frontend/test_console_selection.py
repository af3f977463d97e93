"""A column left out in the console is never stored (issue 13): a real server, the built console,
Debian Chromium. Test a `files` source's connection, leave out its `ssn` column (every cell a
sentinel) in the selection editor, save, run; then neither the column nor the sentinel is in the
source's table, any view, /dcl/query's answer, the run's log or the page. Another organization
cannot read the table.

Screenshots: test-artifacts/console/selection-*.png.
"""

from __future__ import annotations

import json

import pytest
from tests.frontend.conftest import ARTIFACTS

pytestmark = pytest.mark.slow

SENTINEL = "SENTINEL-ssn-5c1e9"
CSV = "patient_id,full_name,ssn,visits\n" + "".join(
    f"{i},Patient {i},{SENTINEL}-{i},{i * 2}\n" for i in range(1, 6))


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return signed_in("owner@selection.example", "Selection Console")


def _api(page, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    return page.context.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


def test_a_column_left_out_in_the_console_is_never_stored(page, signed_in) -> None:  # noqa: ANN001
    r = _api(page, "POST", "/api/v1/files",
             multipart={"file": {"name": "patients.csv", "mimeType": "text/csv", "buffer": CSV.encode()}})
    assert r.status == 201, r.text()
    r = _api(page, "POST", "/api/v1/sources",
             data={"name": "clinic", "connector": "files", "config": {"path": "patients.csv", "primary_key": ["patient_id"]}})
    assert r.status == 201, r.text()

    page.goto("/sources")
    card = page.get_by_test_id("stored-clinic")
    card.get_by_role("button", name="Test connection").click()
    card.get_by_test_id("test-result").wait_for()
    editor = card.get_by_test_id("selection-editor")
    editor.get_by_role("button", name="Choose columns of patients").click()
    # the key column cannot be left out; ssn can
    assert editor.get_by_label("Leave out patients.patient_id").is_disabled()
    editor.get_by_label("Leave out patients.ssn").check()
    editor.get_by_text("1 column left out").wait_for()
    page.screenshot(path=str(ARTIFACTS / "selection-desktop.png"))
    with page.expect_response(lambda r: "/api/v1/sources/" in r.url and r.request.method in ("PATCH", "PUT")) as saved:
        editor.get_by_role("button", name="Save selection").click()
    assert saved.value.ok, saved.value.text()
    card.get_by_text("Selection saved; the next run loads it.").wait_for()
    stored = next(s for s in _api(page, "GET", "/api/v1/sources").json()["items"] if s["name"] == "clinic")
    assert stored["select"]["exclude_columns"] == {"patients": ["ssn"]}, stored["select"]

    card.get_by_role("button", name="Run").click()
    card.locator("[data-testid=run-progress][data-status=success]").wait_for(timeout=90_000)
    assert "5 rows" in card.get_by_test_id("run-progress").inner_text()

    # the table: the other columns, not ssn, not the sentinel
    preview = _api(page, "GET", "/dcl/tables/src_clinic/patients/rows").json()
    assert len(preview["rows"]) == 5
    assert "full_name" in preview["columns"] and "visits" in preview["columns"]
    assert "ssn" not in preview["columns"] and SENTINEL not in json.dumps(preview)
    answer = _api(page, "POST", "/dcl/query", data={"sql": "select * from src_clinic.patients"})
    assert answer.status == 200, answer.text()
    assert answer.json()["row_count"] == 5 and "ssn" not in answer.json()["columns"]
    assert SENTINEL not in answer.text()
    asked = _api(page, "POST", "/dcl/query", data={"sql": "select ssn from src_clinic.patients"})
    assert asked.status == 422 and "ssn" in asked.text() and SENTINEL not in asked.text(), asked.text()
    # …nor in any other relation the organization can query (views, quarantine)
    relations = _api(page, "GET", "/dcl/tables").json()
    assert {"schema": "src_clinic", "name": "patients"}.items() <= next(r for r in relations if r["name"] == "patients").items()
    for rel in relations:
        rows = _api(page, "GET", f"/dcl/tables/{rel['schema']}/{rel['name']}/rows?limit=1000")
        assert rows.status == 200 and SENTINEL not in rows.text() and "ssn" not in rows.json()["columns"], rel

    # the run's log and the page the console shows
    run = _api(page, "GET", "/api/v1/runs").json()["items"][0]
    log = _api(page, "GET", f"/api/v1/runs/{run['id']}/logs?limit=1000")
    assert log.json()["items"] and SENTINEL not in log.text()
    page.goto("/runs")
    page.get_by_test_id(f"run-{run['id']}").get_by_role("button", name=f"Stages of run {run['id']}").click()
    page.locator("[data-testid=run-log] [data-testid=log-line]", has_text="run finished").wait_for()
    assert SENTINEL not in page.content()
    page.keyboard.press("Escape")

    # another organization: the table is 404, as a table that does not exist
    other = signed_in("owner@selection-other.example", "Selection Other")
    theirs = other.context.request.get("/dcl/tables/src_clinic/patients/rows")
    missing = other.context.request.get("/dcl/tables/src_nothing/patients/rows")
    assert theirs.status == missing.status == 404
    assert SENTINEL not in theirs.text()

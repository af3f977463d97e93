"""A run's log in the console (issue 13, item 4), end to end: a real server, the built console,
Debian Chromium. The demo's run opened in the Runs page's drawer shows its lines (stage, table,
level), live while it runs (run_log events on /ws/events), filtered by level from the keyboard; a
failed run's log ends with its error; another organization's run id is 404. Desktop and phone.

Screenshots: test-artifacts/console/runlog-*.png.
"""

from __future__ import annotations

import time

import pytest
from tests.frontend.conftest import ARTIFACTS, ROOT

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg = signed_in("owner@runlog.example", "Run Log Console")
    pg.frames_seen = []  # type: ignore[attr-defined]
    pg.on("websocket", lambda ws: ws.on("framereceived", lambda f: pg.frames_seen.append(str(f))))  # type: ignore[attr-defined]
    return pg


def _api(page, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    return page.context.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


def _wait_run(page, timeout: float = 120) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _api(page, "GET", "/api/v1/runs").json()["items"]
        if runs:
            return runs[0]
        time.sleep(0.1)
    raise AssertionError("no run started")


def test_the_demo_runs_log_live_and_after(page, signed_in) -> None:  # noqa: ANN001
    page.goto("/runs")
    page.get_by_role("navigation", name="Main").wait_for()
    r = _api(page, "POST", "/dcl/connect", data={"sources": ["demo"]})
    assert r.status == 202, r.text()
    run = _wait_run(page)
    row = page.get_by_test_id(f"run-{run['id']}")
    row.get_by_role("button", name=f"Stages of run {run['id']}").click()
    log = page.get_by_test_id("run-log")
    log.get_by_test_id("log-line").first.wait_for()
    mode_at_open = log.get_by_test_id("run-log-mode").inner_text()
    page.locator("[data-testid=run-log] [data-testid=log-line]", has_text="run finished").wait_for(timeout=120_000)
    if run["status"] == "running" and mode_at_open == "following live":
        assert any('"type":"run_log"' in f for f in page.frames_seen), "no run_log event came over /ws/events"
    lines = log.get_by_test_id("log-line")
    count = lines.count()
    assert count > 20, count
    text = log.inner_text()
    assert "salesforce.Account" in text and "connect" in text and "normalize" in text and "map" in text
    assert log.locator("[data-level=warning]").count() > 0  # the demo has rejected rows and notes
    assert log.get_by_test_id("run-log-mode").inner_text() == f"{count} lines"
    log.scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "runlog-desktop.png"))
    if AXE.is_file():  # no serious or critical accessibility issue in the log (contrast of the levels too)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""axe.run('[data-testid=run-log]').then(r => r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`))""")
        assert found == [], found
    log.screenshot(path=str(ARTIFACTS / "runlog-section-desktop.png"))

    # the level filter from the keyboard
    log.get_by_role("radio", name="All", exact=False).first.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("document.querySelectorAll('[data-testid=run-log] [data-level=info]').length === 0")
    assert 0 < log.get_by_test_id("log-line").count() < count

    # the same log through the API, and not for another organization
    api_lines = _api(page, "GET", f"/api/v1/runs/{run['id']}/logs?limit=1000").json()
    assert len(api_lines["items"]) == count and api_lines["complete"] is True
    other = signed_in("owner@runlog-other.example", "Run Log Other")
    assert other.context.request.get(f"/api/v1/runs/{run['id']}/logs").status == 404

    # a failed run: its log keeps what it did and ends with the error
    page.keyboard.press("Escape")
    r = _api(page, "POST", "/dcl/connect",
             data={"sources": [{"name": "gone", "connector": "files", "config": {"path": "missing.csv"}}]})
    assert r.status == 202, r.text()
    deadline = time.monotonic() + 120
    while (failed := _api(page, "GET", "/api/v1/runs").json()["items"][0])["id"] == run["id"] or failed["status"] == "running":
        assert time.monotonic() < deadline, "the failing run did not finish"
        time.sleep(0.2)
    assert failed["status"] == "failed"
    page.goto("/runs")
    page.get_by_test_id(f"run-{failed['id']}").get_by_role("button", name=f"Stages of run {failed['id']}").click()
    last = page.locator("[data-testid=run-log] [data-testid=log-line]").last
    last.wait_for()
    page.wait_for_function("""() => { const l = [...document.querySelectorAll('[data-testid=run-log] [data-testid=log-line]')];
        return l.length && l[l.length - 1].textContent.includes('run failed'); }""")
    assert last.get_attribute("data-level") == "error" and "missing.csv" in last.inner_text()
    page.get_by_test_id("run-log").screenshot(path=str(ARTIFACTS / "runlog-failed-desktop.png"))
    page.keyboard.press("Escape")

    # phone width: the drawer from the bottom, no sideways scroll
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/runs")
    page.get_by_test_id(f"run-{run['id']}").get_by_role("button", name=f"Stages of run {run['id']}").click()
    page.get_by_test_id("run-log").get_by_test_id("log-line").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 391, "the page scrolls sideways on a phone"
    page.get_by_test_id("run-log").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "runlog-phone.png"))
    page.set_viewport_size({"width": 1440, "height": 900})

"""A schedule set in the console fires (issue 13): a real server, the built console, Debian Chromium.

The browser runs in New York; the schedule is every minute in Asia/Kolkata (UTC+05:30, so neither
the browser's nor UTC's clock reads the same). The "next run" shown is that tick in Kolkata time,
with the browser's time beside it; the tick starts a run that the Runs page (open in a second tab)
and the schedule's last result show without a reload. Another organization cannot see the schedule.

Screenshots: test-artifacts/console/schedules-*.png.
"""

from __future__ import annotations

import datetime as dt
import time
from zoneinfo import ZoneInfo

import pytest
from tests.frontend.conftest import ARTIFACTS, PASSWORD

pytestmark = pytest.mark.slow

ZONE = "Asia/Kolkata"
BROWSER_ZONE = "America/New_York"
PIPELINE = """sources:
  - {name: hubspot, connector: demo, config: {system: hubspot}}
"""


@pytest.fixture(scope="module")
def context(browser, server: str):  # noqa: ANN001, ANN201
    """A desktop context in New York, signed in as the owner of a new organization."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server, timezone_id=BROWSER_ZONE)
    email = "owner@schedules.example"
    assert ctx.request.post("/api/v1/auth/register", data={"organization": "Schedules Console", "email": email,
                                                             "password": PASSWORD}).status == 201
    assert ctx.request.post("/api/v1/auth/login", form={"username": email, "password": PASSWORD}).status == 200
    yield ctx
    ctx.close()


def _api(ctx, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    csrf = next((c["value"] for c in ctx.cookies() if c["name"] == "csrftoken"), "")
    return ctx.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


def _hm(iso: str, zone: str) -> str:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(ZoneInfo(zone)).strftime("%H:%M")


def test_a_schedule_set_in_the_console_fires_and_shows_its_run(context, signed_in) -> None:  # noqa: ANN001
    started = time.monotonic()
    r = _api(context, "POST", "/api/v1/pipelines", data={"name": "every-minute", "yaml": PIPELINE})
    assert r.status == 201, r.text()
    pipeline_id = r.json()["id"]

    runs_tab = context.new_page()
    runs_tab.set_default_timeout(20_000)
    runs_tab.goto("/runs")
    runs_tab.get_by_role("navigation", name="Main").wait_for()
    assert runs_tab.get_by_test_id("runs").locator("[data-testid^=run-]").count() == 0

    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto("/pipelines")
    page.get_by_role("navigation", name="Stored pipelines").get_by_text("every-minute").click()
    editor = page.get_by_test_id("schedule-editor")
    editor.get_by_text("not scheduled").wait_for()
    editor.get_by_label("Cron").fill("* * * * *")
    editor.get_by_label("Time zone").fill(ZONE)
    page.keyboard.press("Escape")  # close the zone suggestions
    preview = editor.get_by_test_id("schedule-preview")
    preview.wait_for()
    editor.get_by_role("button", name="Schedule", exact=True).click()
    nxt = editor.get_by_test_id("schedule-next")
    nxt.wait_for()

    stored = _api(context, "GET", f"/api/v1/pipelines/{pipeline_id}/schedule").json()
    assert stored["cron"] == "* * * * *" and stored["timezone"] == ZONE and stored["paused"] is False
    tick = stored["next_run_at"]
    # the next run in the schedule's zone, the browser's own time beside it
    text = nxt.inner_text()
    assert f"{_hm(tick, ZONE)} {ZONE}" in text, text
    assert f"{_hm(tick, BROWSER_ZONE)} your time)" in text, text
    assert _hm(tick, ZONE) != _hm(tick, BROWSER_ZONE)
    assert _hm(stored["upcoming"][0], ZONE) in preview.inner_text()
    page.get_by_role("navigation", name="Stored pipelines").get_by_text(f"* * * * * {ZONE}").wait_for()
    page.screenshot(path=str(ARTIFACTS / "schedules-set-desktop.png"))

    # the tick (at most a minute away, the maintenance thread looks every 5 s) starts the run
    last = editor.get_by_test_id("schedule-last")
    last.get_by_text("success").wait_for(timeout=85_000)
    after = _api(context, "GET", f"/api/v1/pipelines/{pipeline_id}/schedule").json()
    assert after["runs_started"] == 1 and after["last_status"] == "success" and after["last_tick_at"] == tick
    assert f"{_hm(tick, ZONE)} {ZONE}" in last.inner_text() and last.inner_text().startswith("Last tick")
    assert "1 scheduled run started" in editor.inner_text()
    assert after["next_run_at"] > tick and f"{_hm(after['next_run_at'], ZONE)} {ZONE}" in nxt.inner_text()
    page.screenshot(path=str(ARTIFACTS / "schedules-fired-desktop.png"))

    # the Runs tab, never reloaded, shows the scheduled run
    runs = _api(context, "GET", "/api/v1/runs").json()["items"]
    assert len(runs) == 1 and runs[0]["status"] == "success", runs
    runs_tab.get_by_test_id(f"run-{runs[0]['id']}").wait_for(timeout=20_000)
    runs_tab.screenshot(path=str(ARTIFACTS / "schedules-runs-desktop.png"))

    # another organization: the schedule is 404, like one that does not exist
    other = signed_in("owner@schedules-other.example", "Schedules Other")
    theirs = other.context.request.get(f"/api/v1/pipelines/{pipeline_id}/schedule")
    missing = other.context.request.get("/api/v1/pipelines/00000000-0000-0000-0000-000000000000/schedule")
    assert theirs.status == missing.status == 404
    assert other.context.request.get("/api/v1/schedules").json()["items"] == []

    # paused from the console: no next run
    editor.get_by_role("button", name="Pause").click()
    nxt.get_by_text("No next run while paused.").wait_for()
    assert time.monotonic() - started < 90, "the schedule test took too long"

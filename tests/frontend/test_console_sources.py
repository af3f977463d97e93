"""The console's Sources page end to end (real server, real PostgreSQL for the SQL source,
Debian Chromium): upload a CSV, add a `files` source with the form generated from the
connector's schema, test the connection, run it and see its table; a bad config shows its
error at the field; a SQL source's password is never shown back (DOM and network); phone width.

Screenshots: test-artifacts/console/sources-*.png.
"""

from __future__ import annotations

import json
import re

import pytest
from tests.frontend.conftest import ARTIFACTS, ROOT, _missing

pytestmark = pytest.mark.slow

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SECRET = "Sup3r-S3cret-pw-9f2"
# a host that does not resolve: the server refuses its own network (AUTONOMOS_SOURCES_ALLOW_PRIVATE),
# and the test only needs the connection to fail with an error that must not carry the password
PG_URL = f"postgresql://reader:{SECRET}@warehouse.invalid:5432/analytics"
CSV = "id,name,amount\n1,Ada,10.5\n2,Bob,3\n3,Cy,7\n"


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return signed_in("owner@sources.example", "Sources Console")


def _field(dialog, key: str):  # noqa: ANN001, ANN202
    """The input of a generated field (the form marks each with data-field=<config key>)."""
    return dialog.locator(f"[data-field='{key}']")


def _open_add(page, connector: str):  # noqa: ANN001, ANN202
    page.get_by_role("button", name="Add source").click()
    dialog = page.get_by_role("dialog", name="Add a source")
    dialog.get_by_role("radio", name=connector).click()
    return dialog


def test_files_source_upload_test_and_run(page, tmp_path) -> None:  # noqa: ANN001
    page.goto("/sources")
    page.get_by_text("No sources yet.").wait_for()
    dialog = _open_add(page, "Files (CSV, JSON, Parquet)")
    # generated from the files connector's schema: path required, the rest optional
    assert _field(dialog, "path").get_attribute("aria-required") == "true"
    dialog.get_by_role("button", name=re.compile(r"Optional settings \(\d+\)")).click()
    assert _field(dialog, "header").evaluate("e => e.tagName") == "SELECT"  # a boolean the connector may decide
    assert _field(dialog, "skip_rows").is_visible()
    assert "JSON: a list of strings" in dialog.inner_text()  # primary_key (a union) as JSON with help

    csv = tmp_path / "customers.csv"
    csv.write_text(CSV)
    dialog.locator("[data-testid=file-picker] input[type=file]").set_input_files(str(csv))
    dialog.get_by_text("Uploaded customers.csv").wait_for()
    assert _field(dialog, "path").input_value() == "customers.csv"
    assert _field(dialog, "name").input_value() == "customers"
    assert "customers.csv" in dialog.get_by_label("Or choose an uploaded file").inner_text()
    page.screenshot(path=str(ARTIFACTS / "sources-add-desktop.png"))
    dialog.get_by_role("button", name="Add source").click()
    page.get_by_test_id("saved-alert").wait_for()
    assert not dialog.is_visible()

    card = page.get_by_test_id("stored-customers")
    card.get_by_role("button", name="Test connection").click()
    result = card.get_by_test_id("test-result")
    result.wait_for()
    assert "Connection OK" in result.inner_text() and "customers" in result.inner_text()

    card.get_by_role("button", name="Run").click()
    card.locator("[data-testid=run-progress][data-status=success]").wait_for(timeout=90_000)
    assert "3 rows" in card.get_by_test_id("run-progress").inner_text()
    connected = page.get_by_test_id("connected-customers")
    connected.wait_for()
    row = connected.locator("tbody tr").first.inner_text()
    assert "customers" in row and "3" in row
    assert card.get_by_role("link", name="See it in Runs").get_attribute("href") == "/runs"
    page.screenshot(path=str(ARTIFACTS / "sources-desktop-files.png"), full_page=True)


def test_bad_config_shows_the_error_at_its_field(page) -> None:  # noqa: ANN001
    page.goto("/sources")
    dialog = _open_add(page, "Files (CSV, JSON, Parquet)")
    # client side, from the schema: required
    dialog.get_by_role("button", name="Add source").click()
    path = _field(dialog, "path")
    assert path.get_attribute("aria-invalid") == "true"
    assert path.evaluate("e => e === document.activeElement"), "focus moves to the first field in error"
    # client side: a JSON field whose value does not fit the schema opens the optional fields
    dialog.get_by_role("button", name=re.compile(r"Optional settings")).click()
    _field(dialog, "primary_key").fill('"id"')
    path.fill("customers.csv")
    _field(dialog, "name").fill("bad_pk")
    dialog.get_by_role("button", name="Add source").click()
    assert _field(dialog, "primary_key").get_attribute("aria-invalid") == "true"
    assert "Expected a list of strings or an object" in dialog.inner_text()
    _field(dialog, "primary_key").fill("")
    # server side (the file-area policy): 422 naming config.path, shown at the path field
    path.fill("../outside.csv")
    _field(dialog, "name").fill("bad_path")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/sources") and r.request.method == "POST") as resp:
        dialog.get_by_role("button", name="Add source").click()
    assert resp.value.status == 422
    assert any(e["field"] == "config.path" for e in resp.value.json()["errors"])
    page.wait_for_function("document.querySelector(\"[data-field='path']\").getAttribute('aria-invalid') === 'true'")
    error_id = path.get_attribute("aria-describedby") or ""
    described = " ".join(page.locator(f"[id='{i}']").inner_text() for i in error_id.split() if page.locator(f"[id='{i}']").count())
    assert "must not contain '..'" in described.lower(), described
    page.screenshot(path=str(ARTIFACTS / "sources-error-desktop.png"))
    dialog.get_by_role("button", name="Cancel").click()
    names = [s["name"] for s in page.request.get("/api/v1/sources").json()["items"]]
    assert "bad_path" not in names and "bad_pk" not in names


def test_sql_password_is_never_shown(page) -> None:  # noqa: ANN001
    bodies: list[str] = []

    def keep(resp) -> None:  # noqa: ANN001
        if "/api/" in resp.url or "/dcl/" in resp.url:
            try:
                bodies.append(resp.text())
            except Exception:  # noqa: BLE001 - a body that is gone (redirects) has no secret either
                pass

    page.on("response", keep)
    # Chromium does not expose bodies of fetch(Request) to Playwright: record what the console sends
    page.add_init_script("""(() => { const send = window.fetch; window.__sent = [];
        window.fetch = async (input, init) => { if (input instanceof Request && input.method !== 'GET')
            window.__sent.push([input.method, input.url, await input.clone().text()]); return send(input, init); }; })()""")
    page.goto("/sources")
    dialog = _open_add(page, "SQL database")
    url = _field(dialog, "url")
    assert url.get_attribute("aria-required") == "true"
    assert "password inside the URL is stored encrypted" in dialog.inner_text()
    url.fill(PG_URL)
    _field(dialog, "name").fill("warehouse")
    dialog.get_by_role("button", name="Add source").click()
    card = page.get_by_test_id("stored-warehouse")
    card.wait_for()
    assert "stored (hidden)" in card.inner_text()

    card.get_by_role("button", name="Edit warehouse").click()
    edit = page.get_by_role("dialog", name="Edit warehouse")
    url = _field(edit, "url")
    assert url.get_attribute("type") == "password" and url.input_value() == ""
    assert "stored — leave blank to keep" in (url.get_attribute("placeholder") or "")
    assert "Stored — leave blank to keep it" in edit.inner_text()
    # the optional settings start open when the source sets one of them
    assert edit.get_by_role("button", name=re.compile(r"Optional settings")).get_attribute("aria-expanded") == "true"
    _field(edit, "batch_size").fill("1000")
    page.screenshot(path=str(ARTIFACTS / "sources-edit-desktop.png"))
    edit.get_by_role("button", name="Save changes").click()
    page.get_by_test_id("saved-alert").wait_for()
    patch = page.evaluate("window.__sent.filter(([m]) => m === 'PATCH').map(([, , body]) => body)")
    assert [json.loads(b)["config"]["url"] for b in patch] == ["***"]  # "keep the stored one"
    stored = next(s for s in page.request.get("/api/v1/sources").json()["items"] if s["name"] == "warehouse")
    assert stored["config"] == {"url": "***", "batch_size": 1000, "reader": "auto"}

    card.get_by_role("button", name="Test connection").click()
    card.get_by_test_id("test-result").wait_for(timeout=40_000)
    assert "Connection failed" in card.get_by_test_id("test-result").inner_text()  # the driver's error, inline

    card.get_by_role("button", name="Edit warehouse").click()
    page.get_by_role("dialog", name="Edit warehouse").wait_for()
    assert SECRET not in page.content()
    assert bodies and not [b for b in bodies if SECRET in b], "a response carried the password"
    page.get_by_role("dialog", name="Edit warehouse").get_by_role("button", name="Cancel").click()
    page.remove_listener("response", keep)


def test_delete_asks_first(page) -> None:  # noqa: ANN001
    page.goto("/sources")
    card = page.get_by_test_id("stored-warehouse")
    card.get_by_role("button", name="Delete warehouse").click()
    confirm = page.get_by_role("dialog", name="Delete warehouse?")
    confirm.get_by_role("button", name="Cancel").click()
    assert card.is_visible()
    card.get_by_role("button", name="Delete warehouse").click()
    confirm.get_by_role("button", name="Delete").click()
    card.wait_for(state="detached")
    assert "warehouse" not in [s["name"] for s in page.request.get("/api/v1/sources").json()["items"]]


def _axe(page) -> list[str]:  # noqa: ANN001
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""axe.run().then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary).join(' | ')}`))""")


def test_phone_width_touch_targets_and_axe(signed_in) -> None:  # noqa: ANN001
    if not AXE.is_file():
        _missing(f"{AXE} missing (npm ci in frontend/)")
    phone = signed_in("phone@sources.example", "Sources Phone", viewport={"width": 390, "height": 844})
    phone.goto("/sources")
    # keyboard only: open the dialog, choose a connector with the arrow keys
    phone.get_by_role("button", name="Add source").focus()
    phone.keyboard.press("Enter")
    dialog = phone.get_by_role("dialog", name="Add a source")
    dialog.get_by_role("radio").first.focus()
    phone.keyboard.press("ArrowDown")
    checked = dialog.locator("[role=radio][aria-checked=true]")
    checked.wait_for()
    dialog.get_by_role("radio", name="Files (CSV, JSON, Parquet)").click()
    _field(dialog, "path").fill("missing.csv")
    _field(dialog, "name").fill("phone_files")
    box = dialog.bounding_box()
    assert box and box["width"] <= 391, "the dialog fills the phone screen, no sideways scroll"
    for target in [_field(dialog, "path"), _field(dialog, "name"), dialog.get_by_role("button", name="Add source"),
                   dialog.get_by_role("button", name="Upload a file")]:
        b = target.bounding_box()
        assert b and b["height"] >= 44, f"touch target under 44 px: {target}"
    assert _axe(phone) == [], "axe: the add dialog"
    phone.screenshot(path=str(ARTIFACTS / "sources-add-phone.png"))
    dialog.get_by_role("button", name="Add source").click()
    card = phone.get_by_test_id("stored-phone_files")
    card.wait_for()
    card.get_by_role("button", name="Test connection").click()
    result = card.get_by_test_id("test-result")
    result.wait_for()
    assert "Connection failed" in result.inner_text()  # the file was never uploaded: the error, inline
    for name in ("Test connection", "Run", "Edit phone_files", "Delete phone_files"):
        b = card.get_by_role("button", name=name).bounding_box()
        assert b and b["height"] >= 44 and b["width"] >= 44, name
    assert phone.evaluate("document.documentElement.scrollWidth") <= 391, "the page scrolls sideways on a phone"
    assert _axe(phone) == [], "axe: the sources page with a stored source"
    phone.screenshot(path=str(ARTIFACTS / "sources-phone.png"), full_page=True)

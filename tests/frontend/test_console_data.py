"""The console's Data page end to end (issue 13, item 3 "Data you can see"): a real server, the
built console, Debian Chromium. A CSV with one unreadable number and a table no entity maps are
connected; the Data page lists them by schema with their rows, the Rejected tab shows the raw
value and why, the SQL tab runs a query (Ctrl+Enter, row limit) and shows a bad one's error with
DuckDB's caret and the spot marked; the graph's node drawer shows a table's columns and rows;
another organization gets 404 on the same table. Desktop and phone (390 px, no sideways scroll).

Screenshots: test-artifacts/console/data-*.png.
"""

from __future__ import annotations

import time

import pytest
from tests.frontend.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.slow

# 12 rows so one unreadable value stays within the 5 % a typed column tolerates
CUSTOMERS = ("customer_id,customer_name,email,employees\n"
             + "".join(f"{i},Customer {i},c{i}@example.test,{i * 10}\n" for i in range(1, 12))
             + "12,Broken Inc,b@example.test,abc\n")
GIZMOS = "gizmo_code,flux_level,wobble\nG-1,3,yes\nG-2,5,no\nG-3,8,yes\n"
BAD_SQL = "SELECT nope FROM src_crm.customers"
AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"


def _axe(page, selector: str) -> list[str]:  # noqa: ANN001
    """Serious or critical accessibility violations inside ``selector``."""
    if not AXE.is_file():
        return []
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(f"""axe.run('{selector}').then(r => r.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => `${{v.id}} (${{v.impact}}): ${{v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}}`))""")


def _api(page, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    return page.context.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    """Signed in, with crm (customers.csv) and lab (gizmos.csv) uploaded and connected."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg = signed_in("owner@data.example", "Data Console")
    pg.goto("/data")
    pg.get_by_role("navigation", name="Main").wait_for()
    for name, body in (("customers.csv", CUSTOMERS), ("gizmos.csv", GIZMOS)):
        r = _api(pg, "POST", "/api/v1/files", multipart={"file": {"name": name, "mimeType": "text/csv",
                                                                   "buffer": body.encode()}})
        assert r.status == 201, r.text()
    for source, path in (("crm", "customers.csv"), ("lab", "gizmos.csv")):
        r = _api(pg, "POST", "/api/v1/sources", data={"name": source, "connector": "files", "config": {"path": path}})
        assert r.status == 201, r.text()
    r = _api(pg, "POST", "/dcl/connect", data={"sources": ["crm", "lab"]})
    assert r.status == 202, r.text()
    deadline = time.monotonic() + 120
    while (task := _api(pg, "GET", f"/api/v1/tasks/{r.json()['id']}").json())["status"] not in ("success", "failed"):
        assert time.monotonic() < deadline, task
        time.sleep(0.2)
    assert task["status"] == "success", task
    return pg


def test_browse_rejected_and_sql(page, signed_in) -> None:  # noqa: ANN001
    page.goto("/data")
    tables = page.get_by_role("navigation", name="Tables")
    for group in ("Unified views", "src_crm", "src_lab", "Quarantine"):
        tables.get_by_role("group", name=group).wait_for()
    assert "1 rejected" in tables.get_by_test_id("table-src_crm.customers").text_content()  # a badge: CSS capitals
    tables.get_by_test_id("table-src_lab.gizmos").click()  # unmapped: browsable all the same
    page.get_by_test_id("table-title").filter(has_text="src_lab.gizmos").wait_for()
    page.get_by_test_id("table-rows").filter(has_text="G-3").wait_for()

    tables.get_by_test_id("table-src_crm.customers").click()
    grid = page.get_by_test_id("table-rows").filter(has_text="Broken Inc")
    grid.wait_for()
    headers = grid.get_by_role("columnheader").all_inner_texts()
    assert any(h.replace("\n", " ").startswith("employees") and "BIGINT" in h for h in headers), headers
    assert "1–12 of 12 rows" in page.get_by_test_id("pager").inner_text()
    page.screenshot(path=str(ARTIFACTS / "data-desktop.png"))
    assert _axe(page, "main") == []

    page.get_by_role("tab", name="Rejected").click()
    row = page.get_by_test_id("rejected-row")
    row.wait_for()
    assert row.get_by_test_id("raw-value").inner_text() == "abc"
    text = row.text_content()
    assert "employees" in text and "cannot read abc as BIGINT" in text and "row kept, value set to null" in text
    page.get_by_test_id("rejected").screenshot(path=str(ARTIFACTS / "data-rejected-desktop.png"))
    found = _axe(page, "main")
    assert found == [], "\n".join(found)
    tables.get_by_test_id("table-src_lab.gizmos").click()
    page.get_by_test_id("nothing-rejected").wait_for()
    tables.get_by_test_id("table-src_crm.customers").click()

    page.get_by_role("tab", name="SQL").click()
    editor = page.get_by_test_id("sql-console").locator("textarea")
    assert editor.input_value() == "SELECT * FROM src_crm.customers LIMIT 100"
    editor.fill("SELECT customer_id, customer_name FROM src_crm.customers ORDER BY customer_id")
    page.get_by_role("textbox", name="Row limit").fill("5")
    editor.press("Control+Enter")
    results = page.get_by_test_id("sql-results")
    results.wait_for()
    assert results.get_by_role("row").count() == 6  # the header and the 5 rows of the limit
    assert "Customer 5" in results.inner_text() and "Customer 6" not in results.inner_text()
    assert "stopped at the limit of 5" in page.get_by_test_id("sql-summary").inner_text()

    editor.fill(BAD_SQL)
    page.get_by_role("button", name="Run").click()
    detail = page.get_by_test_id("sql-error-detail")
    detail.wait_for()
    lines = detail.inner_text().splitlines()
    assert lines[0].startswith("Binder Error") and lines[1] == f"LINE 1: {BAD_SQL}", lines
    assert lines[2].index("^") == len("LINE 1: SELECT "), lines  # the caret under "nope", spaces kept
    assert page.get_by_test_id("sql-error-position").text_content() == "line 1, column 8"
    assert page.get_by_test_id("sql-error-mark").locator("mark").inner_text() == "n"
    assert page.get_by_test_id("sql-error-detail").evaluate("e => getComputedStyle(e).whiteSpace") == "pre"
    page.get_by_role("button", name="Show in editor").click()
    assert editor.evaluate("e => [e.selectionStart, e.selectionEnd, document.activeElement === e]") == [7, 8, True]
    page.get_by_test_id("sql-console").screenshot(path=str(ARTIFACTS / "data-sql-error-desktop.png"))
    assert _axe(page, "main") == []

    # another organization: the same table's address is a 404, as a missing one is
    other = signed_in("owner@data-other.example", "Data Other").context.request
    missing = other.get("/dcl/tables/src_crm/no_such_table/rows")
    for path in ("/dcl/tables/src_crm/customers/rows", "/dcl/tables/src_crm/customers/rejected"):
        r = other.get(path)
        assert (r.status, r.json()["detail"]) == (missing.status, missing.json()["detail"]) == (404, "table not found")
    assert other.get("/dcl/tables").json() == []


def test_node_drawer_shows_columns_and_rows(page) -> None:  # noqa: ANN001
    page.goto("/")
    node = page.locator("[data-testid='node-table:crm.customers']")
    node.wait_for(timeout=60_000)
    node.click()
    drawer = page.get_by_test_id("node-drawer")
    columns = drawer.get_by_test_id("node-columns")
    columns.wait_for()
    text = columns.inner_text()
    assert "employees" in text and "BIGINT" in text and "customer_name" in text
    assert "Customer 1" in drawer.get_by_test_id("node-rows").inner_text()
    # the screenshot once the drawer has slid in
    page.wait_for_function("""() => { const d = document.querySelector('.mantine-Drawer-content');
        return d && getComputedStyle(d).opacity === '1' && Math.abs(d.getBoundingClientRect().right - innerWidth) < 1; }""")
    page.screenshot(path=str(ARTIFACTS / "data-node-drawer-desktop.png"))
    drawer.get_by_role("link", name="Open in Data").click()
    page.get_by_test_id("table-title").filter(has_text="src_crm.customers").wait_for()
    page.keyboard.press("Escape")


def test_phone_width(page) -> None:  # noqa: ANN001
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto("/data?table=src_crm.customers")
        page.get_by_test_id("table-rows").filter(has_text="Broken Inc").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 391, "the page scrolls sideways on a phone"
        page.screenshot(path=str(ARTIFACTS / "data-phone.png"), full_page=True)
        page.get_by_role("tab", name="Rejected").click()
        page.get_by_test_id("rejected-row").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 391
        page.get_by_role("tab", name="SQL").click()
        editor = page.get_by_test_id("sql-console").locator("textarea")
        editor.fill(BAD_SQL)
        editor.press("Control+Enter")
        page.get_by_test_id("sql-error-detail").wait_for()
        assert page.evaluate("document.documentElement.scrollWidth") <= 391, "a long error line widens the page"
        page.get_by_test_id("sql-console").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "data-sql-phone.png"), full_page=True)
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})

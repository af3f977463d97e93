"""Every console page at desktop (1280x800) and phone (390x844) width, with the demo connected
(issue 13): a real server, the built console, Debian Chromium. Screenshots of each page go to
test-artifacts/console/pages/<page>-<desktop|phone>.png (the pages are the ones
frontend/src/app/nav.ts lists when the test runs), and the rough edges the issue listed are
checked where a person would see them:

* no page scrolls sideways; the graph's node text is at least 11 px on screen, also on a phone;
  the legend covers no node; the layout is the same after another run;
* Review: an invalid Edit says its error once; the confidence badge shows its whole figure;
* after a decision and another run, Overview's Learning panel still lists the decision and its
  Narration says what the last run did (not "Waiting for the engine…");
* Sources lists the demo's six sources under "Your sources" (not "No sources yet");
* /favicon.ico exists.
"""

from __future__ import annotations

import re
import time

import pytest
from tests.frontend.conftest import ARTIFACTS, ROOT

pytestmark = pytest.mark.slow

PAGES_DIR = ARTIFACTS / "pages"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def _nav_pages() -> list[tuple[str, str]]:
    """(path, label) of every page in the console's main navigation, in its order."""
    text = (ROOT / "frontend" / "src" / "app" / "nav.ts").read_text()
    pages = re.findall(r"to:\s*'(/[^']*)',\s*label:\s*'([^']+)'", text)
    assert len(pages) >= 8, pages
    return pages


def _api(page, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    return page.context.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


def _run_demo(page) -> dict:  # noqa: ANN001
    before = {r["id"] for r in _api(page, "GET", "/api/v1/runs").json()["items"]}
    r = _api(page, "POST", "/dcl/connect", data={"sources": ["demo"]})
    assert r.status == 202, r.text()
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline:
        runs = [r for r in _api(page, "GET", "/api/v1/runs").json()["items"] if r["id"] not in before]
        if runs and runs[0]["status"] != "running":
            assert runs[0]["status"] == "success", runs[0]
            return runs[0]
        time.sleep(0.3)
    raise AssertionError("the demo run did not finish")


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    pg = signed_in("owner@pages.example", "Pages Console", viewport=SIZES["desktop"])
    _run_demo(pg)
    return pg


def _graph_ready(page) -> None:  # noqa: ANN001
    page.locator("[data-testid=dcl-graph][data-nodes]:not([data-nodes='0'])").wait_for(timeout=30_000)
    page.locator(".react-flow__node .dcl-label").first.wait_for()
    page.wait_for_function("document.querySelector('[data-testid=dcl-graph]').hasAttribute('data-draw-ms')")


def _shown_font_px(page) -> float:  # noqa: ANN001
    """The node labels' font size as drawn: CSS size times the graph's zoom."""
    return page.evaluate("""() => {
        const vp = document.querySelector('.react-flow__viewport');
        const zoom = new DOMMatrixReadOnly(getComputedStyle(vp).transform).a;
        const label = document.querySelector('.react-flow__node .dcl-label');
        return parseFloat(getComputedStyle(label).fontSize) * zoom; }""")


def _node_boxes(page) -> dict[str, list[float]]:  # noqa: ANN001
    """Each graph node's place in graph coordinates (React Flow's transform), by id."""
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.react-flow__node[data-id]')]
        .filter(n => !n.dataset.id.startsWith('caption:'))
        .map(n => { const m = new DOMMatrixReadOnly(getComputedStyle(n).transform); return [n.dataset.id, [m.e, m.f]]; }))""")


def _settle(page, path: str) -> None:  # noqa: ANN001
    page.goto(path)
    page.locator("main").first.wait_for()
    page.wait_for_load_state("networkidle")
    if path == "/":
        _graph_ready(page)
    page.wait_for_timeout(300)  # fonts and late layout


@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_screenshot_and_no_sideways_scroll(page, size: str) -> None:  # noqa: ANN001
    page.set_viewport_size(SIZES[size])
    width = SIZES[size]["width"]
    wide = []
    for path, label in _nav_pages():
        _settle(page, path)
        name = label.lower().replace(" ", "-")
        page.screenshot(path=str(PAGES_DIR / f"{name}-{size}.png"), full_page=True)
        scroll = page.evaluate("document.scrollingElement.scrollWidth")
        if scroll > width:
            wide.append(f"{path}: {scroll} px")
    assert not wide, f"pages wider than the {width} px viewport: {wide}"
    page.set_viewport_size(SIZES["desktop"])


@pytest.mark.parametrize("size", list(SIZES))
def test_graph_text_is_readable_and_the_legend_covers_no_node(page, size: str) -> None:  # noqa: ANN001
    page.set_viewport_size(SIZES[size])
    _settle(page, "/")
    assert _shown_font_px(page) >= 11, f"node text is {_shown_font_px(page):.1f} px on screen at {size} width"
    legend = page.get_by_label("Legend").bounding_box()
    assert legend
    covered = page.evaluate("""(l) => [...document.querySelectorAll('.react-flow__node[data-id]')].filter(n => {
        const b = n.getBoundingClientRect();
        return b.width && !(b.right <= l.x || b.left >= l.x + l.width || b.bottom <= l.y || b.top >= l.y + l.height);
    }).map(n => n.dataset.id)""", legend)
    assert covered == [], f"the legend covers {covered}"
    labels = page.locator(".react-flow__node .dcl-label").all_inner_texts()
    assert "Stripe (demo)" in labels and not [t for t in labels if t.startswith("Files (")]
    page.set_viewport_size(SIZES["desktop"])


def test_review_edit_error_once_and_whole_badge_on_a_phone(page) -> None:  # noqa: ANN001
    page.set_viewport_size(SIZES["phone"])
    _settle(page, "/review")
    card = page.locator("article[data-testid^=review-]").first
    card.wait_for()
    badge = card.get_by_label(re.compile(r"^confidence \d\.\d\d$"))
    figure = badge.get_attribute("aria-label").removeprefix("confidence ")
    assert badge.inner_text().strip() == figure
    assert badge.evaluate("b => [...b.querySelectorAll('*'), b].every(e => e.scrollWidth <= e.clientWidth + 1)"), \
        "the confidence badge is cut"
    card.get_by_role("button", name="Edit").click()
    card.get_by_label("Canonical field").fill("nowhere.nothing")
    page.keyboard.press("Escape")
    with page.expect_response(lambda r: "/dcl/review/" in r.url and r.request.method == "POST") as resp:
        card.get_by_role("button", name="Save").click()
    assert resp.value.status == 422, resp.value.text()
    alert = card.get_by_role("alert")
    alert.wait_for()
    message = resp.value.json()["errors"][0]["message"]
    assert alert.inner_text().count(message) == 1, alert.inner_text()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=str(PAGES_DIR / "review-edit-error-phone.png"), full_page=True)
    page.set_viewport_size(SIZES["desktop"])


def test_sources_lists_the_demo_sources(page) -> None:  # noqa: ANN001
    _settle(page, "/sources")
    elsewhere = page.get_by_test_id("sources-elsewhere")
    assert "6 connected by the demo or a pipeline" in elsewhere.inner_text()
    assert elsewhere.get_by_test_id("elsewhere-stripe").inner_text() == "Stripe (demo)"
    assert page.get_by_text("No sources yet.").count() == 0


def test_a_decision_survives_the_next_run_in_learning_and_the_graph_stays_put(page) -> None:  # noqa: ANN001
    _settle(page, "/")
    before = _node_boxes(page)
    assert len(before) > 20
    item = _api(page, "GET", "/dcl/review").json()
    item = (item["items"] if isinstance(item, dict) else item)[0]
    r = _api(page, "POST", f"/dcl/review/{item['id']}", data={"decision": "approve"})
    assert r.status == 200, r.text()
    _run_demo(page)

    _settle(page, "/")
    learning = page.get_by_test_id("learning")
    learning.get_by_text(f"{item['table']}.{item['field']}").wait_for()
    assert "No review decisions yet" not in page.locator("section[aria-labelledby=learning-title]").inner_text()
    assert f"now maps to {item['entity']}.{item['canonical']}" in learning.inner_text()
    narration = page.get_by_role("log", name="What the engine is doing").inner_text()
    assert "Waiting for the engine" not in narration and "The last run succeeded" in narration, narration
    after = _node_boxes(page)
    moved = [k for k in before if k in after and before[k] != after[k]]
    assert not moved, f"nodes moved between runs: {moved[:5]}"
    page.screenshot(path=str(PAGES_DIR / "overview-after-rerun-desktop.png"), full_page=True)


def test_favicon(page) -> None:  # noqa: ANN001
    r = page.context.request.get("/favicon.ico")
    assert r.status == 200 and r.headers["content-type"].startswith("image/"), (r.status, r.headers)
    assert len(r.body()) > 100

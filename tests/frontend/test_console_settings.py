"""The console's Settings and Runs pages end to end (real server, Debian Chromium).

Webhooks: reveal and rotate the signing secret, the private-network switch. Members: invite,
accept through the emailed link in a second browser, change a role, the server's refusal to
demote the last owner, revoke an invitation (its link stops working). LLM: save provider,
model and key; the key never comes back (DOM and network). Runs: a connect fails for real (its
file is missing), the file is uploaded, Retry from the Runs page succeeds. Phone width, touch
targets and axe on every tab.

Screenshots: test-artifacts/console/settings-*.png and runs-*.png.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator

import pytest
from playwright.sync_api import expect
from tests.frontend.conftest import ARTIFACTS, PASSWORD, ROOT, WEBHOOK_RECEIVER_PORT, _missing

pytestmark = pytest.mark.slow

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
OWNER = "owner@settings.example"
LLM_KEY = "sk-f2-never-shown-4c1e"
CSV = "id,name,email\n1,Acme,a@acme.example\n2,Globex,g@globex.example\n"


@pytest.fixture(scope="module")
def receiver() -> Iterator[tuple[str, list[dict]]]:
    """A webhook receiver on loopback, on the one private target the server's operator allowed."""
    got: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            got.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()})
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", WEBHOOK_RECEIVER_PORT), Hook)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/hook", got
    srv.shutdown()


@pytest.fixture(scope="module")
def page(signed_in):  # noqa: ANN001, ANN201
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return signed_in(OWNER, "Settings Console")


def _api(page, method: str, path: str, **kw):  # noqa: ANN001, ANN003, ANN202
    """A call with the page's cookies (and the double-submit CSRF header the console sends)."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    return page.context.request.fetch(path, method=method, headers={"X-CSRF-Token": csrf}, **kw)


def _tab(page, name: str) -> None:  # noqa: ANN001
    page.get_by_role("tab", name=name).click()


def _wait_task(page, task_id: str, timeout: float = 90) -> dict:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        t = _api(page, "GET", f"/api/v1/tasks/{task_id}").json()
        if t["status"] in ("success", "failed", "cancelled"):
            return t
        time.sleep(0.3)
    raise AssertionError(f"task {task_id} still {t['status']} after {timeout} s")


def test_webhook_secret_reveal_rotate_and_private_networks(page) -> None:  # noqa: ANN001
    page.goto("/settings")
    _tab(page, "Webhooks")
    box = page.get_by_test_id("webhook-secret")
    assert "whsec_" in box.inner_text() and "•" in box.inner_text()  # masked until asked
    page.get_by_role("button", name="Reveal").click()
    page.wait_for_function("document.querySelector('[data-testid=webhook-secret]').innerText.match(/^whsec_[^•]+$/)")
    first = box.inner_text().strip()
    assert re.fullmatch(r"whsec_\S{20,}", first), first
    assert _api(page, "GET", "/api/v1/webhooks/secret").json()["secret"] == first

    page.get_by_role("button", name="Rotate").click()
    dialog = page.get_by_role("dialog", name="Rotate the signing secret?")
    dialog.get_by_role("button", name="Rotate").click()
    page.get_by_text("Rotated: the new secret is shown above.").wait_for()
    dialog.wait_for(state="detached")
    second = box.inner_text().strip()
    assert second != first and second.startswith("whsec_")
    assert _api(page, "GET", "/api/v1/webhooks/secret").json()["secret"] == second

    # private callback targets are the operator's setting: shown, not switchable (issue 8, item 2)
    policy = page.get_by_test_id("private-networks")
    expect(policy).to_contain_text("refused")
    expect(policy).to_contain_text("operator")
    assert page.get_by_role("switch").count() == 0
    assert _api(page, "GET", "/api/v1/webhooks/settings").json() == {"allow_private_webhooks": False}
    page.get_by_test_id("deliveries").wait_for()
    page.screenshot(path=str(ARTIFACTS / "settings-webhooks-desktop.png"), full_page=True)


def test_invite_accept_change_role_and_revoke(page, browser, server: str) -> None:  # noqa: ANN001
    page.goto("/settings?tab=members")
    form = page.get_by_role("form", name="Invite someone")

    # 1. invite, open the link in another browser, join
    form.get_by_role("textbox", name="Email").fill("dana@settings.example")
    form.get_by_role("combobox", name="Role").click()
    page.get_by_role("option", name="viewer").click()
    form.get_by_role("button", name="Invite").click()
    link = page.get_by_test_id("invitation-link").inner_text().strip()
    assert re.fullmatch(re.escape(server) + r"/invite/[\w-]{20,}", link), link
    token = link.rsplit("/", 1)[1]
    assert "dana@settings.example" in page.get_by_test_id("invitations").inner_text()
    page.screenshot(path=str(ARTIFACTS / "settings-members-desktop.png"), full_page=True)
    # shown once: the list and a reload never show the token again
    page.reload()
    page.get_by_test_id("invitation-dana@settings.example").wait_for()
    assert token not in page.content()

    other = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server)
    try:
        guest = other.new_page()
        guest.goto(link)
        preview = guest.get_by_test_id("invitation-preview")
        preview.wait_for()  # GET /api/v1/invitations/{token}: who invites, as what, new account or not
        assert "Settings Console invited dana@settings.example as viewer" in preview.inner_text()
        assert "choose a password for your new account" in preview.inner_text()
        guest.get_by_role("textbox", name="Password").fill(PASSWORD)
        guest.screenshot(path=str(ARTIFACTS / "settings-accept-phone.png"), full_page=True)
        guest.get_by_role("button", name="Join").click()
        guest.wait_for_url(server + "/")
        me = other.request.get("/api/v1/auth/me").json()
        assert me["user"]["email"] == "dana@settings.example" and me["role"] == "viewer"
        assert me["organization"]["name"] == "Settings Console"
    finally:
        other.close()

    # 2. the new member appears; the owner makes them an admin
    page.reload()
    dana = page.get_by_test_id("member-dana@settings.example")
    dana.wait_for()
    assert page.get_by_test_id("invitations").count() == 0 or "dana@" not in page.get_by_test_id("invitations").inner_text()
    dana.get_by_role("combobox", name="Role of dana@settings.example").click()
    page.get_by_role("option", name="admin").click()
    page.wait_for_function("document.querySelector(\"[aria-label='Role of dana@settings.example']\")?.value === 'admin'")
    roles = {m["email"]: m["role"] for m in _api(page, "GET", "/api/v1/members").json()["items"]}
    assert roles["dana@settings.example"] == "admin"

    # 3. demoting the only owner: the server refuses and the console shows its message
    page.get_by_role("combobox", name=f"Role of {OWNER}").click()
    page.get_by_role("option", name="member").click()
    assert "at least one owner" in page.get_by_test_id("members-error").inner_text()
    assert page.get_by_role("combobox", name=f"Role of {OWNER}").input_value() == "owner"

    # 4. invite and revoke: the link stops working
    form.get_by_role("textbox", name="Email").fill("eve@settings.example")
    form.get_by_role("button", name="Invite").click()
    page.get_by_test_id("invitation-eve@settings.example").wait_for()
    eve_token = page.get_by_test_id("invitation-link").inner_text().strip().rsplit("/", 1)[1]
    page.get_by_role("button", name="Revoke invitation for eve@settings.example").click()
    page.get_by_role("dialog").get_by_role("button", name="Revoke").click()
    page.get_by_test_id("invitation-eve@settings.example").wait_for(state="detached")
    pending = [i["email"] for i in _api(page, "GET", "/api/v1/invitations").json()["items"]]
    assert "eve@settings.example" not in pending
    r = page.context.request.post(f"/api/v1/invitations/{eve_token}/accept", data={"password": PASSWORD})
    assert r.status == 404, r.text()


def test_llm_settings_save_and_key_never_shown(page) -> None:  # noqa: ANN001
    bodies: list[str] = []

    def keep(resp) -> None:  # noqa: ANN001
        if "/api/v1/" in resp.url:
            try:
                bodies.append(resp.text())
            except Exception:  # noqa: BLE001 - a redirect or aborted response has no body
                pass

    page.on("response", keep)
    try:
        page.goto("/settings?tab=llm")
        page.get_by_test_id("llm-server-default").wait_for()
        page.wait_for_function("!document.querySelector('[data-testid=llm-server-default]').innerText.includes('…')")
        page.get_by_role("combobox", name="Provider").click()
        page.get_by_role("option", name="openai").click()
        model = page.get_by_role("combobox", name=re.compile("^Model"))
        model.click()
        page.get_by_role("option", name="gpt-4o", exact=True).click()
        assert model.input_value() == "gpt-4o"
        page.get_by_test_id("llm-key").fill(LLM_KEY)
        with page.expect_response(lambda r: r.url.endswith("/api/v1/settings/llm") and r.request.method == "PUT") as saved:
            page.get_by_role("button", name="Save").click()
        assert saved.value.status == 200
        page.get_by_text("key stored").wait_for()
        assert page.get_by_test_id("llm-key").input_value() == ""

        stored = _api(page, "GET", "/api/v1/settings/llm").json()
        assert stored["provider"] == "openai" and stored["model"] == "gpt-4o" and stored["api_key_set"] is True

        page.reload()
        page.get_by_text("key stored").wait_for()
        expect(page.get_by_role("combobox", name=re.compile("^Model"))).to_have_value("gpt-4o")
        expect(page.get_by_role("combobox", name="Provider")).to_have_value("openai")
        assert "stored — leave blank to keep" in page.get_by_test_id("llm-key").get_attribute("placeholder")

        # one small real call: no network here, so it fails, with the key masked, not a 5xx
        page.get_by_role("button", name="Test").click()
        result = page.get_by_test_id("llm-test-result")
        result.wait_for(timeout=45_000)
        assert "openai / gpt-4o" in result.inner_text() and " ms" in result.inner_text()
        page.screenshot(path=str(ARTIFACTS / "settings-llm-desktop.png"), full_page=True)
        assert LLM_KEY not in page.content()
        assert bodies and not [b for b in bodies if LLM_KEY in b], "the key came back in a response"
    finally:
        page.remove_listener("response", keep)


def test_failed_task_retried_from_runs(page, receiver) -> None:  # noqa: ANN001
    """A connect whose file does not exist fails (after its attempts); uploading the file and
    pressing Retry on the Runs page runs the same task again, now to success. Both outcomes are
    posted to a local receiver (the target the operator allowed), signed with the secret the
    console shows, and listed in the delivery log."""
    url, got = receiver
    r = _api(page, "POST", "/api/v1/sources", data={"name": "crm", "connector": "files", "config": {"path": "crm.csv"}})
    assert r.status == 201, r.text()
    r = _api(page, "POST", "/dcl/connect", data={"sources": ["crm"], "callback_url": url})
    assert r.status == 202, r.text()
    failed_id = r.json()["id"]
    failed = _wait_task(page, failed_id)
    assert failed["status"] == "failed" and "does not exist" in failed["error"]

    page.goto("/runs")
    row = page.get_by_test_id(f"task-{failed_id}")
    assert "does not exist" in row.get_by_test_id("task-error").inner_text()
    assert row.get_by_role("button", name=re.compile("^Cancel")).count() == 0
    page.screenshot(path=str(ARTIFACTS / "runs-failed-desktop.png"), full_page=True)

    r = _api(page, "POST", "/api/v1/files", multipart={"file": {"name": "crm.csv", "mimeType": "text/csv", "buffer": CSV.encode()}})
    assert r.status == 201, r.text()
    row.get_by_role("button", name=f"Retry task {failed_id[:8]}").click()
    page.get_by_test_id("retry-queued").wait_for()
    retry = page.locator("[data-testid^=task-]:has([data-testid=retry-of])").first
    retry.wait_for()
    assert f"retry of {failed_id[:8]}" in retry.inner_text()
    new_id = retry.get_attribute("data-testid").removeprefix("task-")
    assert new_id != failed_id
    page.locator(f"[data-testid='task-{new_id}'][data-status=success]").wait_for(timeout=90_000)
    assert _api(page, "GET", f"/api/v1/tasks/{new_id}").json()["retry_of"] == failed_id
    assert f"retried as {new_id[:8]}" in page.get_by_test_id(f"task-{failed_id}").inner_text()

    # the run it made: in the runs list without a reload, and stage by stage
    run_id = _api(page, "GET", f"/api/v1/tasks/{new_id}").json()["result"]["run_id"]
    page.get_by_test_id(f"run-{run_id}").wait_for(timeout=5_000)
    page.get_by_test_id(f"task-{new_id}").get_by_role("button", name=f"run {run_id}").click()
    details = page.get_by_test_id("run-details")
    details.get_by_role("cell", name="crm.crm", exact=True).wait_for()  # the per-table figures (the log names it too)
    text = details.inner_text()
    assert "2 rows kept" in text and "0 rejected" in text and "rows read" in text
    page.wait_for_timeout(400)  # the drawer's slide-in
    page.screenshot(path=str(ARTIFACTS / "runs-stages-desktop.png"))
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="detached")
    page.wait_for_timeout(300)  # the overlay fades out
    page.screenshot(path=str(ARTIFACTS / "runs-retry-desktop.png"), full_page=True)

    # the receiver got both outcomes, signed with the secret Settings shows
    from standardwebhooks import Webhook

    end = time.monotonic() + 30
    while len(got) < 2 and time.monotonic() < end:
        time.sleep(0.2)
    assert len(got) >= 2, got
    page.goto("/settings?tab=webhooks")
    page.get_by_role("button", name="Reveal").click()
    page.wait_for_function("document.querySelector('[data-testid=webhook-secret]').innerText.match(/^whsec_[^•]+$/)")
    hook = Webhook(page.get_by_test_id("webhook-secret").inner_text().strip())
    payloads = [hook.verify(g["body"], g["headers"]) for g in got]
    bodies = [json.dumps(p) for p in payloads]  # verify() raises on a bad signature
    assert all(any(i in b for b in bodies) for i in (failed_id, new_id)), bodies
    log = page.get_by_test_id("deliveries")
    page.wait_for_function("document.querySelectorAll('[data-testid=deliveries] tbody tr').length >= 2")
    assert log.inner_text().lower().count("delivered") >= 2 and "204" in log.inner_text()
    page.screenshot(path=str(ARTIFACTS / "settings-deliveries-desktop.png"), full_page=True)


@pytest.mark.parametrize("path", ["/settings?tab=members", "/settings?tab=keys", "/settings?tab=webhooks", "/settings?tab=llm", "/runs"])
def test_phone_width_touch_targets_and_axe(page, path: str) -> None:  # noqa: ANN001
    if not AXE.is_file():
        _missing(f"{AXE} missing (npm ci in frontend/)")
    page.set_viewport_size({"width": 390, "height": 844})
    try:
        page.goto(path)
        page.wait_for_selector("main h2")
        page.wait_for_selector("main section")
        page.wait_for_timeout(800)  # queries settle
        assert page.evaluate("document.documentElement.scrollWidth") <= 391, f"{path} scrolls sideways on a phone"
        # a field's box (input wrapper, checkbox or switch row) is what a finger hits
        small = page.evaluate("""[...document.querySelectorAll('main button, main [role=tab], main input:not([type=hidden])')]
            .map(e => [e, e.closest('.mantine-Input-wrapper, .mantine-Checkbox-body, .mantine-Switch-body') ?? e])
            .filter(([, box]) => box.offsetParent !== null)
            .map(([e, box]) => [e.getAttribute('aria-label') || e.textContent.trim() || e.id, box.getBoundingClientRect().height])
            .filter(([, h]) => h < 44)""")
        assert small == [], f"{path}: touch targets under 44 px: {small}"
        name = "runs-phone" if path == "/runs" else f"settings-{path.split('=')[1]}-phone"
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""axe.run().then(r => r.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')}`))""")
        assert found == [], f"{path}: {found}"
    finally:
        page.set_viewport_size({"width": 1440, "height": 900})

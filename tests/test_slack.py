"""The Slack notifier against a local server speaking the incoming-webhook protocol:
200 "ok", 429 with Retry-After, 404 "no_service"."""

from __future__ import annotations

import json

from typing import Any

import pytest

from autonomos.core.events import Event
from autonomos.core.plugins import PluginHost
from autonomos.notifiers import slack
from tests.server.tasks.conftest import Receiver, receiver  # noqa: F401  (the fixture)


def _event(type_: str, **data: Any) -> Event:
    return Event(type=type_, tenant="3f1c0000-0000-0000-0000-000000000001", data=data, run_id="run-7")


def test_posts_failures_in_slack_format_and_obeys_retry_after(receiver: Receiver) -> None:
    receiver.responses = [(429, {"retry-after": "1"}, b"rate_limited"), (200, {}, b"ok")]
    notifier = slack.SlackNotifier(receiver.url)
    notifier.notify(_event("run_finished", status="success"))      # successes are not sent by default
    notifier.notify(_event("stage_progress", stage="map"))          # nor other event types
    notifier.notify(_event("run_finished", status="failed", error="source crm unreachable"))
    assert notifier.flush(10)
    assert len(receiver.requests) == 2
    gap = receiver.requests[1]["at"] - receiver.requests[0]["at"]
    assert gap >= 0.9  # waited for Retry-After
    body = json.loads(receiver.requests[1]["body"])
    assert "source crm unreachable" in body["text"] and "run-7" in body["text"]
    assert body["blocks"][0]["type"] == "section" and body["blocks"][0]["text"]["type"] == "mrkdwn"
    assert receiver.requests[1]["headers"]["Content-Type"] == "application/json"
    assert notifier.sent == [{"ok": True, "attempt": 2, "status": 200, "body": "ok"}]


def test_no_service_is_dropped_without_retrying(receiver: Receiver) -> None:
    receiver.responses = [(404, {}, b"no_service")]
    notifier = slack.SlackNotifier(receiver.url)
    notifier.notify(_event("fault", message="boom", kind="ValueError"))
    assert notifier.flush(10)
    assert len(receiver.requests) == 1
    assert notifier.sent[0]["ok"] is False and notifier.sent[0]["body"] == "no_service"
    assert ":rotating_light:" in json.loads(receiver.requests[0]["body"])["text"]


def test_observer_is_a_builtin_plugin_driven_by_env(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> None:
    host = PluginHost(load_entrypoints=False)
    assert any(p.name == "autonomos.notifiers.slack" for p in host.plugins)
    monkeypatch.delenv("AUTONOMOS_SLACK_WEBHOOK_URL", raising=False)
    host.emit(_event("fault", message="nobody listens"))
    assert slack.get_notifier() is None
    monkeypatch.setenv("AUTONOMOS_SLACK_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("AUTONOMOS_SLACK_EVENTS", "fault,run_finished:all")
    host.emit(_event("run_finished", status="success"))
    host.emit(_event("fault", message="disk full"))
    notifier = slack.get_notifier()
    assert notifier is not None and notifier.flush(10)
    texts = [json.loads(r["body"])["text"] for r in receiver.requests]
    assert len(texts) == 2 and "disk full" in texts[1]


"""Slack incoming-webhook notifications, as an ``on_event`` observer (a built-in plugin).

Set ``AUTONOMOS_SLACK_WEBHOOK_URL`` (``https://hooks.slack.com/services/…``) to turn it on;
``AUTONOMOS_SLACK_EVENTS`` picks the event types (comma-separated, default
``fault,run_finished``; ``run_finished`` is only sent when the run did not succeed, unless
``run_finished:all`` is listed). Messages use Slack's ``{"text", "blocks"}`` format and are sent
from a background thread, so a slow Slack never slows a run. Slack's answers: ``200 ok`` done;
``429`` waits ``Retry-After`` (at most 60 s) and tries again (3 times); ``5xx`` and network errors
back off and retry; other 4xx (``404 no_service``, ``403 invalid_token``…) are logged and dropped.

This module imports nothing from the server, so it loads like any third-party plugin; its
settings come from :func:`autonomos.core.settings.current` and its retries from tenacity with the
engine's shared Retry-After arithmetic (:mod:`autonomos.core.retry`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

import tenacity

from autonomos import hookimpl
from autonomos.core import settings
from autonomos.core.retry import backoff_delay, parse_retry_after

log = logging.getLogger(__name__)

DEFAULT_EVENTS = ("fault", "run_finished")
MAX_TRIES = 3
MAX_RETRY_AFTER = 60.0  # seconds: a longer Retry-After from Slack is cut to this


class _Again(Exception):
    """An attempt worth repeating (429, 5xx, a network error), with what Slack asked us to wait."""

    def __init__(self, outcome: dict[str, Any], retry_after: float | None):
        super().__init__(str(outcome))
        self.outcome, self.retry_after = outcome, retry_after


class SlackNotifier:
    """Formats events and posts them to one incoming webhook from a daemon thread."""

    def __init__(self, url: str, event_types: tuple[str, ...] = DEFAULT_EVENTS, timeout: float = 10.0):
        self.url = url
        self.all_runs = "run_finished:all" in event_types
        self.event_types = {t.split(":", 1)[0] for t in event_types}
        self.timeout = timeout
        self.sent: list[dict[str, Any]] = []   # outcomes, for operators' debugging and tests
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(maxsize=1000)
        self._thread = threading.Thread(target=self._loop, name="slack-notifier", daemon=True)
        self._thread.start()

    def wants(self, event: Any) -> bool:
        if event.type not in self.event_types:
            return False
        if event.type == "run_finished" and not self.all_runs:
            return (event.data or {}).get("status") not in ("success", None)
        return True

    def notify(self, event: Any) -> None:
        if not self.wants(event):
            return
        try:
            self._queue.put_nowait(format_message(event))
        except queue.Full:
            log.warning("slack notifier queue full; dropping %s", event.type)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued message was handled; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.02)
        return not self._queue.unfinished_tasks

    def _loop(self) -> None:
        while True:
            message = self._queue.get()
            try:
                if message is None:
                    return
                self.sent.append(self.post(message))
            except Exception as exc:  # never let the thread die
                log.warning("slack notification failed: %s", exc)
            finally:
                self._queue.task_done()

    def post(self, message: dict[str, Any]) -> dict[str, Any]:
        """Deliver one message, obeying Retry-After; returns the outcome."""
        import httpx  # only when Slack is configured: every CLI command loads this plugin

        def attempt(number: int) -> dict[str, Any]:
            try:
                r = httpx.post(self.url, json=message, timeout=self.timeout)
            except httpx.HTTPError as exc:
                raise _Again({"ok": False, "attempt": number, "error": str(exc)}, None) from None
            outcome = {"ok": r.status_code == 200, "attempt": number, "status": r.status_code, "body": r.text[:200]}
            if r.status_code == 429:
                raise _Again(outcome, min(MAX_RETRY_AFTER, parse_retry_after(dict(r.headers)) or 1.0))
            if r.status_code >= 500:
                raise _Again(outcome, None)
            if r.status_code != 200:
                log.error("slack webhook refused the message (%s %s); dropping it", r.status_code, r.text[:100])
            return outcome

        def wait(state: tenacity.RetryCallState) -> float:
            failure = state.outcome.exception() if state.outcome else None
            retry_after = failure.retry_after if isinstance(failure, _Again) else None
            return backoff_delay(state.attempt_number - 1, 1.0, MAX_RETRY_AFTER, retry_after)

        retrying = tenacity.Retrying(stop=tenacity.stop_after_attempt(MAX_TRIES), wait=wait,
                                     retry=tenacity.retry_if_exception_type(_Again), reraise=True)
        try:
            for try_ in retrying:
                with try_:
                    return attempt(try_.retry_state.attempt_number)
        except _Again as exc:
            log.error("slack notification not delivered after %d tries: %s", MAX_TRIES, exc.outcome)
            return exc.outcome
        raise AssertionError("unreachable")


def format_message(event: Any) -> dict[str, Any]:
    """Slack ``text`` (notifications, fallbacks) and ``blocks`` for one event."""
    data = event.data or {}
    if event.type == "fault":
        title = f":rotating_light: Fault: {data.get('message', 'unknown error')}"
    elif event.type == "run_finished":
        title = f":x: Run {data.get('status', 'finished')}: {data.get('error') or ''}".rstrip(": ")
    else:
        title = f"{event.type.replace('_', ' ').capitalize()}"
    context = f"tenant `{event.tenant}`" + (f" · run `{event.run_id}`" if event.run_id else "")
    text = f"{title} ({context.replace('`', '')})"
    return {"text": text[:3000], "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": title[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": context}]},
    ]}


_notifier: SlackNotifier | None = None
_notifier_key: tuple[str, str] | None = None
_lock = threading.Lock()


def get_notifier() -> SlackNotifier | None:
    """The notifier for the current environment (re-created when the settings change)."""
    global _notifier, _notifier_key
    engine = settings.current()
    url = engine.slack_webhook_url or ""
    types = engine.slack_events or ",".join(DEFAULT_EVENTS)
    if not url:
        return None
    with _lock:
        if _notifier_key != (url, types):
            _notifier = SlackNotifier(url, tuple(t.strip() for t in types.split(",") if t.strip()))
            _notifier_key = (url, types)
        return _notifier


@hookimpl
def on_event(event: Any) -> None:
    notifier = get_notifier()
    if notifier is not None:
        notifier.notify(event)

"""Typed engine events and the bus that persists and delivers them.

Every stage reports through :class:`EventBus.publish`: the event is stored in the tenant's
catalog (which gives it a monotonically increasing id, used for replay), handed to the
``on_event`` plugin observers, then to in-process subscribers (the CLI's progress bars,
the server's WebSocket fan-out).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Protocol

import attrs

log = logging.getLogger(__name__)

EVENT_TYPES = (
    "run_started",
    "stage_progress",
    "new_source",
    "source_removed",
    "schema_drift",
    "mapping_proposed",
    "review_needed",
    "fault",
    "run_finished",
    "review_decided",
    "agent_finished",
    "views_published",
    "run_log",  # one line of a run's log (autonomos.core.runlog)
)


@attrs.define
class Event:
    """One engine event. ``id`` is assigned when stored; ``data`` is JSON-serialisable."""

    type: str
    tenant: str
    data: dict[str, Any] = attrs.field(factory=dict)
    run_id: str | None = None
    ts: float = attrs.field(factory=time.time)
    id: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {self.type!r}")

    def to_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class EventStore(Protocol):
    def append_event(self, event: Event) -> int: ...


class EventBus:
    """Persist, then deliver. Subscriber failures are logged and never reach the publisher."""

    def __init__(self, store: EventStore | None = None, emit: Callable[[Event], None] | None = None):
        self.store = store
        self.emit = emit
        self._subscribers: list[Callable[[Event], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        with self._lock:
            self._subscribers.append(fn)
        return lambda: self._unsubscribe(fn)

    def _unsubscribe(self, fn: Callable[[Event], None]) -> None:
        with self._lock:
            if fn in self._subscribers:
                self._subscribers.remove(fn)

    def publish(self, event: Event) -> Event:
        if self.store is not None:
            event.id = self.store.append_event(event)
        if self.emit is not None:
            self.emit(event)
        with self._lock:
            subscribers = list(self._subscribers)
        for fn in subscribers:
            try:
                fn(event)
            except Exception as exc:  # a broken listener must not stop a run
                log.warning("event subscriber failed on %s: %s", event.type, exc)
        return event

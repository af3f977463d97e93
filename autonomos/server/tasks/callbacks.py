"""What happens when a task finishes: its callback is queued as a signed webhook delivery.

The delivery row is written first (the outbox), then its id goes to the runtime's queue; a
delivery Huey loses is found again by the reaper (``pending`` and past due). The runtime is
passed in by whoever finished the task (the worker through the hook the runtime gave it, the
reaper, the service's cancel), never looked up.
"""

from __future__ import annotations

import json
import logging
import uuid

from autonomos.server.db.base import utcnow
from autonomos.server.tasks.models import Task, WebhookDelivery
from autonomos.server.tasks.registry import Runtime, task_json

log = logging.getLogger(__name__)


def callback_body(task: Task) -> str:
    """The Standard Webhooks payload: ``{"type", "timestamp", "data"}`` with the task's public JSON."""
    return json.dumps({"type": "task.finished", "timestamp": utcnow().isoformat().replace("+00:00", "Z"),
                       "data": task_json(task)}, separators=(",", ":"), sort_keys=True)


def on_task_finished(runtime: Runtime | None, task: Task) -> None:
    """Queue the callback of a finished task, if it has one. Never raises (the task is done)."""
    if not task.callback_url:
        return
    try:
        if runtime is None:
            log.warning("task %s finished without a task runtime; its callback is not sent", task.id)
            return
        with runtime.db.session(task.tenant_id) as s:
            delivery = WebhookDelivery(tenant_id=task.tenant_id, task_id=task.id, msg_id=f"msg_{uuid.uuid4().hex}",
                                       event_type="task.finished", url=task.callback_url, body=callback_body(task),
                                       attempt=1, max_attempts=runtime.settings.webhook_max_attempts,
                                       status="pending", due_at=utcnow(), created_at=utcnow())
            s.add(delivery)
            s.commit()
            delivery_id = delivery.id
        runtime.enqueue_delivery(delivery_id)
    except Exception as exc:  # the reaper retries pending deliveries; the task outcome stands
        log.error("could not queue the callback of task %s: %s", task.id, exc)

"""What the routes that start a task share: the ``202 Accepted`` answer with the task, whichever
domain's controller starts it (``/dcl/connect``, a pipeline run, an agent run)."""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.status_codes import HTTP_202_ACCEPTED

from autonomos.server.context import TenantContext
from autonomos.server.db.session import TenantSession
from autonomos.server.tasks.registry import TaskOut, task_out
from autonomos.server.tasks.service import create_and_enqueue


def start_task(db_session: TenantSession, ctx: TenantContext, kind: str, payload: dict[str, Any],
               callback_url: str | None) -> Response[TaskOut]:
    """Create the task row, commit, hand its id to the queue: 202 with the task."""
    task = create_and_enqueue(db_session, ctx.tenant_id, kind, payload, callback_url=callback_url)
    return Response(task_out(task), status_code=HTTP_202_ACCEPTED)

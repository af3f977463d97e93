"""The composition root: what one process of the service is made of, listed in one place.

Both processes that run the service's work build it the same way — the web app in
:func:`autonomos.server.app.create_app` and the worker in ``autonomos worker``
(:mod:`autonomos.server.tasks.cli`)::

    services = build_services(settings)   # settings, database, task settings, kinds, secret key
    services.install()                    # hand them to the parts that need them, once

Nothing registers itself when imported: the task kinds are the table :data:`TASK_KINDS` (plus
the modules a deployment names in ``AUTONOMOS_TASK_MODULES``), the live-event listeners are set
here, and the key that unseals source secrets is handed to the DCL jobs here. Handlers receive
the :class:`Services` through Litestar's dependency injection (``services``, ``settings``,
``db`` — see :mod:`autonomos.server.context`).
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from autonomos.server.db.session import Database, refuse_rls_bypass
from autonomos.server.dcl import jobs
from autonomos.server.events.fanout import configure_publisher, publish_event, publish_task
from autonomos.server.settings import Settings
from autonomos.server.tasks import registry
from autonomos.server.tasks.config import TaskSettings

if TYPE_CHECKING:
    from autonomos.server.tasks.registry import KindFn

log = logging.getLogger(__name__)

#: every module that declares tables: imported before any query, so each foreign key takes its
#: type from the column it references (a worker that imports only the tasks tables read tenant
#: ids as strings and bound nothing on SQLite)
MODEL_MODULES = ("autonomos.server.db.models", "autonomos.server.tasks.models", "autonomos.server.resources.models",
                 "autonomos.server.llm.models", "autonomos.server.schedules.models")

#: task kind → ``module:function`` of the built-in domains (imported when the services are built)
TASK_KINDS: dict[str, str] = {
    "dcl.connect": "autonomos.server.dcl.jobs:dcl_connect",
    "pipeline.run": "autonomos.server.dcl.jobs:pipeline_run",
    "agent.run": "autonomos.server.dcl.jobs:agent_run",
}

#: what every worker's maintenance thread runs after reaping (name → ``module:function(runtime)``)
MAINTENANCE_ROUNDS: dict[str, str] = {
    "schedules": "autonomos.server.schedules.service:fire_due",  # start each due tick's run, once
}


@dataclass
class Services:
    """The shared parts of one process: built by :func:`build_services`, installed once."""

    settings: Settings
    db: Database
    task_settings: TaskSettings
    kinds: dict[str, KindFn] = field(default_factory=dict)
    maintenance_rounds: dict[str, Any] = field(default_factory=dict)

    @property
    def secret_key(self) -> str:
        """Unseals the organizations' stored source secrets (``AUTONOMOS_SECRET_KEY``)."""
        return self.settings.auth.secret_key

    def install(self) -> Services:
        """Register the task kinds, route task events and task updates to the live fan-out, and
        give the DCL jobs the secret key and the event publisher its Redis. Idempotent."""
        for name, fn in self.kinds.items():
            registry.register_task_kind(name, fn)
        registry.set_event_publisher(publish_event)
        registry.set_task_listener(publish_task)
        configure_publisher(self.settings.redis.url)
        jobs.configure(self.secret_key)
        return self


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def task_kinds(task_settings: TaskSettings) -> dict[str, KindFn]:
    """The built-in kinds of :data:`TASK_KINDS`, then those a deployment's modules register when
    imported (``AUTONOMOS_TASK_MODULES``: plugins, the test suite's kinds). A module that fails
    to import is logged and skipped: it must not stop a worker serving the other kinds."""
    kinds = {name: _resolve(target) for name, target in TASK_KINDS.items()}
    before = registry.task_kinds()
    for module in task_settings.task_modules:
        try:
            importlib.import_module(module)
        except Exception as exc:
            log.error("could not import task kind module %s: %s", module, exc)
    kinds.update({k: fn for k, fn in registry.task_kinds().items() if before.get(k) is not fn})
    return kinds


def build_services(settings: Settings, task_settings: TaskSettings | None = None,
                   db: Database | None = None) -> Services:
    """One process's :class:`Services` (``db`` defaults to a new pool on ``settings.db``)."""
    for module in MODEL_MODULES:
        importlib.import_module(module)
    task_settings = task_settings or TaskSettings.from_env()
    db = db or Database(settings.db)
    refuse_rls_bypass(settings.db, db.engine)  # before anything serves a tenant
    return Services(settings=settings, db=db, task_settings=task_settings,
                    kinds=task_kinds(task_settings),
                    maintenance_rounds={name: _resolve(target) for name, target in MAINTENANCE_ROUNDS.items()})

"""Wires tasks into the app: controllers, the task runtime on startup, the worker readiness check.

This is the composition place of the server (``autonomos worker`` is the worker's): on startup it
builds the :class:`~autonomos.server.tasks.huey_app.TaskRuntime` and injects it into the service
(:func:`~autonomos.server.tasks.service.install_runtime`), which then enqueues through it. In
embedded mode the app runs the Huey consumer and the maintenance thread in-process (unless
``AUTONOMOS_EMBEDDED_WORKER=0``); in production mode it only enqueues.
"""

from __future__ import annotations

from typing import Any

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from autonomos.server import health
from autonomos.server.tasks.config import TaskSettings  # noqa: F401  (the type of task_settings)
from autonomos.server.tasks.controllers import controllers
from autonomos.server.tasks.huey_app import TaskRuntime
from autonomos.server.tasks.reaper import live_workers
from autonomos.server.tasks.service import current_runtime, install_runtime


class TasksPlugin(InitPluginProtocol):
    """``TasksPlugin(TaskSettings(...))`` overrides the environment (tests use short leases)."""

    def __init__(self, task_settings: TaskSettings | None = None):
        self.task_settings = task_settings

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(controllers)
        app_config.on_startup.append(self._start)
        app_config.on_shutdown.insert(0, self._stop)
        health.register_readiness_check("worker", live_workers)
        return app_config

    def _start(self, app: Any) -> None:
        services = app.state.services  # built by create_app (autonomos.server.services)
        runtime = TaskRuntime(services.settings, services.task_settings, db=services.db,
                              maintenance_rounds=services.maintenance_rounds)
        app.state.task_runtime = runtime
        install_runtime(runtime)
        if runtime.mode == "embedded" and runtime.settings.embedded_worker:
            runtime.start_consumer()

    def _stop(self, app: Any) -> None:
        runtime: TaskRuntime | None = getattr(app.state, "task_runtime", None)
        if runtime is None:
            return
        runtime.stop()
        if current_runtime() is runtime:
            install_runtime(None)

"""Task, worker and webhook settings, each from a named environment variable (read once)."""

from __future__ import annotations

from dataclasses import dataclass

from autonomos.core.errors import AutonomosError, ConfigError
from autonomos.core.guard import DEFAULT_MAX_COLUMNS, RunLimits, memory_literal
from autonomos.core.retry import exponential_delay
from autonomos.server.settings import env_str, env_bool, env_float, env_int


@dataclass(frozen=True)
class TaskSettings:
    """How long a lease lasts, how often the reaper looks, how retries back off.

    * ``AUTONOMOS_TASK_LEASE_SECONDS`` (60): a worker that stops heartbeating loses its task after this.
    * ``AUTONOMOS_REAPER_INTERVAL`` (5 s): how often the reaper (and the worker heartbeat) runs.
    * ``AUTONOMOS_TASK_REQUEUE_AFTER`` (30 s): a queued task not claimed this long after it was
      handed to Huey is handed again (Huey is at-most-once).
    * ``AUTONOMOS_TASK_BACKOFF_BASE`` (2 s) / ``AUTONOMOS_TASK_BACKOFF_MAX`` (300 s): retry n waits
      ``min(max, base * 2**(n-1))``.
    * ``AUTONOMOS_EMBEDDED_WORKER`` (true): run the Huey consumer inside the server in embedded mode.
    * ``AUTONOMOS_WORKER_THREADS`` (2): consumer threads of the in-process worker.
    * ``AUTONOMOS_WEBHOOK_MAX_ATTEMPTS`` (5), ``AUTONOMOS_WEBHOOK_TIMEOUT`` (10 s),
      ``AUTONOMOS_WEBHOOK_BACKOFF_BASE`` (5 s): callback delivery.
    * ``AUTONOMOS_QUEUE_NAME`` (autonomos): the Huey queue (and worker heartbeat) namespace;
      servers and workers of one deployment must agree on it.
    * ``AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE`` (false): let callbacks reach private/loopback addresses
      for every organization (development and tests only).

    What one task may take (issue 8, item 5: one tenant's 889 KB file held a worker for 13 minutes):

    * ``AUTONOMOS_TASK_TIMEOUT`` (1800 s; 0 = none): a task still running after this is stopped
      and fails (no retry) with an error naming the ceiling.
    * ``AUTONOMOS_TASK_MEMORY_LIMIT`` (25%): DuckDB ``memory_limit`` of every connection a task's
      run opens (``2GB``, ``512MB``, ``25%`` of the machine; ``none`` = DuckDB's default of 80 %).
    * ``AUTONOMOS_TASK_TENANT_CONCURRENCY`` (1; 0 = no limit): running tasks per organization; its
      further tasks wait queued while other organizations' tasks take the free workers.
    * ``AUTONOMOS_TASK_SHUTDOWN_GRACE`` (5 s): on SIGTERM running tasks are stopped at once and
      handed back to the queue; the process waits this long for them, then exits anyway.
    * ``AUTONOMOS_MAX_COLUMNS`` (10,000; 0 = none): the widest table a run accepts (the engine
      reads it too, for CLI runs).
    * ``AUTONOMOS_SCHEDULE_GRACE`` (60 s): a schedule's tick found this late was missed while
      everything was down; its ``catch_up`` decides whether it runs (docs/tasks.md "Schedules").
    """

    lease_seconds: float = 60.0
    reaper_interval: float = 5.0
    requeue_after: float = 30.0
    backoff_base: float = 2.0
    backoff_max: float = 300.0
    embedded_worker: bool = True
    worker_threads: int = 2
    poll_max_delay: float = 0.25
    webhook_max_attempts: int = 5
    webhook_timeout: float = 10.0
    webhook_backoff_base: float = 5.0
    webhooks_allow_private: bool = False
    # exact (host, port) callback targets let through although private (an on-premises receiver)
    webhook_allowed_targets: frozenset[tuple[str, int]] = frozenset()
    queue_name: str = "autonomos"
    task_timeout: float = 1800.0
    task_memory_limit: str | None = "25%"
    tenant_concurrency: int = 1
    shutdown_grace: float = 5.0
    max_columns: int = DEFAULT_MAX_COLUMNS
    task_modules: tuple[str, ...] = ()  # AUTONOMOS_TASK_MODULES: modules whose kinds register on import
    schedule_grace: float = 60.0  # AUTONOMOS_SCHEDULE_GRACE: a tick this late was missed (catch_up decides)

    @property
    def cancel_poll(self) -> float:
        """How often a running task's row is read for a cancel request (and its ceiling checked)."""
        return min(0.5, self.heartbeat_interval)

    def run_limits(self) -> RunLimits:
        """What bounds the engine run of one task (see :mod:`autonomos.core.guard`)."""
        return RunLimits(max_columns=self.max_columns, memory_limit=self.task_memory_limit or None)

    @property
    def heartbeat_interval(self) -> float:
        return max(0.2, self.lease_seconds / 3)

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before attempt ``attempt + 1`` (``attempt`` ≥ 1 failed)."""
        return exponential_delay(attempt, self.backoff_base, self.backoff_max)

    @classmethod
    def from_env(cls) -> TaskSettings:
        return cls(
            lease_seconds=env_float("AUTONOMOS_TASK_LEASE_SECONDS", 60.0, minimum=1.0),
            reaper_interval=env_float("AUTONOMOS_REAPER_INTERVAL", 5.0, minimum=0.1),
            requeue_after=env_float("AUTONOMOS_TASK_REQUEUE_AFTER", 30.0, minimum=0.5),
            backoff_base=env_float("AUTONOMOS_TASK_BACKOFF_BASE", 2.0),
            backoff_max=env_float("AUTONOMOS_TASK_BACKOFF_MAX", 300.0),
            embedded_worker=env_bool("AUTONOMOS_EMBEDDED_WORKER", True),
            worker_threads=env_int("AUTONOMOS_WORKER_THREADS", 2, minimum=1),
            poll_max_delay=env_float("AUTONOMOS_WORKER_POLL_MAX_DELAY", 0.25, minimum=0.01),
            webhook_max_attempts=env_int("AUTONOMOS_WEBHOOK_MAX_ATTEMPTS", 5, minimum=1),
            webhook_timeout=env_float("AUTONOMOS_WEBHOOK_TIMEOUT", 10.0, minimum=0.1),
            webhook_backoff_base=env_float("AUTONOMOS_WEBHOOK_BACKOFF_BASE", 5.0),
            webhooks_allow_private=env_bool("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", False),
            webhook_allowed_targets=allowed_targets_from_env(),
            queue_name=env_str("AUTONOMOS_QUEUE_NAME", "autonomos") or "autonomos",
            task_timeout=env_float("AUTONOMOS_TASK_TIMEOUT", 1800.0),
            task_memory_limit=_memory_limit_from_env(),
            tenant_concurrency=env_int("AUTONOMOS_TASK_TENANT_CONCURRENCY", 1),
            shutdown_grace=env_float("AUTONOMOS_TASK_SHUTDOWN_GRACE", 5.0),
            max_columns=env_int("AUTONOMOS_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
            schedule_grace=env_float("AUTONOMOS_SCHEDULE_GRACE", 60.0, minimum=1.0),
            task_modules=tuple(m.strip() for m in (env_str("AUTONOMOS_TASK_MODULES", "") or "").split(",")
                               if m.strip()),
        )


def _memory_limit_from_env() -> str | None:
    raw = env_str("AUTONOMOS_TASK_MEMORY_LIMIT", "25%")
    if raw is None or raw.strip().lower() in ("", "0", "none", "off"):
        return None
    try:
        return memory_literal(raw)
    except AutonomosError as exc:
        raise ConfigError(f"AUTONOMOS_TASK_MEMORY_LIMIT: {exc}") from None


def allowed_targets_from_env() -> frozenset[tuple[str, int]]:
    """``AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS``: comma-separated ``host:port`` pairs (``[::1]:8080``)."""
    out: set[tuple[str, int]] = set()
    for item in (env_str("AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS", "") or "").split(","):
        item = item.strip()
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not port.isdigit() or not host:
            raise ValueError(f"AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS: {item!r} is not host:port")
        out.add((host.strip("[]").lower(), int(port)))
    return frozenset(out)


def allow_private_from_env() -> bool:
    """The server-level override, read at call time (tests flip it); startup validated it."""
    return env_bool("AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE", False)

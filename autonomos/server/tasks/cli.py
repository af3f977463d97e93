"""``autonomos worker``: task worker processes (listed in :mod:`autonomos.server.cli_commands`)."""

from __future__ import annotations

import click

from autonomos.core.errors import AutonomosError


@click.command()
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes to run (each a separate Huey consumer with its own reaper).")
@click.option("--threads", default=None, type=click.IntRange(1, 64),
              help="Consumer threads per process [default: AUTONOMOS_WORKER_THREADS or 2].")
def worker(workers: int, threads: int | None) -> None:
    """Run task workers: claim tasks from the queue, heartbeat their leases, reap lost ones.

    Production mode (AUTONOMOS_REDIS_URL set) uses RedisHuey; without Redis the worker shares the
    embedded SqliteHuey file of the data directory. SIGTERM and SIGINT stop it within
    AUTONOMOS_TASK_SHUTDOWN_GRACE seconds: running tasks are interrupted and go back to the queue
    (the attempt not counted); a task of a worker that died anyhow is re-queued by any worker's
    reaper once its lease expires.
    """
    import os
    import signal
    import subprocess
    import sys

    if workers > 1:
        args = [sys.executable, "-m", "autonomos.cli", "worker", "--workers", "1"]
        if threads:
            args += ["--threads", str(threads)]
        procs = [subprocess.Popen(args) for _ in range(workers)]
        click.echo(f"started {workers} worker processes: {', '.join(str(p.pid) for p in procs)}", err=True)

        def forward(signum: int, _frame: object) -> None:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        codes = [p.wait() for p in procs]
        # a child killed by a signal reports a negative code; the supervisor itself exits cleanly
        raise SystemExit(0 if all(c <= 0 for c in codes) else max(codes))

    import logging

    # Imported here, not at the top: every `autonomos` command loads this module to list the
    # command, and these pull in SQLAlchemy, Alembic, Huey and the engine (`autonomos --help`
    # must stay fast; see autonomos.server.cli_commands).
    from autonomos.server.db.migrate import upgrade
    from autonomos.server.settings import get_settings
    from autonomos.server.tasks.config import TaskSettings
    from autonomos.server.tasks.huey_app import TaskRuntime
    from autonomos.server.services import build_services
    from autonomos.server.tasks.service import install_runtime

    logging.basicConfig(level=os.environ.get("AUTONOMOS_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = get_settings()
        task_settings = TaskSettings.from_env()
        if settings.embedded:
            upgrade(settings.db.url)
        services = build_services(settings, task_settings).install()  # the same composition as the web app's
    except AutonomosError as exc:  # a bad setting, or a database role that skips row-level security
        raise click.ClickException(str(exc)) from None
    runtime = TaskRuntime(settings, task_settings, db=services.db, maintenance_rounds=services.maintenance_rounds)
    install_runtime(runtime)  # this process enqueues (retries, kinds that start tasks) through it
    runtime.start_maintenance()
    click.echo(f"worker {runtime.worker_id} ({runtime.mode} mode, kinds: {', '.join(sorted(services.kinds)) or 'none'})",
               err=True)
    consumer = runtime.create_consumer(threads or task_settings.worker_threads, own_signals=True)
    try:
        consumer.run()
    finally:
        if runtime.maintenance is not None:
            runtime.maintenance.stop()
        runtime.db.dispose()

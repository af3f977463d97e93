"""``autonomos serve``, ``migrate``, ``users``, ``demo-setup``, ``worker``, ``schedules``, ``backup`` and
``restore`` (registered in ``cli.py``)."""

from __future__ import annotations

from pathlib import Path

import click

from autonomos.core.errors import AutonomosError


def _settings():  # noqa: ANN202 - imported lazily so `autonomos --help` stays fast
    from autonomos.server.settings import get_settings

    try:
        return get_settings()
    except AutonomosError as exc:
        raise click.ClickException(str(exc)) from None


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, envvar="AUTONOMOS_HOST")
@click.option("--port", default=8000, show_default=True, type=int, envvar="AUTONOMOS_PORT")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="AUTONOMOS_WORKERS",
              help="uvicorn worker processes. One process saturates a core; use one per core. In embedded "
                   "mode only one of them runs the in-process task consumer.")
@click.option("--no-migrate", is_flag=True, help="Do not run migrations first (embedded mode runs them by default).")
def serve(host: str, port: int, workers: int, no_migrate: bool) -> None:
    """Serve the API (and the console) with uvicorn."""
    import uvicorn

    from autonomos.server.db.migrate import upgrade

    settings = _settings()
    if settings.embedded and not no_migrate:
        upgrade(settings.db.url)
    click.echo(f"AutonomOS API on http://{host}:{port} ({'embedded' if settings.embedded else 'production'} mode, "
               f"{workers} worker{'s' if workers > 1 else ''})", err=True)
    factory = "autonomos.server.cli_commands:worker_app" if workers > 1 else "autonomos.server.app:create_app"
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers, proxy_headers=True,
                log_level="info", access_log=False, loop="auto", http="auto")


_consumer_lock: object = None  # the open lock file of the process that runs the embedded consumer


def worker_app() -> object:
    """The app of one of several ``serve`` worker processes.

    In embedded mode the Huey consumer and maintenance thread run in one process only: the one
    holding an exclusive lock on ``<data dir>/embedded-worker.lock`` (kept until it exits; if it
    dies uvicorn starts a replacement, which takes the lock). The others only enqueue — the same
    split as production mode, where servers enqueue and ``autonomos worker`` consumes.
    """
    import fcntl
    import os
    from pathlib import Path

    from autonomos.server.app import create_app

    global _consumer_lock
    settings = _settings()
    if settings.embedded and _consumer_lock is None:
        path = Path(settings.data_dir) / "embedded-worker.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _consumer_lock = handle
        except BlockingIOError:
            handle.close()
            os.environ["AUTONOMOS_EMBEDDED_WORKER"] = "0"
    return create_app(settings)


@click.command()
@click.option("--revision", default="head", show_default=True)
def migrate(revision: str) -> None:
    """Bring the metadata database (AUTONOMOS_DATABASE_URL) to the latest schema."""
    from autonomos.server.db.migrate import current_revision, upgrade

    settings = _settings()
    upgrade(settings.db.url, revision)
    click.echo(f"database at revision {current_revision(settings.db.url)}")


@click.group()
def users() -> None:
    """Manage user accounts (operations)."""


@users.command("create")
@click.option("--org", "org", required=True, help="Organization name or slug (created when missing).")
@click.option("--email", required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice(["owner", "admin", "member", "viewer"]), default="owner", show_default=True)
def users_create(org: str, email: str, password: str, role: str) -> None:
    """Create a user in an organization (creating the organization when it does not exist)."""
    from sqlalchemy import select

    from autonomos.server.auth.passwords import PasswordHasher, password_problem
    from autonomos.server.auth.service import normalize_email, slugify
    from autonomos.server.db.models import Membership, Organization, User
    from autonomos.server.db.session import Database

    settings = _settings()
    if problem := password_problem(password):
        raise click.ClickException(f"--password {problem}")
    if "@" not in email:
        raise click.ClickException(f"--email {email!r} is not an email address")
    db = Database(settings.db)
    hasher = PasswordHasher(settings.auth)
    email = normalize_email(email)
    try:
        with db.system_session() as s:
            organization = s.scalar(select(Organization).where(
                (Organization.slug == org) | (Organization.slug == slugify(org)) | (Organization.name == org)))
            if organization is None:
                organization = Organization(name=org, slug=slugify(org))
                s.add(organization)
                s.flush()
            user = s.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, password_hash=hasher.hash(password))
                s.add(user)
                s.flush()
            member = s.scalar(select(Membership).where(Membership.tenant_id == organization.id,
                                                       Membership.user_id == user.id))
            if member is None:
                s.add(Membership(tenant_id=organization.id, user_id=user.id, role=role))
            else:
                member.role = role
            s.commit()
            click.echo(f"{email} is {role} of {organization.name} (organization id {organization.id})")
    except Exception as exc:  # an unmigrated database is the usual cause
        raise click.ClickException(f"could not create the user: {exc.__class__.__name__}: {exc}. "
                                   f"Run `autonomos migrate` first?") from None
    finally:
        db.dispose()


@click.command("demo-setup")
@click.option("--org", default="Demo Company", show_default=True)
@click.option("--email", default="demo@autonomos.dev", show_default=True, envvar="AUTONOMOS_DEMO_EMAIL")
@click.option("--password", default="autonomos-demo", show_default=True, envvar="AUTONOMOS_DEMO_PASSWORD")
def demo_setup(org: str, email: str, password: str) -> None:
    """Create the demo organization and user, and connect the bundled demo sources (once)."""
    from autonomos.connectors.demo import demo_pipeline_path
    from autonomos.core.catalog import TenantCatalog
    from autonomos.core.pipeline.runner import Runner
    from autonomos.core.spec import load_pipeline
    from autonomos.server.db.migrate import upgrade

    settings = _settings()
    upgrade(settings.db.url)
    ctx = click.get_current_context()
    ctx.invoke(users_create, org=org, email=email, password=password, role="owner")
    tenant_id = _org_id(settings, org)
    catalog = TenantCatalog(tenant_id, settings.data_dir)
    if catalog.current_manifest() is None:
        path = demo_pipeline_path()
        result = Runner(catalog).run(load_pipeline(path), base_dir=path.parent, pipeline_name="demo")
        s = result.stats
        click.echo(f"demo connected: {s['sources']} sources, {s['tables']} tables, {s['rows']:,} rows, "
                   f"{s['entities']} unified views")
    else:
        click.echo("demo already connected")
    click.echo(f"log in with {email} / {password}")


def _org_id(settings: object, org: str) -> "object":
    from sqlalchemy import select

    from autonomos.server.auth.service import slugify
    from autonomos.server.db.models import Organization
    from autonomos.server.db.session import Database

    db = Database(settings.db)  # type: ignore[attr-defined]
    try:
        with db.system_session() as s:
            return s.scalar(select(Organization.id).where(
                (Organization.slug == slugify(org)) | (Organization.name == org)))
    finally:
        db.dispose()


@click.group(invoke_without_command=True)
@click.option("--org", default=None, help="Only this organization (name or slug).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def schedules(ctx: click.Context, org: str | None, as_json: bool) -> None:
    """Pipeline schedules in the server's database: next run, last result; pause and resume.

    Reads the database the server uses (AUTONOMOS_DATABASE_URL, or the embedded one of the data
    directory). Piped output is tab-separated; --json prints every field.
    """
    if ctx.invoked_subcommand is not None:
        return
    import json
    import sys

    from autonomos.server.db.session import Database
    from autonomos.server.schedules.service import list_all

    settings = _settings()
    db = Database(settings.db)
    try:
        rows = list_all(db)
    except Exception as exc:  # an unmigrated database is the usual cause
        raise click.ClickException(f"could not read the schedules: {exc.__class__.__name__}: {exc}. "
                                   f"Run `autonomos migrate` first?") from None
    finally:
        db.dispose()
    if org is not None:
        rows = [r for r in rows if org in (r["organization"], _slug(org)) or _slug(r["organization"]) == _slug(org)]
    if as_json:
        click.echo(json.dumps(rows, default=str, indent=2))
        return
    header = ("organization", "pipeline", "cron", "timezone", "catch_up", "state", "next run", "last run", "runs")
    lines = [header] + [(r["organization"], r["pipeline_name"], r["cron"], r["timezone"], r["catch_up"],
                         "paused" if r["paused"] else "active", _when(r["next_run_at"], r["timezone"]),
                         _last(r), str(r["runs_started"])) for r in rows]
    if not sys.stdout.isatty():
        for line in lines:
            click.echo("\t".join(line))
        return
    if not rows:
        click.echo("no schedules (set one on the console's Pipelines page, PUT /api/v1/pipelines/{id}/schedule, "
                   "or a schedule: block in the pipeline YAML)")
        return
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())


def _slug(name: str) -> str:
    from autonomos.server.auth.service import slugify

    return slugify(name)


def _when(value: object, timezone: str) -> str:
    """``2026-12-04 06:00 Europe/Berlin (05:00 UTC)``, or ``-``."""
    import datetime as dt
    import zoneinfo

    if not isinstance(value, dt.datetime):
        return "-"
    local = value.astimezone(zoneinfo.ZoneInfo(timezone))
    utc = value.astimezone(dt.timezone.utc)
    return local.strftime("%Y-%m-%d %H:%M ") + timezone + ("" if timezone == "UTC" else utc.strftime(" (%H:%M UTC)"))


def _last(row: dict) -> str:  # type: ignore[type-arg]
    if row["last_tick_at"] is None:
        return "-"
    status = row["last_status"] or ("not run" if row["last_message"] else "-")
    return f"{status} ({_when(row['last_tick_at'], row['timezone'])})"


def _set_paused(org: str, pipeline: str, paused: bool) -> None:
    from sqlalchemy import select

    from autonomos.server.db.session import Database
    from autonomos.server.resources.models import Pipeline
    from autonomos.server.schedules.service import set_paused

    settings = _settings()
    tenant = _org_id(settings, org)
    if tenant is None:
        raise click.ClickException(f"no organization {org!r}")
    db = Database(settings.db)
    try:
        with db.session(tenant) as s:  # type: ignore[arg-type]
            pipeline_id = s.scalar(select(Pipeline.id).where(Pipeline.name == pipeline))
            if pipeline_id is None:
                raise click.ClickException(f"{org} has no pipeline {pipeline!r}")
            try:
                row = set_paused(s, pipeline_id, paused)
            except Exception as exc:
                raise click.ClickException(f"{pipeline}: {getattr(exc, 'detail', exc)}") from None
            click.echo(f"{pipeline}: {'paused' if row.paused else 'active'}, next run "
                       f"{_when(row.next_run_at, row.timezone)}")
    finally:
        db.dispose()


@schedules.command("pause")
@click.argument("pipeline")
@click.option("--org", required=True, help="Organization name or slug.")
def schedules_pause(pipeline: str, org: str) -> None:
    """Pause a pipeline's schedule (no runs until resumed)."""
    _set_paused(org, pipeline, True)


@schedules.command("resume")
@click.argument("pipeline")
@click.option("--org", required=True, help="Organization name or slug.")
def schedules_resume(pipeline: str, org: str) -> None:
    """Resume a pipeline's schedule from its next tick (ticks of the pause are not caught up)."""
    _set_paused(org, pipeline, False)


org_filter = click.option("--org", "--tenant", "orgs", multiple=True, metavar="ORG",
                          help="Only this organization (id, slug or name); repeat for several. Default: all.")


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@org_filter
@click.option("--wait", default=60.0, show_default=True, type=click.FloatRange(0),
              help="Seconds to wait for a run that is writing a catalog to finish.")
def backup(out: Path, orgs: tuple[str, ...], wait: float) -> None:
    """Write organizations' metadata and catalogs to OUT (.tar.gz), with a manifest of checksums.

    Sealed secrets stay sealed: keep AUTONOMOS_SECRET_KEY (embedded: <data dir>/secrets/) apart
    from the archive; restoring needs the same key (docs/operations.md, "Backup and restore")."""
    from autonomos.server.backup import create_backup

    settings = _settings()
    try:
        manifest = create_backup(settings, out, orgs, wait)
    except AutonomosError as exc:
        raise click.ClickException(str(exc)) from None
    names = ", ".join(t["slug"] for t in manifest["tenants"]) or "no organizations"
    sealed = manifest["secrets"]["sealed_values"]
    click.echo(f"{out}: {names}; schema revision {manifest['schema_revision']}, {sum(manifest['rows'].values())} "
               f"rows, {len(manifest['files'])} files"
               + (f"; {sealed} sealed secrets need the secret key with fingerprint "
                  f"{manifest['secrets']['key_fingerprint']}" if sealed else ""))


@click.command()
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@org_filter
@click.option("--replace", is_flag=True, help="Overwrite organizations that already exist here.")
def restore(archive: Path, orgs: tuple[str, ...], replace: bool) -> None:
    """Restore organizations from an ARCHIVE made by `autonomos backup` (checked first: nothing is
    written unless every checksum, the schema revision and the secret key fit)."""
    from autonomos.server.backup import restore_backup

    settings = _settings()
    try:
        result = restore_backup(settings, archive, orgs, replace)
    except AutonomosError as exc:
        raise click.ClickException(str(exc)) from None
    names = ", ".join(t["slug"] for t in result["tenants"]) or "no organizations"
    click.echo(f"restored {names} from {archive} ({sum(result['rows'].values())} rows"
               + (f", migrated from schema revision {result['schema_revision']}" if result["migrated"] else "")
               + (f", {result['kept_users']} users already here kept as they are" if result["kept_users"] else "")
               + ")")


from autonomos.server.tasks.cli import worker  # noqa: E402

commands = [serve, migrate, users, demo_setup, worker, schedules, backup, restore]

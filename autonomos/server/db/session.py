"""Engine and sessions, with tenant scoping by construction.

Every session is either **tenant-scoped** (``db.session(tenant_id)``, or the tenant of the
surrounding :func:`tenant_scope`) or explicitly **system** (``db.system_session()``, used only
where the tenant is not yet known: login, token refresh, API key lookup, invitation accept).

On a tenant-scoped session:

* every ORM SELECT / UPDATE / DELETE touching a :class:`TenantOwned` model gets
  ``tenant_id == <tenant>`` added (``with_loader_criteria``), joins and aliases included;
* new tenant-owned rows get ``tenant_id`` filled in, and a row for another tenant is refused;
* on PostgreSQL each transaction runs ``set_config('autonomos.tenant_id', <tenant>, true)``
  (``SET LOCAL``), which the row-level security policies of the migrations check again.

A session that is neither raises :class:`TenantScopeError` the moment it reads a tenant-owned
model, so a forgotten scope is a loud bug instead of a silent cross-tenant read.
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar
from typing import Any, Iterator

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from autonomos.core.errors import AutonomosError, ConfigError
from autonomos.server.db.base import TenantOwned
from autonomos.server.settings import RLS_BYPASS_ENV, DatabaseSettings

_current_tenant: ContextVar[uuid.UUID | None] = ContextVar("autonomos_current_tenant", default=None)


class TenantScopeError(AutonomosError):
    """A tenant-owned model was read or written without a tenant scope."""


@contextlib.contextmanager
def tenant_scope(tenant_id: uuid.UUID) -> Iterator[None]:
    """Make ``tenant_id`` the default tenant of sessions opened inside (workers, scripts)."""
    token = _current_tenant.set(tenant_id)
    try:
        yield
    finally:
        _current_tenant.reset(token)


class TenantSession(Session):
    """A Session whose ``info['tenant_id']`` (or ``info['system']``) drives the scoping events."""

    @property
    def tenant_id(self) -> uuid.UUID | None:
        return self.info.get("tenant_id")


def _is_tenant_owned(mapper: Any) -> bool:
    return isinstance(mapper.class_, type) and issubclass(mapper.class_, TenantOwned)


@event.listens_for(TenantSession, "do_orm_execute")
def _scope_statement(state: ORMExecuteState) -> None:
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.is_column_load or state.is_relationship_load:
        return  # the parent statement was scoped; the criteria propagate to these loads
    tenant_id = state.session.info.get("tenant_id")
    if tenant_id is None:
        if state.session.info.get("system"):
            return
        if any(_is_tenant_owned(m) for m in state.all_mappers):
            raise TenantScopeError("query on a tenant-owned model outside a tenant scope "
                                   "(use db.session(tenant_id) or db.system_session())")
        return
    state.statement = state.statement.options(
        with_loader_criteria(TenantOwned, lambda cls: cls.tenant_id == tenant_id, include_aliases=True)
    )


@event.listens_for(TenantSession, "before_flush")
def _stamp_new_rows(session: Session, flush_context: Any, instances: Any) -> None:
    tenant_id = session.info.get("tenant_id")
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, TenantOwned):
            continue
        if tenant_id is None:
            if not session.info.get("system"):
                raise TenantScopeError(f"writing {type(obj).__name__} outside a tenant scope")
            if obj.tenant_id is None:
                raise TenantScopeError(f"{type(obj).__name__} written by a system session needs tenant_id")
        elif obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            raise TenantScopeError(f"{type(obj).__name__} belongs to another tenant than this session")


@event.listens_for(TenantSession, "after_begin")
def _set_local_tenant(session: Session, transaction: Any, connection: Any) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant_id = session.info.get("tenant_id")
    if tenant_id is not None:
        connection.execute(text("select set_config('autonomos.tenant_id', :t, true)"), {"t": str(tenant_id)})
    elif session.info.get("system"):
        connection.execute(text("select set_config('autonomos.system', 'on', true)"))


def make_engine(settings: DatabaseSettings) -> Engine:
    """An engine for SQLite (WAL, foreign keys, busy timeout) or PostgreSQL via psycopg 3."""
    if settings.is_sqlite:
        engine = create_engine(settings.url, echo=settings.echo,
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
            cur = dbapi_con.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(settings.url, echo=settings.echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def rls_bypass_problem(engine: Engine) -> str | None:
    """Why PostgreSQL would not apply row-level security to the role ``engine`` logs in as
    (a superuser or a ``BYPASSRLS`` role: the policies are silently skipped), or None."""
    with engine.connect() as con:
        row = con.execute(text("select current_user, rolsuper, rolbypassrls from pg_roles "
                               "where rolname = current_user")).one()
    user, superuser, bypass = row
    if not (superuser or bypass):
        return None
    what = "a superuser" if superuser else "a BYPASSRLS role"
    return (f"the metadata database role {user!r} is {what}: PostgreSQL skips row-level security for it, so "
            f"the database would no longer keep one organization's rows from another's. Connect as an "
            f"ordinary role (NOSUPERUSER NOBYPASSRLS; see docs/operations.md, 'The application role'), "
            f"or set {RLS_BYPASS_ENV}=true to start anyway")


def refuse_rls_bypass(settings: DatabaseSettings, engine: Engine) -> None:
    """Startup check of every server and worker on PostgreSQL: :class:`ConfigError` when the role
    bypasses row-level security, unless the operator set ``AUTONOMOS_ALLOW_RLS_BYPASS``."""
    if not settings.is_postgres or settings.allow_rls_bypass:
        return
    if problem := rls_bypass_problem(engine):
        raise ConfigError(problem)


class Database:
    """The engine plus session factories. One per app (``app.state.db``) or worker process."""

    def __init__(self, settings: DatabaseSettings, engine: Engine | None = None):
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self._factory = sessionmaker(self.engine, class_=TenantSession, expire_on_commit=False)

    def session(self, tenant_id: uuid.UUID | None = None) -> TenantSession:
        """A session scoped to ``tenant_id`` (default: the current :func:`tenant_scope`)."""
        tenant_id = tenant_id or _current_tenant.get()
        if tenant_id is None:
            raise TenantScopeError("db.session() needs a tenant id (or use system_session())")
        return self._factory(info={"tenant_id": tenant_id})

    def system_session(self) -> TenantSession:
        """An unscoped session, for the few lookups that happen before the tenant is known."""
        return self._factory(info={"system": True})

    def dispose(self) -> None:
        self.engine.dispose()

"""Alembic environment: the url comes from ``config.attributes['url']`` or the server settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from autonomos.server.db.registry import metadata

config = context.config


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    from autonomos.server.settings import DatabaseSettings
    from autonomos.core import settings as core_settings

    return DatabaseSettings.from_env(core_settings.data_dir()).url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as con:
            context.configure(connection=con, target_metadata=metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

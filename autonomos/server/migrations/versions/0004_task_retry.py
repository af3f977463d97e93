"""tasks.retry_of (a retried task points at the task it retries); webhook secrets sealed at rest

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

``webhook_settings.secret`` (plain ``whsec_…``) becomes ``secret_sealed``: the same secret
encrypted with the organization's Fernet key (HKDF of ``AUTONOMOS_SECRET_KEY`` and the tenant id,
the key source secrets use). Existing rows are converted in place, so existing signatures keep
verifying; the downgrade opens them again. The key comes from ``config.attributes['secret_key']``
when the caller passes it, else from the environment as the server reads it (embedded mode: the
generated ``<data dir>/secrets/secret_key``) — it is only read when there are rows to convert.
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import context, op

# tasks and webhook_settings already have row-level security (0002); altering columns leaves the
# policies as they are.

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

SETTINGS = sa.table('webhook_settings', sa.column('id', sa.Uuid()), sa.column('tenant_id', sa.Uuid()),
                    sa.column('secret', sa.String()), sa.column('secret_sealed', sa.Text()))


def _secret_key() -> str:
    key = context.config.attributes.get('secret_key')
    if key:
        return key
    from autonomos.core import settings as core_settings
    from autonomos.server.settings import AuthSettings

    embedded = op.get_bind().dialect.name == 'sqlite'
    return AuthSettings.from_env(core_settings.data_dir(), embedded=embedded).secret_key


def _system(on: bool) -> None:
    """Under FORCE ROW LEVEL SECURITY a non-superuser migration role reads and writes every
    organization's rows only as a system transaction."""
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text("select set_config('autonomos.system', :v, true)"), {'v': 'on' if on else ''})


def _convert(source: str, target: str, seal: bool) -> None:
    """Write ``target`` of every row: ``source`` sealed (``seal``) or opened."""
    from cryptography.fernet import InvalidToken

    from autonomos.server.resources.secrets import tenant_key

    bind = op.get_bind()
    _system(True)
    rows = bind.execute(sa.select(SETTINGS.c.id, SETTINGS.c.tenant_id, SETTINGS.c[source])).all()
    secret_key = _secret_key() if rows else ''
    for row_id, tenant_id, value in rows:
        key = tenant_key(secret_key, uuid.UUID(str(tenant_id)))
        try:
            new = key.encrypt(value.encode()) if seal else key.decrypt(value.encode())
        except InvalidToken:
            raise RuntimeError(f"webhook secret of organization {tenant_id} does not decrypt with this "
                               "AUTONOMOS_SECRET_KEY; downgrade with the key it was sealed with") from None
        bind.execute(SETTINGS.update().where(SETTINGS.c.id == row_id).values({target: new.decode()}))
    _system(False)


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_of', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_retry_of'), ['retry_of'], unique=True)
        batch_op.create_foreign_key(batch_op.f('fk_tasks_retry_of_tasks'), 'tasks', ['retry_of'], ['id'],
                                    ondelete='SET NULL')

    with op.batch_alter_table('webhook_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret_sealed', sa.Text(), nullable=True))
    _convert('secret', 'secret_sealed', seal=True)
    with op.batch_alter_table('webhook_settings', schema=None) as batch_op:
        batch_op.alter_column('secret_sealed', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('secret')


def downgrade() -> None:
    with op.batch_alter_table('webhook_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=100), nullable=True))
    _convert('secret_sealed', 'secret', seal=False)
    with op.batch_alter_table('webhook_settings', schema=None) as batch_op:
        batch_op.alter_column('secret', existing_type=sa.String(length=100), nullable=False)
        batch_op.drop_column('secret_sealed')

    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_retry_of_tasks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tasks_retry_of'))
        batch_op.drop_column('retry_of')

"""llm_settings: an organization's LLM provider, model and sealed API key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from autonomos.server.db.rls import disable_rls, enable_rls

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

TENANT_TABLES = ("llm_settings",)


def upgrade() -> None:
    op.create_table('llm_settings',
    sa.Column('tenant_id', sa.Uuid(), nullable=False),
    sa.Column('provider', sa.String(length=100), nullable=True),
    sa.Column('model', sa.String(length=200), nullable=True),
    sa.Column('api_key', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['organizations.id'], name=op.f('fk_llm_settings_tenant_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tenant_id', name=op.f('pk_llm_settings'))
    )
    for table in TENANT_TABLES:
        enable_rls(op, table)


def downgrade() -> None:
    for table in TENANT_TABLES:
        disable_rls(op, table)
    op.drop_table('llm_settings')

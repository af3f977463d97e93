"""tasks.retry_of: a retried task points at the task it retries

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# tasks already has row-level security (0002); adding a column leaves the policy as it is.

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retry_of', sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tasks_retry_of'), ['retry_of'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_tasks_retry_of_tasks'), 'tasks', ['retry_of'], ['id'],
                                    ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tasks_retry_of_tasks'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tasks_retry_of'))
        batch_op.drop_column('retry_of')

"""PostgreSQL row-level security for tenant-owned tables, for use inside alembic migrations.

The policy admits a row when its ``tenant_id`` equals the transaction's
``autonomos.tenant_id`` setting (set by tenant-scoped sessions with ``SET LOCAL`` semantics), or
when the transaction is a system session (``autonomos.system = 'on'``: login, token refresh, API
key lookup). ``FORCE ROW LEVEL SECURITY`` applies it to the table owner too; only superusers and
``BYPASSRLS`` roles skip it, so production servers connect as an ordinary role.
"""

from __future__ import annotations

from typing import Any

POLICY = "tenant_isolation"


def enable_rls(op: Any, table: str) -> None:
    """Enable and force RLS on ``table`` with the tenant policy (no-op on other databases)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'ALTER TABLE "{table}" ENABLE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" FORCE ROW LEVEL SECURITY')
    op.execute(
        f'CREATE POLICY {POLICY} ON "{table}" '
        "USING (tenant_id = nullif(current_setting('autonomos.tenant_id', true), '')::uuid "
        "OR current_setting('autonomos.system', true) = 'on') "
        "WITH CHECK (tenant_id = nullif(current_setting('autonomos.tenant_id', true), '')::uuid "
        "OR current_setting('autonomos.system', true) = 'on')"
    )


def disable_rls(op: Any, table: str) -> None:
    """Undo :func:`enable_rls` (for downgrades)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f'DROP POLICY IF EXISTS {POLICY} ON "{table}"')
    op.execute(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')
    op.execute(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY')

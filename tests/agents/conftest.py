"""A real in-memory DuckDB with ``unified.<entity>`` tables shaped like the published views."""

from __future__ import annotations

from typing import Any, Callable

import duckdb
import pytest

from autonomos.core.ontology import CRM_FINANCE

LINEAGE = {"_source": "VARCHAR", "_source_table": "VARCHAR", "_source_id": "VARCHAR",
           "_loaded_at": "TIMESTAMP", "_batch_id": "VARCHAR"}


def add_entity(con: duckdb.DuckDBPyConnection, entity: str, records: list[dict[str, Any]]) -> None:
    """Create ``unified.<entity>`` with every canonical column (typed as in the ontology) plus
    lineage, and insert ``records`` (absent keys are NULL)."""
    onto = CRM_FINANCE.entity(entity)
    assert onto is not None, entity
    columns = {f.name: f.type for f in onto.fields} | LINEAGE
    con.execute("CREATE SCHEMA IF NOT EXISTS unified")
    con.execute(f"CREATE TABLE unified.{entity} ({', '.join(f'{c} {t}' for c, t in columns.items())})")
    for i, r in enumerate(records):
        unknown = set(r) - set(columns)
        assert not unknown, f"{entity}: not canonical: {unknown}"
        row = {"_source_table": "t", "_loaded_at": "2025-02-01 00:00:00", "_batch_id": "b1", **r}
        row.setdefault("_source_id", r.get("id") or f"row{i}")  # the source's primary key
        names = list(row)
        con.execute(f"INSERT INTO unified.{entity} ({', '.join(names)}) VALUES "
                    f"({', '.join('?' for _ in names)})", [row[n] for n in names])


@pytest.fixture
def unified() -> tuple[duckdb.DuckDBPyConnection, Callable[[str, list[dict[str, Any]]], None]]:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA unified")
    yield con, lambda entity, records: add_entity(con, entity, records)
    con.close()

"""What the built-in agents share: reading ``unified.<entity>`` defensively, JSON-safe rows,
and SQL that resolves one company across systems.

An agent gets a read-only DuckDB connection whose ``unified`` schema holds one view per
mapped entity. Any view may be missing and any canonical column may be NULL (or, in a
hand-made catalog, absent); these helpers turn both into "section unavailable" instead of
an exception, so one unmapped entity never hides the findings of the others.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from typing import Any, Sequence

import duckdb


class Agent:
    """Base for the built-in agents: ``name``, ``title``, ``description``, ``consumes`` and
    ``run(con)``. The contract plugins meet is :class:`autonomos.core.agent.Agent`."""

    name: str = ""
    title: str = ""
    description: str = ""
    consumes: list[str] = []

    def run(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        raise NotImplementedError


def view_columns(con: duckdb.DuckDBPyConnection, entity: str) -> set[str] | None:
    """Column names of ``unified.<entity>``, or None when the view does not exist."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'unified' "
        "AND table_name = ?", [entity]).fetchall()
    return {r[0] for r in rows} or None


def entity_sql(con: duckdb.DuckDBPyConnection, entity: str, columns: dict[str, str],
               order_by: str | None = "updated_at") -> str | None:
    """A subquery over ``unified.<entity>`` exposing exactly ``columns`` (name → DuckDB type).

    Absent columns become typed NULLs. Rows repeating the same source record keep only the
    latest (by ``order_by`` when present, then ``_loaded_at``), so a re-exported record is
    counted once even if the catalog did not deduplicate it. A source record is identified by
    ``_source_id`` (the source's primary key) when the view has it, else by ``id``: a cost line
    item id alone is not unique, its primary key is. Returns None without the view.
    """
    present = view_columns(con, entity)
    if present is None:
        return None
    wanted = dict(columns)
    wanted.setdefault("_source", "VARCHAR")
    wanted.setdefault("id", "VARCHAR")
    cols = ", ".join(
        f'CAST("{c}" AS {t}) AS "{c}"' if c in present else f'CAST(NULL AS {t}) AS "{c}"'
        for c, t in wanted.items())
    order = [f'"{order_by}" DESC NULLS LAST'] if order_by and order_by in present else []
    if "_loaded_at" in present:
        order.append('"_loaded_at" DESC NULLS LAST')
    order_sql = ", ".join(order) or "1"
    key = ('coalesce(CAST("_source_id" AS VARCHAR), CAST("id" AS VARCHAR))' if "_source_id" in present
           else 'CAST("id" AS VARCHAR)')
    table = '"_source_table"' if "_source_table" in present else "NULL"
    return (f"(SELECT * EXCLUDE (_rn, _key) FROM (SELECT {cols}, {key} AS _key, row_number() OVER "
            f'(PARTITION BY "_source", {table}, {key} ORDER BY {order_sql}) AS _rn '
            f'FROM unified."{entity}") WHERE _key IS NULL OR _rn = 1)')


def jsonable(value: Any) -> Any:
    """Decimals → float, dates → ISO strings, NaN → None: results must survive ``json.dumps``."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> list[dict[str, Any]]:
    """Run ``sql`` and return JSON-safe dicts."""
    cur = con.execute(sql, list(params or []))
    names = [d[0] for d in cur.description or []]
    return [{n: jsonable(v) for n, v in zip(names, r)} for r in cur.fetchall()]


def unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


def missing_views(con: duckdb.DuckDBPyConnection, entities: Sequence[str]) -> list[str]:
    return [e for e in entities if view_columns(con, e) is None]


# -- one company across systems ---------------------------------------------------------------
_LEGAL_SUFFIXES = ("inc|incorporated|llc|ltd|limited|corp|corporation|co|company|plc|gmbh|ag|sa|"
                   "sarl|sas|bv|nv|sl|ab|aps|as|spa|srl|kk|pty|oy|group|holdings")


def domain_key_sql(domain: str, email: str) -> str:
    """SQL: a bare lower-case host from a website/domain (``https://www.x.com/`` → ``x.com``),
    else the host of an e-mail address."""
    host = (f"regexp_replace(regexp_replace(lower(trim({domain})), '^[a-z][a-z0-9+.-]*://', ''), "
            "'^www[0-9]*\\.|[/:?#].*$', '', 'g')")
    return (f"coalesce(nullif({host}, ''), "
            f"nullif(lower(trim(split_part({email}, '@', 2))), ''))")


def name_key_sql(name: str) -> str:
    """SQL: a company name without case, accents, punctuation or legal suffix
    (``"ACME CORPORATION"``, ``"Acme, Inc."`` and ``" Acme "`` all give ``acme``)."""
    cleaned = f"regexp_replace(strip_accents(lower(coalesce({name}, ''))), '[^a-z0-9]+', ' ', 'g')"
    no_suffix = f"regexp_replace({cleaned}, '\\b({_LEGAL_SUFFIXES})\\b', ' ', 'g')"
    return f"nullif(trim(regexp_replace({no_suffix}, '\\s+', ' ', 'g')), '')"


def company_keys_cte(account_rel: str) -> str:
    """CTEs ``acct_raw`` and ``acct`` (``_source, id, name, ckey``): every account with a company
    key. The key is the domain when known; an account known only by name borrows the domain of
    another account with the same normalized name (when that name points at exactly one
    domain), else keeps ``name:<normalized name>``."""
    return f"""
    acct_raw AS (
        SELECT _source, id, name, {domain_key_sql('domain', 'email')} AS dkey, {name_key_sql('name')} AS nkey
        FROM {account_rel}
    ),
    name_domain AS (
        SELECT nkey, min(dkey) AS dkey FROM acct_raw
        WHERE nkey IS NOT NULL AND dkey IS NOT NULL GROUP BY nkey HAVING count(DISTINCT dkey) = 1
    ),
    acct AS (
        SELECT a._source, a.id, trim(a.name) AS name,
               coalesce(a.dkey, nd.dkey, 'name:' || a.nkey) AS ckey
        FROM acct_raw a LEFT JOIN name_domain nd ON nd.nkey = a.nkey
    )"""

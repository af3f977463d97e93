"""The agent contract: what ``register_agents`` accepts (the built-in ``revops`` and ``finops``
agents included).

An agent is any object with a ``name``, the entities it ``consumes`` and a ``run`` method; it
need not subclass anything (``isinstance(obj, Agent)`` checks the shape)::

    from autonomos import hookimpl

    class CountAccounts:
        name = "count_accounts"
        title = "Count accounts"
        consumes = ["account"]

        def run(self, con):
            n = con.execute("SELECT count(*) FROM unified.account").fetchone()[0]
            return {"summary": f"{n} accounts", "accounts": n}

    @hookimpl
    def register_agents(register):
        register(CountAccounts())

``run(con)`` receives a read-only DuckDB connection in which one ``unified.<entity>`` view exists
per mapped entity (any may be missing, any canonical column NULL) and returns JSON-serialisable
findings with a ``summary`` string. An exception is stored as the agent's failed result and
reported as a ``fault`` event; it never fails the run.

Optional members, read with ``getattr`` by the host: ``title`` (shown by the console; defaults to
``name``) and ``description``. ``consumes`` draws the graph's entity → agent edges.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

if TYPE_CHECKING:
    import duckdb


@runtime_checkable
class Agent(Protocol):
    """What ``register_agents`` accepts: ``name``, ``consumes`` and ``run(con) -> dict``."""

    name: str
    consumes: Sequence[str]

    def run(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        """Read ``unified.<entity>`` views through ``con``; return findings with a ``summary``."""
        ...

"""Every hook AutonomOS calls. Built-ins implement them exactly like third-party plugins.

The ``register_*`` hooks receive a ``register`` callback owned by the host, so the host
validates and stamps everything that arrives with the name of the plugin that sent it.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

hookspec = pluggy.HookspecMarker("autonomos")


@hookspec
def register_connectors(register: Callable[[type], None]) -> None:
    """Register connector classes (subclasses of ``autonomos.core.connector.Connector``)."""


@hookspec
def register_mappers(register: Callable[[Any], None]) -> None:
    """Register field mappers (objects with ``name`` and ``map_table(table, ontology)``)."""


@hookspec
def register_llm_providers(register: Callable[[Any], None]) -> None:
    """Register LLM providers (objects with ``name``, ``models()`` and ``complete(prompt, schema)``)."""


@hookspec
def register_agents(register: Callable[[Any], None]) -> None:
    """Register agents: consumers of unified entities (``name``, ``consumes``, ``run(con)``)."""


@hookspec
def register_ontologies(register: Callable[[Any], None]) -> None:
    """Register ontologies (``autonomos.core.models.Ontology`` instances)."""


@hookspec
def on_event(event: Any) -> None:
    """Observe an engine event (``autonomos.core.events.Event``); failures are isolated and logged."""

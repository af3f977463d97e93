"""Every hook AutonomOS calls. Built-ins implement them exactly like third-party plugins.

The ``register_*`` hooks receive a ``register`` callback owned by the host, so the host
validates and stamps everything that arrives with the name of the plugin that sent it. What each
callback takes is written down as a class: :class:`~autonomos.core.connector.Connector`
subclasses, :class:`~autonomos.core.mapper.Mapper`, :class:`~autonomos.core.llm_provider.LLMProvider`
and :class:`~autonomos.core.agent.Agent` objects, :class:`~autonomos.core.models.Ontology`
instances (all importable from ``autonomos``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:
    from autonomos.core.agent import Agent
    from autonomos.core.connector import Connector
    from autonomos.core.events import Event
    from autonomos.core.llm_provider import LLMProvider
    from autonomos.core.mapper import Mapper
    from autonomos.core.models import Ontology

hookspec = pluggy.HookspecMarker("autonomos")


@hookspec
def register_connectors(register: Callable[[type[Connector]], None]) -> None:
    """Register connector classes (subclasses of ``autonomos.core.connector.Connector``)."""


@hookspec
def register_mappers(register: Callable[[Mapper], None]) -> None:
    """Register field mappers (:class:`~autonomos.core.mapper.Mapper`: ``name`` and
    ``map_table(table, ontology)``; optionally ``map_fields``, ``uses_llm``, ``timeout_s``)."""


@hookspec
def register_llm_providers(register: Callable[[LLMProvider], None]) -> None:
    """Register LLM providers (:class:`~autonomos.core.llm_provider.LLMProvider`: ``name``,
    ``models()`` and ``complete(prompt, schema)``)."""


@hookspec
def register_agents(register: Callable[[Agent], None]) -> None:
    """Register agents: consumers of unified entities (:class:`~autonomos.core.agent.Agent`:
    ``name``, ``consumes``, ``run(con)``)."""


@hookspec
def register_ontologies(register: Callable[[Ontology], None]) -> None:
    """Register ontologies (``autonomos.core.models.Ontology`` instances)."""


@hookspec
def on_event(event: Event) -> None:
    """Observe an engine event (``autonomos.core.events.Event``); failures are isolated and logged."""

"""The LLM provider contract: what ``register_llm_providers`` accepts (the built-in ``openai``
and ``gemini`` providers included).

A provider is any object with a ``name``, ``models()`` and ``complete(prompt, schema)``;
``isinstance(obj, LLMProvider)`` checks the shape. Subclassing
:class:`autonomos.llm_providers.base.Provider` (``from autonomos import Provider``) gives key
resolution, retries with backoff, timeouts, masked errors and answer validation for free.

- ``complete(prompt, schema)`` returns a JSON object (a ``dict``) matching the JSON ``schema``
  (``type``, ``properties``, ``required``, ``items``, ``enum``, ``additionalProperties: false``)
  and raises :class:`~autonomos.llm_providers.base.LLMError` on failure, including an answer
  that does not match. It may also take a ``model`` keyword (``complete(prompt, schema,
  model=None)``); callers pass one only when the signature accepts it.
- ``models()`` lists the model ids the endpoint offers.

Optional members: ``embed(texts) -> list[list[float]]`` (no built-in caller yet), and, read
with ``getattr`` by the host when present, ``configured(**settings)`` (a copy with an explicit
``api_key`` or a tenant's ``secrets``), ``model(model=None) -> str`` (the model a call would
use), ``default_model`` and ``suggested_models`` (offered by the LLM settings form).
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol, runtime_checkable


@runtime_checkable
class LLMProvider(Protocol):
    """What ``register_llm_providers`` accepts: ``name``, ``models()`` and ``complete(prompt, schema)``."""

    name: str

    def models(self) -> list[str]:
        """Model ids the endpoint offers."""
        ...

    def complete(self, prompt: str, schema: Mapping[str, Any]) -> dict[str, Any]:
        """A JSON object answering ``prompt`` that matches the JSON ``schema``."""
        ...

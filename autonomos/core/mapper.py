"""The mapper contract: what ``register_mappers`` accepts (the built-in ``heuristic`` and ``llm``
mappers included).

A mapper is any object with a ``name`` and a ``map_table`` method; it need not subclass
anything (``isinstance(obj, Mapper)`` checks the shape). Register an instance::

    from autonomos import FieldMapping, Mapper, TableMapping, hookimpl

    class SkuMapper:
        name = "sku_codes"

        def map_table(self, table, ontology) -> TableMapping: ...

    @hookimpl
    def register_mappers(register):
        register(SkuMapper())

``map_table(table, ontology)`` returns a :class:`~autonomos.core.models.TableMapping`: the
table's entity (``None`` when nothing fits) with a confidence in 0..1 and a reason, and one
:class:`~autonomos.core.models.FieldMapping` per field of ``table``, in table order:
``canonical`` (None when nothing fits), ``confidence`` 0..1, ``mapper`` (the mapper's ``name``),
a human-readable ``reason`` and ``alternatives`` (other
:class:`~autonomos.core.models.Candidate` targets it weighed). It must not mutate its inputs
and should be deterministic.

Optional members, looked up with ``hasattr``/``getattr`` by the host (``core.pipeline.map``):

- ``map_fields(table, ontology, entity: str) -> TableMapping``: map the fields as the given
  entity; called instead of ``map_table`` when the entity is already fixed (a YAML override, a
  review decision, or for LLM mappers the entity the mappers ranked above chose). Raise
  ``ValueError`` for an entity the ontology does not have. :class:`EntityMapper` is a mapper
  that has it.
- ``uses_llm: bool`` (default False; a name starting with ``llm`` counts as True): ranked
  last, run only when LLM use is on, and only fills fields the others left unmapped or unsure.
- ``timeout_s: float``: this mapper's time limit per call instead of the host's 20 s.

The host ranks mappers, isolates their failures (an exception or a return value that is not a
``TableMapping`` is logged and ignored) and time-limits each call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from autonomos.core.models import Ontology, TableMapping, TableSchema


@runtime_checkable
class Mapper(Protocol):
    """What ``register_mappers`` accepts: ``name`` and ``map_table(table, ontology)``."""

    name: str

    def map_table(self, table: TableSchema, ontology: Ontology) -> TableMapping:
        """Map ``table`` onto an entity of ``ontology`` and its fields onto canonical fields."""
        ...


@runtime_checkable
class EntityMapper(Mapper, Protocol):
    """A :class:`Mapper` that can also map a table's fields as an entity fixed beforehand."""

    def map_fields(self, table: TableSchema, ontology: Ontology, entity: str) -> TableMapping:
        """Map the fields of ``table`` as ``entity``; ``ValueError`` for an unknown entity."""
        ...

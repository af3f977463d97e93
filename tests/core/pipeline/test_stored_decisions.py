"""Review decisions as the metastore stores them (``tbl``, not ``table``) steer the next run's
mapping (issue 13: after a rerun the console's Learning panel said "No review decisions yet" and
a decided field came back as ``learned`` at 0.90 "in erp.None" instead of the reviewer's choice)."""

from __future__ import annotations

from pathlib import Path

from autonomos.core.metastore import MetaStore
from autonomos.core.models import Field, MappingSettings, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.pipeline.map import map_table
from autonomos.mappers.heuristic import HeuristicMapper


def test_a_stored_decision_fixes_its_field_and_teaches_other_tables(tmp_path: Path) -> None:
    meta = MetaStore(tmp_path / "meta.sqlite")
    meta.add_decision("erp", "AR_INVOICES", "amt", "invoice", "amount", "approved", actor="test")
    table = TableSchema("AR_INVOICES", [Field("inv_no", "VARCHAR", ["1"]), Field("amt", "VARCHAR", ["$1.00"])])
    tm = map_table(table, CRM_FINANCE, MappingSettings(), "erp", learned=meta.decisions(), mappers=[HeuristicMapper()])
    amt = next(f for f in tm.fields if f.field == "amt")
    assert (amt.canonical, amt.mapper, amt.confidence) == ("amount", "review", 1.0)

    other = TableSchema("invoices", [Field("inv_no", "VARCHAR", ["1"]), Field("amt", "VARCHAR", ["$2.00"])])
    tm = map_table(other, CRM_FINANCE, MappingSettings(), "ledger", learned=meta.decisions(), mappers=[HeuristicMapper()])
    learned = next(f for f in tm.fields if f.field == "amt")
    assert learned.mapper == "learned" and learned.canonical == "amount"
    assert "in erp.AR_INVOICES" in learned.reason and "None" not in learned.reason

"""Host-side mapping: ranking, human decisions, isolation, and the `map` document contract."""

from __future__ import annotations

import json
import threading

import pytest

from autonomos.core.errors import ConfigError
from autonomos.core.models import (Field, FieldMapping, MappingSettings, TableMapping,
                                   TableSchema)
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.pipeline.map import (accepted, field_status, map_table,
                                         propose_schema_mapping)
from autonomos.mappers.heuristic import HeuristicMapper

HEUR = HeuristicMapper()
SETTINGS = MappingSettings()


def _table(name: str, *fields: tuple) -> TableSchema:
    return TableSchema(name, [Field(n, t, list(s)) for n, t, s in fields])


def _fm(tm: TableMapping, name: str) -> FieldMapping:
    return next(f for f in tm.fields if f.field == name)


# -- document contract ------------------------------------------------------------------------
def test_document_contract_shape_and_order() -> None:
    doc = {"source": "x", "extra": 1, "tables": [
        {"name": "Accounts", "comment": "extra keys are fine", "fields": [
            {"name": "Account_Name", "type": "VARCHAR", "samples": ["Acme", "Globex"]},
            {"name": "Website", "samples": ["acme.com"]},
            {"name": "_loaded_at", "type": "TIMESTAMP"},
            {"name": "zzz_weird"}]},
        {"name": "jira_issues", "fields": [{"name": "issue_key"}, {"name": "summary"}]},
        {"name": "empty_table", "fields": []},
        {"name": "no_fields_key"}]}
    out = propose_schema_mapping(doc)
    json.dumps(out)  # JSON-serialisable
    assert out["source"] == "x" and out["ontology"] == "crm_finance"
    assert [t["table"] for t in out["tables"]] == ["Accounts", "jira_issues", "empty_table", "no_fields_key"]
    acc = out["tables"][0]
    assert acc["entity"] == "account" and acc["confidence"] >= 0.85
    assert [f["field"] for f in acc["fields"]] == ["Account_Name", "Website", "_loaded_at", "zzz_weird"]
    name = acc["fields"][0]
    assert name["canonical"] == "name" and name["mapper"] == "heuristic" and name["reason"]
    assert name["confidence"] == round(name["confidence"], 3) and 0.9 <= name["confidence"] <= 1.0
    assert acc["fields"][1]["canonical"] == "domain"
    assert acc["fields"][2]["canonical"] is None and acc["fields"][3]["canonical"] is None
    jira = out["tables"][1]
    assert jira["entity"] is None and all(f["canonical"] is None for f in jira["fields"])
    assert out["tables"][2]["fields"] == [] and out["tables"][3]["fields"] == []


def test_document_without_source() -> None:
    out = propose_schema_mapping({"tables": [{"name": "Deals", "fields": [{"name": "Amount"}]}]})
    assert out["source"] is None
    assert out["tables"][0]["fields"][0]["canonical"] == "amount"


@pytest.mark.parametrize("doc,message", [
    ([], "schema document: expected an object"),
    ({}, "tables: required"),
    ({"tables": {}}, "tables: expected a list"),
    ({"tables": [3]}, "tables[0]: expected an object"),
    ({"tables": [{"fields": []}]}, "tables[0].name: required"),
    ({"tables": [{"name": ""}]}, "tables[0].name: expected a non-empty string"),
    ({"tables": [{"name": "t", "fields": "a,b"}]}, "tables[0].fields: expected a list"),
    ({"tables": [{"name": "t", "fields": [{"name": "a"}, {"name": "b"}, {"type": "VARCHAR"}]}]},
     "tables[0].fields[2].name: required"),
    ({"tables": [{"name": "t", "fields": [{"name": "a", "type": 5}]}]}, "tables[0].fields[0].type"),
    ({"tables": [{"name": "t", "fields": [{"name": "a", "samples": "x"}]}]},
     "tables[0].fields[0].samples: expected a list"),
    ({"source": 3, "tables": []}, "source: expected a string"),
    ({"ontology": "nope", "tables": []}, "ontology: unknown ontology 'nope'"),
])
def test_document_errors_name_the_path(doc: object, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        propose_schema_mapping(doc)  # type: ignore[arg-type]
    assert message in str(err.value)


# -- status -----------------------------------------------------------------------------------
def test_accept_rule() -> None:
    assert accepted(FieldMapping("a", "name", 0.9), 0.85)
    assert not accepted(FieldMapping("a", "name", 0.8), 0.85)
    assert accepted(FieldMapping("a", "name", 0.1, mapper="override"), 0.85)
    assert accepted(FieldMapping("a", "name", 0.1, mapper="review"), 0.85)
    assert not accepted(FieldMapping("a", None, 1.0, mapper="override"), 0.85)
    sure = TableMapping("t", "account", 0.9)
    assert field_status(FieldMapping("a", "name", 0.5), sure, 0.85) == "review"
    assert field_status(FieldMapping("a", None, 0.9), sure, 0.85) == "unmapped"
    assert field_status(FieldMapping("a", "name", 0.9), sure, 0.85) == "accepted"


def test_one_rule_decides_in_map_and_in_a_run() -> None:
    """Issue 12, item 1: a field at 0.95 on an entity at 0.6 waits for review with its table,
    whether `autonomos map` or a run asks; a person's mapping is accepted either way."""
    from autonomos.core.pipeline.publish import mapping_rows

    unsure = TableMapping("t", "account", 0.6, fields=[FieldMapping("n", "name", 0.95),
                                                       FieldMapping("e", "email", 0.2, mapper="human")])
    schema = TableSchema(name="t", fields=[Field("n", "VARCHAR"), Field("e", "VARCHAR")])
    in_map = [field_status(fm, unsure, 0.85) for fm in unsure.fields]
    in_run = [r["status"] for r in mapping_rows(unsure, schema, 0.85)]
    assert in_map == in_run == ["review", "accepted"]
    confirmed = TableMapping("t", "account", 0.6, fields=unsure.fields, mapper="override")
    assert [field_status(fm, confirmed, 0.85) for fm in confirmed.fields] == ["accepted", "accepted"]


# -- ranking ----------------------------------------------------------------------------------
def test_override_fixes_field_and_entity() -> None:
    t = _table("stuff", ("ref_code", "VARCHAR", ["A1"]), ("value", "DOUBLE", [1.0]),
               ("junk", "VARCHAR", []), ("Name", "VARCHAR", ["x"]))
    settings = MappingSettings(overrides={"src.stuff.ref_code": "invoice.number",
                                          "src.stuff.Name": None, "other.stuff.value": "usage.quantity"})
    tm = map_table(t, CRM_FINANCE, settings, "src", mappers=[HEUR])
    assert tm.entity == "invoice" and tm.confidence == 1.0
    ref = _fm(tm, "ref_code")
    assert (ref.canonical, ref.confidence, ref.mapper) == ("number", 1.0, "override")
    assert _fm(tm, "value").canonical == "amount"  # heuristic, constrained to the fixed entity
    name = _fm(tm, "Name")
    assert name.canonical is None and name.mapper == "override"


def test_override_to_unknown_target_is_an_error() -> None:
    with pytest.raises(ConfigError, match="mapping.overrides.src.t.a"):
        map_table(_table("t", ("a", "VARCHAR", [])), CRM_FINANCE,
                  MappingSettings(overrides={"src.t.a": "account.nope"}), "src", mappers=[HEUR])


def test_review_decisions_on_the_field_win() -> None:
    t = _table("Deals", ("Amount", "DOUBLE", [1.0]), ("Stage", "VARCHAR", ["Won"]),
               ("blob", "VARCHAR", []))
    learned = [
        {"source": "crm", "table": "Deals", "field": "blob", "entity": "opportunity",
         "canonical": "status", "decision": "edited"},
        {"source": "crm", "table": "Deals", "field": "Amount", "entity": "opportunity",
         "canonical": "amount", "decision": "approved"},
    ]
    tm = map_table(t, CRM_FINANCE, SETTINGS, "crm", learned=learned, mappers=[HEUR])
    assert (_fm(tm, "blob").canonical, _fm(tm, "blob").mapper) == ("status", "review")
    assert _fm(tm, "Amount").mapper == "review" and _fm(tm, "Amount").confidence == 1.0
    assert _fm(tm, "Stage").mapper == "heuristic"


def test_rejection_vetoes_the_proposal() -> None:
    t = _table("Deals", ("Amount", "DOUBLE", [1.0]), ("Stage", "VARCHAR", ["Won"]))
    learned = [{"source": "crm", "table": "Deals", "field": "Stage", "entity": "opportunity",
                "canonical": "stage", "decision": "rejected"}]
    tm = map_table(t, CRM_FINANCE, SETTINGS, "crm", learned=learned, mappers=[HEUR])
    stage = _fm(tm, "Stage")
    assert stage.canonical != "stage" and "rejected" in stage.reason
    assert not accepted(stage, SETTINGS.accept_threshold)


def test_learned_memory_generalizes_to_other_tables() -> None:
    learned = [{"source": "erp", "table": "orders", "field": "cust_ref", "entity": "invoice",
                "canonical": "account_id", "decision": "approved"}]
    t = _table("AR_INVOICES", ("InvNo", "VARCHAR", ["1"]), ("CustRef", "VARCHAR", ["C9"]),
               ("Total", "DECIMAL(18,2)", [1.0]))
    without = map_table(t, CRM_FINANCE, SETTINGS, "other", mappers=[HEUR])
    assert _fm(without, "CustRef").mapper == "heuristic"
    tm = map_table(t, CRM_FINANCE, SETTINGS, "other", learned=learned, mappers=[HEUR])
    cust = _fm(tm, "CustRef")
    assert (cust.canonical, cust.mapper) == ("account_id", "learned")
    assert accepted(cust, SETTINGS.accept_threshold) and "erp.orders" in cust.reason
    # memory for another entity does not leak into this table
    other = [dict(learned[0], entity="opportunity")]
    tm2 = map_table(t, CRM_FINANCE, SETTINGS, "other", learned=other, mappers=[HEUR])
    assert _fm(tm2, "CustRef").mapper == "heuristic"


def test_higher_rank_takes_a_canonical_from_lower() -> None:
    t = _table("Deals", ("Amount", "DOUBLE", [1.0]), ("net", "DOUBLE", [1.0]))
    settings = MappingSettings(overrides={"s.Deals.net": "opportunity.amount"})
    tm = map_table(t, CRM_FINANCE, settings, "s", mappers=[HEUR])
    assert _fm(tm, "net").canonical == "amount"
    amount = _fm(tm, "Amount")
    assert amount.canonical is None and "taken by 'net'" in amount.reason


class _Broken:
    name = "broken"

    def map_table(self, table: TableSchema, ontology: object) -> TableMapping:
        raise RuntimeError("boom")


class _Slow:
    name = "slow"

    def __init__(self) -> None:
        self.release = threading.Event()

    def map_table(self, table: TableSchema, ontology: object) -> TableMapping:
        self.release.wait(5)
        return TableMapping(table.name, "usage", 0.99)


class _Garbage:
    name = "garbage"

    def map_table(self, table: TableSchema, ontology: object) -> object:
        return {"entity": "usage"}


def test_failing_slow_and_bad_mappers_are_isolated(caplog: pytest.LogCaptureFixture) -> None:
    slow = _Slow()
    t = _table("Deals", ("Amount", "DOUBLE", [1.0]))
    try:
        tm = map_table(t, CRM_FINANCE, SETTINGS, "s", mappers=[_Broken(), slow, _Garbage(), HEUR],
                       timeout=0.3)
    finally:
        slow.release.set()
    assert tm.entity == "opportunity" and _fm(tm, "Amount").canonical == "amount"
    text = caplog.text
    assert "broken failed" in text and "slow timed out" in text and "garbage returned" in text


class _FakeLLM:
    name = "llm-fake"
    uses_llm = True

    def __init__(self) -> None:
        self.calls = 0

    def map_table(self, table: TableSchema, ontology: object) -> TableMapping:
        self.calls += 1
        return TableMapping(table.name, "opportunity", 0.9, [
            FieldMapping(f.name, "name" if f.name == "hdl" else None, 0.88, self.name, "llm says")
            for f in table.fields], mapper=self.name)


def test_llm_mapper_ranks_last_and_only_when_enabled() -> None:
    t = _table("Deals", ("Amount", "DOUBLE", [1.0]), ("hdl", "VARCHAR", ["Acme renewal"]))
    llm = _FakeLLM()
    off = map_table(t, CRM_FINANCE, SETTINGS, "s", mappers=[HEUR, llm])
    assert llm.calls == 0 and _fm(off, "hdl").mapper == "heuristic"
    on = map_table(t, CRM_FINANCE, MappingSettings(use_llm=True), "s", mappers=[HEUR, llm])
    assert llm.calls == 1
    assert (_fm(on, "hdl").canonical, _fm(on, "hdl").mapper) == ("name", "llm-fake")
    assert _fm(on, "Amount").mapper == "heuristic"  # accepted heuristic result stands


def test_registered_mappers_are_used_by_default() -> None:
    tm = map_table(_table("Deals", ("Amount", "DOUBLE", [1.0])), CRM_FINANCE, SETTINGS, "s")
    assert tm.entity == "opportunity" and tm.mapper == "heuristic"


def test_no_mappers_leaves_everything_unmapped() -> None:
    tm = map_table(_table("Deals", ("Amount", "DOUBLE", [1.0])), CRM_FINANCE, SETTINGS, "s", mappers=[])
    assert tm.entity is None and tm.fields[0].canonical is None

"""The heuristic mapper on labelled vendor schemas, plus its unit behaviours."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from autonomos.core.models import Field, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.core.plugins import PluginHost
from autonomos.mappers.heuristic import HeuristicMapper

sys.path.insert(0, str(Path(__file__).parent))
from mapping_eval import evaluate, load  # noqa: E402

MAPPER = HeuristicMapper()


def run(name: str, fields: list[tuple]) -> dict:
    schema = TableSchema(name=name, fields=[Field(n, t or "", list(s)) for n, t, s in fields])
    tm = MAPPER.map_table(schema, CRM_FINANCE)
    return {"entity": tm.entity, "conf": tm.confidence, "tm": tm,
            **{fm.field: (fm.canonical, fm.confidence) for fm in tm.fields}}


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_evaluation_set_quality(split: str) -> None:
    r = evaluate(split)
    assert r["tables"] >= 20 and r["fields"] >= 190
    assert r["entity_accuracy"] >= 0.95, r["errors"]
    assert r["accepted_precision"] >= 0.95, r["errors"]
    assert r["field_accuracy"] >= 0.9, r["errors"]
    assert r["accepted_recall"] >= 0.8, r["errors"]


def test_each_canonical_used_once_per_table() -> None:
    for split in ("dev", "holdout"):
        for _, fx in load(split):
            for t in fx["tables"]:
                tm = run(t["name"], [(n, ty, s) for n, ty, s, _ in t["fields"]])["tm"]
                used = [fm.canonical for fm in tm.fields if fm.canonical]
                assert len(used) == len(set(used)), (t["name"], used)
                assert [fm.field for fm in tm.fields] == [f[0] for f in t["fields"]]


def test_assignment_beats_greedy() -> None:
    r = run("invoices", [("SubTotal", "DECIMAL(18,2)", [100.0]), ("Total", "DECIMAL(18,2)", [115.0]),
                         ("AmountDue", "DECIMAL(18,2)", [115.0])])
    assert r["Total"][0] == "amount" and r["AmountDue"][0] == "balance"
    assert r["SubTotal"][0] is None
    sub = next(fm for fm in r["tm"].fields if fm.field == "SubTotal")
    assert "amount" in sub.reason and sub.alternatives[0].canonical == "amount"


@pytest.mark.parametrize("name", ["_loaded_at", "_batch_id", "_source", "_source_table",
                                  "SystemModstamp", "IsDeleted", "_airbyte_emitted_at"])
def test_lineage_and_system_columns_map_to_null(name: str) -> None:
    r = run("Account", [("Id", "VARCHAR", []), ("Name", "VARCHAR", ["Acme"]),
                        (name, "TIMESTAMP" if "at" in name.lower() else "VARCHAR", [])])
    assert r["entity"] == "account"
    assert r[name][0] is None
    fm = next(fm for fm in r["tm"].fields if fm.field == name)
    assert fm.reason


def test_raw_and_normalized_names_agree() -> None:
    raw = run("Account", [("Account_Name", "VARCHAR", ["Acme"]), ("BillingCity", "VARCHAR", []),
                          ("AnnualRevenue", "DOUBLE", [1.0]), ("NumberOfEmployees", "BIGINT", [5]),
                          ("properties.domain", "VARCHAR", ["acme.com"])])
    norm = run("accounts", [("account_name", "VARCHAR", ["Acme"]), ("billing_city", "VARCHAR", []),
                            ("annual_revenue", "DOUBLE", [1.0]), ("number_of_employees", "BIGINT", [5]),
                            ("properties__domain", "VARCHAR", ["acme.com"])])
    expect = ["name", "city", "annual_revenue", "employee_count", "domain"]
    assert [raw[k][0] for k in ("Account_Name", "BillingCity", "AnnualRevenue",
                                "NumberOfEmployees", "properties.domain")] == expect
    assert [norm[k][0] for k in ("account_name", "billing_city", "annual_revenue",
                                 "number_of_employees", "properties__domain")] == expect


def test_own_id_versus_foreign_keys() -> None:
    inv = run("AR_INVOICE_HDR", [("INV_ID", "BIGINT", [1]), ("CUST_ID", "VARCHAR", ["C1"]),
                                 ("INV_NO", "VARCHAR", ["9001"]), ("INV_AMT", "DECIMAL(15,2)", [1.0])])
    assert inv["entity"] == "invoice"
    assert inv["INV_ID"][0] == "id" and inv["CUST_ID"][0] == "account_id"
    assert inv["INV_NO"][0] == "number" and inv["INV_AMT"][0] == "amount"
    cust = run("CUST_MSTR", [("CUST_ID", "VARCHAR", ["C1"]), ("CUST_NM", "VARCHAR", ["Acme"])])
    assert cust["entity"] == "account" and cust["CUST_ID"][0] == "id" and cust["CUST_NM"][0] == "name"
    opp = run("Opportunity", [("Id", "VARCHAR", []), ("AccountId", "VARCHAR", []),
                              ("ContactId", "VARCHAR", []), ("name", "VARCHAR", ["Big deal"])])
    assert (opp["Id"][0], opp["AccountId"][0], opp["ContactId"][0], opp["name"][0]) == (
        "id", "account_id", "contact_id", "name")


def test_entity_from_field_evidence_when_name_says_nothing() -> None:
    r = run("pipeline_items", [("amt", "DECIMAL(18,2)", [10.0]), ("stage", "VARCHAR", ["Won"]),
                               ("close_date", "DATE", ["2024-01-01"]), ("probability", "DOUBLE", [0.5])])
    assert r["entity"] == "opportunity"
    assert "stage" in r["tm"].reason


def test_unknown_table_maps_to_nothing() -> None:
    r = run("jira_issues", [("issue_key", "VARCHAR", ["OPS-1"]), ("summary", "VARCHAR", ["x"]),
                            ("story_points", "BIGINT", [3])])
    assert r["entity"] is None
    assert all(fm.canonical is None for fm in r["tm"].fields)
    assert "no entity" in r["tm"].reason


def test_confidence_is_calibrated() -> None:
    r = run("contacts", [("email", "VARCHAR", ["a@b.com", "c@d.io"]), ("Phone", "VARCHAR", ["+1 212 555 0100"]),
                         ("zz_email_backup_field_old", "VARCHAR", []), ("first_name", "VARCHAR", ["Ann"])])
    assert r["email"] == ("email", pytest.approx(r["email"][1])) and r["email"][1] >= 0.9
    assert r["Phone"][0] == "phone" and r["Phone"][1] >= 0.9
    assert r["first_name"][1] >= 0.9
    weak = run("accounts", [("city_text", "VARCHAR", [])])
    assert weak["city_text"][0] == "city"
    assert weak["city_text"][1] < 0.85


def test_type_incompatibility_lowers_confidence() -> None:
    good = run("deals", [("close_date", "DATE", [])])["close_date"]
    bad = run("deals", [("close_date", "BOOLEAN", [True])])["close_date"]
    assert good[1] >= 0.9 and (bad[0] is None or bad[1] < 0.5)


def test_value_patterns_rescue_uninformative_names() -> None:
    r = run("contacts", [("col_7", None, ["amy@initech.com", "tom@hooli.com"]), ("Name", "VARCHAR", ["Amy"])])
    assert r["col_7"][0] == "email" and r["col_7"][1] < 0.85


def test_custom_fields_are_not_forced() -> None:
    r = run("Account", [("Name", "VARCHAR", []), ("Custom_Score__c", "DOUBLE", [1.0]),
                        ("cf_region_code", "VARCHAR", ["EMEA"]), ("x_tier", "VARCHAR", ["gold"])])
    assert r["Custom_Score__c"][0] is None and r["cf_region_code"][0] is None and r["x_tier"][0] is None


def test_alternatives_and_reasons_are_reported() -> None:
    tm = run("Account", [("BillingCity", "VARCHAR", []), ("ShippingCity", "VARCHAR", [])])["tm"]
    billing, shipping = tm.fields
    assert billing.canonical == "city" and shipping.canonical is None
    assert shipping.alternatives and shipping.alternatives[0].canonical == "city"
    assert "BillingCity" in billing.reason
    assert all(0.0 <= fm.confidence <= 1.0 for fm in tm.fields)


def test_missing_types_and_samples_are_fine() -> None:
    tm = MAPPER.map_table(TableSchema("Deals", [Field("Amount", ""), Field("Stage", "")]), CRM_FINANCE)
    assert tm.entity == "opportunity" and [f.canonical for f in tm.fields] == ["amount", "stage"]


def test_registered_through_the_plugin_hook() -> None:
    host = PluginHost(load_entrypoints=False)
    assert host.mappers()["heuristic"].name == "heuristic"


def test_map_fields_uses_the_given_entity() -> None:
    tm = MAPPER.map_fields(TableSchema("stuff", [Field("value", "DOUBLE", [1.0])]), CRM_FINANCE, "invoice")
    assert tm.entity == "invoice" and tm.fields[0].canonical == "amount"
    with pytest.raises(ValueError, match="unknown entity"):
        MAPPER.map_fields(TableSchema("stuff", []), CRM_FINANCE, "nope")


def test_blind_holdout2_floor() -> None:
    """Written after the mapper was frozen; floors are looser and reflect the measured result."""
    r = evaluate("holdout2")
    assert r["tables"] >= 9
    assert r["accepted_precision"] >= 0.9, r["errors"]
    assert r["entity_accepted_precision"] >= 0.9, r["errors"]
    assert r["field_accuracy"] >= 0.8, r["errors"]


def test_table_named_for_a_non_entity_object_gets_no_entity() -> None:
    """Sharing ids, statuses, plans and start/end dates is not evidence of an entity."""
    r = run("subscriptions", [("subscription_id", "BIGINT", [1, 2]),
                              ("account_id", "BIGINT", [1001]), ("plan", "VARCHAR", ["starter"]),
                              ("seats", "BIGINT", [130]), ("mrr_cents", "BIGINT", [377000]),
                              ("started_on", "DATE", ["2023-04-02"]),
                              ("ended_on", "DATE", ["2023-10-19"]),
                              ("status", "VARCHAR", ["active", "ended"])])
    assert r["entity"] is None, r["tm"].reason
    assert "subscription" in r["tm"].reason
    # ... while the entity word at the head of the name still decides
    r = run("subscription_invoices", [("id", "VARCHAR", ["in_1"]), ("total", "BIGINT", [100]),
                                      ("due_date", "DATE", ["2024-01-01"])])
    assert r["entity"] == "invoice"


def test_weak_unspecific_evidence_without_a_name_gets_no_entity() -> None:
    r = run("t_20240601", [("id", "BIGINT", [1]), ("status", "VARCHAR", ["open"]),
                           ("created_at", "TIMESTAMP", ["2024-06-01T00:00:00Z"]),
                           ("updated_at", "TIMESTAMP", ["2024-06-02T00:00:00Z"])])
    assert r["entity"] is None or r["conf"] < 0.6


def test_ambiguous_abbreviation_modifying_another_noun_does_not_name_the_entity() -> None:
    r = run("res_users", [("id", "BIGINT", [1]), ("login", "VARCHAR", ["admin"]),
                          ("display_name", "VARCHAR", ["Administrator"])])
    assert r["entity"] != "cloud_resource"


def test_a_tenant_entity_named_like_a_non_entity_object_is_used() -> None:
    from autonomos.core.ontology import extend

    onto = extend(CRM_FINANCE, {"entities": {"subscription": {"fields": {
        "plan": "VARCHAR", "status": "VARCHAR", "started_at": "TIMESTAMP"}}}})
    tm = MAPPER.map_table(TableSchema("subscriptions", [
        Field("id", "VARCHAR", ["sub_1"]), Field("plan", "VARCHAR", ["pro"]),
        Field("status", "VARCHAR", ["active"])]), onto)
    assert tm.entity == "subscription" and tm.confidence >= 0.85


def test_wide_table_maps_fast() -> None:
    import random
    import time

    rnd = random.Random(7)
    words = ("account customer billing amount total date created status name email phone city "
             "region cost usage start end quantity unit service sku project resource tag label "
             "line item product price reservation id key number type code").split()
    schema = TableSchema("wide_export", [
        Field("_".join(rnd.sample(words, rnd.randint(1, 4))) + f"_{i}",
              rnd.choice(["VARCHAR", "DOUBLE", "TIMESTAMP", "BIGINT"]), ["a@b.com", "2024-01-01"])
        for i in range(300)])
    t0 = time.perf_counter()
    tm = MAPPER.map_table(schema, CRM_FINANCE)
    assert time.perf_counter() - t0 < 2.0
    assert len(tm.fields) == 300


def test_blind_holdout3_floor() -> None:
    """Third blind set (see its README): floors at the measured result, to catch regressions."""
    r = evaluate("holdout3")
    assert r["tables"] >= 12
    assert r["entity_accuracy"] >= 0.8, r["errors"]
    assert r["accepted_precision"] >= 0.8, r["errors"]
    assert r["field_accuracy"] >= 0.78, r["errors"]


def test_reference_to_another_entity_is_not_the_rows_own_id() -> None:
    r = run("api_usage", [("customer_id", "VARCHAR", ["c_1042"]),
                          ("external_customer_id", "VARCHAR", ["acct_77"]),
                          ("event_name", "VARCHAR", ["api_call"]), ("count", "BIGINT", [12]),
                          ("window_start", "TIMESTAMP", ["2024-06-01 00:00:00"])])
    assert r["entity"] == "usage"
    assert r["customer_id"][0] == "account_id" and r["customer_id"][1] >= 0.85
    assert r["external_customer_id"][0] != "id"


def test_code_of_a_categorical_field_and_money_units() -> None:
    r = run("deals", [("id", "BIGINT", [1]), ("title", "VARCHAR", ["Big"]),
                      ("pipeline_stage_id", "BIGINT", [3]), ("currency_code", "VARCHAR", ["EUR"]),
                      ("amount_in_cents", "BIGINT", [500000]), ("owner_id", "BIGINT", [8])])
    assert r["pipeline_stage_id"][0] == "stage" and r["pipeline_stage_id"][1] >= 0.85
    assert r["amount_in_cents"][0] == "amount" and r["amount_in_cents"][1] >= 0.85
    assert r["title"][0] == "name" and r["title"][1] >= 0.85
    assert r["owner_id"][0] == "owner" and r["owner_id"][1] >= 0.85


def test_bare_reference_with_id_values_and_first_list_element() -> None:
    r = run("invoices", [("id", "VARCHAR", ["in_1Mtx"]), ("customer", "VARCHAR", ["cus_NffrFeUfNV2Hib"]),
                         ("total", "BIGINT", [1000]), ("currency", "VARCHAR", ["usd"])])
    assert r["customer"][0] == "account_id" and r["customer"][1] >= 0.85
    # the same bare word holding names is a name, not a confident reference
    r = run("invoices", [("id", "VARCHAR", ["in_1Mtx"]), ("customer", "VARCHAR", ["Acme Corp"]),
                         ("total", "BIGINT", [1000])])
    assert not (r["customer"][0] == "account_id" and r["customer"][1] >= 0.85)
    r = run("companies", [("id", "BIGINT", [1]), ("name", "VARCHAR", ["Acme"]),
                          ("phone_numbers__0__number", "VARCHAR", ["+1 415 555 0101"])])
    assert r["phone_numbers__0__number"] == ("phone", r["phone_numbers__0__number"][1])
    assert r["phone_numbers__0__number"][1] >= 0.85

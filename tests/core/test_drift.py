"""Drift classification: added, removed, type changed, likely renamed."""

from autonomos.core.drift import classify


def f(name: str, type_: str = "VARCHAR", samples: list | None = None) -> dict:
    return {"name": name, "type": type_, "samples": samples or []}


def test_no_change_is_falsy() -> None:
    assert not classify([f("a"), f("b", "BIGINT")], [f("a"), f("b", "BIGINT")])


def test_added_removed_and_type_changed() -> None:
    d = classify([f("a"), f("amount", "BIGINT"), f("legacy_code", "BIGINT")], [f("a"), f("amount", "DOUBLE"), f("tier")])
    assert d.added == ["tier"] and d.removed == ["legacy_code"]
    assert d.type_changed == [{"field": "amount", "from": "BIGINT", "to": "DOUBLE"}]
    assert d.renamed == []


def test_rename_by_name_similarity_and_by_values() -> None:
    d = classify([f("billing_country")], [f("billing_country_code")])
    assert d.renamed[0]["from"] == "billing_country" and d.renamed[0]["to"] == "billing_country_code"
    d = classify([f("cust", samples=["A1", "A2"])], [f("customer_ref", samples=["A2", "A3"])])
    assert [(r["from"], r["to"]) for r in d.renamed] == [("cust", "customer_ref")]
    assert not d.added and not d.removed


def test_different_types_are_not_renames() -> None:
    d = classify([f("total", "DOUBLE")], [f("totals", "VARCHAR")])
    assert d.renamed == [] and d.added == ["totals"] and d.removed == ["total"]

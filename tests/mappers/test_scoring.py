"""Field scoring rules that generalise across vendors: other periods, commitments, tag keys,
references, date-first names and names that belong to another entity's field."""

from __future__ import annotations

from autonomos.core.models import Field, TableSchema
from autonomos.core.ontology import CRM_FINANCE
from autonomos.mappers.heuristic import HeuristicMapper

MAPPER = HeuristicMapper()


def fields(table: str, cols: list[tuple[str, str, list]], entity: str | None = None) -> dict:
    schema = TableSchema(name=table, fields=[Field(n, t, list(s)) for n, t, s in cols])
    tm = (MAPPER.map_fields(schema, CRM_FINANCE, entity) if entity
          else MAPPER.map_table(schema, CRM_FINANCE))
    return {"entity": tm.entity, **{fm.field: fm for fm in tm.fields}}


TS = ["2025-01-01T00:00:00Z", "2025-01-02T00:00:00Z"]


def test_billing_period_is_not_the_usage_period() -> None:
    for bill_start, usage_start, usage_end in [
        ("bill__billing_period_start_date", "line_item__usage_start_date", "line_item__usage_end_date"),
        ("bill/BillingPeriodStartDate", "lineItem/UsageStartDate", "lineItem/UsageEndDate"),
        ("billing_period_start", "charge_period_start", "charge_period_end"),
    ]:
        r = fields("cost_and_usage_report", [
            (bill_start, "TIMESTAMP", TS[:1]), (usage_start, "TIMESTAMP", TS),
            (usage_end, "TIMESTAMP", TS), ("line_item__unblended_cost", "DOUBLE", [1.5]),
            ("line_item__product_code", "VARCHAR", ["AmazonEC2"])])
        assert r["entity"] == "cloud_cost"
        assert r[usage_start].canonical == "usage_start" and r[usage_start].confidence >= 0.85
        assert r[usage_end].canonical == "usage_end"
        assert r[bill_start].canonical is None, r[bill_start].reason


def test_commitment_columns_are_not_the_line_cost() -> None:
    r = fields("cur", [("line_item__unblended_cost", "DOUBLE", [1.0]),
                       ("reservation__effective_cost", "DOUBLE", [0.6]),
                       ("pricing__public_on_demand_cost", "DOUBLE", [1.2]),
                       ("reservation__reservation_arn", "VARCHAR", ["arn:aws:ec2:::ri/1"])],
               entity="cloud_cost")
    assert r["line_item__unblended_cost"].canonical == "cost"
    assert r["reservation__effective_cost"].canonical is None
    assert r["pricing__public_on_demand_cost"].canonical is None
    assert r["reservation__reservation_arn"].canonical is None


def test_tag_columns_map_by_their_key() -> None:
    for name in ["resource_tags__user__project", "resourceTags/user:Project", "labels.project",
                 "Tags.Project", "tags__project"]:
        r = fields("cost_export", [(name, "VARCHAR", ["web", "api"]),
                                   ("cost", "DOUBLE", [1.0])], entity="cloud_cost")
        assert r[name].canonical == "project" and r[name].confidence >= 0.85, (name, r[name])
        assert "tag" in r[name].reason
    r = fields("cost_export", [("resource_tags__user__environment", "VARCHAR", ["prod"]),
                               ("tags__resource_id", "VARCHAR", ["i-1"])], entity="cloud_cost")
    assert r["resource_tags__user__environment"].canonical is None
    assert r["tags__resource_id"].canonical is None  # a tag value is never a record id


def test_a_dedicated_project_column_beats_a_project_tag() -> None:
    r = fields("billing_export", [("project__id", "VARCHAR", ["shop-prod"]),
                                  ("labels__project", "VARCHAR", ["checkout"])], entity="cloud_cost")
    assert r["project__id"].canonical == "project" and r["labels__project"].canonical is None


def test_other_things_named_after_a_reference_are_not_the_reference() -> None:
    r = fields("usage_summary", [("org_name", "VARCHAR", ["Acme"]),
                                 ("org_id", "VARCHAR", ["o-1"]),
                                 ("lead_source", "VARCHAR", ["web"])], entity="usage")
    assert r["org_id"].canonical == "account_id"
    assert r["org_name"].canonical is None
    r = fields("deals", [("lead_source", "VARCHAR", ["web"]), ("amount", "DOUBLE", [1.0])],
               entity="opportunity")
    assert r["lead_source"].canonical is None


def test_date_first_names() -> None:
    r = fields("opportunities", [("date_closed", "DATE", ["2024-01-01"]),
                                 ("date_created", "TIMESTAMP", TS),
                                 ("date_modified", "TIMESTAMP", TS)], entity="opportunity")
    assert [r[n].canonical for n in ("date_closed", "date_created", "date_modified")] == [
        "close_date", "created_at", "updated_at"]
    assert r["date_closed"].confidence >= 0.85


def test_a_name_that_is_another_entitys_field_stays_out_of_review_range() -> None:
    r = fields("customers", [("first_name", "VARCHAR", ["Ann"]), ("company", "VARCHAR", ["Acme"]),
                             ("email", "VARCHAR", ["a@acme.com"])], entity="account")
    assert r["first_name"].canonical is None or r["first_name"].confidence < 0.6
    # own ids written with the entity's name are still the own id
    r = fields("account", [("accountid", "VARCHAR", ["a-1"]), ("name", "VARCHAR", ["Acme"])])
    assert r["accountid"].canonical == "id" and r["accountid"].confidence >= 0.9

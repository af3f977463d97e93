"""FinOps over a hand-made unified catalog: spend breakdowns, a planted spike, usage trends."""

from __future__ import annotations

import json

import duckdb

from autonomos.agents.finops import FinOpsAgent, find_anomalies
from autonomos.core.plugins import PluginHost

EC2 = [100, 102, 98, 101, 99, 100, 103, 100, 97, 100]


def cost_rows() -> list[dict]:
    out = []
    for i, c in enumerate(EC2, start=1):
        day = f"2025-01-{i:02d}"
        out.append({"_source": "aws", "id": f"l1-{i}", "service": "AmazonEC2", "project": "web", "resource_id": "r1",
                    "cost": c, "currency": "USD", "usage_start": f"{day} 00:00:00"})
        out.append({"_source": "aws", "id": f"l2-{i}", "service": "AmazonS3", "project": None, "resource_id": "r2",
                    "cost": 10, "currency": "usd", "usage_start": f"{day} 00:00:00"})
    out.append({"_source": "aws", "id": "gpu", "service": "AmazonEC2", "project": "ml", "resource_id": "r3",
                "cost": 400, "currency": "USD", "usage_start": "2025-01-08 00:00:00"})
    # the same line item delivered twice: counted once
    out.append(dict(out[5], _loaded_at="2025-01-31 00:00:00"))
    # a fee with no resource and no cost figure
    out.append({"_source": "aws", "id": "fee", "service": "Support", "cost": None, "usage_start": "2025-01-10 00:00:00"})
    return out


RESOURCES = [
    {"_source": "aws", "id": "r1", "name": "web-1", "resource_type": "AWS::EC2::Instance", "state": "running"},
    {"_source": "aws", "id": "r3", "name": "gpu-1", "resource_type": "AWS::EC2::Instance", "state": "terminated"},
]

USAGE = [
    {"_source": "billing", "id": "u1", "account_id": "a1", "metric": "api_calls", "quantity": 100, "unit": "calls",
     "period_start": "2024-11-01 00:00:00"},
    {"_source": "billing", "id": "u2", "account_id": "a1", "metric": "api_calls", "quantity": 80, "unit": "calls",
     "period_start": "2024-12-01 00:00:00"},
    {"_source": "billing", "id": "u3", "account_id": "a2", "metric": "api_calls", "quantity": 50, "unit": "calls",
     "period_start": "2024-11-01 00:00:00"},
    {"_source": "billing", "id": "u4", "account_id": "a2", "metric": "api_calls", "quantity": 40, "unit": "calls",
     "period_start": "2024-12-01 00:00:00"},
    {"_source": "billing", "id": "u5", "account_id": "a1", "metric": "storage_gb", "quantity": 5.5, "unit": "GB",
     "period_start": "2024-12-01 00:00:00"},
    {"_source": "billing", "id": "u6", "account_id": "a1", "metric": None, "quantity": 1, "unit": None,
     "period_start": None},
]


def full(add) -> None:
    add("cloud_cost", cost_rows())
    add("cloud_resource", RESOURCES)
    add("usage", USAGE)


def test_spend_by_service_and_project(unified) -> None:
    con, add = unified
    full(add)
    result = FinOpsAgent().run(con)
    json.dumps(result)
    spend = result["spend"]
    assert (spend["total"], spend["line_items"], spend["missing_cost"]) == (1500.0, 22, 1)
    assert (spend["first_day"], spend["last_day"], spend["currencies"]) == ("2025-01-01", "2025-01-10", ["USD"])
    assert [(s["name"], s["cost"], s["share"]) for s in result["by_service"]["items"]] == [
        ("AmazonEC2", 1400.0, round(1400 / 1500, 4)), ("AmazonS3", 100.0, round(100 / 1500, 4)),
        ("Support", 0, 0.0)]
    assert [(p["name"], p["cost"]) for p in result["by_project"]["items"]] == [
        ("web", 1000.0), ("ml", 400.0), ("(untagged)", 100.0)]


def test_top_resources_joined_to_inventory(unified) -> None:
    con, add = unified
    full(add)
    top = FinOpsAgent().run(con)["top_resources"]["items"]
    assert [(r["resource_id"], r["name"], r["state"], r["cost"], r["days"]) for r in top] == [
        ("r1", "web-1", "running", 1000.0, 10), ("r3", "gpu-1", "terminated", 400.0, 1), ("r2", None, None, 100.0, 10)]


def test_the_spike_is_the_only_anomaly_and_names_its_drivers(unified) -> None:
    con, add = unified
    full(add)
    anomalies = FinOpsAgent().run(con)["anomalies"]
    assert anomalies["days"] == 10
    assert len(anomalies["items"]) == 1
    a = anomalies["items"][0]
    assert (a["day"], a["spend"], a["baseline_median"], a["ratio"], a["excess"]) == (
        "2025-01-08", 510.0, 110.0, round(510 / 110, 2), 400.0)
    assert a["drivers"] == {"service": {"name": "AmazonEC2", "increase": 400.0},
                            "project": {"name": "ml", "increase": 400.0},
                            "resource_id": {"name": "r3", "increase": 400.0}}


def test_anomaly_rule() -> None:
    flat = [(f"d{i}", 100.0) for i in range(10)]
    assert find_anomalies(flat) == []
    # doubling plus a bit on a flat series: ratio and MAD both exceeded
    assert [a["day"] for a in find_anomalies(flat[:7] + [("spike", 201.0)])] == ["spike"]
    # too little history: nothing is judged
    assert find_anomalies([("a", 1.0), ("b", 1.0), ("c", 50.0)]) == []
    # a noisy series whose swings exceed 2x the median but not 5 scaled MADs
    noisy = [(str(i), v) for i, v in enumerate([10, 30, 5, 40, 8, 35, 30])]  # day 5: 3.5x the median
    assert find_anomalies(noisy) == []
    # drops are never anomalies
    assert find_anomalies(flat[:7] + [("drop", 0.0)]) == []


def test_usage_summary_per_metric(unified) -> None:
    con, add = unified
    full(add)
    metrics = {m["metric"]: m for m in FinOpsAgent().run(con)["usage"]["metrics"]}
    api = metrics["api_calls"]
    assert (api["units"], api["rows"], api["accounts"], api["total"], api["per_account"]) == (["calls"], 4, 2, 270.0, 135.0)
    assert (api["latest_period_total"], api["previous_period_total"], api["change"]) == (120.0, 150.0, -0.2)
    assert api["last_period"] == "2024-12-01T00:00:00"
    storage = metrics["storage_gb"]
    assert (storage["total"], storage["latest_period_total"], storage["change"]) == (5.5, 5.5, None)
    assert metrics["(unknown)"]["rows"] == 1


def test_missing_views(unified) -> None:
    con, add = unified
    add("usage", USAGE)
    result = FinOpsAgent().run(con)
    for key in ("spend", "by_service", "by_project", "top_resources", "anomalies"):
        assert result[key]["available"] is False
    assert result["usage"]["available"] is True
    assert result["summary"] == "cloud cost unavailable; 3 usage metrics."

    con2 = duckdb.connect()
    con2.execute("CREATE SCHEMA unified")
    con2.execute("CREATE TABLE unified.cloud_cost (cost DECIMAL(18,2), service VARCHAR, _source VARCHAR)")
    con2.execute("INSERT INTO unified.cloud_cost VALUES (5, 'EC2', 'aws')")  # a catalog missing most columns
    result = FinOpsAgent().run(con2)
    json.dumps(result)
    assert result["spend"]["total"] == 5.0 and result["anomalies"]["items"] == []
    assert result["top_resources"]["note"] == "no unified.cloud_resource view: names and types unavailable"
    assert result["usage"]["available"] is False


def test_summary_and_registration(unified) -> None:
    con, add = unified
    full(add)
    assert FinOpsAgent().run(con)["summary"] == (
        "cloud spend 1,500.00 USD from 2025-01-01 to 2025-01-10; top service AmazonEC2 (93%); "
        "1 cost anomaly: 2025-01-08 (x4.64); 3 usage metrics.")
    agent = PluginHost(load_entrypoints=False).agent("finops")
    assert agent.consumes == ["cloud_cost", "cloud_resource", "usage"]


def test_line_items_sharing_an_id_are_distinct_records(unified) -> None:
    """A CUR line item id repeats across hours; its primary key (``_source_id``) does not."""
    con, add = unified
    add("cloud_cost", [
        {"_source": "aws", "id": "li-1", "_source_id": "li-1|h1", "cost": 2, "usage_start": "2025-01-01 01:00:00"},
        {"_source": "aws", "id": "li-1", "_source_id": "li-1|h2", "cost": 3, "usage_start": "2025-01-01 02:00:00"},
        {"_source": "aws", "id": "li-1", "_source_id": "li-1|h2", "cost": 3, "usage_start": "2025-01-01 02:00:00",
         "_loaded_at": "2025-02-02 00:00:00"},
    ])
    result = FinOpsAgent().run(con)
    assert (result["spend"]["total"], result["spend"]["line_items"]) == (5.0, 2)
    assert result["anomalies"]["note"].startswith("only 1 day(s) of usage_start")
    assert "anomalies not evaluated" in result["summary"]

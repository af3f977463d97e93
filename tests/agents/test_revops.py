"""RevOps over a hand-made unified catalog: messy stages, duplicates, cross-system accounts."""

from __future__ import annotations

import json

import duckdb

from autonomos.agents.revops import RevOpsAgent, stage_bucket_sql
from autonomos.core.plugins import PluginHost

ACCOUNTS = [
    {"_source": "salesforce", "id": "A1", "name": "Acme Corporation", "domain": "https://www.acme.com/"},
    {"_source": "salesforce", "id": "A2", "name": "Globex", "domain": "globex.com"},
    {"_source": "salesforce", "id": "A3", "name": "Initech"},
    {"_source": "hubspot", "id": "H1", "name": "Acme", "domain": "acme.com"},
    {"_source": "billing", "id": "B1", "name": "acme", "domain": "acme.com"},
    {"_source": "billing", "id": "B2", "name": "Globex Inc", "domain": "www.globex.com"},
    {"_source": "billing", "id": "B3", "name": "INITECH LLC"},
]


def opp(source: str, id: str, account: str | None, stage: str | None, amount: float | None, **kw) -> dict:
    return {"_source": source, "id": id, "account_id": account, "stage": stage, "amount": amount,
            "name": f"deal {id}", "currency": "USD", "updated_at": "2025-01-20 10:00:00", **kw}


OPPORTUNITIES = [
    opp("salesforce", "O1", "A1", "Closed Won", 100),
    opp("hubspot", "O2", "H1", "closedwon", 200),
    opp("salesforce", "O3", "A2", "Closed - Won", 300),
    opp("salesforce", "O4", "A2", "Closed Lost", 50),
    opp("hubspot", "O5", "H1", "lost", 25),
    opp("salesforce", "O6", "A1", "Negotiation/Review", 1000, close_date="2025-03-31"),
    opp("hubspot", "O7", "H1", "contractsent", 500, close_date="2025-02-28"),
    opp("salesforce", "O8", "A3", "Prospecting", None),
    opp("salesforce", "O9", "A3", "Weird Custom Stage", 70),
    opp("salesforce", "O10", "A2", "Proposal/Price Quote", 400),
    # an older copy of O6, before it advanced: must not be counted
    opp("salesforce", "O6", "A1", "Qualification", 900, updated_at="2024-12-01 10:00:00"),
    opp("salesforce", "O12", "A2", None, 10, status="won"),
]

HEALTH = [
    {"_source": "billing", "id": "h1", "account_id": "B1", "score": 80, "status": "Green", "measured_at": "2024-11-28 06:00:00"},
    {"_source": "billing", "id": "h2", "account_id": "B1", "score": 30, "status": "Red", "measured_at": "2025-01-28 06:00:00"},
    {"_source": "billing", "id": "h3", "account_id": "B2", "score": 70, "status": "at-risk", "measured_at": "2025-01-28 06:00:00"},
    {"_source": "billing", "id": "h4", "account_id": "B3", "score": 20, "status": "red", "measured_at": "2024-12-28 06:00:00"},
    {"_source": "billing", "id": "h5", "account_id": "B3", "score": 85, "status": "Green", "measured_at": "2025-01-28 06:00:00"},
    # a second health system on a 0–10 scale, for accounts no other system knows
    {"_source": "gainsight", "id": "g1", "account_id": "G1", "score": 3, "status": None, "measured_at": "2025-01-15 00:00:00"},
    {"_source": "gainsight", "id": "g2", "account_id": "G2", "score": 9, "status": None, "measured_at": "2025-01-15 00:00:00"},
    {"_source": "gainsight", "id": "g3", "account_id": "G3", "score": None, "status": None, "measured_at": None},
]


def full(add) -> None:
    add("account", ACCOUNTS)
    add("opportunity", OPPORTUNITIES)
    add("health", HEALTH)


def test_pipeline_by_stage_and_win_rate(unified) -> None:
    con, add = unified
    full(add)
    result = RevOpsAgent().run(con)
    json.dumps(result)
    p = result["pipeline"]
    assert [(s["stage"], s["deals"], s["amount"], s["missing_amount"]) for s in p["by_stage"]] == [
        ("prospecting", 1, 0, 1), ("proposal", 1, 400.0, 0), ("negotiation", 2, 1500.0, 0),
        ("other_open", 1, 70.0, 0), ("closed_won", 4, 610.0, 0), ("closed_lost", 2, 75.0, 0)]
    assert p["open_deals"] == 5 and p["open_amount"] == 1970.0 and p["total_deals"] == 11
    assert p["unrecognised_stages"] == ["Weird Custom Stage"]
    assert next(s for s in p["by_stage"] if s["stage"] == "closed_won")["raw_stages"] == \
        ["Closed - Won", "Closed Won", "closedwon"]
    assert p["currencies"] == ["USD"]
    w = result["win_rate"]
    assert (w["won"], w["lost"], w["rate"]) == (4, 2, round(4 / 6, 4))
    assert (w["won_amount"], w["lost_amount"], w["amount_rate"]) == (610.0, 75.0, round(610 / 685, 4))


def test_top_open_deals(unified) -> None:
    con, add = unified
    full(add)
    deals = RevOpsAgent().run(con)["top_open_deals"]["deals"]
    assert [(d["id"], d["account"], d["bucket"], d["amount"]) for d in deals] == [
        ("O6", "Acme Corporation", "negotiation", 1000.0), ("O7", "Acme", "negotiation", 500.0),
        ("O10", "Globex", "proposal", 400.0), ("O9", "Initech", "other_open", 70.0)]
    assert deals[0]["close_date"] == "2025-03-31"


def test_at_risk_accounts_find_open_pipeline_in_other_systems(unified) -> None:
    con, add = unified
    full(add)
    risk = RevOpsAgent().run(con)["at_risk_accounts"]
    got = [(a["source"], a["account"], a["score"], a["previous_score"], a["open_deals"], a["open_pipeline"])
           for a in risk["accounts"]]
    assert got == [("billing", "Acme Corporation", 30.0, 80.0, 2, 1500.0),
                   ("billing", "Globex Inc", 70.0, None, 1, 400.0),
                   ("gainsight", "G1", 30.0, None, 0, 0.0)]
    assert risk["accounts"][0]["systems"] == ["billing", "hubspot", "salesforce"]
    assert risk["accounts"][0]["name_in_source"] == "acme"
    assert risk["accounts"][0]["company_key"] == "acme.com"
    assert (risk["count"], risk["with_open_pipeline"], risk["open_pipeline_at_risk"]) == (3, 2, 1900.0)


def test_summary_and_registration(unified) -> None:
    con, add = unified
    full(add)
    result = RevOpsAgent().run(con)
    assert result["summary"] == ("5 open deals worth 1,970 (11 deals in total); win rate 67% (4 won / 2 lost); "
                                 "3 at-risk accounts, 2 with open pipeline worth 1,900.")
    agent = PluginHost(load_entrypoints=False).agent("revops")
    assert agent.consumes == ["account", "opportunity", "health"] and agent.title


def test_missing_views_are_reported_not_fatal(unified) -> None:
    con, add = unified
    add("opportunity", OPPORTUNITIES)
    result = RevOpsAgent().run(con)  # no account, no health
    assert result["at_risk_accounts"] == {"available": False,
                                          "reason": "no unified.health view (no source is mapped to health)"}
    assert result["pipeline"]["open_amount"] == 1970.0
    assert result["top_open_deals"]["deals"][0]["account"] is None
    assert result["summary"].endswith("unavailable: at_risk_accounts.")

    empty = duckdb.connect()
    result = RevOpsAgent().run(empty)
    json.dumps(result)
    assert not result["pipeline"]["available"] and not result["at_risk_accounts"]["available"]
    assert result["summary"] == "unavailable: pipeline, at_risk_accounts."


def test_health_without_accounts_or_deals_matches_by_id(unified) -> None:
    con, add = unified
    add("health", HEALTH)
    add("opportunity", [opp("gainsight", "X1", "G1", "Qualification", 42)])
    risk = RevOpsAgent().run(con)["at_risk_accounts"]
    assert risk["account_matching"] == "unavailable: no unified.account view"
    by_id = {a["account_id"]: a for a in risk["accounts"]}
    assert set(by_id) == {"B1", "B2", "G1"}
    assert (by_id["G1"]["open_deals"], by_id["G1"]["open_pipeline"]) == (1, 42.0)


def test_stage_vocabulary() -> None:
    con = duckdb.connect()
    cases = {"Closed Won": "closed_won", "closedwon": "closed_won", "won": "closed_won",
             "Closed - Won": "closed_won", "CLOSED_WON": "closed_won", "Closed Won - Renewal": "closed_won",
             "Closed Lost": "closed_lost", "closedlost": "closed_lost", "lost": "closed_lost",
             "appointmentscheduled": "prospecting", "Needs Analysis": "qualification",
             "Id. Decision Makers": "qualification", "presentationscheduled": "proposal",
             "Negotiation/Review": "negotiation", "contractsent": "negotiation", "renewal pending": "other_open"}
    for raw, want in cases.items():
        got = con.execute(f"SELECT {stage_bucket_sql('s', 'NULL::VARCHAR')} FROM (SELECT ? AS s)", [raw]).fetchall()
        assert got[0][0] == want, raw
    both = con.execute(f"SELECT {stage_bucket_sql('s', 't')} FROM (VALUES (NULL, 'Lost'), ('Foo', 'won'), "
                       "(NULL, NULL)) v(s, t)").fetchall()
    assert [r[0] for r in both] == ["closed_lost", "closed_won", "other_open"]

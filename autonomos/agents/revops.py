"""RevOps agent: pipeline by stage, win rate, at-risk accounts with open pipeline, top deals.

Reads ``unified.opportunity``, ``unified.account`` and ``unified.health``. Vendors name
stages differently ("Closed Won", "closedwon", "won", "Closed - Won", "Proposal/Price
Quote", "contractsent"…); :func:`stage_bucket_sql` folds them into one funnel in SQL.
Accounts are matched across systems by company key (domain, else normalized name, see
``base.company_keys_cte``), so a red health score in the billing system finds the open
renewal in Salesforce.
"""

from __future__ import annotations

from typing import Any

import duckdb

from autonomos import hookimpl
from autonomos.agents.base import Agent, company_keys_cte, entity_sql, rows, unavailable

FUNNEL = ("prospecting", "qualification", "proposal", "negotiation", "other_open",
          "closed_won", "closed_lost")
CLOSED = ("closed_won", "closed_lost")

# Stage labels (lower-case, letters and digits only) of common CRMs' default pipelines.
STAGE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "closed_won": ("closedwon", "won", "win", "closedwin", "booked", "signed"),
    "closed_lost": ("closedlost", "lost", "closedlostchurned", "dead", "disqualified", "closeddisqualified"),
    "prospecting": ("prospecting", "prospect", "lead", "new", "appointmentscheduled", "discovery",
                    "initialcontact"),
    "qualification": ("qualification", "qualified", "qualifiedtobuy", "needsanalysis",
                      "iddecisionmakers", "solutiondesign"),
    "proposal": ("proposal", "proposalpricequote", "quote", "valueproposition", "presentationscheduled",
                 "perceptionanalysis", "decisionmakerboughtin", "demo", "evaluation"),
    "negotiation": ("negotiation", "negotiationreview", "contractsent", "commit", "verbal",
                    "verbalcommit", "legal"),
}
AT_RISK_SCORE = 50.0  # on a 0–100 scale
AT_RISK_STATUSES = ("red", "atrisk", "risk", "critical", "poor", "unhealthy", "churnrisk", "highrisk", "bad")
TOP_DEALS = 10


def _key(expr: str) -> str:
    return f"regexp_replace(lower(coalesce({expr}, '')), '[^a-z0-9]+', '', 'g')"


def stage_bucket_sql(stage: str = "stage", status: str = "status") -> str:
    """SQL: the funnel bucket of a deal. The stage decides; the status is used when the stage is
    missing or unrecognised (so ``status = 'won'`` still counts). Anything else — an unknown
    stage, or no stage at all — is open, in ``other_open``; labels starting with ``closed
    won``/``closed lost`` (e.g. "Closed Won - Renewal") are closed too."""

    def bucket(expr: str) -> str:
        k = _key(expr)
        whens = [f"WHEN {k} LIKE 'closedwon%' THEN 'closed_won'",
                 f"WHEN {k} LIKE 'closedlost%' THEN 'closed_lost'"]
        for name, words in STAGE_SYNONYMS.items():
            listed = ", ".join(f"'{w}'" for w in words)
            whens.append(f"WHEN {k} IN ({listed}) THEN '{name}'")
        return "CASE " + " ".join(whens) + " END"

    return f"coalesce({bucket(stage)}, {bucket(status)}, 'other_open')"


class RevOpsAgent(Agent):
    """Finds where revenue is: the funnel, conversion, and renewals at risk."""

    name = "revops"
    title = "RevOps"
    description = ("Pipeline by stage, win rate, at-risk accounts (low health or red status) with "
                   "open pipeline, and the largest open deals, across every CRM.")
    consumes = ["account", "opportunity", "health"]

    def run(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        opp = entity_sql(con, "opportunity", {
            "id": "VARCHAR", "account_id": "VARCHAR", "name": "VARCHAR", "amount": "DOUBLE",
            "currency": "VARCHAR", "stage": "VARCHAR", "status": "VARCHAR", "close_date": "DATE",
            "updated_at": "TIMESTAMP"})
        acc = entity_sql(con, "account", {"id": "VARCHAR", "name": "VARCHAR", "domain": "VARCHAR",
                                          "email": "VARCHAR", "updated_at": "TIMESTAMP"})
        health = entity_sql(con, "health", {"id": "VARCHAR", "account_id": "VARCHAR", "score": "DOUBLE",
                                            "status": "VARCHAR", "measured_at": "TIMESTAMP"},
                            order_by="measured_at")
        result: dict[str, Any] = {"agent": self.name}
        if opp is None:
            why = "no unified.opportunity view (no source is mapped to opportunity)"
            result.update(pipeline=unavailable(why), win_rate=unavailable(why), top_open_deals=unavailable(why))
        else:
            result["pipeline"] = self._pipeline(con, opp)
            result["win_rate"] = self._win_rate(con, opp)
            result["top_open_deals"] = self._top_deals(con, opp, acc)
        if health is None:
            result["at_risk_accounts"] = unavailable("no unified.health view (no source is mapped to health)")
        else:
            result["at_risk_accounts"] = self._at_risk(con, health, acc, opp)
        result["summary"] = self._summary(result)
        return result

    # -- sections ----------------------------------------------------------------------------
    def _pipeline(self, con: duckdb.DuckDBPyConnection, opp: str) -> dict[str, Any]:
        found = rows(con, f"""
            SELECT {stage_bucket_sql()} AS bucket, count(*) AS deals, coalesce(sum(amount), 0) AS amount,
                   count(*) FILTER (WHERE amount IS NULL) AS missing_amount,
                   list(DISTINCT stage ORDER BY stage) FILTER (WHERE stage IS NOT NULL) AS raw_stages
            FROM {opp} GROUP BY 1""")
        by_bucket = {r["bucket"]: r for r in found}
        stages = [dict(stage=b, deals=by_bucket[b]["deals"], amount=round(by_bucket[b]["amount"], 2),
                       missing_amount=by_bucket[b]["missing_amount"], raw_stages=by_bucket[b]["raw_stages"] or [])
                  for b in FUNNEL if b in by_bucket]
        open_rows = [s for s in stages if s["stage"] not in CLOSED]
        currencies = [r["c"] for r in rows(con, f"SELECT DISTINCT upper(currency) AS c FROM {opp} "
                                                "WHERE currency IS NOT NULL ORDER BY 1")]
        return {"available": True, "by_stage": stages,
                "open_deals": sum(s["deals"] for s in open_rows),
                "open_amount": round(sum(s["amount"] for s in open_rows), 2),
                "total_deals": sum(s["deals"] for s in stages),
                "currencies": currencies,
                "unrecognised_stages": by_bucket.get("other_open", {}).get("raw_stages") or []}

    def _win_rate(self, con: duckdb.DuckDBPyConnection, opp: str) -> dict[str, Any]:
        r = rows(con, f"""
            WITH b AS (SELECT {stage_bucket_sql()} AS bucket, amount FROM {opp})
            SELECT count(*) FILTER (WHERE bucket = 'closed_won') AS won,
                   count(*) FILTER (WHERE bucket = 'closed_lost') AS lost,
                   coalesce(sum(amount) FILTER (WHERE bucket = 'closed_won'), 0) AS won_amount,
                   coalesce(sum(amount) FILTER (WHERE bucket = 'closed_lost'), 0) AS lost_amount
            FROM b""")[0]
        closed = r["won"] + r["lost"]
        closed_amount = r["won_amount"] + r["lost_amount"]
        return {"available": True, "won": r["won"], "lost": r["lost"],
                "rate": round(r["won"] / closed, 4) if closed else None,
                "amount_rate": round(r["won_amount"] / closed_amount, 4) if closed_amount else None,
                "won_amount": round(r["won_amount"], 2), "lost_amount": round(r["lost_amount"], 2)}

    def _top_deals(self, con: duckdb.DuckDBPyConnection, opp: str, acc: str | None) -> dict[str, Any]:
        join = (f"LEFT JOIN {acc} a ON a._source = o._source AND a.id = o.account_id" if acc
                else "LEFT JOIN (SELECT NULL::VARCHAR AS _source, NULL::VARCHAR AS id, NULL::VARCHAR AS name) a ON FALSE")
        deals = rows(con, f"""
            SELECT o.id, o.name, trim(a.name) AS account, o.account_id, o.stage,
                   {stage_bucket_sql('o.stage', 'o.status')} AS bucket, o.amount, o.currency,
                   o.close_date, o._source AS source
            FROM {opp} o {join}
            WHERE {stage_bucket_sql('o.stage', 'o.status')} NOT IN ('closed_won', 'closed_lost')
              AND o.amount IS NOT NULL
            ORDER BY o.amount DESC, o.close_date NULLS LAST, o.id LIMIT {TOP_DEALS}""")
        return {"available": True, "deals": deals}

    def _at_risk(self, con: duckdb.DuckDBPyConnection, health: str, acc: str | None,
                 opp: str | None) -> dict[str, Any]:
        """Latest health per account; at risk when the score (rescaled to 0–100 per source: a
        source whose scores never exceed 1 is a 0–1 scale, never exceeding 10 a 0–10 scale) is
        below ``AT_RISK_SCORE`` or the status says red/at risk. Open pipeline is summed over every
        account with the same company key, in any system."""
        acc_rel = acc or ("(SELECT NULL::VARCHAR AS _source, NULL::VARCHAR AS id, NULL::VARCHAR AS name, "
                          "NULL::VARCHAR AS domain, NULL::VARCHAR AS email WHERE FALSE)")
        opp_rel = opp or ("(SELECT NULL::VARCHAR AS _source, NULL::VARCHAR AS id, NULL::VARCHAR AS account_id, "
                          "NULL::DOUBLE AS amount, NULL::VARCHAR AS stage, NULL::VARCHAR AS status WHERE FALSE)")
        statuses = ", ".join(f"'{s}'" for s in AT_RISK_STATUSES)
        found = rows(con, f"""
            WITH {company_keys_cte(acc_rel)},
            h AS (
                SELECT *, lag(score) OVER w AS previous_score,
                       row_number() OVER (PARTITION BY _source, account_id ORDER BY measured_at DESC NULLS LAST, id DESC) AS rn,
                       max(score) OVER (PARTITION BY _source) AS source_max
                FROM {health} WHERE account_id IS NOT NULL
                WINDOW w AS (PARTITION BY _source, account_id ORDER BY measured_at NULLS FIRST, id)
            ),
            latest AS (
                SELECT h._source, h.account_id, h.status, h.measured_at,
                       h.score * CASE WHEN h.source_max <= 1 THEN 100 WHEN h.source_max <= 10 THEN 10 ELSE 1 END AS score,
                       h.previous_score * CASE WHEN h.source_max <= 1 THEN 100 WHEN h.source_max <= 10 THEN 10 ELSE 1 END AS previous_score,
                       a.name, a.ckey
                FROM h LEFT JOIN acct a ON a._source = h._source AND a.id = h.account_id
                WHERE h.rn = 1
            ),
            risky AS (
                SELECT * FROM latest
                WHERE score < {AT_RISK_SCORE}
                   OR regexp_replace(lower(coalesce(status, '')), '[^a-z]+', '', 'g') IN ({statuses})
            ),
            open_opp AS (
                SELECT o.*, a.ckey FROM {opp_rel} o
                LEFT JOIN acct a ON a._source = o._source AND a.id = o.account_id
                WHERE {stage_bucket_sql('o.stage', 'o.status')} NOT IN ('closed_won', 'closed_lost')
            ),
            systems AS (
                SELECT ckey, list(DISTINCT _source ORDER BY _source) AS systems,
                       -- the most presentable spelling: mixed case first, then the longest
                       arg_min(name, (name = lower(name) OR name = upper(name), -length(name), name)) AS display
                FROM acct WHERE name IS NOT NULL AND name <> '' GROUP BY ckey)
            SELECT r._source AS source, r.account_id, coalesce(s.display, r.name, r.account_id) AS account,
                   r.name AS name_in_source, r.ckey AS company_key,
                   r.score, r.previous_score, r.status, r.measured_at,
                   count(o.id) AS open_deals, coalesce(sum(o.amount), 0) AS open_pipeline,
                   s.systems AS systems
            FROM risky r
            LEFT JOIN open_opp o ON (r.ckey IS NOT NULL AND o.ckey = r.ckey)
                                 OR (r.ckey IS NULL AND o._source = r._source AND o.account_id = r.account_id)
            LEFT JOIN systems s ON s.ckey = r.ckey
            GROUP BY ALL
            ORDER BY open_pipeline DESC, score NULLS LAST, account""")
        for r in found:
            r["systems"] = r["systems"] or [r["source"]]
            r["open_pipeline"] = round(r["open_pipeline"], 2)
        return {"available": True, "threshold": AT_RISK_SCORE, "accounts": found,
                "count": len(found), "with_open_pipeline": sum(1 for r in found if r["open_deals"]),
                "open_pipeline_at_risk": round(sum(r["open_pipeline"] for r in found), 2),
                "account_matching": "available" if acc else "unavailable: no unified.account view"}

    @staticmethod
    def _summary(result: dict[str, Any]) -> str:
        parts = []
        p, w, risk = result["pipeline"], result["win_rate"], result["at_risk_accounts"]
        if p.get("available"):
            parts.append(f"{p['open_deals']} open deals worth {p['open_amount']:,.0f} "
                         f"({p['total_deals']} deals in total)")
        if w.get("available") and w["rate"] is not None:
            parts.append(f"win rate {w['rate']:.0%} ({w['won']} won / {w['lost']} lost)")
        if risk.get("available"):
            parts.append(f"{risk['count']} at-risk accounts, {risk['with_open_pipeline']} with open "
                         f"pipeline worth {risk['open_pipeline_at_risk']:,.0f}")
        missing = [k for k in ("pipeline", "at_risk_accounts") if not result[k].get("available")]
        if missing:
            parts.append("unavailable: " + ", ".join(missing))
        return "; ".join(parts) + "." if parts else "No data."


@hookimpl
def register_agents(register):  # type: ignore[no-untyped-def]
    register(RevOpsAgent())

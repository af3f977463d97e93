"""FinOps agent: cloud spend by service and project, top resources, daily anomalies, usage.

Reads ``unified.cloud_cost``, ``unified.cloud_resource`` and ``unified.usage``.

Anomaly rule (per calendar day of ``usage_start``, all currencies summed as reported): a
day is anomalous when, against the trailing window of up to ``WINDOW`` previous days (at
least ``MIN_HISTORY`` of them),

* spend > ``RATIO`` × median(window), **and**
* spend − median(window) > ``K`` × 1.4826 × MAD(window) (MAD: median absolute deviation;
  1.4826·MAD estimates the standard deviation of normal noise).

Both must hold: the ratio keeps a near-constant series (MAD ≈ 0) from flagging pennies, the
MAD test keeps a naturally noisy series from flagging its ordinary swings. Medians make one
earlier spike in the window harmless. Only increases are flagged (a credit is not an incident).
Each anomaly names its drivers: the service, project and resource whose spend rose most
over their own trailing medians.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

import duckdb

from autonomos import hookimpl
from autonomos.agents.base import Agent, entity_sql, rows, unavailable

WINDOW = 7
MIN_HISTORY = 5
RATIO = 2.0
K = 5.0
TOP = 10


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else 0.0


def find_anomalies(daily: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """Apply the module's rule to ``[(day, spend), …]`` sorted by day (gaps count as no spend
    only if the caller includes them)."""
    out = []
    for i, (day, spend) in enumerate(daily):
        window = [s for _, s in daily[max(0, i - WINDOW):i]]
        if len(window) < MIN_HISTORY:
            continue
        med = _median(window)
        mad = _median([abs(s - med) for s in window])
        if spend > RATIO * med and spend - med > K * 1.4826 * mad:
            out.append({"day": day, "spend": round(spend, 2), "baseline_median": round(med, 2),
                        "ratio": round(spend / med, 2) if med > 0 else None,
                        "excess": round(spend - med, 2)})
    return out


class FinOpsAgent(Agent):
    """Finds where cloud money goes and when it suddenly went somewhere new."""

    name = "finops"
    title = "FinOps"
    description = ("Cloud spend by service and project, top resources by cost, day-over-day cost "
                   "anomalies with their drivers, and product usage per metric.")
    consumes = ["cloud_cost", "cloud_resource", "usage"]

    def run(self, con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
        cost = entity_sql(con, "cloud_cost", {
            "id": "VARCHAR", "project": "VARCHAR", "service": "VARCHAR", "resource_id": "VARCHAR",
            "region": "VARCHAR", "cost": "DOUBLE", "currency": "VARCHAR", "usage_start": "TIMESTAMP"},
            order_by=None)
        resource = entity_sql(con, "cloud_resource", {
            "id": "VARCHAR", "name": "VARCHAR", "resource_type": "VARCHAR", "region": "VARCHAR",
            "state": "VARCHAR", "created_at": "TIMESTAMP"}, order_by="created_at")
        usage = entity_sql(con, "usage", {
            "id": "VARCHAR", "account_id": "VARCHAR", "metric": "VARCHAR", "quantity": "DOUBLE",
            "unit": "VARCHAR", "period_start": "TIMESTAMP", "period_end": "TIMESTAMP"}, order_by=None)
        result: dict[str, Any] = {"agent": self.name}
        if cost is None:
            why = "no unified.cloud_cost view (no source is mapped to cloud_cost)"
            for k in ("spend", "by_service", "by_project", "top_resources", "anomalies"):
                result[k] = unavailable(why)
        else:
            result["spend"] = self._spend(con, cost)
            result["by_service"] = self._group(con, cost, "service", "(unknown service)")
            result["by_project"] = self._group(con, cost, "project", "(untagged)")
            result["top_resources"] = self._top_resources(con, cost, resource)
            result["anomalies"] = self._anomalies(con, cost)
        result["usage"] = (unavailable("no unified.usage view (no source is mapped to usage)")
                           if usage is None else self._usage(con, usage))
        result["summary"] = self._summary(result)
        return result

    # -- sections ----------------------------------------------------------------------------
    def _spend(self, con: duckdb.DuckDBPyConnection, cost: str) -> dict[str, Any]:
        r = rows(con, f"""SELECT coalesce(sum(cost), 0) AS total, count(*) AS line_items,
                                 count(*) FILTER (WHERE cost IS NULL) AS missing_cost,
                                 min(usage_start)::DATE AS first_day, max(usage_start)::DATE AS last_day,
                                 list(DISTINCT upper(currency) ORDER BY upper(currency))
                                     FILTER (WHERE currency IS NOT NULL) AS currencies
                          FROM {cost}""")[0]
        r["total"] = round(r["total"], 2)
        r["currencies"] = r["currencies"] or []
        return {"available": True, **r}

    def _group(self, con: duckdb.DuckDBPyConnection, cost: str, column: str, label: str) -> dict[str, Any]:
        found = rows(con, f"""
            SELECT coalesce(nullif(trim({column}), ''), '{label}') AS name, sum(cost) AS cost, count(*) AS line_items
            FROM {cost} GROUP BY 1 ORDER BY cost DESC NULLS LAST, name""")
        total = sum(r["cost"] or 0 for r in found)
        for r in found:
            r["cost"] = round(r["cost"] or 0, 2)
            r["share"] = round(r["cost"] / total, 4) if total else None
        return {"available": True, "items": found}

    def _top_resources(self, con: duckdb.DuckDBPyConnection, cost: str, resource: str | None) -> dict[str, Any]:
        join = (f"LEFT JOIN {resource} r ON r.id = c.resource_id" if resource else
                "LEFT JOIN (SELECT NULL::VARCHAR AS id, NULL::VARCHAR AS name, NULL::VARCHAR AS resource_type, "
                "NULL::VARCHAR AS state) r ON FALSE")
        found = rows(con, f"""
            SELECT c.resource_id, any_value(r.name) AS name, any_value(r.resource_type) AS resource_type,
                   any_value(r.state) AS state, any_value(c.service) AS service, any_value(c.project) AS project,
                   sum(c.cost) AS cost, count(DISTINCT c.usage_start::DATE) AS days
            FROM {cost} c {join}
            WHERE c.resource_id IS NOT NULL AND trim(c.resource_id) <> ''
            GROUP BY c.resource_id ORDER BY cost DESC NULLS LAST, c.resource_id LIMIT {TOP}""")
        for r in found:
            r["cost"] = round(r["cost"] or 0, 2)
        note = None if resource else "no unified.cloud_resource view: names and types unavailable"
        return {"available": True, "items": found, "note": note}

    def _anomalies(self, con: duckdb.DuckDBPyConnection, cost: str) -> dict[str, Any]:
        daily = rows(con, f"""
            WITH d AS (SELECT usage_start::DATE AS day, sum(cost) AS spend FROM {cost}
                       WHERE usage_start IS NOT NULL GROUP BY 1),
                 span AS (SELECT generate_series AS day FROM generate_series(
                          (SELECT min(day) FROM d), (SELECT max(day) FROM d), INTERVAL 1 DAY))
            SELECT span.day::DATE AS day, coalesce(d.spend, 0) AS spend
            FROM span LEFT JOIN d ON d.day = span.day::DATE WHERE span.day IS NOT NULL ORDER BY 1""")
        series = [(r["day"], float(r["spend"])) for r in daily]
        found = find_anomalies(series)
        if found:
            self._drivers(con, cost, found, [d for d, _ in series])
        rule = (f"spend > {RATIO}x trailing median and spend - median > {K} x 1.4826 x MAD "
                f"(window {WINDOW} days, at least {MIN_HISTORY})")
        note = None
        if len(series) <= MIN_HISTORY:
            note = (f"only {len(series)} day(s) of usage_start: at least {MIN_HISTORY + 1} are needed "
                    "(is usage_start mapped to a per-line-item date?)")
        return {"available": True, "rule": rule, "days": len(series), "items": found, "note": note,
                "daily": [{"day": d, "spend": round(s, 2)} for d, s in series]}

    def _drivers(self, con: duckdb.DuckDBPyConnection, cost: str, found: list[dict[str, Any]],
                 days: list[str]) -> None:
        """For each anomalous day, the service/project/resource whose spend rose most over its own
        trailing median (same window as the rule)."""
        for dim in ("service", "project", "resource_id"):
            per: dict[str, dict[str, float]] = defaultdict(dict)
            for r in rows(con, f"""SELECT usage_start::DATE AS day, {dim} AS k, sum(cost) AS spend FROM {cost}
                                   WHERE usage_start IS NOT NULL GROUP BY 1, 2"""):
                per[r["k"] if r["k"] not in (None, "") else "(none)"][r["day"]] = float(r["spend"] or 0)
            for a in found:
                i = days.index(a["day"])
                window = days[max(0, i - WINDOW):i]
                best, best_delta = None, 0.0
                for key, by_day in per.items():
                    delta = by_day.get(a["day"], 0.0) - _median([by_day.get(d, 0.0) for d in window])
                    if delta > best_delta or (delta == best_delta and best is not None and key < best):
                        best, best_delta = key, delta
                a.setdefault("drivers", {})[dim] = {"name": best, "increase": round(best_delta, 2)} if best else None

    def _usage(self, con: duckdb.DuckDBPyConnection, usage: str) -> dict[str, Any]:
        """Per metric: totals, accounts, and the change between the two latest periods."""
        found = rows(con, f"""
            WITH u AS (SELECT coalesce(metric, '(unknown)') AS metric, unit, account_id, quantity,
                              period_start FROM {usage}),
                 periods AS (SELECT metric, period_start, sum(quantity) AS q,
                                    row_number() OVER (PARTITION BY metric ORDER BY period_start DESC) AS rn
                             FROM u WHERE period_start IS NOT NULL GROUP BY 1, 2)
            SELECT u.metric, list(DISTINCT u.unit ORDER BY u.unit) FILTER (WHERE u.unit IS NOT NULL) AS units,
                   count(*) AS rows, count(DISTINCT u.account_id) AS accounts,
                   coalesce(sum(u.quantity), 0) AS total, min(u.period_start) AS first_period,
                   max(u.period_start) AS last_period,
                   (SELECT q FROM periods p WHERE p.metric = u.metric AND rn = 1) AS latest_period_total,
                   (SELECT q FROM periods p WHERE p.metric = u.metric AND rn = 2) AS previous_period_total
            FROM u GROUP BY u.metric ORDER BY u.metric""")
        for r in found:
            r["units"] = r["units"] or []
            r["total"] = round(r["total"], 4)
            r["per_account"] = round(r["total"] / r["accounts"], 4) if r["accounts"] else None
            prev, last = r["previous_period_total"], r["latest_period_total"]
            r["change"] = round((last - prev) / prev, 4) if prev and last is not None else None
            for k in ("previous_period_total", "latest_period_total"):
                r[k] = round(r[k], 4) if r[k] is not None else None
        return {"available": True, "metrics": found}

    @staticmethod
    def _summary(result: dict[str, Any]) -> str:
        parts = []
        spend, anomalies = result["spend"], result["anomalies"]
        if spend.get("available"):
            cur = "/".join(spend["currencies"]) or "?"
            parts.append(f"cloud spend {spend['total']:,.2f} {cur} from {spend['first_day']} to {spend['last_day']}")
            top = result["by_service"]["items"][:1]
            if top:
                parts.append(f"top service {top[0]['name']} ({top[0]['share']:.0%})" if top[0]["share"] is not None
                             else f"top service {top[0]['name']}")
        if anomalies.get("available") and anomalies["note"]:
            parts.append("anomalies not evaluated: " + anomalies["note"])
        elif anomalies.get("available"):
            days = ", ".join(f"{a['day']} (x{a['ratio']})" for a in anomalies["items"])
            parts.append(f"{len(anomalies['items'])} cost anomal{'y' if len(anomalies['items']) == 1 else 'ies'}"
                         + (f": {days}" if days else ""))
        else:
            parts.append("cloud cost unavailable")
        usage = result["usage"]
        parts.append(f"{len(usage['metrics'])} usage metrics" if usage.get("available") else "usage unavailable")
        return "; ".join(parts) + "."


@hookimpl
def register_agents(register):  # type: ignore[no-untyped-def]
    register(FinOpsAgent())

"""Regenerate the demo dataset: ``python -m autonomos.connectors.demo_data.generate [DIR]``.

Deterministic (fixed seed, no clock, no locale): running it twice writes byte-identical
files (the SQLite file is identical for the same SQLite library version). The data is
deliberately messy — see README.md in this folder for the inventory of problems planted.
"""

from __future__ import annotations

import json
import random
import sqlite3
import sys
import unicodedata
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from autonomos.connectors.demo_data.cloud import write_aws
from autonomos.connectors.demo_data.companies import (
    COUNTRY_NAMES, FIRST_NAMES, LAST_NAMES, TITLES, build_companies, phone,
)

SEED = 20250131
HERE = Path(__file__).resolve().parent
UTC = timezone.utc
SNAPSHOT = datetime(2025, 1, 31, 18, 0, tzinfo=UTC)
OWNERS = ["0055e000001AbCdAAK", "0055e000001BcDeAAK", "0055e000001CdEfAAK", "0055e000002DeFgAAK"]
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

SF_OPEN = [("Prospecting", 10), ("Qualification", 10), ("Needs Analysis", 20),
           ("Value Proposition", 50), ("Proposal/Price Quote", 75), ("Negotiation/Review", 90)]
HS_OPEN = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled",
           "decisionmakerboughtin", "contractsent"]


# -- small formatters -------------------------------------------------------------------------
def _rand_dt(rng: random.Random, start: datetime, end: datetime) -> datetime:
    return start + timedelta(seconds=rng.randint(0, int((end - start).total_seconds())))


def sf_ts(d: datetime) -> str:
    return f"{d:%Y-%m-%dT%H:%M:%S}.000+0000"


def hs_ts(d: datetime) -> str:
    return f"{d:%Y-%m-%dT%H:%M:%S}.{d.second * 7 % 1000:03d}Z"


def epoch(d: datetime) -> int:
    return int(d.timestamp())


def long_date(d: date) -> str:
    return f"{d:%b} {d.day}, {d.year}"  # "Jan 5, 2025"


def money(amount: float, currency: str) -> str:
    """How the ERP prints money: "$1,234.50", "£1,234.50" or "1.234,50 €"."""
    us = f"{amount:,.2f}"
    if currency == "EUR":
        return us.replace(",", "_").replace(".", ",").replace("_", ".") + " €"
    return ("£" if currency == "GBP" else "$") + us


def ascii_fold(s: str) -> str:
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower()


def _id(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choice(_B62) for _ in range(n))


def _month_starts(first: date, count: int) -> list[date]:
    out, d = [], first
    for _ in range(count):
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


# -- Salesforce ---------------------------------------------------------------------------------
def write_salesforce(root: Path, rng: random.Random, cos: list[dict[str, Any]]) -> None:
    import csv

    acc_cols = ["Id", "IsDeleted", "Name", "Type", "BillingCity", "BillingCountry", "Phone", "Website",
                "Industry", "NumberOfEmployees", "AnnualRevenue", "OwnerId", "CreatedDate",
                "LastModifiedDate", "SystemModstamp", "Custom_Tier__c"]
    accounts, contacts, opps = [], [], []
    for c in cos:
        c["sf_id"] = _id(rng, "0015e00000", 8)
        created = _rand_dt(rng, datetime(2021, 1, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))
        modified = _rand_dt(rng, datetime(2024, 7, 1, tzinfo=UTC), SNAPSHOT)
        c["created"] = created
        site = rng.choice([f"www.{c['domain']}", f"https://www.{c['domain']}", f"http://{c['domain']}/",
                           c["domain"]])
        accounts.append({
            "Id": c["sf_id"], "IsDeleted": "false", "Name": c["name"] if c["idx"] != 7 else f" {c['name']} ",
            "Type": "Customer - Direct" if c["customer"] else "Prospect", "BillingCity": c["city"],
            "BillingCountry": rng.choice(COUNTRY_NAMES[c["country"]]), "Phone": phone(rng, c["country"]),
            "Website": site, "Industry": c["industry"],
            "NumberOfEmployees": None if rng.random() < 0.1 else str(c["employees"]),
            "AnnualRevenue": None if rng.random() < 0.12 else f"{c['revenue']:.1f}",
            "OwnerId": rng.choice(OWNERS), "CreatedDate": sf_ts(created),
            "LastModifiedDate": sf_ts(modified), "SystemModstamp": sf_ts(modified),
            "Custom_Tier__c": c["tier"]})
        people = []
        for _ in range(rng.choice([2, 2, 3, 3, 4]) if c["customer"] else 1):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{ascii_fold(first)}.{ascii_fold(last).replace(chr(39), '')}@{c['domain']}"
            person = {"first": first, "last": last, "email": email, "title": rng.choice(TITLES),
                      "phone": phone(rng, c["country"]), "sf_id": _id(rng, "0035e00000", 8)}
            people.append(person)
            t = _rand_dt(rng, created, SNAPSHOT)
            contacts.append({
                "Id": person["sf_id"], "IsDeleted": "false", "AccountId": c["sf_id"], "FirstName": first,
                "LastName": last, "Email": email, "Phone": person["phone"], "Title": person["title"],
                "LeadSource": rng.choice(["Web", "Partner Referral", "Trade Show", "Outbound", None]),
                "CreatedDate": sf_ts(t), "LastModifiedDate": sf_ts(t + timedelta(days=3)),
                "SystemModstamp": sf_ts(t + timedelta(days=3))})
        c["people"] = people
        base = {"Enterprise": 90000, "Mid-Market": 30000, "SMB": 6000}[c["tier"]]
        n_opps = rng.choice([1, 2, 3, 3, 4]) if c["customer"] else rng.choice([1, 2])
        for k in range(n_opps):
            kind = rng.choice(["New Business", "Upsell", "Renewal"]) if c["customer"] else "New Business"
            r = rng.random()
            if c["at_risk"] and k == 0:
                stage, prob = ("Negotiation/Review", 90) if r < 0.5 else ("Proposal/Price Quote", 75)
                kind = "Renewal"
            elif c["customer"] and r < 0.38:
                stage, prob = "Closed Won", 100
            elif r < (0.58 if c["customer"] else 0.25):
                stage, prob = "Closed Lost", 0
            else:
                stage, prob = rng.choice(SF_OPEN)
            closed = stage.startswith("Closed")
            close = (_rand_dt(rng, datetime(2024, 2, 1, tzinfo=UTC), datetime(2025, 1, 31, tzinfo=UTC)) if closed
                     else _rand_dt(rng, datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC)))
            amount = round(base * rng.uniform(0.5, 3.5) / 500) * 500
            t = min(close, SNAPSHOT) - timedelta(days=rng.randint(20, 150), minutes=rng.randint(0, 1440))
            opps.append({
                "Id": _id(rng, "0065e00000", 8), "IsDeleted": "false", "AccountId": c["sf_id"],
                "Name": f"{c['brand']} - {kind} {close.year}", "StageName": stage,
                "Amount": None if rng.random() < 0.04 else rng.choice([f"{amount}", f"{amount:.2f}"]),
                "CurrencyIsoCode": "USD", "CloseDate": f"{close:%Y-%m-%d}", "Probability": str(prob),
                "Type": kind, "IsClosed": str(closed).lower(), "IsWon": str(stage == "Closed Won").lower(),
                "OwnerId": rng.choice(OWNERS), "CreatedDate": sf_ts(t),
                "LastModifiedDate": sf_ts(min(close, SNAPSHOT)), "SystemModstamp": sf_ts(min(close, SNAPSHOT))})
    # A legacy import wrote its own stage label; two rows still carry it.
    for o in [o for o in opps if o["StageName"] == "Closed Won"][:2]:
        o["StageName"] = "Closed - Won"
    # Re-exported rows: the same Id again with a later SystemModstamp (latest must win).
    for a in accounts[3:6]:
        later = dict(a, Phone=phone(rng, "US"), Custom_Tier__c="Enterprise",
                     LastModifiedDate=sf_ts(SNAPSHOT + timedelta(hours=2)),
                     SystemModstamp=sf_ts(SNAPSHOT + timedelta(hours=2)))
        accounts.append(later)
    for o in [o for o in opps if o["StageName"] == "Negotiation/Review"][:2]:
        opps.append(dict(o, StageName="Closed Won", Probability="100", IsClosed="true", IsWon="true",
                         SystemModstamp=sf_ts(SNAPSHOT + timedelta(hours=1)),
                         LastModifiedDate=sf_ts(SNAPSHOT + timedelta(hours=1))))
    # A soft-deleted duplicate a rep created by mistake.
    accounts.append(dict(accounts[0], Id=_id(rng, "0015e00000", 8), Name=f"{cos[0]['brand']} (old)",
                         IsDeleted="true", AnnualRevenue=None))
    con_cols = ["Id", "IsDeleted", "AccountId", "FirstName", "LastName", "Email", "Phone", "Title",
                "LeadSource", "CreatedDate", "LastModifiedDate", "SystemModstamp"]
    opp_cols = list(opps[0])
    out = root / "salesforce"
    out.mkdir(parents=True, exist_ok=True)
    for fname, cols, rows in (("Account.csv", acc_cols, accounts), ("Contact.csv", con_cols, contacts),
                              ("Opportunity.csv", opp_cols, opps)):
        with open(out / fname, "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
            w.writeheader()
            w.writerows(rows)


# -- HubSpot ---------------------------------------------------------------------------------
def _hs_obj(rng: random.Random, props: dict[str, Any], created: datetime, updated: datetime,
            assoc: dict[str, Any] | None = None) -> dict[str, Any]:
    oid = str(rng.randint(10**9, 10**10 - 1))
    props = dict(props, createdate=hs_ts(created), hs_lastmodifieddate=hs_ts(updated), hs_object_id=oid)
    obj: dict[str, Any] = {"id": oid, "properties": props, "createdAt": hs_ts(created),
                           "updatedAt": hs_ts(updated), "archived": False}
    if assoc is not None:
        obj["associations"] = assoc
    return obj


def write_hubspot(root: Path, rng: random.Random, cos: list[dict[str, Any]]) -> None:
    companies, contacts, deals = [], [], []
    for c in [c for c in cos if c["in_hubspot"]]:
        created = c["created"] + timedelta(days=rng.randint(1, 200))
        updated = _rand_dt(rng, datetime(2024, 9, 1, tzinfo=UTC), SNAPSHOT)
        domain = c["domain"] if rng.random() < 0.85 else f"www.{c['domain']}"
        obj = _hs_obj(rng, {
            "name": c["brand"], "domain": domain,
            "industry": c["industry"].upper().replace(" & ", "_AND_").replace(" ", "_"),
            "numberofemployees": str(c["employees"]) if rng.random() > 0.15 else None,
            "annualrevenue": str(c["revenue"]) if rng.random() > 0.2 else None, "city": c["city"],
            "country": COUNTRY_NAMES[c["country"]][0], "phone": phone(rng, c["country"]),
            "lifecyclestage": "customer" if c["customer"] else "opportunity",
            "salesforceaccountid": c["sf_id"] if rng.random() < 0.6 else None,
        }, created, updated)
        c["hs_id"] = obj["id"]
        companies.append(obj)
        company_assoc = {"companies": {"results": [{"id": c["hs_id"], "type": "contact_to_company"}]}}
        for p in c["people"]:
            if rng.random() < 0.6:
                email = p["email"].upper() if rng.random() < 0.1 else p["email"]
                t = _rand_dt(rng, created, SNAPSHOT)
                contacts.append(_hs_obj(rng, {
                    "firstname": p["first"], "lastname": p["last"], "email": email, "phone": p["phone"],
                    "jobtitle": p["title"], "company": c["brand"], "associatedcompanyid": c["hs_id"],
                    "lifecyclestage": "customer" if c["customer"] else "salesqualifiedlead"}, t, t,
                    company_assoc))
        for k in range(rng.choice([0, 1, 1, 2])):
            renewal = c["customer"] and rng.random() < 0.3
            r = rng.random()
            if renewal:
                stage = "won" if r < 0.5 else "lost" if r < 0.7 else "renewalpending"
            else:
                stage = "closedwon" if r < 0.3 and c["customer"] else "closedlost" if r < 0.5 else rng.choice(HS_OPEN)
            closed = stage in ("won", "lost", "closedwon", "closedlost")
            close = (_rand_dt(rng, datetime(2024, 3, 1, tzinfo=UTC), datetime(2025, 1, 31, tzinfo=UTC)) if closed
                     else _rand_dt(rng, datetime(2025, 2, 1, tzinfo=UTC), datetime(2025, 5, 31, tzinfo=UTC)))
            amount = round(rng.uniform(2000, 40000) / 250) * 250
            t = min(close, SNAPSHOT) - timedelta(days=rng.randint(30, 120))
            deals.append(_hs_obj(rng, {
                "dealname": f"{c['brand']} — {'Renewal' if renewal else 'Inbound'} {k + 1}",
                "amount": None if rng.random() < 0.05 else str(amount), "dealstage": stage,
                "pipeline": "renewals" if renewal else "default", "closedate": hs_ts(close),
                "deal_currency_code": "USD", "associatedcompanyid": c["hs_id"],
                "hubspot_owner_id": str(rng.randint(10**7, 10**8))}, t, min(close, SNAPSHOT),
                {"companies": {"results": [{"id": c["hs_id"], "type": "deal_to_company"}]}}))
    for obj in companies[4:6]:  # the same company pulled again after an edit: later updatedAt wins
        later = json.loads(json.dumps(obj))
        later["updatedAt"] = later["properties"]["hs_lastmodifieddate"] = hs_ts(SNAPSHOT + timedelta(hours=3))
        later["properties"]["numberofemployees"] = str(int(obj["properties"]["numberofemployees"] or 100) + 25)
        companies.append(later)
    out = root / "hubspot"
    out.mkdir(parents=True, exist_ok=True)
    for fname, rows in (("companies.ndjson", companies), ("contacts.ndjson", contacts), ("deals.ndjson", deals)):
        lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
        if fname == "contacts.ndjson":  # an export cut off mid-record
            lines.insert(len(lines) // 2, lines[len(lines) // 2][:57])
        (out / fname).write_text("\n".join(lines) + "\n", encoding="utf-8")


# -- Stripe ------------------------------------------------------------------------------------
def write_stripe(root: Path, rng: random.Random, cos: list[dict[str, Any]]) -> None:
    customers, invoices = [], []
    months = _month_starts(date(2024, 10, 1), 4)
    for c in [c for c in cos if c["in_stripe"]]:
        copies = 2 if c["idx"] in (4, 12) else 1  # a second customer object created by mistake
        for copy in range(copies):
            created = c["created"] + timedelta(days=rng.randint(10, 90) + 300 * copy)
            meta: dict[str, str] = {}
            if rng.random() < 0.7:
                meta["domain"] = c["domain"]
            if rng.random() < 0.5:
                meta["salesforce_account_id"] = c["sf_id"]
            cus = {"id": _id(rng, "cus_", 14), "object": "customer",
                   "address": {"city": c["city"], "country": c["country"], "line1": f"{rng.randint(1, 999)} Main St",
                               "postal_code": str(rng.randint(10000, 99999))},
                   "balance": 0, "created": epoch(created), "currency": c["currency"].lower(),
                   "delinquent": c["at_risk"], "description": None,
                   "email": rng.choice(["billing", "ap", "accounts.payable", "finance"]) + "@" + c["domain"],
                   "invoice_prefix": _id(rng, "", 8).upper(), "livemode": True, "metadata": meta,
                   "name": rng.choice([c["name"], c["brand"], c["name"].upper(), f"{c['brand']}, Inc."]),
                   "phone": None, "tax_exempt": "none"}
            customers.append(cus)
            if copy:
                continue
            price = {"Enterprise": 6900, "Mid-Market": 4900, "SMB": 2900}[c["tier"]]
            for seq, m in enumerate(months, start=1):
                t = datetime(m.year, m.month, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 600))
                qty = max(1, c["seats"] + rng.randint(-2, 2))
                amount = qty * price
                last = m == months[-1]
                if c["at_risk"] and seq >= 3:
                    status = "open" if last else rng.choice(["open", "uncollectible"])
                elif last and rng.random() < 0.35:
                    status = "open"
                elif rng.random() < 0.04:
                    status = "void"
                else:
                    status = "paid"
                paid_at = epoch(t + timedelta(days=rng.randint(0, 12))) if status == "paid" else None
                invoices.append({
                    "id": _id(rng, "in_", 24), "object": "invoice", "amount_due": amount,
                    "amount_paid": amount if status == "paid" else 0,
                    "amount_remaining": 0 if status in ("paid", "void") else amount,
                    "billing_reason": "subscription_cycle", "created": epoch(t), "currency": cus["currency"],
                    "customer": cus["id"], "customer_email": cus["email"],
                    "due_date": epoch(t + timedelta(days=30)) if rng.random() < 0.8 else None,
                    "number": f"{cus['invoice_prefix']}-{seq:04d}", "paid": status == "paid",
                    "period_start": epoch(t), "period_end": epoch(t + timedelta(days=30)), "status": status,
                    "status_transitions": {"finalized_at": epoch(t), "paid_at": paid_at},
                    "total": amount,
                    "lines": {"object": "list", "data": [{"amount": amount, "quantity": qty,
                                                          "price": {"unit_amount": price, "currency": cus["currency"]}}],
                              "has_more": False}})
    out = root / "stripe"
    out.mkdir(parents=True, exist_ok=True)
    for fname, rows, url in (("customers.json", customers, "/v1/customers"),
                             ("invoices.json", invoices, "/v1/invoices")):
        body = {"object": "list", "url": url, "has_more": False, "data": rows}
        (out / fname).write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n",
                                 encoding="utf-8")


# -- legacy ERP ---------------------------------------------------------------------------------
def write_erp(root: Path, rng: random.Random, cos: list[dict[str, Any]]) -> None:
    cust = ["CUST_NO;CUST_NAME;CITY;CTRY;VAT_NO;CRED_LIM;PAY_TRMS;CRT_DT;LAST_CHG"]
    inv = ["INV_NO;CUST_NO;INV_DT;DUE_DT;AMT;CURR;STAT;PAID_DT;PO_REF;LAST_CHG"]
    inv_no = 40000
    for c in [c for c in cos if c["in_erp"]]:
        c["erp_no"] = f"C{10000 + c['idx'] * 7:05d}"
        created = c["created"] + timedelta(days=rng.randint(30, 300))
        vat = f"{c['country']}{rng.randint(10**8, 10**9 - 1)}" if c["currency"] == "EUR" else ""
        cust.append(";".join([c["erp_no"], c["name"].upper()[:30], c["city"].upper(), c["country"], vat,
                              money(rng.choice([10000, 25000, 50000, 100000]), c["currency"]),
                              rng.choice(["NET30", "NET45", "NET60"]), f"{created:%d/%m/%Y}",
                              f"{_rand_dt(rng, created, SNAPSHOT):%d/%m/%Y %H:%M}"]))
        for _ in range(rng.randint(3, 7)):
            inv_no += 1
            d = _rand_dt(rng, datetime(2024, 6, 1, tzinfo=UTC), datetime(2025, 1, 25, tzinfo=UTC))
            due = d + timedelta(days=30)
            amount = round(rng.uniform(800, 24000), 2)
            overdue = due < SNAPSHOT and (c["at_risk"] or rng.random() < 0.08)
            stat = ("OVRDUE" if overdue else "OPN" if due >= SNAPSHOT and rng.random() < 0.6
                    else "VOID" if rng.random() < 0.03 else "PD")
            paid = f"{d + timedelta(days=rng.randint(5, 40)):%d/%m/%Y}" if stat == "PD" else ""
            inv.append(";".join([f"INV-{inv_no}", c["erp_no"], f"{d:%d/%m/%Y}", f"{due:%d/%m/%Y}",
                                 money(amount, c["currency"]), c["currency"], stat, paid,
                                 f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.5 else "",
                                 f"{d + timedelta(days=1):%d/%m/%Y %H:%M}"]))
    for line in [ln for ln in inv[1:] if ";OPN;" in ln][:3]:  # paid after the first export
        f = line.split(";")
        f[6], f[7], f[9] = "PD", "30/01/2025", "31/01/2025 17:45"
        inv.append(";".join(f))
    rows = inv[1:]
    for i, col, bad in ((10, 4, "#VALUE!"), (20, 2, "31/02/2025")):  # typos nobody caught
        f = rows[i].split(";")
        f[col] = bad
        rows[i] = ";".join(f)
    rows.insert(30, "INV-ERR;C99999;ERROR 0x80040E14")  # a truncated row from a failed extract
    rows.append(f"*** END OF REPORT *** {len(inv) - 1} RECORDS")
    out = root / "erp"
    out.mkdir(parents=True, exist_ok=True)
    (out / "CUST_MASTER.csv").write_bytes(("\r\n".join(cust) + "\r\n").encode("cp1252"))
    (out / "AR_INVOICES.csv").write_bytes(("\r\n".join([inv[0]] + rows) + "\r\n").encode("cp1252"))


# -- billing database ---------------------------------------------------------------------------
BILLING_SCHEMA = """
CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, account_name TEXT NOT NULL, domain TEXT,
  plan TEXT, status TEXT, created_at TEXT, updated_at TEXT);
CREATE TABLE subscriptions (subscription_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts,
  plan TEXT, seats INTEGER, mrr_cents INTEGER, started_on TEXT, ended_on TEXT, status TEXT);
CREATE TABLE usage (usage_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts, metric TEXT,
  quantity REAL, unit TEXT, period_start INTEGER, period_end INTEGER);
CREATE TABLE invoices (invoice_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts,
  invoice_number TEXT, amount_cents INTEGER, currency TEXT, state TEXT, issued_on TEXT, due_on TEXT,
  paid_on TEXT);
CREATE TABLE account_health (health_id INTEGER PRIMARY KEY, account_id INTEGER REFERENCES accounts,
  health_score INTEGER, health_status TEXT, measured_at TEXT, csm TEXT);
"""


def write_billing(root: Path, rng: random.Random, cos: list[dict[str, Any]]) -> None:
    path = root / "billing" / "billing.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=OFF")
    db.executescript(BILLING_SCHEMA)
    months = _month_starts(date(2024, 11, 1), 3)
    sub_id = usage_id = inv_id = health_id = 0
    for c in [c for c in cos if c["in_billing"]]:
        aid = 1001 + c["idx"]
        plan = {"Enterprise": "enterprise", "Mid-Market": "growth", "SMB": "starter"}[c["tier"]]
        created = (c["created"] + timedelta(days=rng.randint(20, 120))).date()
        name = c["brand"].lower() if rng.random() < 0.15 else c["brand"]
        db.execute("INSERT INTO accounts VALUES (?,?,?,?,?,?,?)",
                   (aid, name, c["domain"], plan, "past_due" if c["at_risk"] else "active",
                    long_date(created), f"{_rand_dt(rng, datetime(2024, 12, 1, tzinfo=UTC), SNAPSHOT):%Y-%m-%d %H:%M:%S}"))
        price = {"enterprise": 6900, "growth": 4900, "starter": 2900}[plan]
        if rng.random() < 0.3:  # upgraded once: the old subscription ended
            sub_id += 1
            db.execute("INSERT INTO subscriptions VALUES (?,?,?,?,?,?,?,?)",
                       (sub_id, aid, "starter", max(1, c["seats"] // 2), max(1, c["seats"] // 2) * 2900,
                        f"{created:%m/%d/%Y}", f"{created + timedelta(days=200):%m/%d/%Y}", "ended"))
        sub_id += 1
        db.execute("INSERT INTO subscriptions VALUES (?,?,?,?,?,?,?,?)",
                   (sub_id, aid, plan, c["seats"], c["seats"] * price,
                    f"{created + timedelta(days=200):%m/%d/%Y}", None, "active"))
        bases = (("api_calls", "calls", c["seats"] * rng.randint(800, 2500)),
                 ("storage_gb", "GB", c["seats"] * rng.uniform(0.5, 4.0)),
                 ("active_seats", "seats", c["seats"] * rng.uniform(0.6, 0.9)))
        growth = rng.uniform(0.98, 1.08)
        for k, m in enumerate(months):
            start = datetime(m.year, m.month, 1, tzinfo=UTC)
            end = datetime(m.year + (m.month == 12), m.month % 12 + 1, 1, tzinfo=UTC)
            trend = (1.0 - 0.3 * k) if c["at_risk"] else growth ** k  # at-risk usage falls 30 %/month
            for metric, unit, base in bases:
                usage_id += 1
                q = base * trend * rng.uniform(0.96, 1.04)
                value = round(q, 2) if metric == "storage_gb" else round(q)
                db.execute("INSERT INTO usage VALUES (?,?,?,?,?,?,?)",
                           (usage_id, aid, metric, value, unit, epoch(start), epoch(end)))
            inv_id += 1
            issued = m + timedelta(days=rng.randint(0, 4))
            state = ("past_due" if c["at_risk"] and k >= 1 else "open" if k == 2 and rng.random() < 0.4
                     else "void" if rng.random() < 0.03 else "paid")
            db.execute("INSERT INTO invoices VALUES (?,?,?,?,?,?,?,?,?)",
                       (inv_id, aid, f"INV-{m.year}-{inv_id:06d}", c["seats"] * price,
                        rng.choice(["USD", "USD", "usd"]), state, long_date(issued),
                        long_date(issued + timedelta(days=30)),
                        long_date(issued + timedelta(days=rng.randint(2, 25))) if state == "paid" else None))
            health_id += 1
            if c["at_risk"]:
                score: int | None = [58, 41, 18 + c["idx"] % 17][k]
            else:
                score = rng.randint(55, 96) if rng.random() > 0.03 else None
            status = (None if score is None else "Red" if score < 40 else "Yellow" if score < 65 else "Green")
            if status and rng.random() < 0.15:
                status = status.lower()
            if c["at_risk"] and k == 2 and c["idx"] % 2:
                status = "At Risk"
            db.execute("INSERT INTO account_health VALUES (?,?,?,?,?,?)",
                       (health_id, aid, score, status, f"{m + timedelta(days=27):%Y-%m-%d}T06:00:00Z",
                        rng.choice(["dana@vendor.io", "lee@vendor.io", "sam@vendor.io"])))
    db.commit()
    db.execute("VACUUM")
    db.close()


def generate(root: Path = HERE) -> list[Path]:
    """Write every demo file under ``root``; returns the paths written."""
    rng = random.Random(SEED)
    cos = build_companies(rng)
    write_salesforce(root, rng, cos)
    write_hubspot(root, rng, cos)
    write_stripe(root, rng, cos)
    write_erp(root, rng, cos)
    write_billing(root, rng, cos)
    write_aws(root, random.Random(SEED + 1))
    return sorted(p for d in ("salesforce", "hubspot", "stripe", "erp", "billing", "aws")
                  for p in (root / d).iterdir() if p.is_file())


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in generate(target):
        print(f"{p.stat().st_size:>9,}  {p}")

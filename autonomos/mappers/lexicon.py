"""The general vocabulary the heuristic mapper reasons with.

Synonyms here are domain knowledge about CRM, finance and cloud-billing concepts (``amount`` is
also called ``total`` or ``value``; an ``account`` is also a ``company`` or ``customer``), never
answers for one vendor's schema. Phrases are written as space-separated words; they are tokenized
with the same rules as field names, so ``"number of employees"`` also matches
``NumberOfEmployees`` and ``numberofemployees``. A phrase may carry a weight below 1.0 when it is
only weak evidence (``"date"`` for ``issue_date``).

Fields or entities this lexicon does not know (tenant extensions) still match on their own names
and on the ``synonyms`` listed in the ontology.
"""

from __future__ import annotations

from autonomos.core.pipeline.coerce import MINOR_UNITS

Phrase = str | tuple[str, float]

# Abbreviations seen in legacy/ERP column names, expanded before matching (token → words).
ABBREVIATIONS: dict[str, str] = {
    "amt": "amount", "amnt": "amount", "dt": "date", "dte": "date", "nm": "name", "nme": "name",
    "no": "number", "num": "number", "nbr": "number", "nr": "number",
    "cust": "customer", "cus": "customer", "acct": "account", "acc": "account",
    "org": "organization", "orgs": "organization", "co": "company", "comp": "company",
    "curr": "currency", "ccy": "currency", "crncy": "currency", "cur": "currency",
    "cd": "code", "stat": "status", "sts": "status", "stts": "status",
    "crt": "created", "cre": "created", "creat": "created", "upd": "updated", "updt": "updated",
    "mod": "modified", "chg": "changed", "ts": "timestamp", "tstamp": "timestamp", "tm": "time",
    "tel": "telephone", "ph": "phone", "phn": "phone", "addr": "address", "ind": "industry",
    "emp": "employee", "empl": "employee", "cnt": "count", "ct": "count", "rev": "revenue",
    "ann": "annual", "inv": "invoice", "invc": "invoice", "opp": "opportunity",
    "oppty": "opportunity", "opty": "opportunity", "prob": "probability", "pct": "percent",
    "perc": "percent", "stg": "stage", "cls": "close", "est": "estimated", "exp": "expected",
    "qty": "quantity", "desc": "description", "proj": "project", "prj": "project",
    "svc": "service", "srv": "service", "rgn": "region", "reg": "region", "src": "source",
    "sys": "system", "txn": "transaction", "tran": "transaction", "trx": "transaction",
    "doc": "document", "bal": "balance", "ref": "reference", "fname": "first name",
    "lname": "last name", "dob": "birth date", "mgr": "manager", "usr": "user",
    "ctry": "country", "cntry": "country", "cty": "city", "pmt": "payment", "pymt": "payment",
    "pd": "paid", "iso": "iso", "sku": "sku", "uom": "unit", "meas": "measured",
    "msr": "measured", "usg": "usage", "evt": "event", "hlth": "health", "scr": "score",
    "rsrc": "resource", "res": "resource", "ttl": "total", "tot": "total", "eml": "email",
    "mail": "email", "url": "url", "www": "web", "tz": "timezone", "yr": "year",
    "ar": "receivable",
}

# Words a token may be segmented into ("closedate" → close date) beyond the lexicon's own.
EXTRA_WORDS = (
    "is has of on at by to in for date time number address primary billing shipping mailing "
    "last first modified created create code type iso associated parent estimated expected "
    "close job web site telephone owner sales rep total sub paid due open remaining balance "
    "annual revenue employees amount value name stage deal company account contact customer "
    "organization person lead invoice opportunity status state currency country city email "
    "phone title domain industry probability score health usage quantity unit metric event "
    "period start end window resource region zone service project cost sku billing id key "
    "lifecycle system inactive active deleted archived version record object identifier "
    "display full given family surname user assigned manager forecast category source issue "
    "transaction document payment fully updated update modify change changed timestamp "
    "count instance machine size location description product meter line item unblended "
    "blended amortized usage"
).split()

# Tokens that qualify a field without changing its meaning ("billing city" is the city).
QUALIFIERS = {
    "billing", "bill", "primary", "main", "default", "current", "actual", "estimated",
    "expected", "total", "official", "legal", "registered", "hq", "headquarters", "address",
    "1", "associated", "parent", "related", "linked", "iso", "code", "value", "line", "item",
    "overall", "usage", "final", "net", "gross", "base", "local", "home", "global",
    "utc", "gmt",
}

# Tokens that make a field a *different* thing than the bare concept ("shipping city").
SECONDARY = {
    "shipping", "ship", "secondary", "other", "alternate", "alt", "mailing", "previous",
    "prior", "old", "2", "3", "second", "backup", "personal", "mobile", "fax", "home",
    "converted", "original", "legacy", "target", "min", "max", "avg", "average", "external",
}

# Leading path segments that only wrap the real name (``properties.domain``, ``data.amount``).
CONTAINERS = {
    "property", "properties", "prop", "props", "attribute", "attributes", "attr", "attrs",
    "field", "fields", "data", "meta", "metadata", "record", "payload", "body", "detail",
    "details", "info", "custom", "cf", "x", "c", "raw", "src", "col", "column",
}

# Tag/label containers of cloud and SaaS exports: ``resourceTags/user:Project`` (AWS),
# ``labels.project`` (GCP), ``Tags.Project`` (Azure). What follows the container is a tag key,
# optionally behind a tag namespace (``user:``, ``aws:``).
TAG_CONTAINERS = {"tag", "label"}
TAG_CONTAINER_PREFIXES = {"resource", "user", "system", "custom", "project", "instance",
                          "cost", "freeform", "defined"}
TAG_NAMESPACES = {"user", "aws", "system", "gcp", "azure", "goog", "custom", "k8s"}

# Abbreviations with several common readings (``res`` is resource, reservation, result,
# response…): an expansion is a guess, so it counts as weak evidence for a table's entity.
AMBIGUOUS_ABBREVIATIONS = {"res", "rev", "exp", "est", "ind", "reg", "mod", "comp", "co", "ann",
                           "cls", "stat", "cus", "acc", "ref", "src", "sys", "doc", "cur", "tot",
                           "ct", "tm", "emp", "inv", "cre", "ph", "srv", "ts"}

# Markers of custom/extension fields (penalised so they go to review, never dropped).
CUSTOM_PREFIXES = ("custom_", "cf_", "x_", "c_", "udf_", "zz_")
CUSTOM_SUFFIXES = ("__c", "_c", "__pc", "_custom")

# Tokens describing pipeline lineage / system bookkeeping when the name starts with "_".
LINEAGE = {
    "loaded", "load", "at", "batch", "extra", "id", "source", "table", "synced", "sync", "extracted",
    "extract", "ingested", "ingest", "fivetran", "airbyte", "sdc", "dlt", "row", "hash",
    "meta", "deleted", "emitted", "ab", "raw", "received", "sequence", "version", "file",
    "line", "rejected", "inserted", "updated", "run", "job", "etl", "lineage", "partition",
    "offset", "cursor", "op", "lsn", "timestamp", "ts", "time", "date", "key", "record",
    "tenant", "pipeline", "stream", "schema", "name", "path", "modified",
}
LINEAGE_PREFIXES = ("_airbyte", "_fivetran", "_sdc", "_dlt", "_hevo", "_stitch", "_peerdb",
                    "_etl", "__")

# Table-name words that say nothing about the entity.
TABLE_NOISE = {
    "export", "exports", "raw", "stg", "staging", "src", "source", "dim", "fact", "fct", "tbl",
    "table", "hdr", "header", "master", "mstr", "daily", "monthly", "weekly", "hourly", "data",
    "crm", "snapshot", "list", "detail", "details", "dump", "all", "latest", "history", "v",
    "view", "vw", "api", "object", "objects", "record", "records", "main", "core", "base",
    "public", "dbo", "import", "sync", "current", "archive", "backup", "tmp", "temp", "new",
    "old", "report", "rollup", "summary", "agg", "aggregate", "log", "logs", "item", "items",
}

# Business objects the built-in entities do not cover. A table named for one of them
# ("subscriptions", "tickets", "deal_stages") is not one of the entities just because it shares
# ids, statuses and dates with one; it needs strong field evidence. Words that name an entity
# of the ontology in use (a tenant may add a "subscription" entity) are never counted here.
OTHER_OBJECTS = {
    "subscription", "plan", "price", "product", "order", "ticket", "task", "issue", "campaign",
    "message", "conversation", "note", "comment", "call", "meeting", "attachment", "file",
    "coupon", "discount", "tax", "refund", "shipment", "employee", "role", "permission", "team",
    "tag", "label", "category", "project", "sprint", "article", "page", "webhook", "job", "goal",
    "quota", "territory", "stage", "type", "rate", "setting", "config", "configuration",
    "payout", "dispute", "credit", "email", "document", "contract", "license", "currency",
    "country", "region", "holiday", "shift", "survey", "form", "workflow", "template",
}

# Entity vocabulary: what a table of this entity is called, and the own-entity prefixes of its
# fields ("account_name" in an account table is the name).
ENTITY_SYNONYMS: dict[str, list[Phrase]] = {
    "account": ["account", "company", "organization", "customer", "client", "business",
                "firm", "sales account", "tenant", ("party", 0.7), ("merchant", 0.8),
                ("employer", 0.6)],
    "contact": ["contact", "person", "people", "lead", "individual", "prospect",
                "customer contact", ("member", 0.6), ("user", 0.5)],
    "opportunity": ["opportunity", "deal", ("sale", 0.7), ("pipeline", 0.6),
                    ("quote", 0.5)],
    "invoice": ["invoice", "bill", "charge", ("receivable", 0.8), ("billing document", 0.9),
                ("statement", 0.5)],
    "usage": ["usage", "event", "metering", "consumption", "activity", ("feature usage", 1.0),
              ("track", 0.7), ("telemetry", 0.8)],
    "health": ["health", "health score", "scorecard", ("score", 0.8), ("risk", 0.6),
               ("nps", 0.6)],
    "cloud_resource": ["resource", "instance", "vm", "virtual machine", "bucket", "server",
                       ("asset", 0.7), ("inventory", 0.7), ("compute", 0.6), ("host", 0.6)],
    "cloud_cost": ["cost", "cloud cost", "spend", "cost usage report", ("cost and usage", 1.0),
                   ("billing export", 0.9), ("cur", 0.6), ("line item", 0.5)],
}

# Field vocabulary, keyed by canonical field name (shared by every entity that has the field)
# and optionally "entity.field" for meanings that only hold in one entity.
FIELD_SYNONYMS: dict[str, list[Phrase]] = {
    "id": ["id", "key", "pk", "uuid", "guid", "object id", "record id", "row id", "identifier",
           ("unique id", 1.0)],
    "name": ["name", ("title", 0.8), ("label", 0.75), ("display name", 0.9),
             ("legal name", 0.95)],
    "domain": ["domain", "website", "web site", "url", "homepage", "domain name",
               ("web", 0.85), ("site", 0.8), ("web address", 0.95)],
    "industry": ["industry", "sector", "vertical", "industry type", ("naics", 0.8),
                 ("sic", 0.75)],
    "employee_count": ["employee count", "employees", "number of employees", "headcount",
                       "head count", "staff count", "employee number", ("company size", 0.85),
                       ("size", 0.6), ("staff", 0.8), ("fte", 0.8)],
    "annual_revenue": ["annual revenue", "revenue", "yearly revenue", "turnover",
                       ("arr", 0.8), ("sales volume", 0.7)],
    "phone": ["phone", "telephone", "phone number", "telephone number",
              ("mobile", 0.7), ("cell", 0.7), ("work phone", 0.95)],
    "email": ["email", "email address", "e mail", ("work email", 0.95)],
    "country": ["country", "country code", "nation", "country name", ("country iso", 1.0)],
    "city": ["city", "town", "locality", "city name"],
    "owner": ["owner", "owner id", "owner name", "account owner", "sales rep", "salesperson",
              "rep", "account manager", "assigned to", ("assigned user", 0.9),
              ("user id", 0.65), ("assignee", 0.9), ("csm", 0.8)],
    "created_at": ["created at", "created", "created date", "create date", "creation date",
                   "date created", "created time", "create time", "created on",
                   "creation time", "creation timestamp", "created timestamp", "add time",
                   "added at", "inserted at", "date added", "created datetime",
                   ("launch time", 0.8), ("first seen", 0.7), ("since", 0.6)],
    "updated_at": ["updated at", "updated", "last modified date", "modified date", "modified",
                   "modified at", "modified on", "last modified", "last updated", "update time",
                   "updated date", "last updated time", "modified time", "date modified",
                   "updated timestamp", "last modified at", "changed at", "updated on",
                   "last changed", ("last update", 1.0), ("last activity", 0.5)],
    "first_name": ["first name", "given name", "forename"],
    "last_name": ["last name", "surname", "family name"],
    "full_name": ["full name", ("name", 0.9), ("display name", 0.85), ("contact name", 0.95),
                  ("person name", 0.95)],
    "title": ["title", "job title", "position", "designation", ("role", 0.8), ("job", 0.7)],
    "amount": ["amount", "total", "grand total", "total amount", "deal value",
               ("value", 0.9), ("price", 0.75), ("sum", 0.8), ("net amount", 0.9),
               ("revenue", 0.7), ("total price", 0.85)],
    "currency": ["currency", "currency code", "currency iso code", "iso currency",
                 ("currency id", 0.85), ("currency ref", 0.85)],
    "stage": ["stage", "stage name", "deal stage", "sales stage", "pipeline stage",
              ("phase", 0.85)],
    "status": ["status", ("state", 0.9), ("status code", 0.95), ("state code", 0.85)],
    "close_date": ["close date", "closing date", "expected close", "expected close date",
                   "estimated close date", "closed date", ("close", 0.8), ("closed at", 0.9),
                   ("close time", 0.9)],
    "probability": ["probability", "win probability", "likelihood", "close probability",
                    ("probability percent", 1.0), ("win rate", 0.8), ("chance", 0.8)],
    "number": ["number", "invoice number", "document number", "reference number",
               ("reference", 0.8), ("invoice id", 0.7), ("code", 0.6)],
    "balance": ["balance", "amount due", "balance due", "amount remaining", "remaining amount",
                "outstanding", "amount outstanding", "open amount", "due amount",
                "outstanding amount", ("open balance", 1.0), ("remaining", 0.85)],
    "issue_date": ["issue date", "issued date", "invoice date", "issued at", "issued on",
                   "document date", "bill date", "billing date", "transaction date",
                   ("date", 0.86), ("posting date", 0.85), ("issued", 0.9)],
    "due_date": ["due date", "payment due date", "due at", "due on", ("due", 0.85),
                 ("due by", 0.9)],
    "paid_date": ["paid date", "paid at", "payment date", "paid on", "date paid",
                  ("paid", 0.8), ("settled at", 0.85), ("payment received", 0.8)],
    "metric": ["metric", "event", "event name", "feature", "metric name", "measure",
               ("action", 0.8), ("event type", 0.9), ("feature name", 1.0), ("meter", 0.8)],
    "quantity": ["quantity", "count", "usage count", "event count", "usage quantity",
                 "usage amount", ("value", 0.85), ("usage", 0.85), ("total", 0.75),
                 ("amount", 0.75), ("volume", 0.8), ("units used", 0.9)],
    "unit": ["unit", "unit of measure", "usage unit", "pricing unit", ("unit type", 0.9)],
    "period_start": ["period start", "start", "start date", "start time", "window start",
                     "start at", "period start date", "from date", ("date", 0.86),
                     ("day", 0.8), ("timestamp", 0.7), ("period", 0.7), ("time", 0.65),
                     ("from", 0.8), ("hour", 0.8), ("week", 0.8), ("month", 0.8)],
    "period_end": ["period end", "end", "end date", "end time", "window end", "end at",
                   "period end date", "to date", ("to", 0.7), ("until", 0.8)],
    "score": ["score", "health score", "overall score", ("rating", 0.8), ("health", 0.8),
              ("value", 0.7), ("index", 0.6)],
    "measured_at": ["measured at", "score date", "snapshot date", "measured on", "as of",
                    "as of date", "recorded at", "calculated at", "evaluated at",
                    "measurement date", ("date", 0.86), ("timestamp", 0.75),
                    ("updated at", 0.6), ("created at", 0.6), ("modified date", 0.6),
                    ("day", 0.7)],
    "resource_type": ["resource type", "instance type", "machine type", ("type", 0.85),
                      ("kind", 0.85), ("size", 0.7), ("class", 0.7)],
    "region": ["region", "location", "availability zone", "resource location",
               ("zone", 0.85), ("geo", 0.7), ("location region", 1.0)],
    "state": ["state", "status", "power state", "lifecycle state", "instance state",
              ("state name", 1.0)],
    "billing_account": ["billing account", "billing account id", "payer account",
                        "payer account id", ("billing id", 0.85), ("account id", 0.8),
                        ("account", 0.7)],
    "project": ["project", "project id", "project name", ("subscription", 0.85),
                ("subscription name", 0.92), ("subscription id", 0.8), ("workspace", 0.8),
                ("resource group", 0.6), ("cost center", 0.6)],
    "service": ["service", "service name", "service description", "product", "product code",
                "product name", ("meter category", 0.9), ("service id", 0.9),
                ("service code", 0.95), ("category", 0.6)],
    "sku": ["sku", "sku id", "sku description", "sku name", ("usage type", 0.92),
            ("meter name", 0.92), ("meter", 0.75), ("product sku", 1.0), ("plan", 0.6)],
    "resource_id": ["resource id", "resource", "resource name", "instance id",
                    "resource arn", ("arn", 0.9), ("resource global name", 1.0)],
    "usage_quantity": ["usage quantity", "usage amount", "quantity", "consumed quantity",
                       ("usage", 0.85), ("units", 0.8)],
    "cost": ["cost", "unblended cost", "cost in billing currency", "pretax cost",
             "net cost", "billed cost", "effective cost", ("amount", 0.85), ("charge", 0.85),
             ("blended cost", 0.85), ("spend", 0.9), ("price", 0.6)],
    "usage_start": ["usage start", "usage start date", "usage start time", "start time",
                    "start date", "charge period start",
                    ("date", 0.86), ("start", 0.85), ("usage date", 0.95), ("day", 0.7)],
    "usage_end": ["usage end", "usage end date", "usage end time", "end time", "end date",
                  "charge period end", ("end", 0.85)],
    # Entity-specific meanings.
    "opportunity.name": [("deal name", 1.0), ("title", 0.95), ("subject", 0.7)],
    "opportunity.status": [("outcome", 0.8), ("result", 0.7)],
    "opportunity.owner": [("deal owner", 1.0)],
    "opportunity.amount": [("deal amount", 1.0), ("opportunity value", 1.0),
                           ("expected amount", 0.9)],
    "invoice.amount": [("invoice total", 1.0), ("amount billed", 0.95), ("total due", 0.8)],
    "invoice.number": [("invoice no", 1.0), ("doc number", 1.0), ("bill number", 1.0)],
    "account.name": [("company name", 1.0), ("organization name", 1.0),
                     ("customer name", 1.0), ("account name", 1.0)],
    "account.id": [("customer number", 0.85), ("account number", 0.85)],
    "cloud_resource.name": [("instance name", 1.0), ("resource name", 0.95), ("tags name", 0.9),
                            ("hostname", 0.85)],
    "cloud_resource.id": [("instance id", 1.0), ("resource id", 1.0), ("arn", 0.85)],
    "cloud_resource.billing_account": [("account id", 0.85), ("owner id", 0.5),
                                       ("subscription id", 0.7)],
    "cloud_cost.id": [("line item id", 1.0)],
    "health.status": [("health status", 1.0), ("health label", 0.95), ("risk level", 0.92),
                      ("color", 0.8), ("score label", 0.9), ("rag", 0.8)],
    "usage.metric": [("name", 0.6)],
}

# Words that make a name mean a *different* thing than the canonical field, wherever they stand:
# the billing period of an invoice is not the period the usage happened in, and a unit price
# or list price is not what a line cost.
_OTHER_PERIOD = {"billing", "bill", "invoice", "invoicing", "trial", "term", "contract",
                 "subscription", "reservation", "commitment", "statement", "fiscal"}
# Columns in a commitment group (``reservation/…``, ``savingsPlan/…``) describe the
# reservation or savings plan bought, not the usage line they appear on.
_COMMITMENT = {"reservation", "reserved", "savings", "commitment", "upfront", "recurring"}
CONFLICTS: dict[str, set[str]] = {
    "usage_start": _OTHER_PERIOD | _COMMITMENT, "usage_end": _OTHER_PERIOD | _COMMITMENT,
    "period_start": _OTHER_PERIOD, "period_end": _OTHER_PERIOD,
    "cost": {"unit", "rate", "list", "public", "pricing", "price"} | _COMMITMENT,
    "resource_id": _COMMITMENT, "usage_quantity": _COMMITMENT, "sku": _COMMITMENT,
}

# Categorical fields whose code or id (``stage_id``, ``region_code``) is the value itself, unlike
# ``event_id`` (a row) or ``product_id`` (a record): a trailing id/code/key costs little there.
CODED_FIELDS = {"stage", "status", "state", "currency", "country", "city", "region",
                "resource_type", "unit", "industry", "owner"}

# Trailing words that give the unit of a money column (``total_in_cents``, ``cost_micros``).
# (Unify divides the minor units back to major ones: core.pipeline.coerce.MINOR_UNITS.)
MONEY_UNITS = set(MINOR_UNITS) | {"dollar", "dollars"}

# Leading groups that name the row itself (``lineItem/UsageStartDate``,
# ``identity/LineItemId``): the rest of the name is the field.
ROW_GROUPS = [("line", "item"), ("identity",)]

# Foreign-key suffixes: "<entity word> id" in a table of another entity points to it.
FK_SUFFIXES = ("id", "key", "reference", "uuid", "guid", "number", "code", "value")

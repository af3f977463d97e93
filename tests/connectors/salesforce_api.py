"""A local fake Salesforce org for the ``salesforce`` connector's tests (stdlib ``http.server``
in a thread, real sockets), speaking the protocol as Salesforce documents it:

* ``POST /services/oauth2/token``: ``grant_type=refresh_token`` (client id, secret and refresh
  token checked) or ``urn:ietf:params:oauth:grant-type:jwt-bearer`` (the assertion's RS256
  signature checked with the test's public key, and its iss, sub, aud, exp) →
  ``{access_token, instance_url, id, token_type, issued_at, signature}``; ``400 invalid_grant``.
* ``GET /services/data/vXX.X/sobjects/{object}/describe``.
* ``GET /services/data/vXX.X/query|queryAll?q=<SOQL>`` → ``{totalSize, done, records[], nextRecordsUrl}``
  (``records[].attributes``; datetimes ``2024-01-05T10:00:00.000+0000``), then
  ``GET …/query/<locator>-<offset>``; ``SELECT COUNT()`` answers ``totalSize`` only.
* Bulk API 2.0: ``POST /jobs/query`` → job ``UploadComplete``; ``GET /jobs/query/{id}`` moves it
  ``InProgress`` → ``JobComplete``; ``GET /jobs/query/{id}/results?maxRecords=&locator=`` → CSV
  with ``Sforce-Locator`` (``null`` on the last page) and ``Sforce-NumberOfRecords``; ``DELETE``.
  ``bulk_enabled = False`` answers ``400 FEATURENOTENABLED``.
* Every data answer carries ``Sforce-Limit-Info: api-usage=<used>/<limit>``; past the limit,
  ``403 REQUEST_LIMIT_EXCEEDED``. A session dies after ``session_requests`` data requests
  (``401 INVALID_SESSION_ID``).

The SOQL understood: ``SELECT f1, f2 FROM Obj [WHERE SystemModstamp <=|>=|<|> <datetime> [AND …]]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
SOQL = re.compile(r"^SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<obj>\w+)(?:\s+WHERE\s+(?P<where>.+))?$", re.I | re.S)
COND = re.compile(r"^(\w+)\s*(<=|>=|<|>|=)\s*(\S+)$")


def ts(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def describe_field(name: str, sf_type: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": sf_type, "label": name, "nillable": True, "referenceTo": [],
            "relationshipName": None, "scale": 0, "precision": 0, "length": 255, **extra}


ACCOUNT_FIELDS = [
    describe_field("Id", "id"), describe_field("IsDeleted", "boolean"), describe_field("Name", "string"),
    describe_field("ParentId", "reference", referenceTo=["Account"], relationshipName="Parent"),
    describe_field("OwnerId", "reference", referenceTo=["User"], relationshipName="Owner"),
    describe_field("BillingCity", "string"), describe_field("BillingAddress", "address"),
    describe_field("AnnualRevenue", "currency", scale=2, precision=18),
    describe_field("Rating__c", "double"), describe_field("NumberOfEmployees", "int"),
    describe_field("Active__c", "boolean"), describe_field("Founded__c", "date"),
    describe_field("Website", "url"), describe_field("CreatedDate", "datetime"),
    describe_field("SystemModstamp", "datetime"),
]


def account(i: int, modstamp: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
    return {"Id": f"001{i:015d}", "IsDeleted": False, "Name": f"Account {i}, Inc.",
            "ParentId": f"001{i - 1:015d}" if i > 1 else None, "OwnerId": "005000000000000001",
            "BillingCity": ["Paris", "Berlin", "Austin"][i % 3], "AnnualRevenue": round(1000 + i * 12.5, 2),
            "Rating__c": i / 4, "NumberOfEmployees": i * 10, "Active__c": i % 2 == 0,
            "Founded__c": f"20{i % 24:02d}-01-15", "Website": f"https://a{i}.example.com",
            "CreatedDate": "2023-06-01T08:00:00Z", "SystemModstamp": modstamp}


class FakeSalesforce:
    def __init__(self, public_key: str | None = None) -> None:
        self.version = "62.0"
        self.objects: dict[str, dict[str, Any]] = {}
        self.client_id, self.client_secret, self.refresh_token = "cid-123", "csecret-456", "rtok-789"
        self.username = "integration@example.com"
        self.public_key = public_key
        self.audience = "https://login.salesforce.com"
        self.instance_url: str | None = None  # the instance_url token answers name (default: this server)
        self.tokens: set[str] = set()
        self.token_requests: list[dict[str, str]] = []
        self.session_requests: int | None = None  # a token dies after this many data requests
        self._uses: dict[str, int] = {}
        self.page_size = 2000
        self.bulk_enabled = True
        self.bulk_polls = 2  # polls before a job completes
        self.jobs: dict[str, dict[str, Any]] = {}
        self.api_used, self.api_limit = 0, 100_000
        self.log: list[tuple[str, str, dict[str, str]]] = []  # method, path, query
        self.faults: list[tuple[str, int, dict[str, str]]] = []  # (path regex, status, headers): answered once each
        self.fail_jobs = False  # Bulk jobs end Failed
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self.lock = threading.Lock()
        api = self

        class _H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                with api.lock:
                    status, body, headers = api.handle(self.command, parts.path, query,
                                                       {k.lower(): v for k, v in self.headers.items()}, raw)
                if isinstance(body, bytes):
                    data = body
                elif isinstance(body, str):
                    data = body.encode()
                elif body is None:
                    data = b""
                else:
                    data = json.dumps(body).encode()
                    headers = {"Content-Type": "application/json;charset=UTF-8", **headers}
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PATCH = _serve

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- data ---------------------------------------------------------------------------------
    def add_object(self, name: str, fields: list[dict[str, Any]], records: list[dict[str, Any]]) -> None:
        self.objects[name] = {"fields": fields, "records": records}

    def records(self, name: str) -> list[dict[str, Any]]:
        return self.objects[name]["records"]

    def start(self) -> "FakeSalesforce":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def calls(self, pattern: str) -> list[tuple[str, str, dict[str, str]]]:
        return [c for c in self.log if re.search(pattern, c[1])]

    # -- protocol -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
               raw: str) -> tuple[int, Any, dict[str, str]]:
        self.log.append((method, path, query))
        for i, (pattern, status, extra) in enumerate(self.faults):
            if re.search(pattern, path):
                del self.faults[i]
                return status, [{"errorCode": "SERVER_UNAVAILABLE", "message": "try again later"}], extra
        if path == "/services/oauth2/token" and method == "POST":
            return self.token({k: v[0] for k, v in parse_qs(raw).items()})
        prefix = f"/services/data/v{self.version}/"
        if not path.startswith(prefix):
            return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}
        token = (headers.get("authorization") or "").removeprefix("Bearer ")
        if token not in self.tokens:
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        self._uses[token] = self._uses.get(token, 0) + 1
        if self.session_requests is not None and self._uses[token] > self.session_requests:
            self.tokens.discard(token)
            return 401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], {}
        self.api_used += 1
        if self.api_used > self.api_limit:
            return 403, [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}], {}
        status, body, extra = self.data(method, path[len(prefix):], query, raw)
        return status, body, {"Sforce-Limit-Info": f"api-usage={self.api_used}/{self.api_limit}", **extra}

    def token(self, form: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        self.token_requests.append(form)
        bad = (400, {"error": "invalid_grant", "error_description": "authentication failure"}, {})
        grant = form.get("grant_type")
        if grant == "refresh_token":
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return 400, {"error": "invalid_client", "error_description": "invalid client credentials"}, {}
            if form.get("refresh_token") != self.refresh_token:
                return bad
        elif grant == JWT_GRANT:
            try:
                claims = jwt.decode(form.get("assertion", ""), self.public_key, algorithms=["RS256"],
                                    audience=self.audience, options={"require": ["exp", "iss", "sub", "aud"]})
            except jwt.PyJWTError as exc:
                return 400, {"error": "invalid_grant", "error_description": f"invalid assertion: {exc}"}, {}
            if claims["iss"] != self.client_id:
                return 400, {"error": "invalid_client_id", "error_description": "client identifier invalid"}, {}
            if claims["sub"] != self.username:
                return bad
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "grant type not supported"}, {}
        access = "00Dxx0000001gPL!" + secrets.token_urlsafe(24)
        self.tokens.add(access)
        return 200, {"access_token": access, "instance_url": self.instance_url or self.url, "token_type": "Bearer",
                     "id": f"{self.url}/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
                     "issued_at": "1700000000000", "signature": "c2lnbmF0dXJl", "scope": "api refresh_token"}, {}

    def data(self, method: str, rest: str, query: dict[str, str], raw: str) -> tuple[int, Any, dict[str, str]]:
        m = re.fullmatch(r"sobjects/(\w+)/describe", rest)
        if m:
            obj = self.objects.get(m.group(1))
            if obj is None:
                return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}
            return 200, {"name": m.group(1), "queryable": True, "replicateable": True, "fields": obj["fields"]}, {}
        m = re.fullmatch(r"(query|queryAll)(?:/([\w-]+))?", rest)
        if m and method == "GET":
            if m.group(2):
                key, _, offset = m.group(2).rpartition("-")
                rows = self._cursors.get(key)
                if rows is None:
                    return 400, [{"errorCode": "INVALID_QUERY_LOCATOR", "message": "invalid query locator"}], {}
                return 200, self._page(key, rows, int(offset), m.group(1)), {}
            try:
                fields, rows = self.run_soql(query.get("q", ""), m.group(1) == "queryAll")
            except ValueError as exc:
                return 400, [{"errorCode": "MALFORMED_QUERY", "message": str(exc)}], {}
            if fields is None:
                return 200, {"totalSize": len(rows), "done": True, "records": []}, {}
            key = "01g" + secrets.token_hex(6)
            self._cursors[key] = [self._rest_record(r, fields, query.get("q", "")) for r in rows]
            return 200, self._page(key, self._cursors[key], 0, m.group(1)), {}
        if rest == "jobs/query" and method == "POST":
            if not self.bulk_enabled:
                return 400, [{"errorCode": "FEATURENOTENABLED", "message": "Bulk API 2.0 is not enabled for this org"}], {}
            body = json.loads(raw)
            op = body.get("operation")
            if op not in ("query", "queryAll"):
                return 400, [{"errorCode": "INVALIDJOB", "message": f"unknown operation {op}"}], {}
            try:
                fields, rows = self.run_soql(body["query"], op == "queryAll")
            except ValueError as exc:
                return 400, [{"errorCode": "INVALIDJOB", "message": str(exc)}], {}
            job_id = "750" + secrets.token_hex(6)
            self.jobs[job_id] = {"id": job_id, "operation": op, "object": re.split(r"\s+", body["query"])[-1],
                                 "state": "UploadComplete", "polls": 0, "fields": fields, "rows": rows,
                                 "contentType": "CSV", "apiVersion": float(self.version), "lineEnding": "LF",
                                 "columnDelimiter": "COMMA"}
            return 200, self._job(job_id), {}
        m = re.fullmatch(r"jobs/query/(\w+)(/results)?", rest)
        if m:
            job = self.jobs.get(m.group(1))
            if job is None:
                return 404, [{"errorCode": "NOT_FOUND", "message": "job not found"}], {}
            if method == "DELETE":
                del self.jobs[m.group(1)]
                return 204, None, {}
            if method == "PATCH":
                job["state"] = "Aborted"
                return 200, self._job(m.group(1)), {}
            if not m.group(2):
                job["polls"] += 1
                job["state"] = "JobComplete" if job["polls"] >= self.bulk_polls else "InProgress"
                if self.fail_jobs and job["polls"] >= self.bulk_polls:
                    job["state"], job["errorMessage"] = "Failed", "InternalServerError: query timed out"
                return 200, self._job(m.group(1)), {}
            if job["state"] != "JobComplete":
                return 400, [{"errorCode": "INVALIDJOB", "message": "job not complete"}], {}
            size = int(query.get("maxRecords") or 1_000_000)
            start = int(query.get("locator") or 0)
            chunk = job["rows"][start:start + size]
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(job["fields"])
            for r in chunk:
                writer.writerow([_csv_value(r.get(f)) for f in job["fields"]])
            nxt = start + size
            return 200, out.getvalue(), {"Content-Type": "text/csv",
                                         "Sforce-Locator": str(nxt) if nxt < len(job["rows"]) else "null",
                                         "Sforce-NumberOfRecords": str(len(chunk))}
        return 404, [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], {}

    def _job(self, job_id: str) -> dict[str, Any]:
        return {k: v for k, v in self.jobs[job_id].items() if k not in ("polls", "fields", "rows")}

    def _page(self, key: str, rows: list[dict[str, Any]], offset: int, kind: str) -> dict[str, Any]:
        chunk = rows[offset:offset + self.page_size]
        nxt = offset + self.page_size
        page: dict[str, Any] = {"totalSize": len(rows), "done": nxt >= len(rows), "records": chunk}
        if nxt < len(rows):
            page["nextRecordsUrl"] = f"/services/data/v{self.version}/{kind}/{key}-{nxt}"
        return page

    def _rest_record(self, r: dict[str, Any], fields: list[str], soql: str) -> dict[str, Any]:
        obj = SOQL.match(soql.strip()).group("obj")  # type: ignore[union-attr]
        out: dict[str, Any] = {"attributes": {"type": obj, "url": f"/services/data/v{self.version}/sobjects/{obj}/{r['Id']}"}}
        for f in fields:
            v = r.get(f)
            if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", v):
                v = ts(v).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
            out[f] = v
        return out

    def run_soql(self, soql: str, include_deleted: bool) -> tuple[list[str] | None, list[dict[str, Any]]]:
        m = SOQL.match(soql.strip())
        if not m:
            raise ValueError(f"unexpected token: {soql[:40]}")
        obj = self.objects.get(m.group("obj"))
        if obj is None:
            raise ValueError(f"sObject type '{m.group('obj')}' is not supported")
        names = {f["name"] for f in obj["fields"]}
        fields = None if m.group("fields").strip().upper() == "COUNT()" else [f.strip() for f in m.group("fields").split(",")]
        for f in fields or []:
            if f not in names:
                raise ValueError(f"No such column '{f}' on entity '{m.group('obj')}'")
            if next(x for x in obj["fields"] if x["name"] == f)["type"] in ("address", "location"):
                raise ValueError(f"compound field {f} is not supported")
        rows = [r for r in obj["records"] if include_deleted or not r.get("IsDeleted")]
        for cond in re.split(r"\s+AND\s+", m.group("where") or "", flags=re.I) if m.group("where") else []:
            c = COND.match(cond.strip())
            if not c:
                raise ValueError(f"unsupported condition {cond}")
            field, op, value = c.groups()
            when = ts(value)
            cmp = {"<=": lambda a: a <= when, ">=": lambda a: a >= when, "<": lambda a: a < when,
                   ">": lambda a: a > when, "=": lambda a: a == when}[op]
            rows = [r for r in rows if r.get(field) and cmp(ts(r[field]))]
        return fields, rows


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z", v):
        return ts(v).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return str(v)

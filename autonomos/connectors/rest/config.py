"""The ``rest`` connector's configuration: attrs models the host structures from pipeline YAML.

Mistakes are reported when the pipeline is parsed, with file, line and path (the host turns a
validator's ``ValueError`` into an issue at the mapping that holds the bad field, so each
message starts with the field's name)::

    pipeline.yaml:12: sources[0].config.resources[1].paginator: type 'pages' is not one of none,
    page_number, offset, cursor, next_url, link_header, header_cursor

Secrets (``auth.token``, ``auth.password``, ``auth.api_key``, ``auth.client_secret``,
``auth.refresh_token``, header values) may be ``{"$env": NAME}`` references; the whole ``auth``
mapping and secret-looking headers are redacted wherever the config is shown.
"""

from __future__ import annotations

import math
import re
from typing import Any

import attrs

AUTH_TYPES = ("bearer", "basic", "api_key", "oauth2")
GRANTS = ("client_credentials", "refresh_token")
PAGINATORS = ("none", "page_number", "offset", "cursor", "next_url", "link_header", "header_cursor")
DECODERS = ("json", "jsonl")
BODY_PAGINATORS = ("cursor", "next_url")  # they read the body: not with the jsonl decoder
PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?\s*$", re.IGNORECASE)
DURATION_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
RESOURCE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
RATE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,128}")  # as autonomos.core.ratelimit.NAME


def _desc(text: str, default: Any = None, **kw: Any) -> Any:
    return attrs.field(default=default, metadata={"description": text, **kw.pop("metadata", {})}, **kw)


def _req(text: str, **metadata: Any) -> Any:
    """A required field (no default) with its help text."""
    return attrs.field(metadata={"description": text, **metadata})


def _one_of(field: str, options: tuple[str, ...], value: Any) -> None:
    if value is not None and value not in options:
        raise ValueError(f"{field} {value!r} is not one of {', '.join(options)}")


def _positive(field: str, value: Any, zero: bool = False) -> None:
    if value is not None and (value < 0 or (value == 0 and not zero)):
        raise ValueError(f"{field} must be {'0 or more' if zero else 'at least 1'}, got {value}")


def duration_seconds(value: str | int | float) -> float:
    """``90``, ``"90s"``, ``"15m"``, ``"2h"``, ``"1d"``, ``"1w"`` → seconds (ValueError otherwise)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = DURATION.match(str(value))
    if not m:
        raise ValueError(f"lookback {value!r} is not a duration such as 90, '30s', '15m', '2h', '1d'")
    return float(m.group(1)) * DURATION_SECONDS[(m.group(2) or "s").lower()]


@attrs.define
class AuthConfig:
    """How requests authenticate. ``type`` picks the fields that matter."""

    type: str = _req("bearer, basic, api_key or oauth2", choices=AUTH_TYPES)
    token: str | None = _desc("bearer: the token (sent as 'Authorization: Bearer <token>')")
    username: str | None = _desc("basic: the user name")
    password: str | None = _desc("basic: the password")
    api_key: str | None = _desc("api_key: the key")
    name: str | None = _desc("api_key: the header or query parameter that carries it (default X-API-Key / api_key)")
    location: str = _desc("api_key: header or query", "header", metadata={"choices": ("header", "query")})
    prefix: str | None = _desc("api_key: text before the key in the header value (e.g. 'Token ')")
    token_url: str | None = _desc("oauth2: the token endpoint (absolute, or relative to base_url)")
    client_id: str | None = _desc("oauth2: the client id")
    client_secret: str | None = _desc("oauth2: the client secret")
    scope: str | None = _desc("oauth2: scopes to ask for, space-separated")
    refresh_token: str | None = _desc("oauth2: a refresh token (grant refresh_token)")
    grant_type: str | None = _desc("oauth2: client_credentials or refresh_token (default: refresh_token "
                                   "when a refresh_token is given)", metadata={"choices": GRANTS})
    client_auth: str = _desc("oauth2: send the client credentials as HTTP basic auth or in the form body",
                             "basic", metadata={"choices": ("basic", "body")})
    token_params: dict[str, str] = attrs.field(factory=dict, metadata={
        "description": "oauth2: extra form fields of the token request (audience, resource…)"})

    def __attrs_post_init__(self) -> None:
        _one_of("type", AUTH_TYPES, self.type)
        _one_of("location", ("header", "query"), self.location)
        _one_of("grant_type", GRANTS, self.grant_type)
        _one_of("client_auth", ("basic", "body"), self.client_auth)
        need = {"bearer": ("token",), "basic": ("username", "password"), "api_key": ("api_key",),
                "oauth2": ("token_url", "client_id")}[self.type]
        # an unresolved {"$env": …} is blanked to "" while the pipeline is checked: None means absent
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"auth type {self.type} needs {' and '.join(missing)}")
        if self.type == "oauth2" and self.grant == "refresh_token" and self.refresh_token is None:
            raise ValueError("auth grant_type refresh_token needs refresh_token")

    @property
    def grant(self) -> str:
        return self.grant_type or ("refresh_token" if self.refresh_token is not None else "client_credentials")


@attrs.define
class PaginatorConfig:
    """How the next page is asked for, and when to stop. Fields apply to the types named."""

    type: str = _req("none, page_number, offset, cursor, next_url, link_header or header_cursor",
                     choices=PAGINATORS)
    page_param: str = _desc("page_number: the page parameter", "page")
    start_page: int = _desc("page_number: the first page's number", 1)
    page_size_param: str | None = _desc("page_number: the page-size parameter (e.g. per_page)")
    page_size: int | None = _desc("page_number: the page size to ask for; offset: see limit")
    total_pages_path: str | None = _desc("page_number: where the body says how many pages there are")
    offset_param: str = _desc("offset: the offset parameter", "offset")
    limit_param: str = _desc("offset: the limit parameter", "limit")
    limit: int | None = _desc("offset: records per page (required for offset)")
    cursor_path: str | None = _desc("cursor: where the body holds the next cursor (default next_cursor)")
    cursor_param: str = _desc("cursor, header_cursor: the parameter the cursor is sent as", "cursor")
    next_url_path: str | None = _desc("next_url: where the body holds the next page's URL (default next)")
    header: str | None = _desc("header_cursor: the response header holding the next cursor")
    has_more_path: str | None = _desc("stop when the body's value here is false (e.g. has_more)")
    total_path: str | None = _desc("page_number, offset: where the body holds the total number of records")
    stop_on_empty: bool = _desc("stop at the first page without records", True)
    stop_on_short_page: bool = _desc("page_number, offset: stop at a page shorter than the page size", False)
    max_pages: int = _desc("safety cap: at most this many pages per resource (and per parent record)", 10_000)

    def __attrs_post_init__(self) -> None:
        _one_of("type", PAGINATORS, self.type)
        _positive("max_pages", self.max_pages)
        _positive("page_size", self.page_size)
        _positive("limit", self.limit)
        _positive("start_page", self.start_page, zero=True)
        if self.type == "offset" and self.limit is None:
            raise ValueError("paginator type offset needs limit (records per page)")
        if self.type == "header_cursor" and not self.header:
            raise ValueError("paginator type header_cursor needs header (the response header with the cursor)")
        if self.stop_on_short_page and self.type not in ("page_number", "offset"):
            raise ValueError("stop_on_short_page applies to page_number and offset paginators only")
        if self.stop_on_short_page and self.type == "page_number" and self.page_size is None:
            raise ValueError("stop_on_short_page needs page_size")
        if self.total_path and self.type == "page_number" and self.page_size is None:
            raise ValueError("total_path with a page_number paginator needs page_size")

    @property
    def reads_body(self) -> bool:
        return self.type in BODY_PAGINATORS or bool(self.has_more_path or self.total_path or self.total_pages_path)


@attrs.define
class IncrementalConfig:
    """Read only what changed: the largest ``cursor_field`` value stored is sent as ``start_param``."""

    cursor_field: str = _req("the record field that grows with every change (updated_at, id…)")
    start_param: str | None = _desc("the request parameter that takes the start value (e.g. since)")
    end_param: str | None = _desc("a request parameter for the end of the window")
    end_value: str | None = _desc("end_param's value: a fixed value, or 'now' (the run's start, UTC ISO time)")
    initial_value: str | int | float | None = _desc("the start value of the first run")
    lookback: str | int | float | None = _desc(
        "re-read this much before the stored cursor, for late writes: seconds or '15m', '2h', '1d' "
        "(date/time cursors), a number (numeric cursors)")

    def __attrs_post_init__(self) -> None:
        if not self.cursor_field:
            raise ValueError("incremental needs cursor_field")
        if self.end_param and self.end_value is None:
            raise ValueError("incremental end_param needs end_value (a value or 'now')")
        if self.lookback is not None and isinstance(self.lookback, str):
            duration_seconds(self.lookback)
        if isinstance(self.lookback, (int, float)) and self.lookback < 0:
            raise ValueError(f"lookback must be 0 or more, got {self.lookback}")


@attrs.define
class ParentConfig:
    """The resource whose records this one is read for: ``{parent.<field>}`` in ``path`` and
    ``params`` takes each parent record's value; ``fields`` are copied into every child record."""

    resource: str = _req("the parent resource's name")
    fields: list[str] | dict[str, str] = attrs.field(factory=list, metadata={
        "description": "parent fields to copy into each child record: a list (column <parent>_<field>) "
                       "or a mapping parent field → column name"})

    def columns(self) -> dict[str, str]:
        """Parent field → child column."""
        if isinstance(self.fields, dict):
            return dict(self.fields)
        return {f: f"{self.resource}_{f.replace('.', '_')}" for f in self.fields}


@attrs.define
class ResourceConfig:
    """One stream of records: one table ``src_<source>.<name>``."""

    name: str = _req("the table name")
    path: str | None = _desc("path below base_url (default: the name); {parent.<field>} placeholders")
    params: dict[str, str | int | float | bool] = attrs.field(factory=dict, metadata={
        "description": "query parameters ({parent.<field>} placeholders allowed)"})
    headers: dict[str, str] = attrs.field(factory=dict, metadata={"description": "extra request headers"})
    record_selector: str | None = _desc("where the records are in the body: $.data[*], data.items; "
                                        "empty: the body if it is a list, else its only list of objects")
    primary_key: str | list[str] | None = _desc("the field(s) identifying a record (the newest load wins)")
    paginator: PaginatorConfig | None = _desc("this resource's paginator (default: the source's)")
    incremental: IncrementalConfig | None = _desc("read only new and changed records")
    parent: ParentConfig | None = _desc("read this resource once per record of another")
    decoder: str | None = _desc("json or jsonl (default: the source's)", metadata={"choices": DECODERS})
    ignore_statuses: list[int] = attrs.field(factory=list, metadata={
        "description": "HTTP statuses read as 'no records' (e.g. 404 for a parent without children)"})
    selected: bool = _desc("load this resource as a table (false: only a parent for others)", True)
    rate_limit: RateLimitConfig | None = _desc("this resource's own rate budget, in place of the source's "
                                               "(named after the resource unless it has a name)")
    max_nesting: int = _desc("nested objects deeper than this stay JSON text", 5)

    def __attrs_post_init__(self) -> None:
        if not RESOURCE_NAME.fullmatch(self.name or ""):
            raise ValueError(f"name {self.name!r} must be letters, digits and underscores, not starting "
                             f"with a digit (it becomes a table name)")
        _one_of("decoder", DECODERS, self.decoder)
        _positive("max_nesting", self.max_nesting, zero=True)
        for status in self.ignore_statuses:
            if not 100 <= status <= 599:
                raise ValueError(f"ignore_statuses: {status} is not an HTTP status")
        for where, text in [("path", self.path or "")] + [(f"params.{k}", v) for k, v in self.params.items()
                                                         if isinstance(v, str)]:
            for ref in PLACEHOLDER.findall(text):
                if not ref.startswith("parent.") or len(ref) <= len("parent."):
                    raise ValueError(f"{where}: placeholder {{{ref}}} is not {{parent.<field>}}")
                if self.parent is None:
                    raise ValueError(f"{where}: placeholder {{{ref}}} needs parent (the resource it reads)")

    @property
    def keys(self) -> list[str]:
        if self.primary_key is None:
            return []
        return [self.primary_key] if isinstance(self.primary_key, str) else list(self.primary_key)


@attrs.define
class RateLimitConfig:
    """A rate budget shared by every run of the tenant against the API host (see docs/rest.md)."""

    requests_per_second: float = _req("requests per second the API allows this account (e.g. 5, 0.5)")
    burst: int | None = _desc("requests that may go at once after a quiet spell (default: requests_per_second "
                              "rounded up)")
    name: str | None = _desc("a budget name: budgets of one host with different names are separate (e.g. "
                             "search vs general); default: the host's one budget, or the resource's name "
                             "for a resource's own rate_limit")
    max_wait: float = _desc("longest wait for one request's turn, in seconds, before the read fails", 300.0)

    def __attrs_post_init__(self) -> None:
        rps = self.requests_per_second
        if isinstance(rps, bool) or not isinstance(rps, (int, float)) or not rps > 0 or rps == float("inf"):
            raise ValueError(f"requests_per_second must be a number more than 0, got {rps!r}")
        self.requests_per_second = float(rps)
        _positive("burst", self.burst)
        if self.name is not None and not RATE_NAME.fullmatch(self.name):
            raise ValueError(f"name {self.name!r} must be 1 to 128 letters, digits, '_', '.' or '-'")
        if not self.max_wait > 0:
            raise ValueError(f"max_wait must be more than 0 seconds, got {self.max_wait}")

    @property
    def bucket_size(self) -> int:
        return self.burst if self.burst is not None else max(1, math.ceil(self.requests_per_second))


@attrs.define
class RetryConfig:
    """Retries of 429, 5xx, timeouts and lost connections."""

    attempts: int = _desc("tries per request, the first included", 5)
    backoff: float = _desc("first backoff in seconds (doubled each retry, with jitter)", 1.0)
    max_backoff: float = _desc("longest wait between tries, Retry-After included (seconds)", 60.0)

    def __attrs_post_init__(self) -> None:
        _positive("attempts", self.attempts)
        if self.backoff < 0 or self.max_backoff < 0:
            raise ValueError("retry backoff and max_backoff must be 0 or more seconds")


@attrs.define
class RestConfig:
    """A REST API described in YAML (see docs/rest.md)."""

    base_url: str = _req("the API's base URL, e.g. https://api.example.com/v1")
    resources: list[ResourceConfig] = _req("the streams to read, one table each")
    headers: dict[str, str] = attrs.field(factory=dict, metadata={"description": "headers sent with every request"})
    params: dict[str, str | int | float | bool] = attrs.field(factory=dict, metadata={
        "description": "query parameters sent with every request"})
    auth: AuthConfig | None = _desc("authentication")
    paginator: PaginatorConfig | None = _desc("the default paginator of every resource")
    decoder: str = _desc("json or jsonl", "json", metadata={"choices": DECODERS})
    timeout: float = _desc("seconds per request (connect, read, write)", 30.0)
    retry: RetryConfig = attrs.field(factory=RetryConfig, metadata={"description": "retry policy"})
    sample_pages: int = _desc("pages read per resource to discover its columns", 1)
    rate_limit: RateLimitConfig | None = _desc("a rate budget for the API host, shared by every run of the "
                                               "tenant (Redis in production, this process when embedded)")

    def __attrs_post_init__(self) -> None:
        _one_of("decoder", DECODERS, self.decoder)
        _positive("sample_pages", self.sample_pages)
        if self.timeout <= 0:
            raise ValueError(f"timeout must be more than 0 seconds, got {self.timeout}")
        if self.base_url and not re.match(r"^https?://[^/?#]+", self.base_url.strip(), re.IGNORECASE):
            raise ValueError(f"base_url {self.base_url!r} must be an http:// or https:// URL with a host")
        if not self.resources:
            raise ValueError("resources: list at least one resource (name, path…)")
        names = [r.name for r in self.resources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"resources: name {dupes[0]!r} is used twice")
        by_name = {r.name: r for r in self.resources}
        for r in self.resources:
            paginator = self.paginator_of(r)
            if paginator and paginator.reads_body and self.decoder_of(r) == "jsonl":
                raise ValueError(f"resources {r.name!r}: paginator {paginator.type} reads the body, "
                                 f"which the jsonl decoder does not have")
            if r.parent is None:
                continue
            if r.parent.resource not in by_name:
                raise ValueError(f"resources {r.name!r}: parent {r.parent.resource!r} is not a resource "
                                 f"(resources: {', '.join(names)})")
            seen, cur = {r.name}, r
            while cur.parent is not None:
                cur = by_name[cur.parent.resource]
                if cur.name in seen:
                    raise ValueError(f"resources {r.name!r}: parents form a loop through {cur.name!r}")
                seen.add(cur.name)
        if not any(r.selected for r in self.resources):
            raise ValueError("resources: every resource has selected: false; select at least one")

    def paginator_of(self, resource: ResourceConfig) -> PaginatorConfig | None:
        return resource.paginator or self.paginator

    def rate_limit_of(self, resource: ResourceConfig | None) -> tuple[RateLimitConfig, str | None] | None:
        """The budget ``resource``'s requests take from, with its name (None: no budget)."""
        if resource is not None and resource.rate_limit is not None:
            return resource.rate_limit, resource.rate_limit.name or resource.name
        if self.rate_limit is not None:
            return self.rate_limit, self.rate_limit.name
        return None

    def decoder_of(self, resource: ResourceConfig) -> str:
        return resource.decoder or self.decoder

    def resource(self, name: str) -> ResourceConfig:
        for r in self.resources:
            if r.name == name:
                return r
        raise KeyError(name)

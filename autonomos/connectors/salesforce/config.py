"""The ``salesforce`` connector's configuration (structured by the host from pipeline YAML).

Secrets (``auth.client_secret``, ``auth.refresh_token``, ``auth.private_key``) may be
``{"$env": NAME}`` references; the whole ``auth`` mapping is redacted wherever the config is shown.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from autonomos.connectors.rest.config import RateLimitConfig, RetryConfig

AUTH_TYPES = ("refresh_token", "jwt_bearer")
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
DEFAULT_OBJECTS = ("Account", "Contact", "Lead", "Opportunity", "User")
API_VERSION = re.compile(r"^v?(\d{2,3})\.(\d)$")
OBJECT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _desc(text: str, default: Any = None, **kw: Any) -> Any:
    return attrs.field(default=default, metadata={"description": text, **kw.pop("metadata", {})}, **kw)


@attrs.define
class SalesforceAuthConfig:
    """How the connector gets an access token (docs/salesforce.md has the setup of each)."""

    type: str = attrs.field(metadata={"description": "refresh_token or jwt_bearer", "choices": AUTH_TYPES})
    client_id: str | None = _desc("the connected app's consumer key")
    client_secret: str | None = _desc("refresh_token: the connected app's consumer secret")
    refresh_token: str | None = _desc("refresh_token: a refresh token issued to the connected app")
    username: str | None = _desc("jwt_bearer: the Salesforce user the token is issued for (the JWT's sub)")
    private_key: str | None = _desc("jwt_bearer: the PEM private key whose certificate the connected app holds")
    audience: str | None = _desc("jwt_bearer: the JWT's aud (default: login_url; "
                                 "https://test.salesforce.com for a sandbox)")
    token_url: str | None = _desc("the token endpoint (default: <login_url>/services/oauth2/token)")

    def __attrs_post_init__(self) -> None:
        if self.type not in AUTH_TYPES:
            raise ValueError(f"type {self.type!r} is not one of {', '.join(AUTH_TYPES)}")
        need = {"refresh_token": ("client_id", "refresh_token"),
                "jwt_bearer": ("client_id", "username", "private_key")}[self.type]
        missing = [f for f in need if getattr(self, f) is None]
        if missing:
            raise ValueError(f"auth type {self.type} needs {' and '.join(missing)}")


@attrs.define
class SalesforceConfig:
    """A Salesforce org read through the REST and Bulk 2.0 APIs (see docs/salesforce.md)."""

    auth: SalesforceAuthConfig = attrs.field(metadata={"description": "authentication"})
    instance_url: str | None = _desc("the org's URL, e.g. https://acme.my.salesforce.com (default: the "
                                     "instance_url the token answer names)")
    login_url: str = _desc("where tokens are asked for: https://login.salesforce.com, "
                           "https://test.salesforce.com (sandboxes) or the My Domain URL", DEFAULT_LOGIN_URL)
    objects: list[str] = attrs.field(factory=lambda: list(DEFAULT_OBJECTS), metadata={
        "description": "the objects to load, one table each (API names: Account, Contact, Invoice__c…)"})
    api_version: str = _desc("the REST API version", "v62.0")
    bulk_threshold: int = _desc("objects with more records than this (SELECT COUNT()) are read through "
                                "Bulk API 2.0; 0: always Bulk, -1: never", 10_000)
    bulk_page_size: int = _desc("records per Bulk 2.0 result page (maxRecords)", 50_000)
    bulk_poll_seconds: float = _desc("seconds between polls of a Bulk 2.0 job", 2.0)
    bulk_timeout: float = _desc("longest wait for a Bulk 2.0 job to complete, in seconds", 3600.0)
    quota_stop_share: float = _desc("stop the run once the org's daily API usage (Sforce-Limit-Info) reaches "
                                    "this share of its limit (1.0: never stop early)", 0.9)
    fields_per_query: int = _desc("at most this many fields per SOQL query: wider objects are read in "
                                  "several queries joined on Id", 500)
    include_deleted: bool = _desc("read deleted records (queryAll) so they are removed from the views", True)
    exclude_fields: dict[str, list[str]] = attrs.field(factory=dict, metadata={
        "description": "per object, fields not to read (e.g. {Account: [Description]})"})
    start_date: str | None = _desc("first run: only records with SystemModstamp at or after this "
                                   "(ISO date or datetime)")
    timeout: float = _desc("seconds per request", 60.0)
    retry: RetryConfig = attrs.field(factory=RetryConfig, metadata={"description": "retry policy"})
    rate_limit: RateLimitConfig | None = _desc("a rate budget for the org's host, shared by every run of the "
                                               "tenant (requests per second)")

    def __attrs_post_init__(self) -> None:
        if not API_VERSION.match(self.api_version.strip()):
            raise ValueError(f"api_version {self.api_version!r} is not a version such as v62.0")
        for url_field in ("instance_url", "login_url"):
            url = getattr(self, url_field)
            if url and not re.match(r"^https?://[^/?#]+", url.strip(), re.IGNORECASE):
                raise ValueError(f"{url_field} {url!r} must be an http:// or https:// URL with a host")
        if not self.objects:
            raise ValueError("objects: list at least one object (Account, Contact…)")
        bad = [o for o in self.objects if not OBJECT_NAME.match(o)]
        if bad:
            raise ValueError(f"objects: {bad[0]!r} is not an object API name")
        if len({o.lower() for o in self.objects}) != len(self.objects):
            raise ValueError("objects: an object is listed twice")
        if not 0 < self.quota_stop_share <= 1:
            raise ValueError(f"quota_stop_share must be more than 0 and at most 1, got {self.quota_stop_share}")
        if self.fields_per_query < 2:
            raise ValueError(f"fields_per_query must be at least 2 (Id and one field), got {self.fields_per_query}")
        if self.bulk_threshold < -1:
            raise ValueError(f"bulk_threshold must be -1 (never), 0 (always) or more, got {self.bulk_threshold}")
        if self.bulk_page_size < 1:
            raise ValueError(f"bulk_page_size must be at least 1, got {self.bulk_page_size}")
        if self.timeout <= 0:
            raise ValueError(f"timeout must be more than 0 seconds, got {self.timeout}")

    @property
    def version(self) -> str:
        """``62.0`` (without the v)."""
        return self.api_version.strip().lstrip("v")

    @property
    def token_url(self) -> str:
        return self.auth.token_url or self.login_url.strip().rstrip("/") + "/services/oauth2/token"
